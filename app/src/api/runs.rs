//! Runs of an agent and the runtime keys of its worker.

pub use bosun_wire::keys::{CreatedRuntimeKey, RuntimeKey};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::dates::{Precision, absolute};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: String,
    pub status: String,
    /// Pretty-printed JSON.
    pub input: String,
    pub output: Option<String>,
    pub started_by: Option<String>,
    /// The runtime key that started it, if one did.
    pub started_by_key: Option<String>,
    /// Who started it, by name: a person, or a runtime key.
    pub starter: String,
    /// Started by its user's own agent under their token, and that agent's
    /// id for it (a session id).
    pub interactive: bool,
    pub external_id: Option<String>,
    pub created: String,
    pub finished: Option<String>,
    /// For a Claude Code session: its session id and working directory.
    pub session: Option<String>,
}

/// A runtime key as the agent page lists it: with its creator's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    #[serde(flatten)]
    pub key: RuntimeKey,
    /// The name of the person who created it.
    pub created_by_name: String,
}

#[cfg(feature = "ssr")]
impl RunView {
    /// The run as the page shows it, its starter named from `names`.
    fn named(run: bosun_service::runs::Run, names: &bosun_service::traces::TraceNames) -> Self {
        let starter = match (&run.started_by, &run.started_by_key) {
            (Some(user), _) => names.user(Some(user)),
            (None, Some(key)) => names.user(Some(&format!("key:{key}"))),
            (None, None) => None,
        };
        Self {
            id: run.id.to_string(),
            starter: starter.unwrap_or_default(),
            status: run.status.as_str().into(),
            session: (run.input["client"] == "claude_code").then(|| {
                format!(
                    "Claude Code session {} in {}",
                    run.input["session_id"].as_str().unwrap_or("?"),
                    run.input["cwd"].as_str().unwrap_or("?")
                )
            }),
            input: serde_json::to_string_pretty(&run.input).unwrap_or_default(),
            output: run
                .output
                .map(|o| serde_json::to_string_pretty(&o).unwrap_or_default()),
            started_by: run.started_by,
            started_by_key: run.started_by_key,
            interactive: run.interactive,
            external_id: run.external_id,
            created: absolute(run.created_at, Precision::Second),
            finished: run.finished_at.map(|at| absolute(at, Precision::Second)),
        }
    }
}

#[server(prefix = "/fn", endpoint = "runs/list")]
pub async fn list_runs(agent_id: String) -> Result<Vec<RunView>, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;
    let (bosun, principal) = (bosun()?, principal().await?);
    let runs = bosun
        .list_runs(&principal, &AgentId::parse(&agent_id)?, 50)
        .await?;
    let names = bosun.trace_names(&principal).await?;
    Ok(runs
        .into_iter()
        .map(|run| RunView::named(run, &names))
        .collect())
}

/// Starts a run with `input`, a JSON document (empty: `{}`).
#[server(prefix = "/fn", endpoint = "runs/start")]
pub async fn start_run(agent_id: String, input: String) -> Result<RunView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;
    use bosun_service::runs::Caller;

    let text = if input.trim().is_empty() {
        "{}"
    } else {
        input.as_str()
    };
    let input: serde_json::Value = serde_json::from_str(text).map_err(|error| {
        bosun_service::Error::invalid("input", format!("is not valid JSON: {error}"))
    })?;
    let (bosun, principal) = (bosun()?, principal().await?);
    let caller = Caller::User(principal.clone());
    let run = bosun
        .start_run(&caller, &AgentId::parse(&agent_id)?, input)
        .await?;
    let names = bosun.trace_names(&principal).await?;
    Ok(RunView::named(run, &names))
}

#[server(prefix = "/fn", endpoint = "keys/list")]
pub async fn list_keys(agent_id: String) -> Result<Vec<KeyView>, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;
    let keys = bosun()?
        .list_runtime_keys(&principal().await?, &AgentId::parse(&agent_id)?)
        .await?;
    Ok(keys
        .into_iter()
        .map(|key| KeyView {
            created_by_name: key.created_by_name.clone(),
            key: key.into(),
        })
        .collect())
}

#[server(prefix = "/fn", endpoint = "keys/create")]
pub async fn create_key(agent_id: String, name: String) -> Result<CreatedRuntimeKey, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;
    let created = bosun()?
        .create_runtime_key(&principal().await?, &AgentId::parse(&agent_id)?, &name)
        .await?;
    Ok(created.into())
}

#[server(prefix = "/fn", endpoint = "keys/revoke")]
pub async fn revoke_key(agent_id: String, key_id: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::{AgentId, RuntimeKeyId};
    bosun()?
        .revoke_runtime_key(
            &principal().await?,
            &AgentId::parse(&agent_id)?,
            &RuntimeKeyId::parse(&key_id)?,
        )
        .await?;
    Ok(())
}

/// One run as its page shows it: where it stands, what it waits for and
/// who can decide that, and what reviewers allowed for the rest of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStanding {
    pub agent_id: String,
    pub status: String,
    /// Whether the logged-in user may cancel it now.
    pub may_cancel: bool,
    pub waiting: Vec<WaitingView>,
    pub allowances: Vec<AllowanceView>,
}

/// A request of the run waiting for a reviewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingView {
    /// "waiting for approval of <tool>: <input> — can be decided by …".
    pub summary: String,
    /// True when nobody can decide it (then a setting may change that).
    pub nobody: bool,
}

/// Something a reviewer allowed for the rest of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowanceView {
    pub tool: String,
    pub subject: String,
    pub granted_by: String,
    pub granted: String,
}

#[cfg(feature = "ssr")]
impl From<bosun_service::runs::control::RunDetails> for RunStanding {
    fn from(details: bosun_service::runs::control::RunDetails) -> Self {
        Self {
            agent_id: details.run.agent_id.to_string(),
            status: details.run.status.as_str().into(),
            may_cancel: details.may_cancel,
            waiting: details
                .waiting
                .iter()
                .map(|waiting| WaitingView {
                    summary: waiting.summary(),
                    nobody: waiting.deciders.is_empty(),
                })
                .collect(),
            allowances: details
                .allowances
                .into_iter()
                .map(|allowance| AllowanceView {
                    granted: absolute(allowance.granted_at(), Precision::Second),
                    tool: allowance.tool,
                    subject: allowance.subject,
                    granted_by: allowance.granted_by_name,
                })
                .collect(),
        }
    }
}

#[server(prefix = "/fn", endpoint = "runs/overview")]
pub async fn run_overview(run_id: String) -> Result<RunStanding, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::RunId;
    let details = bosun()?
        .run_details(&principal().await?, None, &RunId::parse(&run_id)?)
        .await?;
    Ok(details.into())
}

/// Cancels a queued or running run: its waiting calls are denied.
#[server(prefix = "/fn", endpoint = "runs/cancel")]
pub async fn cancel_run(agent_id: String, run_id: String) -> Result<RunStanding, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::{AgentId, RunId};
    let details = bosun()?
        .cancel_run(
            &principal().await?,
            &AgentId::parse(&agent_id)?,
            &RunId::parse(&run_id)?,
        )
        .await?;
    Ok(details.into())
}
