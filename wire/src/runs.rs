//! Runs of an agent as the REST API and the pages show them: a run, and
//! one run's standing (what it waits for, who can decide that, what
//! reviewers allowed for the rest of it).

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::vocabulary::RunStatus;

/// A run of an agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Run {
    pub id: String,
    pub agent_id: String,
    pub status: RunStatus,
    /// Any JSON value, as the run was started with (null when none was given).
    pub input: serde_json::Value,
    /// Any JSON value the run ended with; null while it runs.
    pub output: Option<serde_json::Value>,
    /// The user who started it; null when the agent's own key did.
    pub started_by: Option<String>,
    /// The runtime key that started it; null when a user did.
    pub started_by_key: Option<String>,
    /// Started by its user's own agent under their token, running at once
    /// rather than claimed by a worker.
    pub interactive: bool,
    /// The interactive run's id on the side of the agent that started it
    /// (a session id); null for other runs.
    pub external_id: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

impl Run {
    /// For a Claude Code session, which session and where it works:
    /// "Claude Code session 5f1c… in /srv/app".
    pub fn claude_code_session(&self) -> Option<String> {
        (self.input["client"] == "claude_code").then(|| {
            format!(
                "Claude Code session {} in {}",
                self.input["session_id"].as_str().unwrap_or("?"),
                self.input["cwd"].as_str().unwrap_or("?")
            )
        })
    }
}

/// A run with what it waits for, who can decide that, and what reviewers
/// allowed for the rest of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunDetails {
    #[serde(flatten)]
    pub run: Run,
    /// Whether the caller may cancel it now (it is queued or running).
    pub may_cancel: bool,
    /// Its requests waiting for a reviewer, oldest first.
    pub waiting: Vec<Waiting>,
    /// What reviewers allowed for the rest of the run ("Allow for this run").
    pub allowed_for_run: Vec<RunAllowance>,
}

/// A request of the run waiting for a reviewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiting {
    pub approval_id: String,
    pub tool: String,
    pub input: String,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
    /// The members who may decide it now; empty when nobody can (then
    /// `nobody_can_decide` is true).
    pub can_be_decided_by: Vec<Person>,
    pub nobody_can_decide: bool,
    /// When nobody can decide it: the page of the setting that would
    /// change that (an admin lets reviewers decide their own runs'
    /// requests there), `/settings/security`.
    pub setting: Option<String>,
    /// "waiting for approval of <tool>: <input> — can be decided by <names>",
    /// or "… — nobody can decide this".
    pub summary: String,
}

/// A member, by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub user_id: String,
    pub name: String,
}

/// Something a reviewer allowed for the rest of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunAllowance {
    pub id: String,
    pub tool: String,
    /// The subject as the rules read it: a normalized path or URL, or a
    /// command's words.
    pub subject: String,
    pub approval_id: String,
    pub granted_by: String,
    pub granted_by_name: String,
    pub granted_at: Timestamp,
}
