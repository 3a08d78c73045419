//! The event log: audit entries and run traces in one hash chain. Every
//! event is appended inside the transaction of the change it records, so
//! the two commit or fail together; appending also feeds the full-text
//! index search reads. Here too: the hash each event carries, and the
//! checks of the stored chain and of an export file against it. The rows
//! and their statements are [`crate::store::events`]'s.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use bosun_wire::events::{EventData, EventKind, EventPayload, Payload};

use crate::clock::to_millis;
use crate::ids::{AgentId, WorkspaceId};
use crate::store::{self, Connection};
use crate::{Error, Principal, Result};

/// An event about to be recorded.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// What happened, e.g. `agent.created`.
    pub kind: EventKind,
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
        kind: EventKind,
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

/// A typed payload as the event's `data`: the JSON the hash chain covers.
pub fn data_of(payload: &impl EventData) -> Result<Value> {
    serde_json::to_value(payload)
        .map_err(|error| Error::internal(format!("could not encode an event's data: {error}")))
}

/// Appends an event to the chain on `conn`, which must be inside the
/// transaction that makes the change the event records.
pub async fn append(conn: &mut Connection, at: DateTime<Utc>, event: NewEvent) -> Result<i64> {
    append_all(conn, vec![(at, event)]).await
}

/// Appends events in order, in as few statements as the batch allows;
/// answers the last sequence number (0 for none).
pub async fn append_all(
    conn: &mut Connection,
    events: Vec<(DateTime<Utc>, NewEvent)>,
) -> Result<i64> {
    let prepared: Vec<PreparedEvent> = events
        .into_iter()
        .map(|(at, event)| PreparedEvent::new(at, event))
        .collect();
    append_prepared(conn, &prepared.iter().collect::<Vec<_>>()).await
}

/// An event encoded for the chain as far as it can be before it has a
/// place in it, so that a busy writer only numbers and hashes it.
pub(crate) struct PreparedEvent {
    pub(crate) at: i64,
    pub(crate) event: NewEvent,
    pub(crate) data: String,
    /// What the hash covers after the previous hash and the number.
    chained_tail: String,
    /// What search filters it by (see [`search_fields`]).
    pub(crate) tool: Option<String>,
    pub(crate) decision: Option<&'static str>,
}

impl PreparedEvent {
    pub(crate) fn new(at: DateTime<Utc>, event: NewEvent) -> Self {
        let data = event.data.to_string();
        let (tool, decision) = search_fields(&event.data);
        let at = to_millis(at);
        let chained_tail = ChainedFields {
            seq: 0, // not yet known, and not part of the tail
            at,
            kind: event.kind.as_str(),
            workspace_id: event.workspace_id.as_str(),
            agent_id: event.agent_id.as_ref().map(AgentId::as_str),
            run_id: event.run_id.as_deref(),
            actor: event.actor.as_deref(),
            on_behalf_of: event.on_behalf_of.as_deref(),
            data: &data,
        }
        .tail();
        Self {
            at,
            event,
            data,
            chained_tail,
            tool,
            decision,
        }
    }
}

/// [`append_all`] for events already prepared.
pub(crate) async fn append_prepared(
    conn: &mut Connection,
    events: &[&PreparedEvent],
) -> Result<i64> {
    let Ok(count) = i64::try_from(events.len()) else {
        return Err(crate::Error::internal("too many events in one append"));
    };
    if count == 0 {
        return Ok(0);
    }
    let (last, mut hash) = store::events::take_numbers(conn, count).await?;
    let mut rows = Vec::with_capacity(events.len());
    for (prepared, seq) in events.iter().zip(last - count + 1..) {
        let next = chain_hash(&hash, seq, &prepared.chained_tail);
        let prev_hash = std::mem::replace(&mut hash, next.clone());
        rows.push(store::events::ChainedEvent {
            seq,
            prepared,
            prev_hash,
            hash: next,
        });
    }
    store::events::insert(conn, &rows).await?;
    store::events::set_head_hash(conn, &hash).await?;
    Ok(last)
}

