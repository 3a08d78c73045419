//! Load on the runtime API, on loopback, for a bounded time: tool-call
//! decisions per second (every one recorded) with latency percentiles, and
//! the approval round trip hop by hop (ask → in the inbox → approved → the
//! waiting agent resumes). Before the load, the store's own ceiling
//! ([`ceiling`]): the same records written straight into the schema, so
//! the ratio of the two is visible.
//!
//! `cargo bench -p bosun-server --bench runtime` (SQLite in a temporary
//! directory; set `DATABASE_URL=postgres://…` for PostgreSQL). Tunables:
//! `BENCH_SECONDS` (default 10), `BENCH_CONCURRENCY` (default 64),
//! `BENCH_CEILING_DECISIONS` (default 30,000; 0 skips the ceiling).

#[path = "runtime/ceiling.rs"]
mod ceiling;
mod common;

use std::time::{Duration, Instant};

use bosun_service::identity::Role;
use common::Bench;
use reqwest::{Client, Method};
use serde_json::{Value, json};

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(bench());
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
async fn bench() {
    let seconds: u64 = common::setting("BENCH_SECONDS", 10);
    let concurrency: usize = common::setting("BENCH_CONCURRENCY", 64);
    let ceiling_decisions: usize = common::setting("BENCH_CEILING_DECISIONS", 30_000);
    if ceiling_decisions > 0 {
        let database_url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        for figure in ceiling::measure(database_url.as_deref(), ceiling_decisions).await {
            println!(
                "store ceiling, {}: {:.1} µs per event, {:.0} decisions/s ({ceiling_decisions} decisions, \
                 a tool-call row and two events each)",
                figure.name,
                figure.per_event.as_secs_f64() * 1e6,
                figure.decisions_per_second,
            );
        }
    }
    let harness = Bench::start().await;
    let (base, bosun, token) = (
        harness.base.clone(),
        harness.bosun.clone(),
        harness.admin_token.clone(),
    );
    let reviewer = harness.add_user("reviewer@example.com", Role::Admin).await;
    let reviewer_token = bosun.create_token(&reviewer, "bench").await.unwrap().token;

    let client = Client::new();
    let agent = send(&client, &base, &token, Method::POST, "/api/v1/agents",
        json!({"name": "Bench", "tools": ["system_shell", "delete_file"], "execution_mode": "restricted"})).await["id"]
        .as_str().unwrap().to_owned();
    for i in 0..100 {
        send(
            &client,
            &base,
            &token,
            Method::POST,
            &format!("/api/v1/agents/{agent}/rules"),
            json!({"tool": "system_shell", "action": "allow", "pattern": format!("tool{i} *")}),
        )
        .await;
    }
    send(
        &client,
        &base,
        &token,
        Method::POST,
        &format!("/api/v1/agents/{agent}/rules"),
        json!({"tool": "system_shell", "action": "allow", "pattern": "git *"}),
    )
    .await;
    let key = send(
        &client,
        &base,
        &token,
        Method::POST,
        &format!("/api/v1/agents/{agent}/keys"),
        json!({"name": "b"}),
    )
    .await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = send(
        &client,
        &base,
        &token,
        Method::POST,
        &format!("/api/v1/agents/{agent}/runs"),
        json!({"input": {}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        &client,
        &base,
        &key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=1",
        Value::Null,
    )
    .await;

    // Decisions under load.
    let url = format!("{base}/api/v1/runtime/runs/{run}/tool-calls");
    let load = if wrk_installed() {
        load_with_wrk(&url, &key, seconds, concurrency).await
    } else {
        load_in_process(&client, &url, &key, seconds, concurrency).await
    };
    let recorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'policy.decision'")
            .fetch_one(bosun.db().pool())
            .await
            .unwrap();
    println!(
        "backend: {:?}; {concurrency} concurrent connections for {seconds} s; 101 rules; load from {}",
        bosun.db().backend(),
        load.generator
    );
    println!(
        "decisions: {} answered ({:.0}/s), {} failed, {recorded} recorded; p50 {:?}, p99 {:?}",
        load.answered,
        load.answered as f64 / seconds as f64,
        load.failed,
        load.p50,
        load.p99,
    );
    assert_eq!(load.failed, 0, "every call is answered");
    assert!(
        recorded >= i64::try_from(load.answered).unwrap(),
        "every answered decision is recorded"
    );

    // The approval round trip, hop by hop.
    let mut hops: [Vec<Duration>; 3] = Default::default();
    for i in 0..20 {
        let t0 = Instant::now();
        let asked = send(
            &client,
            &base,
            &key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/tool-calls"),
            json!({"tool": "delete_file", "input": format!("/work/{i}")}),
        )
        .await;
        let approval = asked["approval_id"].as_str().unwrap().to_owned();
        let id = asked["id"].as_str().unwrap().to_owned();
        let waiter = {
            let (client, base, key) = (client.clone(), base.clone(), key.clone());
            tokio::spawn(async move {
                let state = send(
                    &client,
                    &base,
                    &key,
                    Method::GET,
                    &format!("/api/v1/runtime/tool-calls/{id}?wait=10"),
                    Value::Null,
                )
                .await;
                (Instant::now(), state)
            })
        };
        loop {
            let inbox = send(
                &client,
                &base,
                &reviewer_token,
                Method::GET,
                "/api/v1/approvals",
                Value::Null,
            )
            .await;
            if inbox["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|a| a["id"] == approval.as_str()))
            {
                break;
            }
        }
        let t1 = Instant::now();
        send(
            &client,
            &base,
            &reviewer_token,
            Method::POST,
            &format!("/api/v1/approvals/{approval}/decision"),
            json!({"decision": "allow_once"}),
        )
        .await;
        let t2 = Instant::now();
        let (t3, state) = waiter.await.unwrap();
        assert_eq!(state["decision"], "allow");
        hops[0].push(t1 - t0);
        hops[1].push(t2 - t1);
        hops[2].push(t3.saturating_duration_since(t2));
    }
    for (name, hop) in [
        "ask → visible in the inbox",
        "approve",
        "approved → agent resumes",
    ]
    .iter()
    .zip(hops.iter_mut())
    {
        hop.sort_unstable();
        println!(
            "approval hop {name}: p50 {:?}, max {:?}",
            percentile(hop, 0.5),
            hop.last().copied().unwrap_or_default()
        );
    }
}

/// What a load run measured.
struct Load {
    generator: &'static str,
    answered: u64,
    failed: u64,
    p50: Duration,
    p99: Duration,
}

fn wrk_installed() -> bool {
    std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok()
}

/// `wrk` (Debian's package) on two threads, each call a different command.
async fn load_with_wrk(url: &str, key: &str, seconds: u64, connections: usize) -> Load {
    let script = tempfile::NamedTempFile::new().expect("a temporary file");
    let lua = format!(
        r#"wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{{"tool":"system_shell","input":"git log -n ' .. n .. '"}}')
end
done = function(summary, latency, requests)
  io.write(string.format("answered %d\nfailed %d\np50 %d\np99 %d\n",
    summary.requests - summary.errors.status, summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#
    );
    std::fs::write(script.path(), lua).expect("the wrk script is written");
    let output = tokio::process::Command::new("wrk")
        .args([
            "-t",
            "2",
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
        ])
        .arg("-s")
        .arg(script.path())
        .arg(url)
        .output()
        .await
        .expect("wrk runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let figure = |name: &str| -> u64 {
        report
            .lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("wrk reports {name}:\n{report}"))
    };
    Load {
        generator: "wrk",
        answered: figure("answered"),
        failed: figure("failed"),
        p50: Duration::from_micros(figure("p50")),
        p99: Duration::from_micros(figure("p99")),
    }
}

/// A client in this process, when wrk is not installed.
async fn load_in_process(
    client: &Client,
    url: &str,
    key: &str,
    seconds: u64,
    concurrency: usize,
) -> Load {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (client, url, key) = (client.clone(), url.to_owned(), key.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut failed) = (Vec::new(), 0_u64);
            let mut n = 0_u64;
            while Instant::now() < deadline {
                let started = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&json!({"tool": "system_shell", "input": format!("git log -n {worker}{n}")}))
                    .send()
                    .await;
                if response.is_ok_and(|r| r.status().is_success()) {
                    latencies.push(started.elapsed());
                } else {
                    failed += 1;
                }
                n += 1;
            }
            (latencies, failed)
        }));
    }
    let (mut latencies, mut failed) = (Vec::new(), 0);
    for task in tasks {
        let (more, more_failed) = task.await.unwrap();
        latencies.extend(more);
        failed += more_failed;
    }
    latencies.sort_unstable();
    Load {
        generator: "an in-process client (install wrk for a lighter one)",
        answered: latencies.len() as u64,
        failed,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

async fn send(
    client: &Client,
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> Value {
    let mut request = client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.expect("Bosun answers");
    response.json().await.unwrap_or(Value::Null)
}
