//! Runs of an agent and the runtime keys of its worker.

pub use bosun_wire::keys::{CreatedRuntimeKey, RuntimeKey};
pub use bosun_wire::runs::{Run, RunDetails};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A run as the agent page lists it: with its starter's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub run: Run,
    /// Who started it, by name: a person, or a runtime key.
    pub starter: String,
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
    /// The run as the page lists it, its starter named from `names`.
    fn named(run: bosun_service::runs::Run, names: &bosun_service::traces::TraceNames) -> Self {
        let starter = match (&run.started_by, &run.started_by_key) {
            (Some(user), _) => names.user(Some(user)),
            (None, Some(key)) => names.user(Some(&format!("key:{key}"))),
            (None, None) => None,
        };
        Self {
            run: run.into(),
            starter: starter.unwrap_or_default(),
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

#[server(prefix = "/fn", endpoint = "runs/overview")]
pub async fn run_overview(run_id: String) -> Result<RunDetails, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::RunId;
    let details = bosun()?
        .run_details(&principal().await?, None, &RunId::parse(&run_id)?)
        .await?;
    Ok(details.into())
}

/// Cancels a queued or running run: its waiting calls are denied.
#[server(prefix = "/fn", endpoint = "runs/cancel")]
pub async fn cancel_run(agent_id: String, run_id: String) -> Result<RunDetails, AppError> {
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
