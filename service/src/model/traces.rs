//! What the trace lists of runs and the people and keys behind them.

use chrono::{DateTime, Utc};
use serde::Serialize;

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
