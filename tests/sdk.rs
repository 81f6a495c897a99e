//! The official Python SDK (tencentcloud-sdk-python-omics) as a second, independent client of
//! the simulator: `tests/sdk/check.py` calls every action over POST and GET through the SDK's
//! own signing and models, and fails on any answer the SDK refuses or does not fully know.
//! Needs the python that `scripts/sdk-venv.sh` prints, in `OMTOP_SDK_PYTHON`; without it the
//! test is skipped, except under CI, where `.ci/run` sets it.

mod common;

use std::process::Command;

use common::BackgroundSim;
use omtop::sim::SimConfig;

#[test]
fn the_official_python_sdk_understands_every_action() {
    let Some(python) = std::env::var_os("OMTOP_SDK_PYTHON").filter(|p| !p.is_empty()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "OMTOP_SDK_PYTHON is not set: under CI, .ci/run must run scripts/sdk-venv.sh and \
             export OMTOP_SDK_PYTHON to the python it prints"
        );
        println!(
            "skipped: run scripts/sdk-venv.sh and set OMTOP_SDK_PYTHON to the python it prints"
        );
        return;
    };
    let sim = BackgroundSim::start(SimConfig::default());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/check.py");
    let out = Command::new(&python)
        .arg(script)
        .args(["--endpoint", &sim.endpoint()])
        .args(["--secret-id", &sim.secret_id()])
        .args(["--secret-key", &sim.secret_key()])
        .output()
        .expect("the SDK's python starts (OMTOP_SDK_PYTHON)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    if !stderr.is_empty() {
        eprintln!("{stderr}");
    }
    assert!(
        out.status.success(),
        "the official SDK disagrees with the simulator ({}): see check.py's FAIL lines above",
        out.status
    );
    assert!(
        stdout
            .lines()
            .next_back()
            .is_some_and(|l| l.ends_with(" 0 failed")),
        "check.py did not finish with its summary:\n{stdout}"
    );
}