/// What search filters an event by, as its data says: the tool it is
/// about, and the decision it records (a rule's `allow` / `deny` / `ask`,
/// or a reviewer's or an expiry's `allow` / `deny`).
///
/// The index is defined over the data's `tool`, `outcome` and `decision`
/// fields whatever the kind, so that a kind this version does not know is
/// indexed too; and every decision's events pass through here, so the
/// fields are read in place rather than by decoding the whole payload
/// (which copies the call's input and the engine's reasons).
fn search_fields(data: &Value) -> (Option<String>, Option<&'static str>) {
    // A tool name holding NUL is still searchable, in the form the column
    // can take.
    let tool = data
        .get("tool")
        .and_then(Value::as_str)
        .map(|tool| crate::db::nul_escaped(tool).into_owned());
    let decision = |key: &str, allowed: &[&'static str]| {
        let value = data.get(key)?.as_str()?;
        allowed.iter().copied().find(|name| *name == value)
    };
    let decision = decision("outcome", &["allow", "deny"])
        .or_else(|| decision("decision", &["allow", "deny", "ask"]));
    (tool, decision)
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
        chain_hash(prev_hash, self.seq, &self.tail())
    }

    /// The array's encoding after the previous hash and the number:
    /// `at,"kind",…,"data"]`.
    fn tail(&self) -> String {
        let mut encoded = serde_json::json!([
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
        encoded.remove(0); // the opening bracket, which `chain_hash` writes
        encoded
    }
}

/// The hash of `[prev_hash,seq,…tail`, hashed in pieces so the tail can
/// be encoded before the event has a number.
fn chain_hash(prev_hash: &str, seq: i64, tail: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"[");
    hasher.update(Value::from(prev_hash).to_string());
    hasher.update(b",");
    hasher.update(seq.to_string());
    hasher.update(b",");
    hasher.update(tail);
    hex::encode(hasher.finalize())
}

/// Why the chain does not verify, naming the first event that breaks it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {seq}: {problem}")]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: String,
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
            let page = store::events::page(self.db().pool(), expected_seq, VERIFY_PAGE).await?;
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
        let (head_seq, head_hash) = store::events::head(self.db().pool()).await?;
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
    event: &store::events::StoredEvent,
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

/// What checking an export found: how many events, and how many were
/// missing between them (a filtered export skips the events it left out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportCheck {
    pub events: i64,
    pub gaps: i64,
}

