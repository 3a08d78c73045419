//! OAuth for pages: providers (Settings → Integrations), the signed-in
//! person's connections (My account), the accounts an agent needs, and the
//! sign-in buttons of the login page. Connecting and signing in themselves
//! are form posts to the server's `/oauth/connect/{provider}` and
//! `/auth/sso/{provider}`, which send the browser to the provider.

pub use bosun_wire::oauth::{Connection, ConnectionNeed, OAuthProvider};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A provider by name: a sign-in button, or a choice in a form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderChoice {
    pub name: String,
    pub display_name: String,
}

#[server(prefix = "/fn", endpoint = "oauth/providers")]
pub async fn list_providers() -> Result<Vec<OAuthProvider>, AppError> {
    use super::ssr::{bosun, principal};

    Ok(bosun()?.list_oauth_providers(&principal().await?).await?)
}

/// The provider form's fields (named `fields[…]` in the form).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProviderFields {
    /// The provider being changed; empty when adding one.
    #[serde(default)]
    pub existing: String,
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub authorize_url: String,
    #[serde(default)]
    pub token_url: String,
    #[serde(default)]
    pub revocation_url: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub scopes: String,
    /// Checkboxes: present when ticked.
    pub login_enabled: Option<String>,
    pub login_creates_users: Option<String>,
}

/// Adds a provider, or changes the one named `existing`. An empty client
/// secret on change keeps the stored one; it is never sent back.
#[server(prefix = "/fn", endpoint = "oauth/save_provider")]
pub async fn save_provider(fields: ProviderFields) -> Result<(), AppError> {
    use super::ssr::{bosun, principal, request_host};
    use bosun_service::oauth::providers::ProviderInput;

    // Empty fields mean "not given"; the service reads them so.
    let input = ProviderInput {
        name: fields.name.trim().to_owned(),
        display_name: fields.display_name,
        issuer: Some(fields.issuer),
        authorize_url: Some(fields.authorize_url),
        token_url: Some(fields.token_url),
        revocation_url: Some(fields.revocation_url),
        client_id: fields.client_id,
        client_secret: Some(fields.client_secret.into()),
        scopes: fields.scopes,
        login_enabled: fields.login_enabled.is_some(),
        login_creates_users: fields.login_creates_users.is_some(),
    };
    let (bosun, principal) = (bosun()?, principal().await?);
    let host = request_host().await;
    let host = host.as_deref();
    match Some(fields.existing).filter(|e| !e.trim().is_empty()) {
        Some(existing) => {
            bosun
                .update_oauth_provider(&principal, &existing, input, host)
                .await?
        }
        None => bosun.create_oauth_provider(&principal, input, host).await?,
    };
    Ok(())
}

#[server(prefix = "/fn", endpoint = "oauth/delete_provider")]
pub async fn delete_provider(name: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    bosun()?
        .delete_oauth_provider(&principal().await?, &name)
        .await?;
    Ok(())
}

/// The providers people may sign in with; asked by the login page, before
/// anyone is signed in, so it tells nothing but their names.
#[server(prefix = "/fn", endpoint = "oauth/sign_in_methods")]
pub async fn sign_in_methods() -> Result<Vec<ProviderChoice>, AppError> {
    use super::ssr::bosun;

    let bosun = bosun()?;
    let workspace = bosun.default_workspace().await?;
    let providers = bosun.oauth_provider_summaries(&workspace).await?;
    Ok(choices(providers.into_iter().filter(|p| p.login_enabled)))
}

/// Every provider by name, for members choosing one (the accounts an
/// agent needs).
#[server(prefix = "/fn", endpoint = "oauth/provider_choices")]
pub async fn provider_choices() -> Result<Vec<ProviderChoice>, AppError> {
    use super::ssr::{bosun, principal};

    let principal = principal().await?;
    let providers = bosun()?
        .oauth_provider_summaries(&principal.workspace_id)
        .await?;
    Ok(choices(providers))
}

#[cfg(feature = "ssr")]
fn choices(
    providers: impl IntoIterator<Item = bosun_service::oauth::providers::ProviderSummary>,
) -> Vec<ProviderChoice> {
    providers
        .into_iter()
        .map(|p| ProviderChoice {
            name: p.name,
            display_name: p.display_name,
        })
        .collect()
}

#[server(prefix = "/fn", endpoint = "oauth/connections")]
pub async fn list_connections() -> Result<Vec<Connection>, AppError> {
    use super::ssr::{bosun, principal};

    let connections = bosun()?.list_connections(&principal().await?).await?;
    Ok(connections.into_iter().map(Connection::from).collect())
}

#[server(prefix = "/fn", endpoint = "oauth/disconnect")]
pub async fn disconnect(provider: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    bosun()?.disconnect(&principal().await?, &provider).await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "oauth/needs")]
pub async fn list_needs(agent_id: String) -> Result<Vec<ConnectionNeed>, AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    Ok(bosun()?
        .connection_needs(&principal().await?, &agent)
        .await?)
}

/// Declares an account the agent needs (with scopes), or with
/// `remove` set, drops it.
#[server(prefix = "/fn", endpoint = "oauth/set_need")]
pub async fn set_need(
    agent_id: String,
    provider: String,
    #[server(default)] scopes: String,
    #[server(default)] remove: bool,
) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    let scopes = (!remove).then_some(scopes.as_str());
    bosun()?
        .set_connection_need(&principal().await?, &agent, &provider, scopes)
        .await?;
    Ok(())
}
