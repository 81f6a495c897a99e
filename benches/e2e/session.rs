//! The real binary in a pseudo-terminal: every byte it writes is kept with the time it
//! arrived, the screen is rebuilt by a terminal emulator, and the process is read from
//! /proc (resident memory, CPU time).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// What the terminal received: the chunks as they arrived, and the screen they make.
struct Received {
    chunks: Vec<(Instant, usize)>,
    raw: Vec<u8>,
    screen: vt100::Parser,
}

pub struct Session {
    child: Box<dyn Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    /// Kept open for as long as the session lives: the child's terminal.
    _master: Box<dyn MasterPty + Send>,
    received: Arc<Mutex<Received>>,
    pid: u32,
    size: (u16, u16),
    /// Just before the process was started.
    pub spawned: Instant,
    _home: Option<tempfile::TempDir>,
}

const TIMEOUT: Duration = Duration::from_secs(60);

/// The binary measured: `OMTOP_BENCH_BIN` (to compare two builds on the same machine in
/// one sitting), else the release build of this tree.
pub fn binary() -> String {
    std::env::var("OMTOP_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_omtop").to_string())
}

impl Session {
    /// Starts `omtop ARGS` in a `cols` x `rows` terminal, with a fresh HOME and only the
    /// environment given.
    pub fn start(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Self {
        let home = tempfile::tempdir().expect("a HOME");
        let mut s = Self::start_in(home.path(), args, env, cols, rows);
        s._home = Some(home);
        s
    }

    /// As `start`, in the HOME given (kept across sessions: its cache, its log).
    pub fn start_in(
        home: &std::path::Path,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(binary());
        cmd.args(args);
        cmd.env_clear();
        cmd.env("HOME", home);
        cmd.env("TERM", "xterm-256color");
        cmd.env("OMTOP_LOG", home.join("omtop.log"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let received = Arc::new(Mutex::new(Received {
            chunks: Vec::new(),
            raw: Vec::new(),
            screen: vt100::Parser::new(rows, cols, 0),
        }));
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let spawned = Instant::now();
        let child = pty.slave.spawn_command(cmd).expect("omtop starts");
        drop(pty.slave);
        let pid = child.process_id().expect("a pid");
        {
            let received = received.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let now = Instant::now();
                    let mut r = received.lock().expect("received");
                    r.chunks.push((now, n));
                    r.raw.extend_from_slice(&buf[..n]);
                    r.screen.process(&buf[..n]);
                }
            });
        }
        let keys = pty.master.take_writer().expect("pty writer");
        Self {
            child,
            keys,
            _master: pty.master,
            received,
            pid,
            size: (cols, rows),
            spawned,
            _home: None,
        }
    }

    pub fn screen(&self) -> String {
        self.received
            .lock()
            .expect("received")
            .screen
            .screen()
            .contents()
    }

    /// Bytes written to the terminal so far.
    pub fn written(&self) -> usize {
        self.received.lock().expect("received").raw.len()
    }

    /// Waits until the screen shows every one of `needles`.
    pub fn wait_for(&self, needles: &[&str]) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let text = self.screen();
            if needles.iter().all(|n| text.contains(n)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {needles:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until nothing has been written for `quiet`.
    pub fn wait_quiet(&self, quiet: Duration) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let last = self
                .received
                .lock()
                .expect("received")
                .chunks
                .last()
                .map(|(t, _)| *t);
            if last.is_some_and(|t| t.elapsed() >= quiet) || Instant::now() > deadline {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).expect("keys");
        self.keys.flush().expect("keys");
    }

    /// The time from the start of the process to the first write after which the screen
    /// showed `needle`, found by replaying what was received chunk by chunk.
    pub fn first_shown(&self, needle: &str) -> Option<Duration> {
        let r = self.received.lock().expect("received");
        let (cols, rows) = self.size;
        let mut screen = vt100::Parser::new(rows, cols, 0);
        let mut at = 0;
        for (t, n) in &r.chunks {
            screen.process(&r.raw[at..at + n]);
            at += n;
            if screen.screen().contents().contains(needle) {
                return Some(t.duration_since(self.spawned));
            }
        }
        None
    }

    fn proc_file(&self, name: &str) -> String {
        std::fs::read_to_string(format!("/proc/{}/{name}", self.pid)).expect("/proc readable")
    }

    /// Resident memory now and at its peak (VmRSS, VmHWM), in KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = self.proc_file("status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .expect("a memory field")
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// CPU time used so far, user and system, every thread.
    pub fn cpu_time(&self) -> Duration {
        let stat = self.proc_file("stat");
        // The fields after the command name, which is in parentheses and may hold spaces.
        let rest = &stat[stat.rfind(')').expect("a stat line") + 2..];
        let fields: Vec<u64> = rest
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let ticks = fields[11] + fields[12];
        Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second())
    }

    /// Asks omtop to quit, and waits for it.
    pub fn quit(mut self) {
        self.send("q");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The kernel's clock ticks per second, as `getconf CLK_TCK` reports them.
fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
