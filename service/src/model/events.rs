//! Events as they are recorded and read back, and what an event's place in
//! the hash chain is computed from. Appending and checking the chain are
//! [`crate::events`]'s.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::to_millis;
use crate::ids::{AgentId, WorkspaceId};
use crate::model::identity::Principal;
use crate::{Error, Result};
use bosun_wire::events::{EventData, EventKind};

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

/// An event encoded for the chain as far as it can be before it has a
/// place in it, so that a busy writer only numbers and hashes it.
pub(crate) struct PreparedEvent {
    pub(crate) at: i64,
    /// Where and by whom; its `data` is taken out as the text below.
    pub(crate) event: NewEvent,
    pub(crate) data: String,
    /// What the hash covers after the previous hash and the number.
    chained_tail: String,
    /// What search filters it by (see [`search_fields`]).
    pub(crate) tool: Option<String>,
    pub(crate) decision: Option<&'static str>,
}

impl PreparedEvent {
    pub(crate) fn new(at: DateTime<Utc>, mut event: NewEvent) -> Self {
        // From here on the data is its text; the parsed tree is freed by
        // the caller rather than by the writer every decision waits for.
        let parsed = std::mem::take(&mut event.data);
        let data = parsed.to_string();
        let (tool, decision) = search_fields(&parsed);
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

    /// The hash the event carries once it is number `seq`, after
    /// `prev_hash`.
    pub(crate) fn hash_after(&self, prev_hash: &str, seq: i64) -> String {
        chain_hash(prev_hash, seq, &self.chained_tail)
    }
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
    let tool = data.get("tool").and_then(Value::as_str).map(str::to_owned);
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
        // A tuple is written as the same array `json!` would make, without
        // first copying every field (the whole data) into a `Value`.
        let fields = (
            self.at,
            self.kind,
            self.workspace_id,
            self.agent_id,
            self.run_id,
            self.actor,
            self.on_behalf_of,
            self.data,
        );
        let mut encoded =
            serde_json::to_string(&fields).expect("numbers and strings always encode");
        encoded.remove(0); // the opening bracket, which `chain_hash` writes
        encoded
    }
}

/// The hash of `[prev_hash,seq,…tail`, hashed in pieces so the tail can
/// be encoded before the event has a number.
fn chain_hash(prev_hash: &str, seq: i64, tail: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"[");
    hasher.update(serde_json::to_string(prev_hash).expect("a string always encodes"));
    hasher.update(b",");
    hasher.update(seq.to_string());
    hasher.update(b",");
    hasher.update(tail);
    hex::encode(hasher.finalize())
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
