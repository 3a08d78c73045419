//! Reading the trace: search with filters and full text, a page at a time;
//! one run's timeline; and export of a whole filter, streamed.
//!
//! Who sees what: admins see every event of their workspace; everyone else
//! sees the events of the runs they started and of every run of the agents
//! they may edit, and no admin (audit) events. Search and every export
//! build their `WHERE` clause in one place (`TraceFilter::check`), whose
//! "agents they may edit" comes from `agents::access` beside the rule it
//! restates; a run's timeline is for those its page is for
//! (`runs::control`).

use chrono::{DateTime, Utc};
use futures::{Stream, TryStreamExt};
use serde::Deserialize;

use crate::agents::access::editable_agents_sql;
use crate::clock::to_millis;
use crate::db::Sql;
use crate::events::{Event, ExportedEvent, StoredEvent};
use crate::ids::RunId;
use crate::runs::RUN_STATUSES;
use crate::{Backend, Bosun, Error, Principal, Result, validate};

/// The filters of a trace search, as given (every field optional).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TraceFilter {
    pub agent: Option<String>,
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

pub const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 200;
const EXPORT_CHUNK: i64 = 1000;
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
        if !principal.is_admin() {
            let me = sql.bind(principal.user_id.as_str());
            sql.push(&format!(
                " AND events.run_id IS NOT NULL AND (events.on_behalf_of = {me} OR events.agent_id IN ({}))",
                editable_agents_sql(&workspace, &me)
            ));
        }
        if let Some(agent) = non_empty(&self.agent) {
            let agent = sql.bind(validate::label("agent", agent, 100)?);
            sql.push(&format!(" AND events.agent_id = {agent}"));
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
            let decision: &str = validate::choice("decision", decision, &["allow", "deny", "ask"])?;
            let decision = sql.bind(decision);
            sql.push(&format!(" AND events.decision = {decision}"));
        }
        if let Some(status) = non_empty(&self.status) {
            let status: &str = validate::choice("status", status, RUN_STATUSES)?;
            let status = sql.bind(status);
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

/// Names for the ids a trace mentions: agents and members of a workspace.
#[derive(Clone, Debug, Default)]
pub struct TraceNames {
    pub agents: std::collections::HashMap<String, String>,
    pub users: std::collections::HashMap<String, String>,
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

    /// A member's name; a runtime key's actor id as it is.
    pub fn user(&self, id: Option<&str>) -> Option<String> {
        id.map(|id| self.users.get(id).cloned().unwrap_or_else(|| id.to_owned()))
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
        Ok(TraceNames {
            agents: agents.into_iter().collect(),
            users: users.into_iter().collect(),
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
