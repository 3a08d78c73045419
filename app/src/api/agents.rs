//! Agents: list, read, create, change, copy and delete them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::dates::{Precision, absolute};
use crate::error::AppError;

/// An agent in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner_name: String,
    pub execution_mode: String,
    pub credential_model: String,
    pub access: AccessView,
}

/// What the logged-in user may do with an agent, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    /// `run`, `clone` or `edit`.
    pub level: String,
    /// `owner`, `admin`, `user_grant` or `workspace_grant`.
    pub source: String,
    pub can_clone: bool,
    pub can_edit: bool,
    pub can_manage_sharing: bool,
    /// Create, see and revoke its runtime keys.
    pub can_manage_keys: bool,
    pub can_delete: bool,
}

/// An agent's whole definition, for its page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentDetail {
    pub id: String,
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub tools: Vec<String>,
    pub execution_mode: String,
    pub credential_model: String,
    /// Pretty-printed JSON.
    pub settings: String,
    /// How long its approval requests wait; none: the workspace's.
    pub approval_ttl_seconds: Option<i64>,
    pub owner_name: String,
    pub updated: String,
    pub access: AccessView,
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
    use bosun_service::agents::{AgentAccess, AgentView, Capability};

    impl From<&AgentAccess> for AccessView {
        fn from(access: &AgentAccess) -> Self {
            Self {
                level: access
                    .level()
                    .map(|l| l.as_str().to_owned())
                    .unwrap_or_default(),
                source: access
                    .source()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                can_clone: access.allows(Capability::Clone),
                can_edit: access.allows(Capability::Edit),
                can_manage_sharing: access.allows(Capability::ManageSharing),
                can_manage_keys: access.allows(Capability::ManageKeys),
                can_delete: access.allows(Capability::Delete),
            }
        }
    }

    impl From<AgentView> for AgentSummary {
        fn from(view: AgentView) -> Self {
            Self {
                access: (&view.access).into(),
                id: view.agent.id.to_string(),
                execution_mode: view.agent.execution_mode.as_str().into(),
                credential_model: view.agent.credential_model.as_str().into(),
                name: view.agent.name,
                description: view.agent.description,
                owner_name: view.owner_name,
            }
        }
    }

    impl From<AgentView> for AgentDetail {
        fn from(view: AgentView) -> Self {
            Self {
                access: (&view.access).into(),
                id: view.agent.id.to_string(),
                execution_mode: view.agent.execution_mode.as_str().into(),
                credential_model: view.agent.credential_model.as_str().into(),
                settings: serde_json::to_string_pretty(&view.agent.settings).unwrap_or_default(),
                updated: absolute(view.agent.updated_at, Precision::Minute),
                name: view.agent.name,
                description: view.agent.description,
                instructions: view.agent.instructions,
                tools: view.agent.tools,
                approval_ttl_seconds: view.agent.approval_ttl_seconds,
                owner_name: view.owner_name,
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
    Ok(page.items.into_iter().map(AgentSummary::from).collect())
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

/// The execution mode a new agent starts in: the workspace's default, which
/// every member may read (the new agent form preselects and names it).
#[server(prefix = "/fn", endpoint = "agents/default_mode")]
pub async fn default_mode() -> Result<String, AppError> {
    use super::ssr::{bosun, principal};
    let settings = bosun()?.workspace_settings(&principal().await?).await?;
    Ok(settings.default_execution_mode.as_str().to_owned())
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
