//! However the dashboard ends (a panic, SIGTERM, SIGHUP, Ctrl-C, or `q`), the terminal is
//! given back as it was: the same line discipline (no raw mode), the cursor shown, the
//! alternate screen left, mouse reporting off. The real binary runs in a pseudo-terminal.

mod common;

use common::BackgroundSim;
use common::pty::{Session, command};
use omtop::sim::SimConfig;

/// The mode bits raw mode changes.
const LOCAL: libc::tcflag_t = libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN;
const INPUT: libc::tcflag_t = libc::ICRNL | libc::IXON;
const OUTPUT: libc::tcflag_t = libc::OPOST;

/// Starts the dashboard, waits for data on screen and checks that it took the terminal.
fn start(sim: &BackgroundSim, home: &std::path::Path) -> Session {
    let mut cmd = command(sim, home, &[]);
    cmd.env(omtop::TEST_PANIC_ENV, "1");
    let s = Session::spawn(cmd, 100, 30);
    s.wait_for("Projects");
    s.wait_for("RUNNING FAILED");
    let now = s.termios();
    assert_eq!(now.c_lflag & libc::ICANON, 0, "omtop runs in raw mode");
    assert!(s.with_screen(|t| t.alternate_screen()), "alternate screen");
    assert!(s.with_screen(|t| t.hide_cursor()), "cursor hidden");
    s
}

/// What every ending must leave behind.
fn assert_restored(s: &Session, how: &str) {
    let now = s.termios();
    let o = &s.original;
    assert_eq!(now.c_lflag & LOCAL, o.c_lflag & LOCAL, "{how}: local modes");
    assert_eq!(now.c_iflag & INPUT, o.c_iflag & INPUT, "{how}: input modes");
    assert_eq!(
        now.c_oflag & OUTPUT,
        o.c_oflag & OUTPUT,
        "{how}: output modes"
    );
    assert_ne!(now.c_lflag & libc::ICANON, 0, "{how}: canonical mode back");
    assert!(
        !s.with_screen(|t| t.alternate_screen()),
        "{how}: alternate screen left"
    );
    assert!(!s.with_screen(|t| t.hide_cursor()), "{how}: cursor shown");
    assert_eq!(
        s.with_screen(|t| t.mouse_protocol_mode()),
        vt100::MouseProtocolMode::None,
        "{how}: mouse reporting off"
    );
}

#[test]
fn a_panic_restores_the_terminal_and_says_what_happened() {
    let sim = BackgroundSim::start(SimConfig::default());
    let home = tempfile::tempdir().expect("home");
    let mut s = start(&sim, home.path());
    s.send(":panic\r");
    let status = s.wait_exit();
    assert_eq!(status.exit_code(), 101, "a panic exits 101: {status:?}");
    assert_restored(&s, "panic");
    // The message is printed on the restored screen, not lost in the alternate one.
    let text = s.text();
    assert!(text.contains("panicked"), "{text}");
    assert!(text.contains("forced by :panic"), "{text}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let sim = BackgroundSim::start(SimConfig::default());
    let home = tempfile::tempdir().expect("home");
    let mut s = start(&sim, home.path());
    s.signal(libc::SIGTERM);
    let status = s.wait_exit();
    assert_eq!(status.exit_code(), 128 + 15, "{status:?}");
    assert_restored(&s, "SIGTERM");
}

#[test]
fn sighup_restores_the_terminal() {
    let sim = BackgroundSim::start(SimConfig::default());
    let home = tempfile::tempdir().expect("home");
    let mut s = start(&sim, home.path());
    s.signal(libc::SIGHUP);
    let status = s.wait_exit();
    assert_eq!(status.exit_code(), 128 + 1, "{status:?}");
    assert_restored(&s, "SIGHUP");
}

#[test]
fn ctrl_c_and_q_restore_the_terminal() {
    let sim = BackgroundSim::start(SimConfig::default());
    for (key, how) in [("\u{3}", "Ctrl-C"), ("q", "q")] {
        let home = tempfile::tempdir().expect("home");
        let mut s = start(&sim, home.path());
        s.send(key);
        let status = s.wait_exit();
        assert!(status.success(), "{how}: {status:?}");
        assert_restored(&s, how);
    }
}
