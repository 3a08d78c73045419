//! An agent's fixed credentials: written here, never read back.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::dates::{Precision, absolute};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialView {
    pub name: String,
    pub version: Option<i64>,
    pub service_account: Option<String>,
    pub created: Option<String>,
    pub rotated: Option<String>,
    pub last_used: Option<String>,
}

#[server(prefix = "/fn", endpoint = "credentials/list")]
pub async fn list_credentials(agent_id: String) -> Result<Vec<CredentialView>, AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    let items = bosun()?
        .list_credentials(&principal().await?, &agent)
        .await?;
    Ok(items
        .into_iter()
        .map(|info| CredentialView {
            name: info.name,
            version: info.version,
            service_account: info.service_account,
            created: info.created_at.map(|at| absolute(at, Precision::Minute)),
            rotated: info.rotated_at.map(|at| absolute(at, Precision::Minute)),
            last_used: info.last_used_at.map(|at| absolute(at, Precision::Minute)),
        })
        .collect())
}

/// Stores a secret (a new version when the name exists). The value goes
/// one way: nothing ever sends it back to a page.
#[server(prefix = "/fn", endpoint = "credentials/write")]
pub async fn write_credential(
    agent_id: String,
    name: String,
    service_account: String,
    value: String,
) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    let secret = bosun_service::credentials::NewSecret {
        service_account,
        value: value.into(),
    };
    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    bosun()?
        .write_credential(&principal().await?, &agent, name.trim(), secret)
        .await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "credentials/delete")]
pub async fn delete_credential(agent_id: String, name: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    bosun()?
        .delete_credential(&principal().await?, &agent, &name)
        .await?;
    Ok(())
}
