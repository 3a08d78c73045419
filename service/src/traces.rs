//! Reading the trace: search with filters and full text, a page at a time;
//! the runs it is made of, each with its counts; one run's timeline, and a
//! wake-up each time that run gets a new step; and export of a whole filter
//! (one run's included), streamed.
//!
//! Who sees what: admins see every event of their workspace; everyone else
//! sees the events of the runs they started and of every run of the agents
//! they may edit, and no admin (audit) events. Search, the runs list and
//! every export build that condition in one place ([`member_reach_sql`]),
//! whose "agents they may edit" comes from `agents::access` beside the
//! rule it restates; a run's timeline is for those its page is for
//! (`runs::control`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{Stream, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::agents::access::editable_agents_sql;
use crate::clock::{from_millis, to_millis};
use crate::db::Sql;
use crate::events::{Event, ExportedEvent, StoredEvent};
use crate::ids::RunId;
use crate::runs::tool_calls::inbox_topic;
use crate::runs::{RunStatus, agent_runs_topic};
use crate::{Backend, Bosun, Error, Principal, Result, validate};
use bosun_policy::Action;

/// The filters of a trace search, as given (every field optional).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TraceFilter {
    pub agent: Option<String>,
    /// One run: its events only.
    pub run: Option<String>,
    /// A user the events were done by or on behalf of.
    pub user: Option<String>,
    pub tool: Option<String>,
    /// `allow`, `deny` or `ask`.
    pub decision: Option<String>,
    /// The status of the event's run.
    pub status: Option<String>,
    /// Words that must all appear in the event's data.
    pub q: Option<String>,
    /// RFC 3339 instants: from (inclusive) and to (exclusive).
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One page of results, newest first.
#[derive(Clone, Debug)]
pub struct TracePage {
    pub events: Vec<Event>,
    /// Pass as `before` for the next (older) page; none on the last.
    pub next: Option<i64>,
}

/// The filters of the runs list, as given (every field optional).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RunFilter {
    pub agent: Option<String>,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: Option<String>,
}

/// A person a run names, by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

/// The runtime key that started a run, and who created it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyRef {
    pub id: String,
    pub name: String,
    pub created_by: PersonRef,
}

/// How many of a run's tool calls the rules allowed, asked about, denied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DecisionCounts {
    pub allow: i64,
    pub ask: i64,
    pub deny: i64,
}

/// One run as the runs list shows it.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub id: String,
    pub agent_id: String,
    pub agent_name: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// The person who started it; none when a runtime key did.
    pub started_by: Option<PersonRef>,
    /// The runtime key that started it, if one did.
    pub started_by_key: Option<KeyRef>,
    /// Whom it acts for: its starter; none for a key's run, which acts as
    /// the agent's service account.
    pub on_behalf_of: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// From start to end; none while it has not ended.
    pub duration_ms: Option<i64>,
    /// The tool calls it asked for.
    pub steps: i64,
    /// What the rules said to those calls.
    pub decisions: DecisionCounts,
}

/// One page of runs, newest first.
#[derive(Clone, Debug)]
pub struct RunPage {
    pub runs: Vec<RunSummary>,
    /// Pass as `before` for the next (older) page; none on the last.
    pub next: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RunSummaryRow {
    id: String,
    agent_id: String,
    agent_name: String,
    status: String,
    started_by: Option<String>,
    started_by_name: Option<String>,
    key_id: Option<String>,
    key_name: Option<String>,
    key_created_by: Option<String>,
    key_creator_name: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
    steps: i64,
    allowed: i64,
    asked: i64,
    denied: i64,
}

impl RunSummaryRow {
    fn summary(self) -> RunSummary {
        let started_by = self.started_by.map(|id| PersonRef {
            name: self.started_by_name.unwrap_or_else(|| id.clone()),
            id,
        });
        let started_by_key = match (self.key_id, self.key_created_by) {
            (Some(id), Some(creator)) => Some(KeyRef {
                name: self.key_name.unwrap_or_else(|| id.clone()),
                id,
                created_by: PersonRef {
                    name: self.key_creator_name.unwrap_or_else(|| creator.clone()),
                    id: creator,
                },
            }),
            _ => None,
        };
        RunSummary {
            id: self.id,
            agent_id: self.agent_id,
            agent_name: self.agent_name,
            status: self.status,
            on_behalf_of: started_by.clone(),
            started_by,
            started_by_key,
            created_at: from_millis(self.created_at),
            finished_at: self.finished_at.map(from_millis),
            duration_ms: self.finished_at.map(|end| (end - self.created_at).max(0)),
            steps: self.steps,
            decisions: DecisionCounts {
                allow: self.allowed,
                ask: self.asked,
                deny: self.denied,
            },
        }
    }
}

/// A place in the runs list: a run's start (milliseconds) and id, as
/// `<millis>.<id>`.
fn run_cursor(created_at: i64, id: &str) -> String {
    format!("{created_at}.{id}")
}

fn parse_run_cursor(cursor: &str) -> Result<(i64, String)> {
    cursor
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse().ok()?, id)))
        .filter(|(_, id)| !id.is_empty() && id.len() <= 100)
        .map(|(at, id)| (at, id.to_owned()))
        .ok_or_else(|| Error::invalid("before", "must be the `next` of an earlier page"))
}

