//! Agents: list, read, create, change, copy and delete them.

pub use bosun_wire::agents::{Agent, AgentAccess, AgentRef};
use bosun_wire::vocabulary::{CredentialModel, ExecutionMode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// An agent as its page shows it: its definition, with its owner's name
/// and what the logged-in user may do with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentDetail {
    pub agent: Agent,
    pub owner_name: String,
    pub access: AgentAccess,
}

/// An agent in a list: its headline, without the instructions and
/// settings (up to 100,000 characters and 64 KiB each) that a list of up to
/// 200 agents would otherwise carry into the page for nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSummary {
    pub agent: AgentRef,
    pub description: String,
    pub execution_mode: ExecutionMode,
    pub credential_model: CredentialModel,
    pub owner_name: String,
    pub access: AgentAccess,
}

/// The editable fields, as a form holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentForm {
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub tools: Vec<String>,
    pub execution_mode: String,
    pub credential_model: String,
    /// JSON text; must be an object.
    pub settings: String,
    /// Seconds its approval requests wait; empty: the workspace's.
    pub approval_ttl_seconds: String,
}

#[cfg(feature = "ssr")]
mod convert {
    use super::*;
    use bosun_service::agents::AgentView;

    impl From<AgentView> for AgentDetail {
        fn from(view: AgentView) -> Self {
            Self {
                access: (&view.access).into(),
                agent: view.agent.into(),
                owner_name: view.owner_name,
            }
        }
    }

    impl From<AgentDetail> for AgentSummary {
        fn from(detail: AgentDetail) -> Self {
            let AgentDetail {
                agent,
                owner_name,
                access,
            } = detail;
            Self {
                agent: AgentRef {
                    id: agent.id,
                    name: agent.name,
                },
                description: agent.description,
                execution_mode: agent.execution_mode,
                credential_model: agent.credential_model,
                owner_name,
                access,
            }
        }
    }

    /// The approval time-to-live as typed: none when empty (the
    /// workspace's), else whole seconds.
    pub fn approval_ttl(text: &str) -> bosun_service::Result<Option<i64>> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| {
            bosun_service::Error::invalid(
                "approval_ttl_seconds",
                "must be a whole number of seconds, or empty for the workspace's",
            )
        })
    }

    /// The settings text as JSON, or an error naming the field.
    pub fn settings(text: &str) -> bosun_service::Result<serde_json::Value> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        serde_json::from_str(text).map_err(|error| {
            bosun_service::Error::invalid("settings", format!("is not valid JSON: {error}"))
        })
    }
}

#[server(prefix = "/fn", endpoint = "agents/list")]
pub async fn list_agents(view: String, query: String) -> Result<Vec<AgentSummary>, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::validate::one_of;

    let principal = principal().await?;
    let view = one_of("view", &view)?;
    let page = bosun()?
        .list_agents(&principal, view, Some(&query), None, 200)
        .await?;
    Ok(page
        .items
        .into_iter()
        .map(|view| AgentDetail::from(view).into())
        .collect())
}

#[server(prefix = "/fn", endpoint = "agents/get")]
pub async fn get_agent(id: String) -> Result<AgentDetail, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::agents::Capability;
    use bosun_service::ids::AgentId;

    let view = bosun()?
        .agent_for(&principal().await?, &AgentId::parse(&id)?, Capability::View)
        .await?;
    Ok(view.into())
}

#[server(prefix = "/fn", endpoint = "agents/create")]
pub async fn create_agent(form: AgentForm) -> Result<String, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::agents::AgentDraft;

    let draft = AgentDraft {
        settings: Some(convert::settings(&form.settings)?),
        name: form.name,
        description: Some(form.description),
        instructions: Some(form.instructions),
        tools: Some(form.tools),
        execution_mode: Some(form.execution_mode).filter(|m| !m.is_empty()),
        credential_model: Some(form.credential_model).filter(|m| !m.is_empty()),
        approval_ttl_seconds: convert::approval_ttl(&form.approval_ttl_seconds)?,
    };
    let view = bosun()?.create_agent(&principal().await?, draft).await?;
    Ok(view.agent.id.to_string())
}

#[server(prefix = "/fn", endpoint = "agents/update")]
pub async fn update_agent(id: String, form: AgentForm) -> Result<AgentDetail, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::agents::AgentPatch;
    use bosun_service::ids::AgentId;

    let patch = AgentPatch {
        settings: Some(convert::settings(&form.settings)?),
        name: Some(form.name),
        description: Some(form.description),
        instructions: Some(form.instructions),
        tools: Some(form.tools),
        execution_mode: Some(form.execution_mode),
        credential_model: Some(form.credential_model),
        approval_ttl_seconds: Some(convert::approval_ttl(&form.approval_ttl_seconds)?),
        owner_id: None,
    };
    let view = bosun()?
        .update_agent(&principal().await?, &AgentId::parse(&id)?, patch)
        .await?;
    Ok(view.into())
}

#[server(prefix = "/fn", endpoint = "agents/delete")]
pub async fn delete_agent(id: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;

    bosun()?
        .delete_agent(&principal().await?, &AgentId::parse(&id)?)
        .await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "agents/clone")]
pub async fn clone_agent(id: String, name: String) -> Result<String, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;

    let view = bosun()?
        .clone_agent(&principal().await?, &AgentId::parse(&id)?, Some(&name))
        .await?;
    Ok(view.agent.id.to_string())
}
