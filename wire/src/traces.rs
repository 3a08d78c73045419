//! The trace as the REST API and the traces pages show it: its events, a
//! run's events, and the runs list.

use serde::{Deserialize, Serialize};

use crate::runs::Person;
use crate::time::Timestamp;

/// A run as the runs list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunSummary {
    pub id: String,
    pub agent_id: String,
    pub agent_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::vocabulary::RunStatus))]
    pub status: String,
    /// The person who started it; null when a runtime key did.
    pub started_by: Option<Person>,
    /// The runtime key that started it (by name, with its creator); null
    /// when a person did.
    pub started_by_key: Option<RunKey>,
    /// Whom it acts for; null for a runtime key's run, which acts as the
    /// agent's service account.
    pub on_behalf_of: Option<Person>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Milliseconds from start to end; null until it ends.
    pub duration_ms: Option<i64>,
    /// How many tool calls it asked for.
    pub steps: i64,
    /// What the rules said to those calls.
    pub decisions: DecisionCounts,
}

impl RunSummary {
    /// Who started it, in words: a person's name, or
    /// `runtime key “nightly” (of Rita)`.
    pub fn starter(&self) -> String {
        match (&self.started_by, &self.started_by_key) {
            (Some(person), _) => person.name.clone(),
            (None, Some(key)) => format!("runtime key “{}” (of {})", key.name, key.created_by.name),
            (None, None) => "—".into(),
        }
    }

    /// Whom it acts for, in words.
    pub fn acts_for(&self) -> &str {
        self.on_behalf_of
            .as_ref()
            .map_or("the agent itself (service account)", |person| &person.name)
    }
}

/// The runtime key that started a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunKey {
    pub id: String,
    pub name: String,
    pub created_by: Person,
}

/// How many of a run's tool calls the rules allowed, asked a reviewer
/// about, and denied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionCounts {
    pub allow: i64,
    pub ask: i64,
    pub deny: i64,
}

/// One event of the trace, with its place in the hash chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TraceEvent {
    pub seq: i64,
    pub hash: String,
    pub prev_hash: String,
    pub at: Timestamp,
    /// What happened (`docs/events.md` lists the kinds and their data).
    #[cfg_attr(feature = "openapi", schema(example = "policy.decision"))]
    pub kind: String,
    pub workspace_id: String,
    pub agent_id: Option<String>,
    pub run_id: Option<String>,
    /// Who did it: a user's id, or `key:` and a runtime key's id.
    pub actor: Option<String>,
    /// The user an agent acted for, when different from the actor.
    pub on_behalf_of: Option<String>,
    /// The kind's data, as recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

/// Every event of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunTrace {
    pub run_id: String,
    pub events: Vec<TraceEvent>,
}