pub const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 200;
const EXPORT_CHUNK: i64 = 1000;
/// How often an open run page's stream looks for steps nobody woke it for.
const RUN_RECHECK: Duration = Duration::from_secs(1);
const COLUMNS: &str = "events.seq, events.at, events.kind, events.workspace_id, events.agent_id, \
     events.run_id, events.actor, events.on_behalf_of, events.data, events.prev_hash, events.hash";

/// A filter checked and turned into its `WHERE` clause.
struct Checked {
    sql: Sql,
}

impl TraceFilter {
    fn check(&self, principal: &Principal, backend: Backend) -> Result<Checked> {
        let mut sql = Sql::new();
        let workspace = sql.bind(principal.workspace_id.as_str());
        sql.push(&format!("events.workspace_id = {workspace}"));
        if let Some(reach) = member_reach_sql(
            &mut sql,
            principal,
            &workspace,
            "events.agent_id",
            "events.on_behalf_of",
        ) {
            sql.push(&format!(" AND events.run_id IS NOT NULL AND {reach}"));
        }
        if let Some(agent) = non_empty(&self.agent) {
            let agent = sql.bind(validate::label("agent", agent, 100)?);
            sql.push(&format!(" AND events.agent_id = {agent}"));
        }
        if let Some(run) = non_empty(&self.run) {
            let run = sql.bind(validate::label("run", run, 100)?);
            sql.push(&format!(" AND events.run_id = {run}"));
        }
        if let Some(user) = non_empty(&self.user) {
            let user = sql.bind(validate::label("user", user, 100)?);
            sql.push(&format!(
                " AND (events.actor = {user} OR events.on_behalf_of = {user})"
            ));
        }
        if let Some(tool) = non_empty(&self.tool) {
            validate::identifier("tool", tool)?;
            let tool = sql.bind(tool);
            sql.push(&format!(" AND events.tool = {tool}"));
        }
        if let Some(decision) = non_empty(&self.decision) {
            let decision: Action = validate::one_of("decision", decision)?;
            let decision = sql.bind(decision.as_str());
            sql.push(&format!(" AND events.decision = {decision}"));
        }
        if let Some(status) = non_empty(&self.status) {
            let status: RunStatus = validate::one_of("status", status)?;
            let status = sql.bind(status.as_str());
            sql.push(&format!(
                " AND events.run_id IN (SELECT id FROM runs WHERE workspace_id = {workspace} AND status = {status})"
            ));
        }
        if let Some(from) = non_empty(&self.from) {
            let from = sql.bind_int(to_millis(instant("from", from)?));
            sql.push(&format!(" AND events.at >= {from}"));
        }
        if let Some(to) = non_empty(&self.to) {
            let to = sql.bind_int(to_millis(instant("to", to)?));
            sql.push(&format!(" AND events.at < {to}"));
        }
        if let Some(text) = non_empty(&self.q) {
            let text = validate::label("q", text, 200)?;
            match backend {
                Backend::Sqlite => {
                    let query = sql.bind(fts5_query(&text));
                    sql.push(&format!(
                        " AND events.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH {query})"
                    ));
                }
                Backend::Postgres => {
                    let query = sql.bind(text);
                    // The indexed expression, exactly (see the migration).
                    sql.push(&format!(
                        " AND to_tsvector('simple', regexp_replace(events.data, '[^[:alnum:]]+', ' ', 'g')) \
                         @@ plainto_tsquery('simple', regexp_replace({query}, '[^[:alnum:]]+', ' ', 'g'))"
                    ));
                }
            }
        }
        Ok(Checked { sql })
    }
}

