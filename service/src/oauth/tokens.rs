//! Connections (My account → Connections), what `user` agents need of them,
//! and handing a run the token of the person who started it.
//!
//! Tokens are sealed at rest, bound to their connection. A token close to
//! expiry is refreshed before it is handed out, with one refresh in flight
//! per connection: in this process a lock per connection, across processes
//! a lease on the row; the new tokens are stored only over the version the
//! refresh started from, so a rotated refresh token is never lost or
//! overwritten by an older one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RefreshToken, RequestTokenError,
    TokenResponse, TokenUrl,
};
use zeroize::Zeroizing;

use super::flow::provider_error;
use super::providers::StoredProvider;
use super::{open_text, parse_scopes, seal_text, split_scopes};
use crate::access::Editable;
use crate::agents::{AgentView, Capability};
use crate::clock::{from_millis, to_millis};
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, ConnectionId, UserId};
pub use crate::model::oauth::{AgentUsingConnection, ConnectionInfo, ConnectionNeed};
use crate::runs::ActiveRun;
use crate::store::oauth_connections::{self, Refreshed, StoredConnection};
use crate::store::oauth_providers;
use crate::{Bosun, Error, Principal, Result};
use bosun_wire::events::{
    AgentConnectionNeedChanged, ConnectionConnected, ConnectionDisconnected,
    ConnectionReconnectNeeded, CredentialIssued,
};
use bosun_wire::vocabulary::ConnectionStatus;

/// A token this close to expiry is refreshed before it is handed out.
const REFRESH_AHEAD: chrono::Duration = chrono::Duration::seconds(60);
/// How long one process may hold a connection's refresh.
const REFRESH_LEASE_MS: i64 = 30_000;
/// How long a caller waits for another process's refresh.
const REFRESH_WAIT: Duration = Duration::from_secs(20);

pub(crate) type OAuthClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// One lock per connection, so that callers in this process queue behind a
/// refresh instead of starting their own.
#[derive(Default)]
pub(crate) struct RefreshLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl RefreshLocks {
    fn of(&self, connection: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Forget locks nobody holds, so the map stays as small as the
        // number of refreshes under way.
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry(connection.to_owned()).or_default().clone()
    }
}

/// Tokens as a provider sent them.
pub(crate) struct ReceivedTokens {
    access: Zeroizing<String>,
    refresh: Option<Zeroizing<String>>,
    expires_at: Option<DateTime<Utc>>,
    scopes: String,
}

impl ReceivedTokens {
    /// Reads a token response; without a `scope` the provider granted what
    /// was asked (RFC 6749 §5.1).
    pub(crate) fn from_response(
        response: &impl TokenResponse,
        requested: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            access: Zeroizing::new(response.access_token().secret().clone()),
            refresh: response
                .refresh_token()
                .map(|t| Zeroizing::new(t.secret().clone())),
            expires_at: response
                .expires_in()
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| now + d),
            scopes: match response.scopes() {
                Some(scopes) => scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                None => requested.to_owned(),
            },
        }
    }
}

/// What a token is bound to: its connection, and which of the two it is.
fn token_context(connection: &StoredConnection, which: &str) -> String {
    format!(
        "bosun oauth token v1\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{which}",
        connection.workspace_id, connection.user_id, connection.provider_id, connection.id
    )
}

impl StoredConnection {
    fn needs_refresh(&self, now: DateTime<Utc>) -> bool {
        self.expires_at
            .is_some_and(|at| from_millis(at) <= now + REFRESH_AHEAD)
    }
}

/// The scopes of `needed` that `granted` lacks (both space-separated).
fn missing_scopes(needed: &str, granted: &str) -> Vec<String> {
    let granted = split_scopes(granted);
    split_scopes(needed)
        .into_iter()
        .filter(|s| !granted.contains(s))
        .collect()
}

impl Bosun {
    /// The OAuth client for a provider, with its secret opened.
    pub(crate) fn oauth_client(&self, provider: &StoredProvider) -> Result<OAuthClient> {
        let bad = |field: &'static str| Error::invalid(field, "is not a URL");
        Ok(BasicClient::new(ClientId::new(provider.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret(provider)?.to_string()))
            .set_auth_uri(
                AuthUrl::new(provider.authorize_url.clone()).map_err(|_| bad("authorize_url"))?,
            )
            .set_token_uri(
                TokenUrl::new(provider.token_url.clone()).map_err(|_| bad("token_url"))?,
            ))
    }

