//! OAuth providers (Settings → Integrations): admins set them up; everyone
//! sees their names, to connect accounts or sign in.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{open_text, parse_endpoint, parse_issuer, parse_scopes, seal_text};
use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{OAuthProviderId, WorkspaceId};
pub(crate) use crate::model::oauth::CheckedProvider;
use crate::store::Insert;
use crate::store::oauth_providers;
pub(crate) use crate::store::oauth_providers::StoredProvider;
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{OAuthProviderDeleted, OAuthProviderSaved};
use bosun_wire::oauth::OAuthProvider;

/// The longest client id a provider may be given, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 500;

/// A provider as an admin writes it. On update, `client_secret: None`
/// keeps the stored one; endpoints left empty are discovered from the
/// issuer.
#[derive(Clone, Default)]
pub struct ProviderInput {
    /// The machine name agents ask for (`google`, `github`).
    pub name: String,
    pub display_name: String,
    /// An OpenID Connect issuer: its endpoints are discovered, and it can
    /// sign people in.
    pub issuer: Option<String>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub revocation_url: Option<String>,
    pub client_id: String,
    pub client_secret: Option<Zeroizing<String>>,
    /// Scopes every connection asks for (space-separated).
    pub scopes: String,
    /// Whether people may sign in to Bosun with it (needs an issuer).
    pub login_enabled: bool,
    /// Whether signing in creates an account for someone Bosun does not
    /// know yet (with a verified email).
    pub login_creates_users: bool,
}

/// A provider as anyone sees it, to connect or to sign in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProviderSummary {
    pub name: String,
    pub display_name: String,
    pub login_enabled: bool,
}

/// What a client secret is bound to.
fn secret_context(workspace: &str, provider: &str) -> String {
    format!("bosun oauth client v1\u{1f}{workspace}\u{1f}{provider}")
}

/// The endpoints an OpenID Connect issuer publishes.
#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    revocation_endpoint: Option<String>,
}

impl Bosun {
    /// Every provider, for admins.
    pub async fn list_oauth_providers(&self, principal: &Principal) -> Result<Vec<OAuthProvider>> {
        principal.require_admin()?;
        Ok(self
            .stored_providers(&principal.workspace_id)
            .await?
            .iter()
            .map(OAuthProvider::from)
            .collect())
    }

    /// The providers of a workspace by name, for anyone (the login page
    /// included): nothing that is not shown on a button.
    pub async fn oauth_provider_summaries(
        &self,
        workspace: &WorkspaceId,
    ) -> Result<Vec<ProviderSummary>> {
        Ok(self
            .stored_providers(workspace)
            .await?
            .into_iter()
            .map(|p| ProviderSummary {
                name: p.name,
                display_name: p.display_name,
                login_enabled: p.login_enabled != 0,
            })
            .collect())
    }

    async fn stored_providers(&self, workspace: &WorkspaceId) -> Result<Vec<StoredProvider>> {
        oauth_providers::of_workspace(self.db().pool(), workspace).await
    }

    pub(crate) async fn stored_provider(
        &self,
        workspace: &WorkspaceId,
        name: &str,
    ) -> Result<StoredProvider> {
        oauth_providers::by_name(self.db().pool(), workspace, name)
            .await?
            .ok_or(Error::NotFound("OAuth provider"))
    }

    /// The provider's client secret, opened.
    pub(crate) fn client_secret(&self, provider: &StoredProvider) -> Result<Zeroizing<String>> {
        open_text(
            self.master_key()?,
            &secret_context(&provider.workspace_id, &provider.id),
            &provider.client_secret,
        )
    }

