//! Reading the event log and the runs for the trace: search and export
//! under one condition (the filter and what the asker may see), the runs
//! list with its counts, one run's timeline, and the names the pages show.
//!
//! Who sees what is written here once as SQL ([`member_reach_sql`]):
//! admins see every event of their workspace; everyone else sees the
//! events of the runs they started and of every run of the agents they may
//! edit (the condition `model::access` restates beside its rule), and no
//! admin (audit) events.

use bosun_policy::Action;
use sqlx::AnyPool;

use super::events::StoredEvent;
use crate::clock::from_millis;
use crate::db::Sql;
use crate::model::access::editable_agents_sql;
use crate::model::identity::Principal;
use crate::model::runs::RunStatus;
use crate::model::traces::{DecisionCounts, KeyRef, PersonRef, RunSummary};
use crate::{Backend, Result};

/// Events per chunk of an export.
pub(crate) const EXPORT_CHUNK: i64 = 1000;

const COLUMNS: &str = "events.seq, events.at, events.kind, events.workspace_id, events.agent_id, \
     events.run_id, events.actor, events.on_behalf_of, events.data, events.prev_hash, events.hash";

/// A trace search's filter once checked: each value valid, as bound.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventFilter {
    pub agent: Option<String>,
    pub run: Option<String>,
    /// Events done by or on behalf of this user.
    pub user: Option<String>,
    pub tool: Option<String>,
    pub decision: Option<Action>,
    /// The status of the event's run.
    pub status: Option<RunStatus>,
    /// Milliseconds: from (inclusive) and to (exclusive).
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Words that must all appear in the event's data.
    pub text: Option<String>,
}

/// Which events a search or export reads: a filter and what its asker may
/// see, as a `WHERE` condition with its parameters.
#[derive(Clone, Debug)]
pub(crate) struct EventCondition(Sql);

