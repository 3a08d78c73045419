//! The trace: search, the runs it is made of, one run's timeline, and the
//! audit chain check.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A search as the Traces page's form (and its URL) holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TraceQuery {
    pub agent: String,
    pub user: String,
    pub tool: String,
    pub decision: String,
    pub status: String,
    pub q: String,
    pub from: String,
    pub to: String,
    /// The page: events older than this sequence number.
    pub before: Option<i64>,
}

impl TraceQuery {
    /// The query string of this search (without the page), for links.
    pub fn to_query_string(&self) -> String {
        query_string(&[
            ("agent", &self.agent),
            ("user", &self.user),
            ("tool", &self.tool),
            ("decision", &self.decision),
            ("status", &self.status),
            ("q", &self.q),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

/// A query string of the pairs whose value is not empty, encoded.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", urlencoding::encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The runs list's filters, as its form (and its URL) holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunQuery {
    pub agent: String,
    pub status: String,
    /// The page: runs older than this place in the list.
    pub before: String,
}

/// One run as the runs list shows it, with names for the ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRowView {
    pub id: String,
    pub agent_id: String,
    pub agent: String,
    /// Who started it: a person's name, or `runtime key “nightly” (of rita)`.
    pub started_by: String,
    /// Whom it acts for: a person, or the agent's service account.
    pub on_behalf_of: String,
    pub status: String,
    /// UTC, to the second.
    pub started: String,
    /// How long it took, when it has ended.
    pub duration: Option<String>,
    pub steps: i64,
    pub allowed: i64,
    pub asked: i64,
    pub denied: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResults {
    pub runs: Vec<RunRowView>,
    pub next: Option<String>,
}

/// One event, with names for the ids it mentions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub seq: i64,
    /// UTC, to the millisecond.
    pub at: String,
    pub kind: String,
    pub agent_id: Option<String>,
    pub agent: Option<String>,
    pub run_id: Option<String>,
    pub actor: Option<String>,
    pub on_behalf_of: Option<String>,
    pub tool: Option<String>,
    /// `allow`, `deny` or `ask`, when the event records a decision.
    pub decision: Option<String>,
    /// One line saying what happened.
    pub summary: String,
    /// The event's data, pretty-printed.
    pub data: String,
    /// For a tool call's request: its whole input, laid out for reading.
    pub call: Option<crate::components::tool_input::CallInput>,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceResults {
    pub events: Vec<EventView>,
    pub next: Option<i64>,
}

/// What the filters offer: the agents and members one can pick.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceOptions {
    pub agents: Vec<(String, String)>,
    pub users: Vec<(String, String)>,
    pub is_admin: bool,
}

#[server(prefix = "/fn", endpoint = "traces/search")]
pub async fn search_traces(query: TraceQuery) -> Result<TraceResults, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let filter = bosun_service::traces::TraceFilter {
        agent: Some(query.agent),
        run: None,
        user: Some(query.user),
        tool: Some(query.tool),
        decision: Some(query.decision),
        status: Some(query.status),
        q: Some(query.q),
        from: Some(query.from),
        to: Some(query.to),
    };
    let page = bosun
        .search_traces(
            &principal,
            &filter,
            query.before,
            bosun_service::traces::DEFAULT_PAGE,
        )
        .await?;
    let names = bosun.trace_names(&principal).await?;
    Ok(TraceResults {
        events: page
            .events
            .into_iter()
            .map(|event| ssr::view(event, &names))
            .collect(),
        next: page.next,
    })
}

#[server(prefix = "/fn", endpoint = "traces/runs")]
pub async fn list_trace_runs(query: RunQuery) -> Result<RunResults, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let filter = bosun_service::traces::RunFilter {
        agent: Some(query.agent),
        status: Some(query.status),
    };
    let page = bosun
        .trace_runs(
            &principal,
            &filter,
            Some(query.before.as_str()),
            bosun_service::traces::DEFAULT_PAGE,
        )
        .await?;
    Ok(RunResults {
        runs: page.runs.into_iter().map(ssr::run_row).collect(),
        next: page.next,
    })
}

