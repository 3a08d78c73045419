//! Reading the trace: search with filters and full text, a page at a time;
//! the runs it is made of, each with its counts; one run's timeline, and a
//! wake-up each time that run gets a new step; and export of a whole filter
//! (one run's included), streamed.
//!
//! Who sees what: admins see every event of their workspace; everyone else
//! sees the events of the runs they started and of every run of the agents
//! they may edit, and no admin (audit) events. Search, the runs list and
//! every export read under that condition, written once in the store
//! (`store::traces`), whose "agents they may edit" comes from
//! `model::access` beside the rule it restates; a run's timeline is for
//! those its page is for (`runs::control`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{Stream, TryStreamExt};
use serde::Deserialize;

use crate::clock::to_millis;
use crate::events::{Event, ExportedEvent};
use crate::ids::RunId;
pub use crate::model::traces::{DecisionCounts, KeyRef, PersonRef, RunSummary};
use crate::runs::tool_calls::inbox_topic;
use crate::runs::{RunStatus, agent_runs_topic};
use crate::store::traces::{self, EXPORT_CHUNK, EventCondition, EventFilter, RunsFilter};
use crate::{Bosun, Error, Principal, Result, validate};
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

/// One page of runs, newest first.
#[derive(Clone, Debug)]
pub struct RunPage {
    pub runs: Vec<RunSummary>,
    /// Pass as `before` for the next (older) page; none on the last.
    pub next: Option<String>,
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
/// How often an open run page's stream looks for steps nobody woke it for.
const RUN_RECHECK: Duration = Duration::from_secs(1);
impl TraceFilter {
    /// Checks every field, in order, into what the store binds.
    fn check(&self) -> Result<EventFilter> {
        let label = |field, value: &Option<String>| {
            non_empty(value)
                .map(|value| validate::label(field, value, 100))
                .transpose()
        };
        let agent = label("agent", &self.agent)?;
        let run = label("run", &self.run)?;
        let user = label("user", &self.user)?;
        let tool = match non_empty(&self.tool) {
            Some(tool) => {
                validate::identifier("tool", tool)?;
                Some(tool.to_owned())
            }
            None => None,
        };
        let decision: Option<Action> = non_empty(&self.decision)
            .map(|decision| validate::one_of("decision", decision))
            .transpose()?;
        let status: Option<RunStatus> = non_empty(&self.status)
            .map(|status| validate::one_of("status", status))
            .transpose()?;
        let from = non_empty(&self.from)
            .map(|from| instant("from", from).map(to_millis))
            .transpose()?;
        let to = non_empty(&self.to)
            .map(|to| instant("to", to).map(to_millis))
            .transpose()?;
        let text = non_empty(&self.q)
            .map(|text| validate::label("q", text, 200))
            .transpose()?;
        Ok(EventFilter {
            agent,
            run,
            user,
            tool,
            decision,
            status,
            from,
            to,
            text,
        })
    }

    /// The store's condition for what the principal may see of this
    /// filter's events.
    fn condition(&self, principal: &Principal, bosun: &Bosun) -> Result<EventCondition> {
        Ok(EventCondition::new(
            principal,
            &self.check()?,
            bosun.db().backend(),
        ))
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
        let (agents, users, keys) =
            traces::names(self.db().pool(), principal.workspace_id.as_str()).await?;
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
        let condition = filter.condition(principal, self)?;
        let limit = limit.clamp(1, MAX_PAGE);
        let mut events =
            traces::newest_first(self.db().pool(), condition, before, limit + 1).await?;
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
        let condition = filter.condition(principal, self)?;
        let chunks = self.pages(condition, |bosun, condition| async move {
            let chunk = traces::export_chunk(bosun.db().pool(), condition).await?;
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
        let condition = filter.condition(principal, self)?;
        let backend = self.db().backend();
        Ok(self
            .pages(condition, move |bosun, condition| async move {
                let (text, last, count) =
                    traces::export_text_chunk(bosun.db().pool(), backend, condition, separator)
                        .await?;
                let next = (count == EXPORT_CHUNK).then_some(last).flatten();
                Ok((text, next))
            })
            .try_filter_map(|text| futures::future::ready(Ok(text))))
    }

    /// Pages through everything a condition reads, oldest first: `read`
    /// reads one page — given the condition narrowed to the events after
    /// the last page — and answers the page and the last sequence number
    /// it covered, or none when it was the last page.
    fn pages<T, F, Fut>(
        &self,
        condition: EventCondition,
        read: F,
    ) -> impl Stream<Item = Result<T>> + Send + 'static
    where
        T: Send + 'static,
        F: Fn(Bosun, EventCondition) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(T, Option<i64>)>> + Send + 'static,
    {
        let bosun = self.clone();
        let read = std::sync::Arc::new(read);
        futures::stream::try_unfold(Some(0_i64), move |after| {
            let (bosun, condition, read) = (bosun.clone(), condition.clone(), read.clone());
            async move {
                let Some(after) = after else {
                    return Ok(None);
                };
                let (page, next) = read(bosun, condition.after(after)).await?;
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
        let agent = non_empty(&filter.agent)
            .map(|agent| validate::label("agent", agent, 100))
            .transpose()?;
        let status: Option<RunStatus> = non_empty(&filter.status)
            .map(|status| validate::one_of("status", status))
            .transpose()?;
        let before = before
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(parse_run_cursor)
            .transpose()?;
        let filter = RunsFilter {
            agent,
            status,
            before,
        };
        let limit = limit.clamp(1, MAX_PAGE);
        let mut runs = traces::runs_page(self.db().pool(), principal, &filter, limit + 1).await?;
        let next = (runs.len() > limit).then(|| {
            runs.truncate(limit);
            runs.last()
                .map(|run| run_cursor(to_millis(run.created_at), &run.id))
                .unwrap_or_default()
        });
        Ok(RunPage { runs, next })
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
                        let latest =
                            match traces::latest_step(bosun.db().pool(), run.as_str()).await {
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
        let events = traces::run_events(
            self.db().pool(),
            run.as_str(),
            principal.workspace_id.as_str(),
        )
        .await?;
        Ok(events.into_iter().map(Event::from).collect())
    }
}
