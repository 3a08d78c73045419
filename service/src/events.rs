//! The event log: audit entries now, run traces later, all in one hash
//! chain. Every event is appended inside the transaction of the change it
//! records, so the two commit or fail together.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::clock::to_millis;
use crate::ids::{AgentId, WorkspaceId};
use crate::{Principal, Result};

/// An event about to be recorded.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// What happened, e.g. `agent.created`.
    pub kind: &'static str,
    pub workspace_id: WorkspaceId,
    pub agent_id: Option<AgentId>,
    pub run_id: Option<String>,
    /// Who did it: a user id, or a runtime key's id.
    pub actor: Option<String>,
    /// The user an agent acted for, when different from the actor.
    pub on_behalf_of: Option<String>,
    pub data: Value,
}

impl NewEvent {
    /// An admin-side change made by a user in their workspace.
    pub fn audit(
        kind: &'static str,
        actor: &Principal,
        agent_id: Option<&AgentId>,
        data: Value,
    ) -> Self {
        Self {
            kind,
            workspace_id: actor.workspace_id.clone(),
            agent_id: agent_id.cloned(),
            run_id: None,
            actor: Some(actor.user_id.to_string()),
            on_behalf_of: None,
            data,
        }
    }
}

/// Appends an event to the chain on `conn`, which must be inside the
/// transaction that makes the change the event records.
pub async fn append(conn: &mut AnyConnection, at: DateTime<Utc>, event: NewEvent) -> Result<i64> {
    append_all(conn, vec![(at, event)]).await
}

/// Appends events in order, in as few statements as the batch allows;
/// answers the last sequence number (0 for none).
pub async fn append_all(
    conn: &mut AnyConnection,
    events: Vec<(DateTime<Utc>, NewEvent)>,
) -> Result<i64> {
    let Ok(count) = i64::try_from(events.len()) else {
        return Err(crate::Error::internal("too many events in one append"));
    };
    if count == 0 {
        return Ok(0);
    }
    // Taking the numbers locks the head row until commit, so appenders
    // queue and the sequence has no gaps.
    let (last, mut hash): (i64, String) = sqlx::query_as(
        "UPDATE event_chain_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
    )
    .bind(count)
    .fetch_one(&mut *conn)
    .await?;
    let mut rows = Vec::with_capacity(events.len());
    for ((at, event), seq) in events.into_iter().zip(last - count + 1..) {
        let data = event.data.to_string();
        let fields = ChainedFields {
            seq,
            at: to_millis(at),
            kind: event.kind,
            workspace_id: event.workspace_id.as_str(),
            agent_id: event.agent_id.as_ref().map(AgentId::as_str),
            run_id: event.run_id.as_deref(),
            actor: event.actor.as_deref(),
            on_behalf_of: event.on_behalf_of.as_deref(),
            data: &data,
        };
        let next = fields.hash(&hash);
        let prev_hash = std::mem::replace(&mut hash, next.clone());
        rows.push((seq, to_millis(at), event, data, prev_hash, next));
    }
    for chunk in rows.chunks(crate::db::INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO events (seq, at, kind, workspace_id, agent_id, run_id, actor, on_behalf_of, data, \
             prev_hash, hash) VALUES {}",
            crate::db::value_rows(chunk.len(), 11)
        );
        let mut insert = sqlx::query(&sql);
        for (seq, at, event, data, prev_hash, hash) in chunk {
            insert = insert
                .bind(*seq)
                .bind(*at)
                .bind(event.kind)
                .bind(event.workspace_id.as_str())
                .bind(event.agent_id.as_ref().map(AgentId::as_str))
                .bind(event.run_id.as_deref())
                .bind(event.actor.as_deref())
                .bind(event.on_behalf_of.as_deref())
                .bind(data.as_str())
                .bind(prev_hash.as_str())
                .bind(hash.as_str());
        }
        insert.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE event_chain_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(last)
}

/// The fields an event's hash covers, exactly as stored.
pub struct ChainedFields<'a> {
    pub seq: i64,
    pub at: i64,
    pub kind: &'a str,
    pub workspace_id: &'a str,
    pub agent_id: Option<&'a str>,
    pub run_id: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub on_behalf_of: Option<&'a str>,
    pub data: &'a str,
}

impl ChainedFields<'_> {
    /// SHA-256 over the previous hash and this event's fields, encoded as a
    /// JSON array so that no two different events share an encoding.
    pub fn hash(&self, prev_hash: &str) -> String {
        let encoded = serde_json::json!([
            prev_hash,
            self.seq,
            self.at,
            self.kind,
            self.workspace_id,
            self.agent_id,
            self.run_id,
            self.actor,
            self.on_behalf_of,
            self.data,
        ])
        .to_string();
        hex::encode(Sha256::digest(encoded.as_bytes()))
    }
}

/// Why the chain does not verify, naming the first event that breaks it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {seq}: {problem}")]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: String,
}

