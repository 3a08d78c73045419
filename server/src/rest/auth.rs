//! Bearer-token authentication for the REST API.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use bosun_service::runs::{AgentKey, Caller, Runner};
use bosun_service::{Bosun, Error, Principal};

use super::error::ApiError;
use crate::application::AppState;

/// The user a request's personal access token stands for. Missing,
/// malformed, revoked, expired and deactivated all answer 401; an agent
/// token 403 `token_scope` (it opens only its agent's interactive runs,
/// whose routes take [`ApiScopedUser`], [`ApiScopedCaller`],
/// [`ApiRunner`] or [`PresentedRunner`]).
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(state.bosun.authenticate_token(bearer(parts)?).await?))
    }
}

/// An agent's worker, by its runtime key.
pub struct ApiAgent(pub AgentKey);

impl FromRequestParts<AppState> for ApiAgent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(
            state.bosun.authenticate_runtime_key(bearer(parts)?).await?,
        ))
    }
}

/// Who makes a run's runtime calls: an agent's worker by its runtime key,
/// or the person who started an interactive run by their own token (an
/// agent token included). The service decides which runs each may act on.
pub struct ApiRunner(pub Runner);

impl FromRequestParts<AppState> for ApiRunner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let runner = if Bosun::is_runtime_key(token) {
            Runner::Key(state.bosun.authenticate_runtime_key(token).await?)
        } else {
            Runner::Starter(state.bosun.authenticate_agent_token(token).await?)
        };
        Ok(Self(runner))
    }
}

/// [`ApiRunner`] for the tool-call route, the hot path of every agent: a
/// runtime key is kept as presented, for the service to check in the same
/// read as the run it names; a person's token is checked here.
pub enum PresentedRunner {
    Key(String),
    Starter(Principal),
}

impl FromRequestParts<AppState> for PresentedRunner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        if Bosun::is_runtime_key(token) {
            Ok(Self::Key(token.to_owned()))
        } else {
            Ok(Self::Starter(
                state.bosun.authenticate_agent_token(token).await?,
            ))
        }
    }
}

/// A person by their token, an agent token included (its agent set as the
/// principal's scope): only for the routes of an agent's interactive runs,
/// whose use cases hold the token to its agent.
pub struct ApiScopedUser(pub Principal);

impl FromRequestParts<AppState> for ApiScopedUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(
            state.bosun.authenticate_agent_token(bearer(parts)?).await?,
        ))
    }
}

/// Either a user (personal access token, or an agent token as
/// [`ApiScopedUser`] takes it) or an agent's worker (runtime key): for
/// starting runs, where the service lets an agent token start its own
/// agent's interactive runs and nothing else.
pub struct ApiScopedCaller(pub Caller);

impl FromRequestParts<AppState> for ApiScopedCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let caller = if Bosun::is_runtime_key(token) {
            Caller::Agent(state.bosun.authenticate_runtime_key(token).await?)
        } else {
            Caller::User(state.bosun.authenticate_agent_token(token).await?)
        };
        Ok(Self(caller))
    }
}

fn bearer(parts: &Parts) -> Result<&str, Error> {
    bearer_of(&parts.headers)
}

/// The bearer token of a request's `Authorization` header.
pub fn bearer_of(headers: &axum::http::HeaderMap) -> Result<&str, Error> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(Error::Unauthenticated)
}
