use super::*;

fn key(c: &Cache, id: &str) -> Key {
    c.key(Kind::Calls, "ap-guangzhou", id, "/", "")
}

fn modes(path: &Path) -> Vec<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::iter::once(path.to_path_buf())
        .chain(companions(path))
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.permissions().mode() & 0o777)
        .collect()
}

#[tokio::test]
async fn what_is_stored_comes_back_and_the_files_are_private() {
    let dir = tempfile::tempdir().expect("dir");
    let c = Cache::open(dir.path(), DEFAULT_MAX_BYTES).for_origin("h");
    assert!(c.is_open(), "{:?}", c.take_reports());
    assert_eq!(c.get(key(&c, "a")).await, None);
    c.put(vec![(key(&c, "a"), Bytes::from_static(b"one"))])
        .await;
    assert_eq!(c.get(key(&c, "a")).await.as_deref(), Some(&b"one"[..]));
    // Another origin does not see it.
    let other = c.for_origin("elsewhere");
    assert_eq!(other.get(key(&other, "a")).await, None);
    let m = modes(c.path());
    assert_eq!(m.len(), 3, "the file, its -wal and -shm");
    assert!(m.iter().all(|&m| m == 0o600), "{m:?}");
    assert!(c.take_reports().is_empty());
}

#[tokio::test]
async fn a_cache_from_a_newer_omtop_is_neither_read_nor_changed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(FILE_NAME);
    {
        let c = Cache::open(dir.path(), DEFAULT_MAX_BYTES);
        c.put(vec![(key(&c, "a"), Bytes::from_static(b"old"))])
            .await;
    }
    let conn = Connection::open(&path).expect("opens");
    conn.execute_batch("PRAGMA user_version = 7; PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("a newer schema");
    drop(conn);
    let before = std::fs::read(&path).expect("read");
    let c = Cache::open(dir.path(), DEFAULT_MAX_BYTES);
    assert!(!c.is_open());
    assert_eq!(c.get(key(&c, "a")).await, None, "not read");
    c.put(vec![(key(&c, "b"), Bytes::from_static(b"new"))])
        .await;
    assert!(!c.clear(), "not cleared");
    let reports = c.take_reports();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].contains("newer omtop (schema 7"), "{reports:?}");
    assert_eq!(std::fs::read(&path).expect("read"), before, "not changed");
    assert!(c.set_aside_files().is_empty());
}

#[tokio::test]
async fn garbage_and_truncated_files_are_set_aside_and_rebuilt() {
    for damage in ["garbage", "truncated"] {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE_NAME);
        {
            let c = Cache::open(dir.path(), DEFAULT_MAX_BYTES);
            let big = Bytes::from(vec![b'x'; 200_000]);
            let entries = (0..20).map(|i| (key(&c, &format!("r{i}")), big.clone()));
            c.put(entries.collect()).await;
            c.with(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        match damage {
            "garbage" => std::fs::write(&path, vec![0x5a; 100_000]).expect("write"),
            _ => {
                let len = std::fs::metadata(&path).expect("meta").len();
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("open");
                f.set_len(len / 2 + 100).expect("truncate");
            }
        }
        let c = Cache::open(dir.path(), DEFAULT_MAX_BYTES);
        // Every entry is either served whole or not at all; the first error sets the file
        // aside and the rest are misses on the new file.
        for i in 0..20 {
            if let Some(b) = c.get(key(&c, &format!("r{i}"))).await {
                assert_eq!(b, vec![b'x'; 200_000], "{damage}: r{i} came back damaged");
            }
        }
        c.put(vec![(key(&c, "after"), Bytes::from_static(b"ok"))])
            .await;
        assert_eq!(
            c.get(key(&c, "after")).await.as_deref(),
            Some(&b"ok"[..]),
            "{damage}: works again"
        );
        let reports = c.take_reports();
        assert_eq!(reports.len(), 1, "{damage}: told once: {reports:?}");
        assert!(reports[0].contains("moved to"), "{reports:?}");
        assert_eq!(c.set_aside_files().len(), 1, "{damage}");
    }
}

#[test]
fn two_connections_write_at_once_without_losing_a_write() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().to_path_buf();
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                // A handle of its own: its own connection, as another process has.
                let c = Cache::open(&path, DEFAULT_MAX_BYTES);
                for i in 0..200 {
                    let k = c.key(Kind::Calls, "r", &format!("{w}-{i}"), "/", "");
                    c.with(|conn| store::put(conn, &[(k, b"body")], now(), u64::MAX));
                }
                c.take_reports()
            })
        })
        .collect();
    for w in writers {
        let reports = w.join().expect("writer");
        assert!(reports.is_empty(), "{reports:?}");
    }
    let c = Cache::open(&path, DEFAULT_MAX_BYTES);
    let n =
        c.with(|conn| conn.query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0)));
    assert_eq!(n, Some(400));
}

#[test]
fn processes_creating_the_cache_at_once_all_open_it() {
    // Six handles, each its own connection as another process has, open a cache that does
    // not exist yet at the same moment, ten times over: each opens it (none takes the file
    // another is creating for a foreign one and sets it aside) and writes to it.
    const N: usize = 6;
    for round in 0..10 {
        let dir = tempfile::tempdir().expect("dir");
        let start = std::sync::Arc::new(std::sync::Barrier::new(N));
        let openers: Vec<_> = (0..N)
            .map(|w| {
                let path = dir.path().to_path_buf();
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    let c = Cache::open(&path, DEFAULT_MAX_BYTES);
                    let k = c.key(Kind::Calls, "r", &w.to_string(), "/", "");
                    c.with(|conn| store::put(conn, &[(k, b"body")], now(), u64::MAX));
                    c.take_reports()
                })
            })
            .collect();
        for o in openers {
            let reports = o.join().expect("opener");
            assert!(reports.is_empty(), "round {round}: {reports:?}");
        }
        let c = Cache::open(dir.path(), DEFAULT_MAX_BYTES);
        let n = c.with(|conn| {
            conn.query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))
        });
        assert_eq!(n, Some(N as i64), "round {round}");
        assert!(c.set_aside_files().is_empty(), "round {round}");
    }
}
