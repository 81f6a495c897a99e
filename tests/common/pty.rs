//! The real `omtop` binary in a pseudo-terminal: every byte it writes is kept and fed to a
//! terminal emulator, keys are typed into it, and its terminal mode can be read back.

use std::io::{Read, Write};
use std::os::fd::RawFd;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use omtop::sim::SimHandle;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// How long a wait for the screen may take before the test fails: generous, because the
/// machines that run tests are shared.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Session {
    master: Box<dyn MasterPty + Send>,
    keys: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// The terminal's mode before omtop started.
    pub original: libc::termios,
}

/// The environment a test gives omtop: a private HOME, a log file, and the simulator's
/// credentials; nothing inherited.
pub fn command(sim: &SimHandle, home: &Path, args: &[&str]) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_omtop"));
    let region = sim.landmarks().region;
    cmd.args(["--endpoint", &sim.endpoint(), "--region", &region]);
    cmd.args(args);
    cmd.env_clear();
    cmd.env("HOME", home);
    cmd.env("TERM", "xterm-256color");
    cmd.env("OMTOP_LOG", home.join("omtop.log"));
    cmd.env("TENCENTCLOUD_SECRET_ID", sim.secret_id());
    cmd.env("TENCENTCLOUD_SECRET_KEY", sim.secret_key());
    cmd
}

fn termios(fd: RawFd) -> libc::termios {
    // SAFETY: tcgetattr fills a plain C struct; an all-zero termios is a valid value to
    // hand it, and the fd is the pty master, open for the whole call.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::tcgetattr(fd, &mut t) };
    assert_eq!(rc, 0, "tcgetattr on the pty");
    t
}

impl Session {
    pub fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let original = termios(pty.master.as_raw_fd().expect("master fd"));
        let child = pty.slave.spawn_command(cmd).expect("omtop starts");
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().expect("reader");
        {
            let (parser, raw) = (parser.clone(), raw.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    parser.lock().expect("parser").process(&buf[..n]);
                    raw.lock().expect("raw").extend_from_slice(&buf[..n]);
                }
            });
        }
        let keys = pty.master.take_writer().expect("writer");
        Self {
            master: pty.master,
            keys,
            child,
            parser,
            raw,
            original,
        }
    }

    pub fn text(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// Every byte omtop has written so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().expect("raw").clone()
    }

    pub fn raw_len(&self) -> usize {
        self.raw.lock().expect("raw").len()
    }

    /// The emulated terminal's state, to ask about the cursor and the alternate screen.
    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.parser.lock().expect("parser").screen())
    }

    /// Waits until the screen shows `needle`.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |t| t.contains(needle))
    }

    /// Waits until `ok` holds for the screen's text; `what` names it in the failure.
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.text();
            if ok(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "never showed {what:?}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Types `bytes` and gives the program a moment to draw.
    pub fn send(&mut self, bytes: &str) {
        self.keys.write_all(bytes.as_bytes()).expect("keys");
        self.keys.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(120));
    }

    pub fn pid(&self) -> i32 {
        self.child.process_id().expect("pid") as i32
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) with a pid this test spawned and still holds.
        let rc = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(rc, 0, "kill({sig})");
    }

    pub fn try_exit(&mut self) -> Option<portable_pty::ExitStatus> {
        self.child.try_wait().expect("wait")
    }

    /// Waits for omtop to exit and gives its status.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.try_exit() {
                // Let the reader take the last bytes.
                std::thread::sleep(Duration::from_millis(150));
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("omtop did not exit; screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// The terminal's mode now.
    pub fn termios(&self) -> libc::termios {
        termios(self.master.as_raw_fd().expect("master fd"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