    /// Adds a provider (admins).
    /// `host` is the `Host` the request came with: without a public URL,
    /// a provider set up from elsewhere than this machine could not send
    /// anyone back, which the admin is told now rather than at first use.
    pub async fn create_oauth_provider(
        &self,
        principal: &Principal,
        input: ProviderInput,
        host: Option<&str>,
    ) -> Result<OAuthProvider> {
        principal.require_admin()?;
        self.oauth_redirect_uri(host)?;
        let id = OAuthProviderId::generate();
        let secret = input
            .client_secret
            .clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| Error::invalid("client_secret", "is required"))?;
        let checked = self.check_provider(&input).await?;
        let now = to_millis(self.now());
        let sealed = seal_text(
            self.master_key()?,
            &secret_context(principal.workspace_id.as_str(), id.as_str()),
            secret.trim(),
        )?;
        let mut tx = self.db().begin_write().await?;
        let inserted = oauth_providers::insert(
            &mut tx,
            &id,
            &principal.workspace_id,
            &checked,
            &sealed,
            now,
        )
        .await?;
        if inserted == Insert::Taken {
            return Err(Error::Refused {
                code: crate::Code::NameTaken,
                message: "name: a provider with this name already exists".into(),
            });
        }
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::OAuthProviderCreated,
                principal,
                None,
                events::data_of(&checked.fields)?,
            ),
        )
        .await?;
        tx.commit().await?;
        self.provider_info(principal, &checked.fields.name).await
    }

    /// Changes a provider (admins); its name stays, since agents ask for it.
    /// `host` as for [`Bosun::create_oauth_provider`].
    pub async fn update_oauth_provider(
        &self,
        principal: &Principal,
        name: &str,
        input: ProviderInput,
        host: Option<&str>,
    ) -> Result<OAuthProvider> {
        principal.require_admin()?;
        self.oauth_redirect_uri(host)?;
        let stored = self.stored_provider(&principal.workspace_id, name).await?;
        let checked = self
            .check_provider(&ProviderInput {
                name: stored.name.clone(),
                ..input.clone()
            })
            .await?;
        let sealed = match input
            .client_secret
            .as_ref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(secret) => seal_text(
                self.master_key()?,
                &secret_context(&stored.workspace_id, &stored.id),
                secret.trim(),
            )?,
            None => stored.client_secret.clone(),
        };
        let mut tx = self.db().begin_write().await?;
        oauth_providers::update(
            &mut tx,
            &stored.id,
            &checked,
            &sealed,
            to_millis(self.now()),
        )
        .await?;
        let data = events::data_of(&OAuthProviderSaved {
            client_secret_changed: Some(sealed != stored.client_secret),
            ..checked.fields
        })?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(EventKind::OAuthProviderUpdated, principal, None, data),
        )
        .await?;
        tx.commit().await?;
        self.provider_info(principal, name).await
    }

    /// Removes a provider, every connection to it (revoked at the provider
    /// first, as far as it answers) and every agent's need of it (admins).
    pub async fn delete_oauth_provider(&self, principal: &Principal, name: &str) -> Result<()> {
        principal.require_admin()?;
        let stored = self.stored_provider(&principal.workspace_id, name).await?;
        let (connections, revoked) = self.revoke_every_connection(&stored).await?;
        let mut tx = self.db().begin_write().await?;
        oauth_providers::delete(&mut tx, &stored.id).await?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::OAuthProviderDeleted,
                principal,
                None,
                events::data_of(&OAuthProviderDeleted {
                    name: stored.name.clone(),
                    connections: Some(u64::try_from(connections).unwrap_or(u64::MAX)),
                    revoked_at_provider: Some(u64::try_from(revoked).unwrap_or(u64::MAX)),
                })?,
            ),
        )
        .await?;
        tx.commit().await
    }

    async fn provider_info(&self, principal: &Principal, name: &str) -> Result<OAuthProvider> {
        let stored = self.stored_provider(&principal.workspace_id, name).await?;
        Ok(OAuthProvider::from(&stored))
    }

    /// Checks every field, discovering endpoints left empty from the issuer.
    async fn check_provider(&self, input: &ProviderInput) -> Result<CheckedProvider> {
        let name = validate::identifier("name", &input.name)?;
        let display_name = match input.display_name.trim() {
            "" => name.clone(),
            display => validate::label("display_name", display, validate::MAX_NAME_CHARS)?,
        };
        let client_id = validate::label("client_id", &input.client_id, MAX_CLIENT_ID_CHARS)?;
        let scopes = parse_scopes("scopes", &input.scopes)?;
        let issuer = match non_empty(&input.issuer) {
            Some(issuer) => Some(parse_issuer(issuer)?),
            None => None,
        };
        let entered = |field, value: &Option<String>| -> Result<Option<String>> {
            non_empty(value)
                .map(|v| parse_endpoint(field, v))
                .transpose()
        };
        let mut authorize_url = entered("authorize_url", &input.authorize_url)?;
        let mut token_url = entered("token_url", &input.token_url)?;
        let mut revocation_url = entered("revocation_url", &input.revocation_url)?;
        if let Some(issuer) = &issuer
            && (authorize_url.is_none() || token_url.is_none())
        {
            let found = self.discover(issuer).await?;
            authorize_url.get_or_insert(parse_endpoint("issuer", &found.authorization_endpoint)?);
            token_url.get_or_insert(parse_endpoint("issuer", &found.token_endpoint)?);
            if revocation_url.is_none() {
                revocation_url = found
                    .revocation_endpoint
                    .as_deref()
                    .map(|url| parse_endpoint("issuer", url))
                    .transpose()?;
            }
        }
        let authorize_url = authorize_url.ok_or_else(|| {
            Error::invalid("authorize_url", "is required unless an issuer is given")
        })?;
        let token_url = token_url
            .ok_or_else(|| Error::invalid("token_url", "is required unless an issuer is given"))?;
        // Bosun itself calls these; the authorize URL is only where
        // browsers are sent.
        for (field, url) in [
            ("issuer", issuer.as_deref()),
            ("token_url", Some(token_url.as_str())),
            ("revocation_url", revocation_url.as_deref()),
        ] {
            if let Some(url) = url {
                self.http().check(field, url)?;
            }
        }
        if input.login_enabled && issuer.is_none() {
            return Err(Error::invalid(
                "issuer",
                "is required to sign in with a provider: only OpenID Connect proves who someone is",
            ));
        }
        Ok(CheckedProvider {
            display_name,
            fields: OAuthProviderSaved {
                name,
                issuer,
                authorize_url,
                token_url,
                revocation_url,
                client_id,
                scopes,
                login_enabled: input.login_enabled,
                login_creates_users: input.login_enabled && input.login_creates_users,
                client_secret_changed: None,
            },
        })
    }

    /// The endpoints an issuer publishes (OpenID Connect Discovery 1.0).
    /// What the issuer's server answered is logged, never shown: the
    /// person setting up the provider learns only what went wrong.
    async fn discover(&self, issuer: &str) -> Result<Discovery> {
        let url = format!("{issuer}/.well-known/openid-configuration");
        let refused = |problem: &str, detail: &dyn std::fmt::Display| {
            tracing::warn!(%detail, %url, "OpenID Connect discovery failed");
            Error::invalid("issuer", problem)
        };
        let response = self
            .http()
            .request("issuer", reqwest::Method::GET, &url)?
            .send()
            .await
            .map_err(|error| {
                refused(
                    &format!("{url} could not be reached{}", without_content(&error)),
                    &error,
                )
            })?;
        if !response.status().is_success() {
            let status = response.status();
            return Err(refused(&format!("{url} answered {status}"), &status));
        }
        let found: Discovery = response.json().await.map_err(|error| {
            refused(
                &format!("{url} is not an OpenID Connect discovery document"),
                &error,
            )
        })?;
        if found.issuer.trim_end_matches('/') != issuer {
            return Err(refused(
                "the discovery document names a different issuer than this one",
                &found.issuer,
            ));
        }
        Ok(found)
    }
}

/// Why a request failed, in words that repeat nothing the other side sent:
/// a refused address is named (it is our own rule), anything else is
/// described by kind.
fn without_content(error: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.contains("BOSUN_ALLOW_PRIVATE_URLS") {
            return format!(": {text}");
        }
        source = cause.source();
    }
    if error.is_timeout() {
        " in time".into()
    } else {
        String::new()
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
