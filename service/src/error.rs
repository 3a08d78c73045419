//! The one error type of every use case, with its stable machine code and
//! HTTP status. Both the REST API and the server functions render it through
//! [`Error::code`], [`Error::status`] and [`Error::public_message`].

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field of the request is unacceptable; `problem` says why.
    #[error("{field}: {problem}")]
    InvalidInput {
        /// The field, as the request spells it (`input.path` inside an object).
        field: std::borrow::Cow<'static, str>,
        problem: String,
    },
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// The email or password did not match an active account.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// An agent token used for something else than its agent's
    /// interactive runs.
    #[error(
        "this token is limited to the interactive runs of agent {agent}; use a personal access token for anything else"
    )]
    TokenScope { agent: String },
    /// The thing does not exist, or the caller may not know it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Well-formed, but cannot be carried out as asked.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// Too many attempts; try again after the given time.
    #[error("too many failed attempts; try again in {} minute(s)", retry_after.as_secs().div_ceil(60).max(1))]
    RateLimited { retry_after: Duration },
    /// Anything unexpected. Logged in full, shown to nobody.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(
        field: impl Into<std::borrow::Cow<'static, str>>,
        problem: impl Into<String>,
    ) -> Self {
        Self::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// An unexpected failure, described for the log.
    pub fn internal(description: impl std::fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!("{description}"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// The stable, snake_case code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "invalid_input",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden(_) => "forbidden",
            Self::TokenScope { .. } => "token_scope",
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } | Self::Unprocessable { code, .. } => code,
            Self::RateLimited { .. } => "rate_limited",
            Self::Internal(_) => "internal",
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidInput { .. } => 400,
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::Forbidden(_) | Self::TokenScope { .. } => 403,
            Self::NotFound(_) => 404,
            Self::Conflict { .. } => 409,
            Self::Unprocessable { .. } => 422,
            Self::RateLimited { .. } => 429,
            Self::Internal(_) => 500,
        }
    }

    /// What the caller is told. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        }
    }
}

/// The one place store failures become errors. Two kinds are the caller's
/// doing rather than ours, and answer as such on every dialect:
/// - a unique key that a concurrent request claimed first (two people
///   granting the same agent to the same user at once, two writers of one
///   credential version) is a conflict to retry, not a fault;
/// - a NUL character PostgreSQL refused in a value SQLite would have taken
///   is bad input. Values reaching the store are checked for NUL where they
///   come in (path, query, fields); this catches any that slipped past.
impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(database) = &error {
            if database.is_unique_violation() {
                return Self::Conflict {
                    code: "conflict",
                    message: "a concurrent change got there first; reload and try again".into(),
                };
            }
            if database.code().as_deref() == Some(POSTGRES_CHARACTER_NOT_IN_REPERTOIRE) {
                return Self::invalid("input", "must not contain NUL characters");
            }
        }
        Self::Internal(anyhow::Error::new(error).context("database"))
    }
}

/// PostgreSQL's SQLSTATE for a byte its encoding cannot hold, such as NUL
/// in `text`.
const POSTGRES_CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Internal(anyhow::Error::new(error).context("migrations"))
    }
}
