//! The authorization code flow with PKCE (S256): to connect someone's
//! account at a provider, or to sign them in to Bosun with an OpenID
//! Connect provider.
//!
//! [`Bosun::begin_connection`] and [`Bosun::begin_sign_in`] return where to
//! send the browser and a [`PendingAuthorization`] that the caller keeps in
//! the browser's session — never anywhere the provider or another browser
//! could reach. [`Bosun::finish_authorization`] takes it back (once: the
//! caller removes it from the session first) with what the provider sent to
//! the callback; a state that does not match it, or a callback without one
//! pending, is refused.

use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::providers::StoredProvider;
use super::tokens::ReceivedTokens;
use super::{join_scopes, split_scopes};
use crate::clock::to_millis;
use crate::hashed_secrets::same_secret;
use crate::identity::{NewUser, Role};
use crate::ids::{UserId, WorkspaceId};
use crate::store::{oauth_connections, users};
use crate::{Bosun, Error, Principal, Result};

/// How long someone may take at the provider before the flow must start over.
const PENDING_FOR_MS: i64 = 10 * 60 * 1000;

/// What the flow is for.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Connect the signed-in user's account at the provider.
    Connect,
    /// Sign in to Bosun.
    SignIn,
}

/// A flow under way, kept in the browser's session until the provider
/// sends the browser back. Holds the PKCE verifier: never sent anywhere
/// but to the provider's token endpoint.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub purpose: Purpose,
    pub workspace_id: String,
    pub provider: String,
    /// The user connecting (for [`Purpose::Connect`]).
    pub user_id: Option<String>,
    state: String,
    pkce_verifier: String,
    nonce: String,
    redirect_uri: String,
    scopes: String,
    started_at: i64,
}

/// What the provider sent back to the callback.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// How a flow ended.
pub enum Finished {
    Connected { provider: String },
    SignedIn(Principal),
}

/// The path providers send the browser back to.
pub const CALLBACK_PATH: &str = "/oauth/callback";

impl Bosun {
    /// Where a provider sends the browser back: under `BOSUN_PUBLIC_URL`;
    /// without it, under the `Host` the request came with, but only when
    /// that is this machine (loopback). Any other Host could be the
    /// sender's invention, and a provider with a careless redirect URI
    /// registration would then hand the code to that host.
    pub fn oauth_redirect_uri(&self, host: Option<&str>) -> Result<String> {
        if let Some(public) = &self.settings().public_url {
            return Ok(format!(
                "{}{CALLBACK_PATH}",
                public.origin().ascii_serialization()
            ));
        }
        let loopback = host
            .and_then(|host| url::Url::parse(&format!("http://{host}")).ok())
            .filter(|url| {
                url.username().is_empty()
                    && url.password().is_none()
                    && url.path() == "/"
                    && url.query().is_none()
                    && url.fragment().is_none()
                    && match url.host() {
                        Some(url::Host::Domain(name)) => name == "localhost",
                        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                        None => false,
                    }
            });
        match loopback {
            Some(url) => Ok(format!(
                "{}{CALLBACK_PATH}",
                url.origin().ascii_serialization()
            )),
            None => Err(Error::Refused {
                code: crate::Code::PublicUrlRequired,
                message:
                    "set BOSUN_PUBLIC_URL (or --public-url) to the address people use to reach \
                          Bosun: without it, OAuth providers can only send people back to Bosun \
                          on this machine"
                        .into(),
            }),
        }
    }

    /// Starts connecting the principal's account at `provider`: the URL to
    /// send the browser to, and what to keep in its session meanwhile.
    pub async fn begin_connection(
        &self,
        principal: &Principal,
        provider: &str,
        host: Option<&str>,
    ) -> Result<(String, PendingAuthorization)> {
        let redirect_uri = &self.oauth_redirect_uri(host)?;
        let stored = self
            .stored_provider(&principal.workspace_id, provider)
            .await?;
        let scopes = self.scopes_to_request(&stored).await?;
        self.begin(
            Purpose::Connect,
            &stored,
            Some(&principal.user_id),
            scopes,
            redirect_uri,
        )
    }