    /// Stores what a finished connection flow received, replacing any
    /// earlier connection of the same person to the same provider.
    pub(crate) async fn store_connection(
        &self,
        principal: &Principal,
        provider: &StoredProvider,
        tokens: ReceivedTokens,
    ) -> Result<()> {
        let now = self.now();
        // Read where the row is replaced, so a refresh under way (which
        // stores only over the version it started from) loses to it.
        let mut tx = self.db().begin_write().await?;
        let existing =
            oauth_connections::id_and_version(&mut tx, &principal.user_id, &provider.id).await?;
        let (id, version) = match existing {
            Some((id, version)) => (id, version + 1),
            None => (ConnectionId::generate().to_string(), 1),
        };
        let row = StoredConnection {
            id,
            workspace_id: provider.workspace_id.clone(),
            user_id: principal.user_id.to_string(),
            provider_id: provider.id.clone(),
            scopes: tokens.scopes.clone(),
            access_token: String::new(),
            refresh_token: None,
            expires_at: None,
            status: ConnectionStatus::Active.to_string(),
            version,
        };
        let (access, refresh) = self.seal_tokens(&row, &tokens)?;
        oauth_connections::replace(
            &mut tx,
            &row,
            &access,
            refresh.as_deref(),
            tokens.expires_at.map(to_millis),
            to_millis(now),
        )
        .await?;
        let data = events::data_of(&ConnectionConnected {
            provider: provider.name.clone(),
            connection: row.id.clone(),
            scopes: row.scopes.clone(),
        })?;
        events::append(
            &mut tx,
            now,
            NewEvent::audit(EventKind::ConnectionConnected, principal, None, data),
        )
        .await?;
        tx.commit().await
    }

    fn seal_tokens(
        &self,
        row: &StoredConnection,
        tokens: &ReceivedTokens,
    ) -> Result<(String, Option<String>)> {
        let master = self.master_key()?;
        let access = seal_text(master, &token_context(row, "access"), &tokens.access)?;
        let refresh = tokens
            .refresh
            .as_ref()
            .map(|t| seal_text(master, &token_context(row, "refresh"), t))
            .transpose()?;
        Ok((access, refresh))
    }

    /// The principal's connection to every provider, connected or not.
    pub async fn list_connections(&self, principal: &Principal) -> Result<Vec<ConnectionInfo>> {
        let connections = oauth_connections::of_person(self.db().pool(), principal).await?;
        let users = oauth_connections::agents_needing(self.db().pool(), principal).await?;
        let mut agents_by_provider: HashMap<String, Vec<AgentUsingConnection>> = HashMap::new();
        for (provider, agent) in users {
            agents_by_provider.entry(provider).or_default().push(agent);
        }
        Ok(connections
            .into_iter()
            .map(|connection| ConnectionInfo {
                agents: agents_by_provider
                    .remove(&connection.provider)
                    .unwrap_or_default(),
                ..connection
            })
            .collect())
    }

