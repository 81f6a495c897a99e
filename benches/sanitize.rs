//! Making network text safe for the terminal: a clean name (the common case, borrowed), a
//! name full of escape sequences, a 1 MiB log clean and hostile, and cutting a wide name to
//! a table cell.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use omtop::sanitize;
use omtop::tui::ui::text::fit;

/// A line of a task's stderr, as GATK writes them.
const LOG_LINE: &str = "14:36:02.118 INFO  HaplotypeCaller - Processing 1,204,551 reads in chr20:10000001-20000000 (样本 NA12878)\n";

/// Escape sequences an attacker could put into a name or a log: colours, a clipboard write
/// (OSC 52), a hyperlink, a title change, cursor moves, bidi overrides, C1 controls.
const HOSTILE: &str = "\u{1b}[31mred\u{1b}[0m \u{1b}]52;c;aGVsbG8=\u{7} \u{1b}]8;;http://x.example\u{1b}\\link\u{1b}]8;;\u{1b}\\ \u{1b}]0;title\u{7}\u{1b}[2J\u{1b}[H abc\u{202e}fed \u{9b}6n\r\t";

fn log(bytes: usize, every: Option<usize>) -> String {
    let mut s = String::with_capacity(bytes + 256);
    let mut n = 0;
    while s.len() < bytes {
        s.push_str(LOG_LINE);
        n += 1;
        if every.is_some_and(|k| n % k == 0) {
            s.push_str(HOSTILE);
            s.push('\n');
        }
    }
    s
}

fn lines(c: &mut Criterion) {
    let mut g = c.benchmark_group("sanitize::line");
    let clean = "wgs-germline-2024-06-batch-17 NA12878 肿瘤外显子 Tumor WES".repeat(4);
    let hostile = HOSTILE.repeat(4);
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("clean name", |b| {
        b.iter(|| sanitize::line(black_box(&clean)))
    });
    g.throughput(Throughput::Bytes(hostile.len() as u64));
    g.bench_function("hostile name", |b| {
        b.iter(|| sanitize::line(black_box(&hostile)))
    });
    g.finish();
}

fn texts(c: &mut Criterion) {
    let mut g = c.benchmark_group("sanitize::text");
    let clean = log(1 << 20, None);
    let hostile = log(1 << 20, Some(10));
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("1 MiB log, clean", |b| {
        b.iter(|| sanitize::text(black_box(&clean)))
    });
    g.throughput(Throughput::Bytes(hostile.len() as u64));
    g.bench_function("1 MiB log, an attack every 10 lines", |b| {
        b.iter(|| sanitize::text(black_box(&hostile)))
    });
    g.finish();
}

fn cells(c: &mut Criterion) {
    let wide = "样本-甲 家系先证者 whole-genome germline re-run with the new reference".repeat(3);
    c.bench_function("fit a wide name to 40 cells", |b| {
        b.iter(|| fit(black_box(&wide), 40))
    });
}

criterion_group!(benches, lines, texts, cells);
criterion_main!(benches);