    /// Starts signing someone in with `provider` (one marked as a way to
    /// sign in).
    pub async fn begin_sign_in(
        &self,
        workspace: &WorkspaceId,
        provider: &str,
        host: Option<&str>,
    ) -> Result<(String, PendingAuthorization)> {
        let redirect_uri = &self.oauth_redirect_uri(host)?;
        let stored = self.stored_provider(workspace, provider).await?;
        if stored.login_enabled == 0 {
            return Err(Error::NotFound("sign-in method"));
        }
        self.begin(
            Purpose::SignIn,
            &stored,
            None,
            "openid email profile".into(),
            redirect_uri,
        )
    }

    fn begin(
        &self,
        purpose: Purpose,
        provider: &StoredProvider,
        user: Option<&UserId>,
        scopes: String,
        redirect_uri: &str,
    ) -> Result<(String, PendingAuthorization)> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = Nonce::new_random();
        let client = self
            .oauth_client(provider)?
            .set_redirect_uri(redirect_url(redirect_uri)?);
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(split_scopes(&scopes).into_iter().map(Scope::new))
            .set_pkce_challenge(challenge);
        if provider.issuer.is_some() {
            request = request.add_extra_param("nonce", nonce.secret().clone());
        }
        let (url, state) = request.url();
        let pending = PendingAuthorization {
            purpose,
            workspace_id: provider.workspace_id.clone(),
            provider: provider.name.clone(),
            user_id: user.map(|u| u.to_string()),
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            started_at: to_millis(self.now()),
        };
        Ok((url.to_string(), pending))
    }

    /// Ends a flow: checks the state against the pending one, exchanges the
    /// code (with the PKCE verifier) and stores the connection or signs the
    /// person in. `signed_in` is who the browser's session belongs to now.
    pub async fn finish_authorization(
        &self,
        pending: PendingAuthorization,
        callback: Callback,
        signed_in: Option<&Principal>,
    ) -> Result<Finished> {
        if !same_secret(callback.state.as_deref().unwrap_or(""), &pending.state) {
            return Err(Error::invalid(
                "state",
                "does not match the sign-in or connection this browser started; start again",
            ));
        }
        if to_millis(self.now()) - pending.started_at > PENDING_FOR_MS {
            return Err(Error::invalid(
                "state",
                "the provider took too long to answer; start again",
            ));
        }
        if let Some(error) = callback.error {
            let detail = callback.error_description.unwrap_or_default();
            return Err(Error::Refused {
                code: crate::Code::ProviderRefused,
                message: format!("the provider answered “{error}” {detail}")
                    .trim()
                    .to_owned(),
            });
        }
        let code = callback
            .code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::invalid("code", "is missing from the provider's answer"))?;
        let workspace = WorkspaceId::from_string(pending.workspace_id.clone());
        let provider = self.stored_provider(&workspace, &pending.provider).await?;
        match pending.purpose {
            Purpose::Connect => {
                let user = match (signed_in, &pending.user_id) {
                    (Some(principal), Some(user)) if principal.user_id.as_str() == user => {
                        principal
                    }
                    _ => {
                        return Err(Error::forbidden(
                            "the connection was started by someone else signed in to this browser; start again",
                        ));
                    }
                };
                let tokens = self.exchange_code(&provider, &pending, code).await?;
                self.store_connection(user, &provider, tokens).await?;
                Ok(Finished::Connected {
                    provider: provider.name,
                })
            }
            Purpose::SignIn => {
                let principal = self.sign_in_with(&provider, &pending, code).await?;
                Ok(Finished::SignedIn(principal))
            }
        }
    }

    /// Trades the code for tokens at the provider's token endpoint.
    async fn exchange_code(
        &self,
        provider: &StoredProvider,
        pending: &PendingAuthorization,
        code: String,
    ) -> Result<ReceivedTokens> {
        let client = self
            .oauth_client(provider)?
            .set_redirect_uri(redirect_url(&pending.redirect_uri)?);
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(self.http())
            .await
            .map_err(|error| provider_error("exchanging the code", &error))?;
        Ok(ReceivedTokens::from_response(
            &response,
            &pending.scopes,
            self.now(),
        ))
    }

    /// Validates the ID token (signature, issuer, audience, expiry, nonce)
    /// and finds — or, where the provider allows it, creates — the user
    /// with its verified email.
    async fn sign_in_with(
        &self,
        provider: &StoredProvider,
        pending: &PendingAuthorization,
        code: String,
    ) -> Result<Principal> {
        let issuer = provider
            .issuer
            .clone()
            .ok_or_else(|| Error::NotFound("sign-in method"))?;
        let issuer =
            IssuerUrl::new(issuer).map_err(|_| Error::invalid("issuer", "is not a URL"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, self.http())
            .await
            .map_err(|error| provider_error("reading the provider's discovery document", &error))?;
        let secret = self.client_secret(provider)?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(secret.to_string())),
        )
        .set_redirect_uri(redirect_url(&pending.redirect_uri)?);
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|_| Error::internal("the provider publishes no token endpoint"))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(self.http())
            .await
            .map_err(|error| provider_error("exchanging the code", &error))?;
        let id_token = response.id_token().ok_or_else(|| Error::Refused {
            code: crate::Code::IdTokenInvalid,
            message: "the provider sent no ID token".into(),
        })?;
        let bosun = self.clone();
        let verifier = client.id_token_verifier().set_time_fn(move || bosun.now());
        let claims = id_token
            .claims(&verifier, &Nonce::new(pending.nonce.clone()))
            .map_err(|error| {
                tracing::warn!(%error, provider = %provider.name, "refused an ID token");
                Error::Refused {
                    code: crate::Code::IdTokenInvalid,
                    message: "the provider's ID token is not valid; the details are in Bosun's log"
                        .into(),
                }
            })?;
        let unverified = || Error::Refused {
            code: crate::Code::EmailUnverified,
            message: "the provider does not vouch for this account's email address, so it cannot \
                      sign in to Bosun"
                .into(),
        };
        let email = claims.email().ok_or_else(unverified)?.as_str().to_owned();
        if claims.email_verified() != Some(true) {
            return Err(unverified());
        }
        let workspace = WorkspaceId::from_string(provider.workspace_id.clone());
        let existing =
            users::active_id_by_email(self.db().pool(), &workspace, &email.to_lowercase()).await?;
        let user = match existing {
            Some(id) => id,
            None if provider.login_creates_users != 0 => {
                let name = claims
                    .name()
                    .and_then(|names| names.get(None))
                    .map(|name| name.as_str().to_owned());
                let new_user = NewUser {
                    email: email.clone(),
                    name,
                    // Nobody knows this password: the account signs in with
                    // its provider until someone sets one.
                    password: crate::hashed_secrets::random_secret(40),
                    role: Role::Member,
                };
                let id = self.create_user_as_operator(&workspace, new_user).await?;
                tracing::info!(user = %id, provider = %provider.name, "created a user on first sign-in");
                id.to_string()
            }
            None => {
                return Err(Error::Refused {
                    code: crate::Code::NoAccount,
                    message: format!(
                        "{email} has no Bosun account in this workspace; ask an admin to add you"
                    ),
                });
            }
        };
        self.active_principal(&user)
            .await?
            .ok_or(Error::InvalidCredentials)
    }

    /// The scopes a connection asks for: the provider's own and every one
    /// an agent of the workspace needs from it, so one connection serves
    /// them all.
    async fn scopes_to_request(&self, provider: &StoredProvider) -> Result<String> {
        let needed = oauth_connections::scopes_needed_of(self.db().pool(), &provider.id).await?;
        let mut scopes = split_scopes(&provider.scopes);
        for scope in needed.iter().flat_map(|s| split_scopes(s)) {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Ok(join_scopes(scopes.iter().map(String::as_str)))
    }
}

fn redirect_url(uri: &str) -> Result<RedirectUrl> {
    RedirectUrl::new(uri.to_owned()).map_err(|_| Error::invalid("redirect_uri", "is not a URL"))
}

/// A failed call to a provider: the details (the provider's error code and
/// description, never a token) go to the log; the person is told only what
/// failed, since a response's words are the responder's, not ours to repeat.
pub(crate) fn provider_error(doing: &str, error: &dyn std::fmt::Display) -> Error {
    tracing::warn!(%error, "OAuth provider call failed while {doing}");
    Error::Refused {
        code: crate::Code::ProviderError,
        message: format!("the provider failed while {doing}; the details are in Bosun's log"),
    }
}