impl EventCondition {
    pub(crate) fn new(principal: &Principal, filter: &EventFilter, backend: Backend) -> Self {
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
        if let Some(agent) = &filter.agent {
            let agent = sql.bind(agent);
            sql.push(&format!(" AND events.agent_id = {agent}"));
        }
        if let Some(run) = &filter.run {
            let run = sql.bind(run);
            sql.push(&format!(" AND events.run_id = {run}"));
        }
        if let Some(user) = &filter.user {
            let user = sql.bind(user);
            sql.push(&format!(
                " AND (events.actor = {user} OR events.on_behalf_of = {user})"
            ));
        }
        if let Some(tool) = &filter.tool {
            let tool = sql.bind(tool);
            sql.push(&format!(" AND events.tool = {tool}"));
        }
        if let Some(decision) = filter.decision {
            let decision = sql.bind(decision.as_str());
            sql.push(&format!(" AND events.decision = {decision}"));
        }
        if let Some(status) = filter.status {
            let status = sql.bind(status.as_str());
            sql.push(&format!(
                " AND events.run_id IN (SELECT id FROM runs WHERE workspace_id = {workspace} AND status = {status})"
            ));
        }
        if let Some(from) = filter.from {
            let from = sql.bind_int(from);
            sql.push(&format!(" AND events.at >= {from}"));
        }
        if let Some(to) = filter.to {
            let to = sql.bind_int(to);
            sql.push(&format!(" AND events.at < {to}"));
        }
        if let Some(text) = &filter.text {
            match backend {
                Backend::Sqlite => {
                    let query = sql.bind(fts5_query(text));
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
        Self(sql)
    }

    /// The same condition, narrowed to the events after `seq`.
    pub(crate) fn after(&self, seq: i64) -> Self {
        let mut sql = self.0.clone();
        let after = sql.bind_int(seq);
        sql.push(&format!(" AND events.seq > {after}"));
        Self(sql)
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

/// Every word as a quoted FTS5 string, so that nothing typed is read as
/// query syntax; all must match.
fn fts5_query(text: &str) -> String {
    text.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Up to `limit` of the events `condition` reads older than `before`,
/// newest first.
pub(crate) async fn newest_first(
    pool: &AnyPool,
    condition: EventCondition,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<StoredEvent>> {
    let mut sql = condition.0;
    if let Some(before) = before {
        let before = sql.bind_int(before);
        sql.push(&format!(" AND events.seq < {before}"));
    }
    let query = format!(
        "SELECT {COLUMNS} FROM events WHERE {} ORDER BY events.seq DESC LIMIT {}",
        sql.text(),
        limit
    );
    sql.fetch_all(pool, &query).await
}

/// The first [`EXPORT_CHUNK`] events `condition` reads, oldest first.
pub(crate) async fn export_chunk(
    pool: &AnyPool,
    condition: EventCondition,
) -> Result<Vec<StoredEvent>> {
    let sql = condition.0;
    let query = format!(
        "SELECT {COLUMNS} FROM events WHERE {} ORDER BY events.seq LIMIT {EXPORT_CHUNK}",
        sql.text()
    );
    sql.fetch_all(pool, &query).await
}

/// The first [`EXPORT_CHUNK`] events `condition` reads, oldest first, as
/// JSON text the store writes itself (each event in the shape of
/// [`crate::events::ExportedEvent`], `data` as stored) joined by
/// `separator`; with the last sequence number and how many there were.
pub(crate) async fn export_text_chunk(
    pool: &AnyPool,
    backend: Backend,
    condition: EventCondition,
    separator: &'static str,
) -> Result<(Option<String>, Option<i64>, i64)> {
    let mut sql = condition.0;
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
    let rows: Vec<(Option<String>, Option<i64>, i64)> = sql.fetch_all(pool, &query).await?;
    Ok(rows.into_iter().next().unwrap_or((None, None, 0)))
}

/// Every event of one run of `workspace`, in order.
pub(crate) async fn run_events(
    pool: &AnyPool,
    run: &str,
    workspace: &str,
) -> Result<Vec<StoredEvent>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE events.run_id = $1 AND events.workspace_id = $2 \
         ORDER BY events.seq"
    ))
    .bind(run)
    .bind(workspace)
    .fetch_all(pool)
    .await?)
}

/// The sequence number of a run's latest event, if it has one. The
/// store's own error is answered as it is, for the caller's log.
pub(crate) async fn latest_step(pool: &AnyPool, run: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT max(seq) FROM events WHERE run_id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
}

/// The ids and names of a workspace's agents, members and runtime keys.
pub(crate) type Names = Vec<(String, String)>;

pub(crate) async fn names(pool: &AnyPool, workspace: &str) -> Result<(Names, Names, Names)> {
    let agents: Names = sqlx::query_as("SELECT id, name FROM agents WHERE workspace_id = $1")
        .bind(workspace)
        .fetch_all(pool)
        .await?;
    let users: Names = sqlx::query_as("SELECT id, name FROM users WHERE workspace_id = $1")
        .bind(workspace)
        .fetch_all(pool)
        .await?;
    let keys: Names = sqlx::query_as("SELECT id, name FROM runtime_keys WHERE workspace_id = $1")
        .bind(workspace)
        .fetch_all(pool)
        .await?;
    Ok((agents, users, keys))
}

/// The runs list's filter once checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunsFilter {
    pub agent: Option<String>,
    pub status: Option<RunStatus>,
    /// Runs older than this start (milliseconds) and id.
    pub before: Option<(i64, String)>,
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

/// Up to `limit` of the runs the principal may see that match the filter,
/// newest first, each with who started it and how many tool calls it asked
/// for with what the rules said to them: one statement, however many runs.
pub(crate) async fn runs_page(
    pool: &AnyPool,
    principal: &Principal,
    filter: &RunsFilter,
    limit: usize,
) -> Result<Vec<RunSummary>> {
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
    if let Some(agent) = &filter.agent {
        let agent = sql.bind(agent);
        sql.push(&format!(" AND runs.agent_id = {agent}"));
    }
    if let Some(status) = filter.status {
        let status = sql.bind(status.as_str());
        sql.push(&format!(" AND runs.status = {status}"));
    }
    if let Some((at, id)) = &filter.before {
        let (at, id) = (sql.bind_int(*at), sql.bind(id));
        sql.push(&format!(
            " AND (runs.created_at < {at} OR (runs.created_at = {at} AND runs.id < {id}))"
        ));
    }
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
        limit
    );
    let rows: Vec<RunSummaryRow> = sql.fetch_all(pool, &query).await?;
    Ok(rows.into_iter().map(RunSummaryRow::summary).collect())
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