#[server(prefix = "/fn", endpoint = "traces/run")]
pub async fn run_timeline(run_id: String) -> Result<Vec<EventView>, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let run = bosun_service::ids::RunId::from_string(run_id);
    let events = bosun.run_trace(&principal, &run).await?;
    let names = bosun.trace_names(&principal).await?;
    Ok(events
        .into_iter()
        .map(|event| ssr::view(event, &names))
        .collect())
}

#[server(prefix = "/fn", endpoint = "traces/choices")]
pub async fn filter_choices() -> Result<TraceOptions, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let agents = bosun
        .list_agents(
            &principal,
            bosun_service::agents::AgentListView::All,
            None,
            None,
            200,
        )
        .await?;
    let names = bosun.trace_names(&principal).await?;
    let mut users: Vec<(String, String)> = names.users.into_iter().collect();
    users.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(TraceOptions {
        agents: agents
            .items
            .into_iter()
            .map(|view| (view.agent.id.to_string(), view.agent.name))
            .collect(),
        users,
        is_admin: principal.is_admin(),
    })
}

/// Checks the whole event log's hash chain (admins): what it found.
#[server(prefix = "/fn", endpoint = "audit/verify")]
pub async fn verify_audit_chain() -> Result<String, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    Ok(match bosun.verify_chain_for(&principal).await? {
        Ok(count) => format!("The chain is whole: {count} events, each linked to the one before."),
        Err(chain_break) => format!("The log does not verify: {chain_break}."),
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use bosun_service::events::Event;
    use bosun_service::traces::TraceNames;
    use serde_json::Value;

    use super::{EventView, RunRowView};

    pub fn run_row(run: bosun_service::traces::RunSummary) -> RunRowView {
        let started_by = match (&run.started_by, &run.started_by_key) {
            (Some(person), _) => person.name.clone(),
            (None, Some(key)) => format!("runtime key “{}” (of {})", key.name, key.created_by.name),
            (None, None) => "—".into(),
        };
        RunRowView {
            started_by,
            on_behalf_of: run.on_behalf_of.map_or_else(
                || "the agent itself (service account)".into(),
                |person| person.name,
            ),
            started: run.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            duration: run.duration_ms.map(duration),
            steps: run.steps,
            allowed: run.decisions.allow,
            asked: run.decisions.ask,
            denied: run.decisions.deny,
            id: run.id,
            agent_id: run.agent_id,
            agent: run.agent_name,
            status: run.status,
        }
    }

    /// `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 07 min`.
    fn duration(ms: i64) -> String {
        if ms < 1_000 {
            format!("{ms} ms")
        } else if ms < 60_000 {
            format!("{}.{} s", ms / 1000, ms % 1000 / 100)
        } else if ms < 3_600_000 {
            format!("{} min {:02} s", ms / 60_000, ms % 60_000 / 1000)
        } else {
            format!("{} h {:02} min", ms / 3_600_000, ms % 3_600_000 / 60_000)
        }
    }

    pub fn view(event: Event, names: &TraceNames) -> EventView {
        let data = &event.data;
        let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
        let decision = text("outcome")
            .filter(|o| event.kind == "approval.resolved" && (o == "allow" || o == "deny"))
            .or_else(|| text("decision").filter(|_| event.kind == "policy.decision"));
        EventView {
            seq: event.seq,
            at: event.at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            agent: names.agent(event.agent_id.as_deref()),
            actor: names.user(event.actor.as_deref()),
            on_behalf_of: names.user(event.on_behalf_of.as_deref()),
            tool: text("tool"),
            summary: summary(&event, names),
            data: serde_json::to_string_pretty(data).unwrap_or_default(),
            call: (event.kind == "tool_call.requested").then(|| {
                crate::components::tool_input::CallInput::new(&data["input"], text("working_dir"))
            }),
            decision,
            kind: event.kind,
            agent_id: event.agent_id,
            run_id: event.run_id,
            hash: event.hash,
        }
    }

    /// What happened, in a line.
    fn summary(event: &Event, names: &TraceNames) -> String {
        let data = &event.data;
        let text = |key: &str| {
            data.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        match event.kind.as_str() {
            "run.started" => match data["started_by_key"].get("name").and_then(Value::as_str) {
                Some(key) => format!(
                    "started by the runtime key “{key}” of {} with input {}",
                    names
                        .user(data["started_by_key"]["created_by"].as_str())
                        .unwrap_or_else(|| "an unknown creator".into()),
                    data["input"]
                ),
                None if data["input"]["client"] == "claude_code" => format!(
                    "Claude Code session {} started in {}",
                    data["input"]["session_id"].as_str().unwrap_or("?"),
                    data["input"]["cwd"].as_str().unwrap_or("?")
                ),
                None => format!("started with input {}", data["input"]),
            },
            "run.claimed" => "claimed by the agent's worker".into(),
            "run.finished" => format!("finished: {}", text("status")),
            "tool_call.requested" => {
                let headline =
                    crate::components::tool_input::CallInput::new(&data["input"], None).headline();
                match data["client_tool"].as_str() {
                    // A client's own tool, next to the catalog tool it was
                    // judged as.
                    Some(client_tool) => format!(
                        "asks to {client_tool} (judged as {}): {headline}",
                        text("tool")
                    ),
                    None => format!("asks to {}: {headline}", text("tool")),
                }
            }
            "policy.decision" => {
                let by = match data["rule"].get("pattern") {
                    Some(pattern) => format!(
                        "by rule {} {} {}",
                        data["rule"]["action"].as_str().unwrap_or_default(),
                        data["rule"]["tool"].as_str().unwrap_or_default(),
                        pattern.as_str().unwrap_or("(any input)")
                    ),
                    None => match data["reason"]["kind"].as_str() {
                        Some("mode") => format!(
                            "by the {} mode",
                            data["reason"]["mode"].as_str().unwrap_or_default()
                        ),
                        Some("run_allowance") => format!(
                            "as allowed for this run by {}",
                            names
                                .user(data["run_allowance"]["granted_by"].as_str())
                                .unwrap_or_else(|| "a reviewer".into())
                        ),
                        _ => data["reason"]["message"]
                            .as_str()
                            .map_or_else(|| data["reason"].to_string(), str::to_owned),
                    },
                };
                format!(
                    "{} {by}; risk {}",
                    text("decision"),
                    data["risk"]["level"].as_str().unwrap_or("unknown")
                )
            }
            "approval.requested" => "waits for a reviewer".into(),
            "approval.resolved" => {
                // Expired and withdrawn requests have no reviewer; their
                // message says why.
                let mut line = match names.user(data["reviewer"].as_str()) {
                    Some(reviewer) => format!("{} by {reviewer}", text("decision")),
                    None => text("decision"),
                };
                if let Some(message) = data["message"].as_str() {
                    line.push_str(&format!(": “{message}”"));
                }
                line
            }
            "tool_call.result" => match data["error"].as_str() {
                Some(error) => format!("failed: {error}"),
                None => format!("done: {}", truncated(&data["output"].to_string(), 120)),
            },
            "credential.issued" => match text("kind").as_str() {
                "oauth" => format!(
                    "received the {} token of {} (scopes {})",
                    text("name"),
                    names
                        .user(data["user"].as_str())
                        .unwrap_or_else(|| "its user".into()),
                    text("scopes")
                ),
                _ => format!(
                    "received secret {} (version {}, service account {})",
                    text("name"),
                    data["version"],
                    text("service_account")
                ),
            },
            "agent.event" => truncated(&data["event"].to_string(), 120),
            kind => truncated(&format!("{kind} {data}"), 120),
        }
    }

    fn truncated(text: &str, max: usize) -> String {
        match text.char_indices().nth(max) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.to_owned(),
        }
    }
}