    /// Forgets the principal's connection to `provider`, revoking its
    /// tokens at the provider first where the provider supports that. A
    /// provider that cannot be reached does not keep the connection here.
    pub async fn disconnect(&self, principal: &Principal, provider: &str) -> Result<()> {
        let provider = self
            .stored_provider(&principal.workspace_id, provider)
            .await?;
        let row = self
            .stored_connection(&principal.user_id, &provider.id)
            .await?
            .ok_or(Error::NotFound("connection"))?;
        let revoked = match &provider.revocation_url {
            Some(url) => self.revoke_at_provider(&provider, url, &row).await,
            None => false,
        };
        let mut tx = self.db().begin_write().await?;
        oauth_connections::delete(&mut tx, &row.id).await?;
        let data = events::data_of(&ConnectionDisconnected {
            provider: provider.name.clone(),
            connection: row.id.clone(),
            revoked_at_provider: revoked,
        })?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(EventKind::ConnectionDisconnected, principal, None, data),
        )
        .await?;
        tx.commit().await
    }

    /// Revokes at the provider every connection to it, before it is removed;
    /// answers how many there were and how many the provider confirmed.
    pub(super) async fn revoke_every_connection(
        &self,
        provider: &StoredProvider,
    ) -> Result<(usize, usize)> {
        let rows = oauth_connections::of_provider(self.db().pool(), &provider.id).await?;
        let Some(url) = &provider.revocation_url else {
            return Ok((rows.len(), 0));
        };
        let mut confirmed = 0;
        for some in rows.chunks(4) {
            let answers = futures::future::join_all(
                some.iter()
                    .map(|row| self.revoke_at_provider(provider, url, row)),
            )
            .await;
            confirmed += answers.into_iter().filter(|answer| *answer).count();
        }
        Ok((rows.len(), confirmed))
    }

    /// Revokes the refresh token (which ends the grant) or else the access
    /// token (RFC 7009); whether the provider confirmed it.
    async fn revoke_at_provider(
        &self,
        provider: &StoredProvider,
        url: &str,
        row: &StoredConnection,
    ) -> bool {
        let revoke = async {
            let master = self.master_key()?;
            let (token, hint) = match &row.refresh_token {
                Some(sealed) => (
                    open_text(master, &token_context(row, "refresh"), sealed)?,
                    "refresh_token",
                ),
                None => (
                    open_text(master, &token_context(row, "access"), &row.access_token)?,
                    "access_token",
                ),
            };
            let secret = self.client_secret(provider)?;
            // Client credentials in Basic auth are form-encoded first (RFC 6749 §2.3.1).
            let encode = |text: &str| {
                url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            };
            let response = self
                .http()
                .request("revocation_url", reqwest::Method::POST, url)?
                .basic_auth(encode(&provider.client_id), Some(encode(&secret)))
                .form(&[("token", token.as_str()), ("token_type_hint", hint)])
                .send()
                .await
                .map_err(|error| Error::internal(format!("revocation: {error}")))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(Error::internal(format!(
                    "revocation answered {}",
                    response.status()
                )))
            }
        };
        match revoke.await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, provider = %provider.name, "could not revoke a connection's tokens");
                false
            }
        }
    }

    async fn stored_connection(
        &self,
        user: &UserId,
        provider_id: &str,
    ) -> Result<Option<StoredConnection>> {
        oauth_connections::of_user(self.db().pool(), user, provider_id).await
    }

    /// A connection's access token, refreshed first if it is about to
    /// expire. Callers of one connection share one refresh.
    async fn current_access_token(
        &self,
        provider: &StoredProvider,
        user: &UserId,
    ) -> Result<(StoredConnection, Zeroizing<String>)> {
        let deadline = tokio::time::Instant::now() + REFRESH_WAIT;
        // The version seen needing a refresh: any later one was refreshed
        // meanwhile (by us or another caller) and is used as it is, even if
        // the provider's tokens live shorter than the refresh margin.
        let mut stale: Option<i64> = None;
        loop {
            let row = self.usable_connection(provider, user).await?;
            let refreshed = stale.is_some_and(|version| version != row.version);
            if refreshed || !row.needs_refresh(self.now()) {
                let token = open_text(
                    self.master_key()?,
                    &token_context(&row, "access"),
                    &row.access_token,
                )?;
                return Ok((row, token));
            }
            stale = Some(row.version);
            let lock = self.refresh_locks().of(&row.id);
            let _refreshing = lock.lock().await;
            // Whoever held the lock may have refreshed already.
            let row = self.usable_connection(provider, user).await?;
            if Some(row.version) != stale {
                continue;
            }
            if self.claim_refresh(&row).await? {
                self.refresh(provider, &row).await?;
                continue;
            }
            // Another process holds the lease: wait for its result.
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Refused {
                    code: crate::Code::ProviderError,
                    message: "the token is being refreshed elsewhere and the refresh did not finish in time"
                        .into(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The connection, if it can be used at all.
    async fn usable_connection(
        &self,
        provider: &StoredProvider,
        user: &UserId,
    ) -> Result<StoredConnection> {
        let row = self
            .stored_connection(user, &provider.id)
            .await?
            .ok_or_else(|| connect_first(provider, "connect"))?;
        if row.status != ConnectionStatus::Active.as_str() {
            return Err(connect_first(provider, "reconnect"));
        }
        Ok(row)
    }

    /// Takes the row's refresh lease if it is free; only one process wins.
    async fn claim_refresh(&self, row: &StoredConnection) -> Result<bool> {
        let now = to_millis(self.now());
        let mut tx = self.db().begin_write().await?;
        let claimed =
            oauth_connections::claim_refresh(&mut tx, row, now + REFRESH_LEASE_MS, now).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Refreshes under the lease and stores the result over the version it
    /// started from. `invalid_grant` means the person must connect again.
    async fn refresh(&self, provider: &StoredProvider, row: &StoredConnection) -> Result<()> {
        let release = || async {
            let mut tx = self.db().begin_write().await?;
            oauth_connections::release_refresh(&mut tx, row).await?;
            tx.commit().await
        };
        let Some(sealed) = &row.refresh_token else {
            release().await?;
            return self
                .needs_reconnect(provider, row, "no refresh token")
                .await;
        };
        let refresh_token = open_text(self.master_key()?, &token_context(row, "refresh"), sealed)?;
        let answer = self
            .oauth_client(provider)?
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
            .request_async(self.http())
            .await;
        let response = match answer {
            Ok(response) => response,
            Err(RequestTokenError::ServerResponse(error))
                if *error.error() == BasicErrorResponseType::InvalidGrant =>
            {
                release().await?;
                return self.needs_reconnect(provider, row, "invalid_grant").await;
            }
            Err(error) => {
                release().await?;
                return Err(provider_error("refreshing a token", &error));
            }
        };
        let mut tokens = ReceivedTokens::from_response(&response, &row.scopes, self.now());
        // A provider that does not rotate refresh tokens keeps the old one valid.
        tokens.refresh.get_or_insert(refresh_token);
        let (access, refresh) = self.seal_tokens(row, &tokens)?;
        let now = to_millis(self.now());
        let mut tx = self.db().begin_write().await?;
        let refreshed = Refreshed {
            access: &access,
            refresh: refresh.as_deref(),
            expires_at: tokens.expires_at.map(to_millis),
            scopes: &tokens.scopes,
            refreshed_at: now,
        };
        if !oauth_connections::store_refreshed(&mut tx, row, refreshed).await? {
            // Reconnected or disconnected meanwhile: theirs wins.
            return Ok(());
        }
        tx.commit().await?;
        tracing::info!(connection = %row.id, provider = %provider.name, "refreshed a connection's token");
        Ok(())
    }

    async fn needs_reconnect(
        &self,
        provider: &StoredProvider,
        row: &StoredConnection,
        why: &str,
    ) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        oauth_connections::mark_reconnect_needed(&mut tx, row).await?;
        let event = NewEvent {
            kind: EventKind::ConnectionReconnectNeeded,
            workspace_id: crate::ids::WorkspaceId::from_string(row.workspace_id.clone()),
            agent_id: None,
            run_id: None,
            actor: None,
            on_behalf_of: Some(row.user_id.clone()),
            data: events::data_of(&ConnectionReconnectNeeded {
                provider: provider.name.clone(),
                connection: row.id.clone(),
                reason: why.to_owned(),
            })?,
        };
        events::append(&mut tx, self.now(), event).await?;
        tx.commit().await?;
        tracing::warn!(connection = %row.id, provider = %provider.name, why, "a connection needs reconnecting");
        Err(connect_first(provider, "reconnect"))
    }

    /// The accounts an agent needs from whoever runs it.
    pub async fn connection_needs(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<Vec<ConnectionNeed>> {
        self.agent_for(principal, agent, Capability::View).await?;
        self.needs_of(agent).await
    }

    async fn needs_of(&self, agent: &AgentId) -> Result<Vec<ConnectionNeed>> {
        oauth_connections::needs_of(self.db().pool(), agent).await
    }

    /// Declares (or, with `None`, drops) an account the agent needs
    /// (editors).
    pub async fn set_connection_need(
        &self,
        principal: &Principal,
        agent: &AgentId,
        provider: &str,
        scopes: Option<&str>,
    ) -> Result<Vec<ConnectionNeed>> {
        let mut tx = self.db().begin_write().await?;
        let _: Editable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        let stored = self
            .stored_provider(&principal.workspace_id, provider)
            .await
            .map_err(|_| {
                Error::invalid("provider", format!("there is no provider “{provider}”"))
            })?;
        let scopes = scopes.map(|s| parse_scopes("scopes", s)).transpose()?;
        oauth_connections::set_need(&mut tx, agent, &stored.id, scopes.as_deref()).await?;
        let data = events::data_of(&AgentConnectionNeedChanged {
            provider: stored.name.clone(),
            scopes: scopes.clone(),
        })?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::AgentConnectionNeedChanged,
                principal,
                Some(agent),
                data,
            ),
        )
        .await?;
        tx.commit().await?;
        self.needs_of(agent).await
    }

    /// Refuses to start a run of a `user` agent for someone who lacks one
    /// of the accounts (or scopes) it needs, saying which and where to fix it.
    pub(crate) async fn check_connections_for_run(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<()> {
        let rows = oauth_connections::needs_against_connections(
            self.db().pool(),
            &principal.user_id,
            agent,
        )
        .await?;
        for (display_name, needed, status, granted) in rows {
            let missing = missing_scopes(&needed, granted.as_deref().unwrap_or_default());
            let problem = match status {
                ConnectionStatus::NotConnected => "is not connected".to_owned(),
                ConnectionStatus::Active if missing.is_empty() => continue,
                ConnectionStatus::Active => format!("lacks the scopes {}", missing.join(", ")),
                ConnectionStatus::ReconnectNeeded => "needs reconnecting".to_owned(),
            };
            return Err(Error::Refused {
                code: crate::Code::ConnectionRequired,
                message: format!(
                    "this agent acts with your {display_name} account, which {problem}: \
                     connect it under My account → Connections (/account#connections)"
                ),
            });
        }
        Ok(())
    }

    /// Hands a run of a `user` agent the access token of the person who
    /// started it, for a provider the agent declared. Recorded in the trace
    /// (provider, connection, scopes) before the value leaves.
    pub(crate) async fn issue_user_token(
        &self,
        runner: &crate::runs::Runner,
        active: &ActiveRun,
        name: &str,
    ) -> Result<crate::credentials::IssuedCredential> {
        let declared = oauth_providers::with_need(
            self.db().pool(),
            &active.workspace_id,
            name,
            &active.agent_id,
        )
        .await?;
        let (provider, needed) = declared
            .and_then(|(provider, needed)| Some((provider, needed?)))
            .ok_or_else(|| Error::Refused {
            code: crate::Code::CredentialNotDeclared,
            message: format!(
                "this agent does not declare that it needs a “{name}” account; an editor adds it \
                 on the agent page"
            ),
        })?;
        let user = active
            .started_by
            .as_deref()
            .map(UserId::from_string)
            .ok_or_else(|| {
                Error::forbidden("this run acts for nobody, so it has no user's account")
            })?;
        let (row, token) = self.current_access_token(&provider, &user).await?;
        if !missing_scopes(&needed, &row.scopes).is_empty() {
            return Err(connect_first(&provider, "reconnect"));
        }
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        oauth_connections::note_use(&mut tx, &row.id, to_millis(now)).await?;
        let run = crate::ids::RunId::from_string(active.id.clone());
        crate::runs::input::remember_issued(self, &mut tx, &run, &provider.name, &token).await?;
        let issued = CredentialIssued::Oauth {
            name: provider.name.clone(),
            connection: row.id.clone(),
            user: row.user_id.clone(),
            scopes: row.scopes.clone(),
        };
        events::append(
            &mut tx,
            now,
            crate::runs::run_event(runner, active, &issued)?,
        )
        .await?;
        tx.commit().await?;
        Ok(crate::credentials::IssuedCredential {
            name: provider.name,
            kind: "oauth",
            value: token,
            expires_at: row.expires_at.map(from_millis),
        })
    }
}

/// The error for a missing or broken connection: names the account and
/// where to fix it.
fn connect_first(provider: &StoredProvider, verb: &str) -> Error {
    let (code, state) = match verb {
        "connect" => (crate::Code::ConnectionRequired, "is not connected"),
        _ => (crate::Code::ReconnectNeeded, "must be connected again"),
    };
    Error::Refused {
        code,
        message: format!(
            "the {} account of the person who started this run {state}; they {verb} it under \
             My account → Connections (/account#connections)",
            provider.display_name
        ),
    }
}