/// Checks an export offline (JSON Lines, or the JSON document): every
/// event's hash must cover its fields and its `prev_hash`, events must
/// come in order, and where two are adjacent in the log the second must
/// link to the first. Unless `allow_gaps` (for an export of a filter), the
/// export must be the whole log: from the chain's origin, nothing missing. Answers the first
/// break, by sequence number.
pub fn verify_export(
    text: impl std::io::BufRead,
    allow_gaps: bool,
) -> std::result::Result<ExportCheck, ChainBreak> {
    let unreadable = |seq: i64, problem: String| ChainBreak { seq, problem };
    let mut lines = text.lines().peekable();
    let events: Box<dyn Iterator<Item = std::result::Result<ExportedEvent, ChainBreak>>> =
        match lines.peek() {
            Some(Ok(first)) if first.trim_start().starts_with("{\"events\"") => {
                #[derive(serde::Deserialize)]
                struct Document {
                    events: Vec<ExportedEvent>,
                }
                let text = lines
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|error| unreadable(0, format!("the file cannot be read: {error}")))?
                    .join("\n");
                let document: Document = serde_json::from_str(&text)
                    .map_err(|error| unreadable(0, format!("not a Bosun export: {error}")))?;
                Box::new(document.events.into_iter().map(Ok))
            }
            _ => Box::new(
                lines
                    .filter(|line| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
                    .enumerate()
                    .map(|(number, line)| {
                        let line = line.map_err(|error| {
                            unreadable(0, format!("the file cannot be read: {error}"))
                        })?;
                        serde_json::from_str(&line).map_err(|error| {
                            unreadable(
                                0,
                                format!("line {} is not an exported event: {error}", number + 1),
                            )
                        })
                    }),
            ),
        };
    let mut check = ExportCheck { events: 0, gaps: 0 };
    let mut previous: Option<(i64, String)> = None;
    for event in events {
        let event = event?;
        let fail = |problem: &str| ChainBreak {
            seq: event.seq,
            problem: problem.to_owned(),
        };
        // Canonical text, so that a reformatted file still checks.
        let data = serde_json::from_str::<Value>(event.data.get())
            .map_err(|error| fail(&format!("its data is not JSON: {error}")))?
            .to_string();
        let fields = ChainedFields {
            seq: event.seq,
            at: to_millis(event.at),
            kind: &event.kind,
            workspace_id: &event.workspace_id,
            agent_id: event.agent_id.as_deref(),
            run_id: event.run_id.as_deref(),
            actor: event.actor.as_deref(),
            on_behalf_of: event.on_behalf_of.as_deref(),
            data: &data,
        };
        if fields.hash(&event.prev_hash) != event.hash {
            return Err(fail("its content does not match its hash (it was changed)"));
        }
        match &previous {
            Some((seq, _)) if event.seq <= *seq => {
                return Err(fail("it is out of order (events were moved)"));
            }
            Some((seq, hash)) if event.seq == seq + 1 && event.prev_hash != *hash => {
                return Err(fail(
                    "its link to the previous event is broken (an event before it was replaced)",
                ));
            }
            Some((seq, _)) if event.seq > seq + 1 => {
                if !allow_gaps {
                    return Err(ChainBreak {
                        seq: seq + 1,
                        problem: "missing: it is not in the file".into(),
                    });
                }
                check.gaps += 1;
            }
            None if !allow_gaps && event.seq != 1 => {
                return Err(ChainBreak {
                    seq: 1,
                    problem: "missing: the file does not start at the first event".into(),
                });
            }
            None if !allow_gaps && event.prev_hash != GENESIS => {
                return Err(fail("the first event does not start the chain"));
            }
            _ => {}
        }
        check.events += 1;
        previous = Some((event.seq, event.hash));
    }
    Ok(check)
}

/// An event as the trace shows it. `data` is parsed JSON, or — in an
/// export ([`ExportedEvent`]) — the stored JSON text, passed on untouched.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Event<Data = Value> {
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
    pub data: Data,
}

/// An event as an export carries it: its data as stored, never re-encoded.
pub type ExportedEvent = Event<Box<serde_json::value::RawValue>>;

impl<Data> Event<Data> {
    fn with_data<Other>(self, data: Other) -> Event<Other> {
        Event {
            seq: self.seq,
            hash: self.hash,
            prev_hash: self.prev_hash,
            at: self.at,
            kind: self.kind,
            workspace_id: self.workspace_id,
            agent_id: self.agent_id,
            run_id: self.run_id,
            actor: self.actor,
            on_behalf_of: self.on_behalf_of,
            data,
        }
    }
}

impl From<ExportedEvent> for Event {
    fn from(event: ExportedEvent) -> Self {
        let data = serde_json::from_str(event.data.get()).unwrap_or(Value::Null);
        event.with_data(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chains already stored were hashed over the whole array at once; the
    /// hash taken in pieces must agree with them byte for byte.
    #[test]
    fn an_events_hash_covers_its_fields_as_one_json_array() {
        let data = r#"{"input":"echo \"hé\"\n\\ 🚢","tool":"system_shell"}"#;
        let fields = ChainedFields {
            seq: 42,
            at: 1_700_000_000_123,
            kind: "tool_call.requested",
            workspace_id: "ws_1",
            agent_id: Some("ag_1"),
            run_id: None,
            actor: Some("key:rk_1"),
            on_behalf_of: None,
            data,
        };
        let prev_hash = "ab".repeat(32);
        let whole = serde_json::json!([
            prev_hash,
            42,
            1_700_000_000_123_i64,
            "tool_call.requested",
            "ws_1",
            "ag_1",
            null,
            "key:rk_1",
            null,
            data
        ])
        .to_string();
        assert_eq!(
            fields.hash(&prev_hash),
            hex::encode(Sha256::digest(whole.as_bytes()))
        );
    }
}
