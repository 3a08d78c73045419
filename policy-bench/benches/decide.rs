//! Decision latency and build time: Bosun's compiled policy, a naive
//! first-match loop and cedar-policy, for 10 to 10,000 rules.
//!
//! Criterion measures medians; a plain timing loop afterwards prints p50
//! and p99 per decision and build times side by side (each sample includes
//! one `Instant::now()` pair; the report prints what an empty sample costs).

use std::hint::black_box;
use std::time::{Duration, Instant};

use bosun_policy_bench::{
    CedarRules, QUERIES, Query, compiled, decide_compiled, decide_naive, layers, naive,
};
use criterion::{BenchmarkId, Criterion};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn criterion_benches(c: &mut Criterion) {
    for &n in &SIZES {
        let layers = layers(n);
        let fast = compiled(&layers);
        let slow = naive(&layers);
        let cedar = CedarRules::build(&layers.agent);
        let mut group = c.benchmark_group(format!("decide/{n}"));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(1));
        group.sample_size(if n >= 1_000 { 15 } else { 30 });
        for q in &QUERIES {
            group.bench_with_input(BenchmarkId::new("compiled", q.name), q, |b, q| {
                b.iter(|| decide_compiled(&fast, black_box(q)));
            });
            group.bench_with_input(BenchmarkId::new("naive", q.name), q, |b, q| {
                b.iter(|| decide_naive(&slow, black_box(q)));
            });
            group.bench_with_input(BenchmarkId::new("cedar", q.name), q, |b, q| {
                b.iter(|| cedar.decide(black_box(q)));
            });
        }
        group.finish();
    }
}

/// Times `f` once per sample until `budget` is spent (at least `min`
/// samples), returning sorted nanoseconds.
fn samples(min: usize, budget: Duration, mut f: impl FnMut()) -> Vec<u64> {
    for _ in 0..min.min(1_000) {
        f();
    }
    let start = Instant::now();
    let mut out = Vec::with_capacity(min);
    while out.len() < min || (start.elapsed() < budget && out.len() < 2_000_000) {
        let t = Instant::now();
        f();
        out.push(u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX));
    }
    out.sort_unstable();
    out
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn fmt_ns(ns: u64) -> String {
    match ns {
        0..=9_999 => format!("{ns} ns"),
        10_000..=9_999_999 => format!("{:.1} µs", ns as f64 / 1e3),
        _ => format!("{:.1} ms", ns as f64 / 1e6),
    }
}

fn build_time(runs: usize, mut f: impl FnMut()) -> u64 {
    let mut times: Vec<u64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX)
        })
        .collect();
    times.sort_unstable();
    times[times.len() / 2]
}

#[expect(clippy::print_stdout, reason = "the benchmark's report")]
fn percentile_report() {
    let overhead = samples(100_000, Duration::from_millis(200), || black_box(()));
    println!("\n## Per-decision latency (p50 / p99)\n");
    println!(
        "Each sample includes the timer; an empty sample measures p50 {} / p99 {}.\n",
        fmt_ns(pct(&overhead, 0.5)),
        fmt_ns(pct(&overhead, 0.99))
    );
    println!(
        "| rules | query | compiled p50 | compiled p99 | naive p50 | naive p99 | cedar p50 | cedar p99 | cedar / compiled (p50) |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut builds = Vec::new();
    for &n in &SIZES {
        let layers = layers(n);
        let fast = compiled(&layers);
        let slow = naive(&layers);
        let cedar = CedarRules::build(&layers.agent);
        for q in &QUERIES {
            let q: &Query = q;
            let c = samples(20_000, Duration::from_millis(400), || {
                black_box(decide_compiled(&fast, black_box(q)));
            });
            let s = samples(200, Duration::from_millis(400), || {
                black_box(decide_naive(&slow, black_box(q)));
            });
            let k = samples(30, Duration::from_millis(600), || {
                black_box(cedar.decide(black_box(q)));
            });
            println!(
                "| {n} | {} | {} | {} | {} | {} | {} | {} | {:.0}× |",
                q.name,
                fmt_ns(pct(&c, 0.5)),
                fmt_ns(pct(&c, 0.99)),
                fmt_ns(pct(&s, 0.5)),
                fmt_ns(pct(&s, 0.99)),
                fmt_ns(pct(&k, 0.5)),
                fmt_ns(pct(&k, 0.99)),
                pct(&k, 0.5) as f64 / pct(&c, 0.5).max(1) as f64,
            );
        }
        let runs = if n >= 10_000 { 5 } else { 11 };
        builds.push((
            n,
            build_time(runs, || drop(black_box(compiled(&layers)))),
            build_time(runs, || drop(black_box(naive(&layers)))),
            build_time(runs.min(5), || {
                drop(black_box(CedarRules::build(&layers.agent)))
            }),
        ));
    }
    println!("\n## Build time (median)\n");
    println!("| rules | compiled | naive | cedar |");
    println!("|---:|---:|---:|---:|");
    for (n, c, s, k) in builds {
        println!("| {n} | {} | {} | {} |", fmt_ns(c), fmt_ns(s), fmt_ns(k));
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
    percentile_report();
}
