//! An agent's fixed credentials: written here, never read back.

pub use bosun_wire::credentials::Credential;
use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/fn", endpoint = "credentials/list")]
pub async fn list_credentials(agent_id: String) -> Result<Vec<Credential>, AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    let items = bosun()?
        .list_credentials(&principal().await?, &agent)
        .await?;
    Ok(items.into_iter().map(Credential::from).collect())
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