/// What of the trace a member who is not an admin may see, as a condition
/// over the row's agent and the person it was done for (columns of the
/// caller's statement, whose workspace is bound at `workspace`): what
/// they did or was done on their behalf, and everything of the agents
/// they may edit. None for admins, who see their whole workspace.
fn member_reach_sql(
    sql: &mut Sql,
    principal: &Principal,
    workspace: &str,
    agent_column: &str,
    person_column: &str,
) -> Option<String> {
    if principal.is_admin() {
        return None;
    }
    let me = sql.bind(principal.user_id.as_str());
    Some(format!(
        "({person_column} = {me} OR {agent_column} IN ({}))",
        editable_agents_sql(workspace, &me)
    ))
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// An RFC 3339 instant, or a browser's `datetime-local` value (read as UTC).
pub fn instant(field: &'static str, value: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").map(|at| at.and_utc())
        })
        .map_err(|_| Error::invalid(field, "must be a time like 2026-11-22T09:30:00Z"))
}

/// Every word as a quoted FTS5 string, so that nothing typed is read as
/// query syntax; all must match.
fn fts5_query(text: &str) -> String {
    text.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Names for the ids a trace mentions: agents, members and runtime keys
/// of a workspace.
#[derive(Clone, Debug, Default)]
pub struct TraceNames {
    pub agents: std::collections::HashMap<String, String>,
    pub users: std::collections::HashMap<String, String>,
    /// Runtime keys by id (revoked ones too: they still name past steps).
    pub keys: std::collections::HashMap<String, String>,
}

impl TraceNames {
    pub fn agent(&self, id: Option<&str>) -> Option<String> {
        id.map(|id| {
            self.agents
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_owned())
        })
    }

    /// Who an actor is, by name: a member's name, or a runtime key's
    /// (`key:<id>` in the trace) as `runtime key “nightly”`. An id that
    /// names nobody known stays as it is.
    pub fn user(&self, id: Option<&str>) -> Option<String> {
        id.map(|id| {
            if let Some(name) = self.users.get(id) {
                return name.clone();
            }
            match id.strip_prefix("key:").and_then(|key| self.keys.get(key)) {
                Some(name) => format!("runtime key “{name}”"),
                None => id.to_owned(),
            }
        })
    }
}

impl Bosun {
    /// The names of the workspace's agents and members, for showing a
    /// trace to one of its members.
    pub async fn trace_names(&self, principal: &Principal) -> Result<TraceNames> {
        let workspace = principal.workspace_id.as_str();
        let agents: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM agents WHERE workspace_id = $1")
                .bind(workspace)
                .fetch_all(self.db().pool())
                .await?;
        let users: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM users WHERE workspace_id = $1")
                .bind(workspace)
                .fetch_all(self.db().pool())
                .await?;
        let keys: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM runtime_keys WHERE workspace_id = $1")
                .bind(workspace)
                .fetch_all(self.db().pool())
                .await?;
        Ok(TraceNames {
            agents: agents.into_iter().collect(),
            users: users.into_iter().collect(),
            keys: keys.into_iter().collect(),
        })
    }

    /// A page of the events the principal may see that match the filter,
    /// newest first, older than `before` when given.
    pub async fn search_traces(
        &self,
        principal: &Principal,
        filter: &TraceFilter,
        before: Option<i64>,
        limit: usize,
    ) -> Result<TracePage> {
        let mut sql = filter.check(principal, self.db().backend())?.sql;
        if let Some(before) = before {
            let before = sql.bind_int(before);
            sql.push(&format!(" AND events.seq < {before}"));
        }
        let limit = limit.clamp(1, MAX_PAGE);
        let query = format!(
            "SELECT {COLUMNS} FROM events WHERE {} ORDER BY events.seq DESC LIMIT {}",
            sql.text(),
            limit + 1
        );
        let mut events: Vec<StoredEvent> = sql.fetch_all(self.db().pool(), &query).await?;
        let next = (events.len() > limit).then(|| {
            events.truncate(limit);
            events.last().map_or(0, |event| event.seq)
        });
        Ok(TracePage {
            events: events.into_iter().map(Event::from).collect(),
            next,
        })
    }

