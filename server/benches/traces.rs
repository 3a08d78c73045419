//! The trace at size: fills the log with `BENCH_EVENTS` (1,000,000) run
//! events through the same hash-chained append Bosun uses, then measures
//! filtered search and full-text search (p50 / p95 over 200 queries each,
//! as an admin and as a member), and a JSON Lines export of everything over
//! HTTP: MB/s and the process's peak resident memory during the export.
//!
//! `cargo bench -p bosun-server --bench traces` (SQLite in a temporary
//! directory; set `DATABASE_URL=postgres://…` for PostgreSQL).

mod common;

use std::time::{Duration, Instant};

use bosun_service::events::{self, EventKind, NewEvent};
use bosun_service::identity::Role;
use bosun_service::ids::{AgentId, WorkspaceId};
use bosun_service::traces::TraceFilter;
use common::Bench;
use serde_json::json;

const TOOLS: [&str; 6] = [
    "system_shell",
    "read_file",
    "write_file",
    "delete_file",
    "http_request",
    "send_email",
];
const WORDS: [&str; 16] = [
    "release", "deploy", "invoice", "backup", "report", "customer", "staging", "cleanup", "ledger",
    "migrate", "archive", "rotate", "summary", "payroll", "incident", "schema",
];

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(bench());
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
async fn bench() {
    let total: usize = common::setting("BENCH_EVENTS", 1_000_000);
    let harness = Bench::start().await;
    let (base, bosun, admin, token) = (
        harness.base.clone(),
        harness.bosun.clone(),
        harness.admin.clone(),
        harness.admin_token.clone(),
    );
    let workspace = bosun.default_workspace().await.unwrap();
    let member = harness.add_user("member@example.com", Role::Member).await;

    // Fill: 100 agents, runs of 20 events, each a tool call's three steps.
    let started = Instant::now();
    let agents: Vec<String> = (0..100).map(|i| format!("agent-{i:03}")).collect();
    let mut written = 0;
    let mut rng = Lcg(42);
    while written < total {
        let batch = (total - written).min(5_000);
        let mut tx = bosun.db().begin_write().await.unwrap();
        let mut batch_events = Vec::with_capacity(batch);
        for i in written..written + batch {
            let run = i / 20;
            let agent = &agents[run % agents.len()];
            let on_behalf_of = if run % 10 == 0 {
                member.user_id.to_string()
            } else {
                admin.user_id.to_string()
            };
            let tool = TOOLS[rng.below(TOOLS.len())];
            let input = format!(
                "{} {} {} --id {i}",
                WORDS[rng.below(WORDS.len())],
                WORDS[rng.below(WORDS.len())],
                WORDS[rng.below(WORDS.len())]
            );
            let (kind, data) = match i % 3 {
                0 => (
                    EventKind::ToolCallRequested,
                    json!({ "tool_call_id": format!("call-{i}"), "tool": tool, "input": input }),
                ),
                1 => {
                    let decision = ["allow", "allow", "allow", "deny", "ask"][rng.below(5)];
                    (
                        EventKind::PolicyDecision,
                        json!({ "tool_call_id": format!("call-{i}"), "tool": tool, "decision": decision,
                        "reason": { "kind": "rule", "layer": "agent", "position": 1, "rule_id": "r" },
                        "risk": { "level": "caution", "reasons": [] } }),
                    )
                }
                _ => (
                    EventKind::ToolCallResult,
                    json!({ "tool_call_id": format!("call-{i}"), "tool": tool,
                    "output": { "stdout": format!("{input}: done"), "lines": 3 }, "duration_ms": 12 }),
                ),
            };
            let event = NewEvent {
                kind,
                workspace_id: WorkspaceId::from_string(workspace.to_string()),
                agent_id: Some(AgentId::from_string(agent.clone())),
                run_id: Some(format!("run-{run:07}")),
                actor: Some("key:bench".into()),
                on_behalf_of: Some(on_behalf_of),
                data,
            };
            batch_events.push((bosun.now(), event));
        }
        events::append_all(&mut tx, batch_events).await.unwrap();
        tx.commit().await.unwrap();
        written += batch;
    }
    // Statistics as each running store has them: PostgreSQL's autovacuum
    // gathers them soon after a load this size, and planning without them
    // would measure a state that does not last; Bosun never analyzes its
    // SQLite file.
    if bosun.db().backend() == bosun_service::Backend::Postgres {
        sqlx::query("ANALYZE events")
            .execute(bosun.db().pool())
            .await
            .unwrap();
    }
    println!(
        "backend: {:?}; {total} events written in {:.1} s",
        bosun.db().backend(),
        started.elapsed().as_secs_f64()
    );

    // Search.
    let filtered = |i: usize| match i % 4 {
        0 => TraceFilter {
            tool: Some(TOOLS[i % TOOLS.len()].into()),
            ..TraceFilter::default()
        },
        1 => TraceFilter {
            agent: Some(agents[i % agents.len()].clone()),
            ..TraceFilter::default()
        },
        2 => TraceFilter {
            decision: Some("deny".into()),
            tool: Some(TOOLS[i % TOOLS.len()].into()),
            ..TraceFilter::default()
        },
        _ => TraceFilter {
            user: Some(member.user_id.to_string()),
            ..TraceFilter::default()
        },
    };
    let text = |i: usize| TraceFilter {
        q: Some(format!(
            "{} {}",
            WORDS[i % WORDS.len()],
            WORDS[(i / WORDS.len()) % WORDS.len()]
        )),
        ..TraceFilter::default()
    };
    for (who, principal) in [("admin", &admin), ("member", &member)] {
        for (name, filter) in [
            ("filtered", &filtered as &dyn Fn(usize) -> TraceFilter),
            ("full-text", &text),
        ] {
            let mut latencies = Vec::new();
            for i in 0..200 {
                let filter = filter(i);
                let t = Instant::now();
                let page = bosun
                    .search_traces(principal, &filter, None, 50)
                    .await
                    .unwrap();
                latencies.push(t.elapsed());
                assert!(
                    who == "member" || !page.events.is_empty(),
                    "{filter:?} finds something"
                );
            }
            latencies.sort_unstable();
            println!(
                "{name} search as {who}, first page of 50: p50 {:?}, p95 {:?}",
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.95)
            );
        }
    }

    // Export everything over HTTP, as JSON Lines.
    reset_peak_memory();
    let before = peak_memory_kib();
    let t = Instant::now();
    let mut response = reqwest::Client::new()
        .get(format!("{base}/api/v1/traces/export?format=jsonl"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (mut bytes, mut lines) = (0_usize, 0_usize);
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let elapsed = t.elapsed();
    assert!(lines >= total, "every event is exported");
    println!(
        "export (JSON Lines over HTTP): {lines} events, {:.0} MB in {:.1} s = {:.0} MB/s; peak resident memory {} MiB (before: {} MiB)",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        peak_memory_kib() / 1024,
        before / 1024
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

/// Starts a new peak for `VmHWM` (Linux).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset, in KiB.
fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A small deterministic generator: the same log every time.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}
