//! The end-to-end benchmark: the release binary against the simulator, measured as a person
//! meets it (targets 1 and 3 to 8 of BENCHMARKS.md; target 2 is `cargo bench --bench render`).
//!
//! `cargo bench --bench e2e` runs every measure; name some to run only those:
//! `cargo bench --bench e2e -- paging bytes memory idle start warm triage`. `OMTOP_BENCH_IDLE_SECS`
//! shortens the idle measure (60 s by default), `OMTOP_BENCH_MEMORY_SECS` lengthens the
//! memory one (15 s). It prints each figure with its target.

#[path = "../support/mod.rs"]
mod support;

mod cached;
mod dashboard;
mod paging;
mod session;

/// The figures, printed as they are measured and again together at the end.
#[derive(Default)]
pub struct Report {
    figures: Vec<String>,
}

impl Report {
    /// A figure with its target, and whether it was met.
    pub fn figure(&mut self, what: &str, measured: String, target: &str, met: bool) {
        let verdict = if met { "met" } else { "MISSED" };
        let line = format!("{what:<48} {measured:<44} target {target:<10} {verdict}");
        println!("{line}");
        self.figures.push(line);
    }

    /// A detail behind a figure.
    pub fn note(&self, text: &str) {
        println!("  {text}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes --bench; `cargo test --benches` does not, and gets no measures.
    if !args.iter().any(|a| a == "--bench") {
        println!("e2e: an end-to-end benchmark; run it with `cargo bench --bench e2e`");
        return;
    }
    let picked: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let wants = |name: &str| picked.is_empty() || picked.contains(&name);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut report = Report::default();
    if wants("paging") {
        paging::measure(&rt, &mut report);
    }
    dashboard::measure(&rt, &mut report, &wants);
    cached::measure(&rt, &mut report, &wants);
    println!();
    println!("omtop end to end ({})", session::binary());
    for line in &report.figures {
        println!("{line}");
    }
}