    /// Every event the principal may see that matches the filter, oldest
    /// first, read a chunk at a time so that memory stays flat whatever
    /// the size. The filter is checked before the stream is returned.
    pub fn export_traces(
        &self,
        principal: &Principal,
        filter: &TraceFilter,
    ) -> Result<impl Stream<Item = Result<ExportedEvent>> + Send + 'static> {
        let checked = filter.check(principal, self.db().backend())?;
        let chunks = self.pages(checked, |bosun, sql| async move {
            let query = format!(
                "SELECT {COLUMNS} FROM events WHERE {} ORDER BY events.seq LIMIT {EXPORT_CHUNK}",
                sql.text()
            );
            let chunk: Vec<StoredEvent> = sql.fetch_all(bosun.db().pool(), &query).await?;
            let next = (i64::try_from(chunk.len()).unwrap_or(0) == EXPORT_CHUNK)
                .then(|| chunk.last().map_or(0, |event| event.seq));
            Ok((chunk, next))
        });
        let events = chunks.map_ok(|chunk| {
            futures::stream::iter(
                chunk
                    .into_iter()
                    .map(|event| Ok(ExportedEvent::from(event))),
            )
        });
        Ok(events.try_flatten())
    }

    /// The same events as [`Bosun::export_traces`], as JSON text written by
    /// the store itself: each item is a run of events joined by
    /// `separator`. Large exports then cost one round trip per chunk
    /// rather than one per event. Each event has the shape of
    /// [`ExportedEvent`], `data` as stored.
    pub fn export_trace_text(
        &self,
        principal: &Principal,
        filter: &TraceFilter,
        separator: &'static str,
    ) -> Result<impl Stream<Item = Result<String>> + Send + 'static> {
        let checked = filter.check(principal, self.db().backend())?;
        let backend = self.db().backend();
        Ok(self.pages(checked, move |bosun, mut sql| async move {
            let separator = sql.bind(separator);
            let query = match backend {
                Backend::Sqlite => format!(
                    "SELECT group_concat(line, {separator} ORDER BY seq), max(seq), count(*) FROM \
                     (SELECT events.seq AS seq, json_object('seq', events.seq, 'hash', events.hash, \
                     'prev_hash', events.prev_hash, 'at', strftime('%Y-%m-%dT%H:%M:%S', events.at / 1000, 'unixepoch') \
                     || '.' || printf('%03d', events.at % 1000) || 'Z', 'kind', events.kind, \
                     'workspace_id', events.workspace_id, 'agent_id', events.agent_id, 'run_id', events.run_id, \
                     'actor', events.actor, 'on_behalf_of', events.on_behalf_of, 'data', json(events.data)) AS line \
                     FROM events WHERE {} ORDER BY events.seq LIMIT {EXPORT_CHUNK})",
                    sql.text()
                ),
                Backend::Postgres => format!(
                    "SELECT string_agg(line, {separator} ORDER BY seq), max(seq), count(*) FROM \
                     (SELECT events.seq AS seq, json_build_object('seq', events.seq, 'hash', events.hash, \
                     'prev_hash', events.prev_hash, 'at', to_char(to_timestamp(events.at / 1000) AT TIME ZONE 'UTC', \
                     'YYYY-MM-DD\"T\"HH24:MI:SS') || '.' || lpad((events.at % 1000)::text, 3, '0') || 'Z', \
                     'kind', events.kind, 'workspace_id', events.workspace_id, 'agent_id', events.agent_id, \
                     'run_id', events.run_id, 'actor', events.actor, 'on_behalf_of', events.on_behalf_of, \
                     'data', events.data::json)::text AS line \
                     FROM events WHERE {} ORDER BY events.seq LIMIT {EXPORT_CHUNK}) AS chunk",
                    sql.text()
                ),
            };
            let rows: Vec<(Option<String>, Option<i64>, i64)> =
                sql.fetch_all(bosun.db().pool(), &query).await?;
            let (text, last, count) = rows.into_iter().next().unwrap_or((None, None, 0));
            let next = (count == EXPORT_CHUNK).then_some(last).flatten();
            Ok((text, next))
        })
        .try_filter_map(|text| futures::future::ready(Ok(text))))
    }

    /// Pages through everything a checked filter matches, oldest first:
    /// `read` runs one page's query — given the filter with
    /// `events.seq > after` added — and answers the page and the last
    /// sequence number it covered, or none when it was the last page.
    fn pages<T, F, Fut>(
        &self,
        checked: Checked,
        read: F,
    ) -> impl Stream<Item = Result<T>> + Send + 'static
    where
        T: Send + 'static,
        F: Fn(Bosun, Sql) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(T, Option<i64>)>> + Send + 'static,
    {
        let bosun = self.clone();
        let read = std::sync::Arc::new(read);
        futures::stream::try_unfold(Some(0_i64), move |after| {
            let (bosun, mut sql, read) = (bosun.clone(), checked.sql.clone(), read.clone());
            async move {
                let Some(after) = after else {
                    return Ok(None);
                };
                let after = sql.bind_int(after);
                sql.push(&format!(" AND events.seq > {after}"));
                let (page, next) = read(bosun, sql).await?;
                Ok(Some((page, next)))
            }
        })
    }

    /// A page of the runs the principal may see in the trace, newest
    /// first, older than `before` (a `next` of an earlier page) when
    /// given: who started each (a person, or a runtime key by name with
    /// its creator), its status and times, and how many tool calls it
    /// asked for with what the rules said to them. One statement, however
    /// many runs the page holds.
    pub async fn trace_runs(
        &self,
        principal: &Principal,
        filter: &RunFilter,
        before: Option<&str>,
        limit: usize,
    ) -> Result<RunPage> {
        let mut sql = Sql::new();
        let workspace = sql.bind(principal.workspace_id.as_str());
        sql.push(&format!("runs.workspace_id = {workspace}"));
        if let Some(reach) = member_reach_sql(
            &mut sql,
            principal,
            &workspace,
            "runs.agent_id",
            "runs.started_by",
        ) {
            sql.push(&format!(" AND {reach}"));
        }
        if let Some(agent) = non_empty(&filter.agent) {
            let agent = sql.bind(validate::label("agent", agent, 100)?);
            sql.push(&format!(" AND runs.agent_id = {agent}"));
        }
        if let Some(status) = non_empty(&filter.status) {
            let status: RunStatus = validate::one_of("status", status)?;
            let status = sql.bind(status.as_str());
            sql.push(&format!(" AND runs.status = {status}"));
        }
        if let Some(before) = before.map(str::trim).filter(|b| !b.is_empty()) {
            let (at, id) = parse_run_cursor(before)?;
            let (at, id) = (sql.bind_int(at), sql.bind(id));
            sql.push(&format!(
                " AND (runs.created_at < {at} OR (runs.created_at = {at} AND runs.id < {id}))"
            ));
        }
        let limit = limit.clamp(1, MAX_PAGE);
        let count = |decision: &str| {
            let only = if decision.is_empty() {
                String::new()
            } else {
                format!(" AND tool_calls.decision = '{decision}'")
            };
            format!("(SELECT count(*) FROM tool_calls WHERE tool_calls.run_id = runs.id{only})")
        };
        let query = format!(
            "SELECT runs.id, runs.agent_id, agents.name AS agent_name, runs.status, runs.started_by, \
             starters.name AS started_by_name, keys.id AS key_id, keys.name AS key_name, \
             keys.created_by AS key_created_by, key_creators.name AS key_creator_name, \
             runs.created_at, runs.finished_at, {} AS steps, {} AS allowed, {} AS asked, {} AS denied \
             FROM runs JOIN agents ON agents.id = runs.agent_id \
             LEFT JOIN users starters ON starters.id = runs.started_by \
             LEFT JOIN runtime_keys keys ON keys.id = runs.started_by_key \
             LEFT JOIN users key_creators ON key_creators.id = keys.created_by \
             WHERE {} ORDER BY runs.created_at DESC, runs.id DESC LIMIT {}",
            count(""),
            count("allow"),
            count("ask"),
            count("deny"),
            sql.text(),
            limit + 1
        );
        let mut rows: Vec<RunSummaryRow> = sql.fetch_all(self.db().pool(), &query).await?;
        let next = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows.last()
                .map(|row| run_cursor(row.created_at, &row.id))
                .unwrap_or_default()
        });
        Ok(RunPage {
            runs: rows.into_iter().map(RunSummaryRow::summary).collect(),
            next,
        })
    }

    /// For a run's open page: one item now and one each time the run gets
    /// a new step, for as long as the stream is read. For those who may
    /// see its timeline ([`Bosun::run_trace`]; checked before the stream
    /// is returned). The items say only "look again": the page re-reads
    /// the timeline, which checks access again.
    ///
    /// The run's own wake-ups (it was claimed, waits for a reviewer, was
    /// decided, ended) bring a look at once; steps that wake nobody (a
    /// call the rules allowed, a result, the agent's own events) are found
    /// by looking again every second, one indexed read.
    pub async fn run_changes(
        &self,
        principal: &Principal,
        run: &RunId,
    ) -> Result<impl Stream<Item = ()> + Send + use<>> {
        let reached = self.run_in_reach(principal, None, run).await?;
        let topics = [
            format!("run:{run}"),
            agent_runs_topic(&crate::ids::AgentId::from_string(reached.run.agent_id)),
            inbox_topic(&principal.workspace_id),
        ];
        let state = (
            self.clone(),
            self.notifier().subscribe(),
            run.clone(),
            None::<i64>,
        );
        Ok(futures::stream::unfold(
            state,
            move |(bosun, mut subscription, run, mut seen)| {
                let topics = topics.clone();
                async move {
                    loop {
                        let latest: Option<i64> = match sqlx::query_scalar(
                            "SELECT max(seq) FROM events WHERE run_id = $1",
                        )
                        .bind(run.as_str())
                        .fetch_one(bosun.db().pool())
                        .await
                        {
                            Ok(latest) => latest,
                            Err(error) => {
                                tracing::warn!(%error, "cannot read a run's latest step");
                                return None;
                            }
                        };
                        let latest = latest.unwrap_or(0);
                        if seen.is_none_or(|seen| latest > seen) {
                            seen = Some(latest);
                            return Some(((), (bosun, subscription, run, seen)));
                        }
                        let recheck = tokio::time::Instant::now() + RUN_RECHECK;
                        loop {
                            match tokio::time::timeout_at(recheck, subscription.next()).await {
                                Ok(Some(topic)) if topic.is_empty() || topics.contains(&topic) => {
                                    break;
                                }
                                Ok(Some(_)) => {}
                                Ok(None) => return None,
                                Err(_) => break,
                            }
                        }
                    }
                }
            },
        ))
    }

    /// [`Bosun::verify_chain`] for a member of the workspace: admins only.
    pub async fn verify_chain_for(
        &self,
        principal: &Principal,
    ) -> Result<std::result::Result<i64, crate::events::ChainBreak>> {
        principal.require_admin()?;
        self.verify_chain().await
    }

    /// Every event of one run, in order: for the user who started it (for
    /// a run a runtime key started, the key's creator), and for the agent's
    /// editors and workspace admins.
    pub async fn run_trace(&self, principal: &Principal, run: &RunId) -> Result<Vec<Event>> {
        // People always see the runs they started, even after losing access.
        self.run_in_reach(principal, None, run).await?;
        let events: Vec<StoredEvent> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM events WHERE events.run_id = $1 AND events.workspace_id = $2 \
             ORDER BY events.seq"
        ))
        .bind(run.as_str())
        .bind(principal.workspace_id.as_str())
        .fetch_all(self.db().pool())
        .await?;
        Ok(events.into_iter().map(Event::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::fts5_query;

    #[test]
    fn typed_words_are_quoted_so_nothing_is_query_syntax() {
        assert_eq!(fts5_query("rm -rf"), r#""rm" "-rf""#);
        assert_eq!(fts5_query(r#"a"b OR"#), r#""a""b" "OR""#);
    }
}