#[derive(sqlx::FromRow)]
struct StoredEvent {
    seq: i64,
    at: i64,
    kind: String,
    workspace_id: String,
    agent_id: Option<String>,
    run_id: Option<String>,
    actor: Option<String>,
    on_behalf_of: Option<String>,
    data: String,
    prev_hash: String,
    hash: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const VERIFY_PAGE: i64 = 5_000;

impl crate::Bosun {
    /// Walks the whole event log in order, a page at a time, and checks
    /// that the sequence has no gaps and every hash covers its event and
    /// the one before. Answers the number of events, or the first break.
    pub async fn verify_chain(&self) -> Result<std::result::Result<i64, ChainBreak>> {
        let (mut expected_seq, mut prev_hash) = (1_i64, GENESIS.to_owned());
        loop {
            let page: Vec<StoredEvent> = sqlx::query_as(
                "SELECT seq, at, kind, workspace_id, agent_id, run_id, actor, on_behalf_of, data, prev_hash, hash \
                 FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(expected_seq)
            .bind(VERIFY_PAGE)
            .fetch_all(self.db().pool())
            .await?;
            let last_page = i64::try_from(page.len()).unwrap_or(0) < VERIFY_PAGE;
            for event in page {
                if let Err(problem) = check(&event, expected_seq, &prev_hash) {
                    return Ok(Err(ChainBreak {
                        seq: expected_seq.min(event.seq),
                        problem,
                    }));
                }
                prev_hash = event.hash;
                expected_seq += 1;
            }
            if last_page {
                break;
            }
        }
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM event_chain_head WHERE id = 1")
                .fetch_one(self.db().pool())
                .await?;
        if head_seq != expected_seq - 1 || head_hash != prev_hash {
            return Ok(Err(ChainBreak {
                seq: expected_seq,
                problem: format!(
                    "the log ends at event {} but {head_seq} were written",
                    expected_seq - 1
                ),
            }));
        }
        Ok(Ok(expected_seq - 1))
    }
}

fn check(
    event: &StoredEvent,
    expected_seq: i64,
    prev_hash: &str,
) -> std::result::Result<(), String> {
    if event.seq != expected_seq {
        return Err(format!("missing: the next event stored is {}", event.seq));
    }
    if event.prev_hash != prev_hash {
        return Err("its link to the previous event is broken (an event before it was removed or reordered)".into());
    }
    let fields = ChainedFields {
        seq: event.seq,
        at: event.at,
        kind: &event.kind,
        workspace_id: &event.workspace_id,
        agent_id: event.agent_id.as_deref(),
        run_id: event.run_id.as_deref(),
        actor: event.actor.as_deref(),
        on_behalf_of: event.on_behalf_of.as_deref(),
        data: &event.data,
    };
    if fields.hash(prev_hash) != event.hash {
        return Err("its content does not match its hash (it was changed)".into());
    }
    Ok(())
}

/// An event as the trace shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Event {
    pub seq: i64,
    pub hash: String,
    pub prev_hash: String,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub workspace_id: String,
    pub agent_id: Option<String>,
    pub run_id: Option<String>,
    pub actor: Option<String>,
    pub on_behalf_of: Option<String>,
    pub data: Value,
}

impl From<StoredEvent> for Event {
    fn from(event: StoredEvent) -> Self {
        Self {
            seq: event.seq,
            at: crate::clock::from_millis(event.at),
            data: serde_json::from_str(&event.data).unwrap_or(Value::Null),
            hash: event.hash,
            prev_hash: event.prev_hash,
            kind: event.kind,
            workspace_id: event.workspace_id,
            agent_id: event.agent_id,
            run_id: event.run_id,
            actor: event.actor,
            on_behalf_of: event.on_behalf_of,
        }
    }
}

impl crate::Bosun {
    /// Every event of one run, in order: for the user who started it, and
    /// for the agent's editors and workspace admins.
    pub async fn run_trace(
        &self,
        principal: &Principal,
        run: &crate::ids::RunId,
    ) -> Result<Vec<Event>> {
        let owner: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT agent_id, started_by FROM runs WHERE id = $1 AND workspace_id = $2",
        )
        .bind(run.as_str())
        .bind(principal.workspace_id.as_str())
        .fetch_optional(self.db().pool())
        .await?;
        let (agent, started_by) = owner.ok_or(crate::Error::NotFound("run"))?;
        let agent = AgentId::from_string(agent);
        let own_run = started_by.as_deref() == Some(principal.user_id.as_str());
        let may_see = match self
            .agent_for(principal, &agent, crate::agents::Capability::Edit)
            .await
        {
            Ok(_) => true,
            // People always see the runs they started, even after losing access.
            Err(crate::Error::Forbidden(_) | crate::Error::NotFound(_)) => own_run,
            Err(error) => return Err(error),
        };
        if !may_see {
            return Err(crate::Error::NotFound("run"));
        }
        let events: Vec<StoredEvent> = sqlx::query_as(
            "SELECT seq, at, kind, workspace_id, agent_id, run_id, actor, on_behalf_of, data, prev_hash, hash \
             FROM events WHERE run_id = $1 AND workspace_id = $2 ORDER BY seq",
        )
        .bind(run.as_str())
        .bind(principal.workspace_id.as_str())
        .fetch_all(self.db().pool())
        .await?;
        Ok(events.into_iter().map(Event::from).collect())
    }
}
