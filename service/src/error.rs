//! The one error type of every use case, with its stable machine code and
//! HTTP status. Both the REST API and the server functions render it through
//! [`Error::code`], [`Error::status`] and [`Error::public_message`].

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Declares [`Code`]: each code's name and HTTP status, in one table.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $status:literal;)*) => {
        /// Every code an error is answered with, and its HTTP status: the
        /// one table the REST API and the server functions answer from.
        /// Clients match on the name; it never changes once published.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the table's order.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The stable, snake_case name clients match on.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The HTTP status the code is answered with.
            pub const fn status(self) -> u16 {
                match self {
                    $(Code::$variant => $status,)*
                }
            }
        }
    };
}

codes! {
    /// A field of the request is unacceptable; the message names it.
    InvalidInput = "invalid_input", 400;
    /// No valid session or token.
    Unauthenticated = "unauthenticated", 401;
    /// The email or password did not match an active account.
    InvalidCredentials = "invalid_credentials", 401;
    /// Authenticated, but not allowed to do this.
    Forbidden = "forbidden", 403;
    /// An agent token used outside its agent's interactive runs.
    TokenScope = "token_scope", 403;
    /// It does not exist, or the caller may not know it does.
    NotFound = "not_found", 404;
    /// A concurrent change got there first; reload and retry.
    Conflict = "conflict", 409;
    NameTaken = "name_taken", 409;
    EmailTaken = "email_taken", 409;
    ToolExists = "tool_exists", 409;
    /// The workspace's last active admin cannot be demoted or deactivated.
    LastAdmin = "last_admin", 409;
    PasswordLinkUnusable = "password_link_unusable", 409;
    ServiceAccountMismatch = "service_account_mismatch", 409;
    AlreadyDecided = "already_decided", 409;
    NotDecidable = "not_decidable", 409;
    RunNotActive = "run_not_active", 409;
    /// A run changed under every attempt to decide a call of it.
    RunChanging = "run_changing", 409;
    ConfirmationRequired = "confirmation_required", 409;
    NotAllowed = "not_allowed", 409;
    AlreadyReported = "already_reported", 409;
    /// An agent already has an MCP server of that name, or one is registered.
    McpServerNameTaken = "mcp_server_name_taken", 409;
    ProviderError = "provider_error", 422;
    ProviderRefused = "provider_refused", 422;
    ConnectionRequired = "connection_required", 422;
    ReconnectNeeded = "reconnect_needed", 422;
    CredentialNotDeclared = "credential_not_declared", 422;
    /// A stored secret no longer opens; the message says who sets it again.
    CredentialUnreadable = "credential_unreadable", 422;
    PublicUrlRequired = "public_url_required", 422;
    IdTokenInvalid = "id_token_invalid", 422;
    EmailUnverified = "email_unverified", 422;
    NoAccount = "no_account", 422;
    NotAllowableForRun = "not_allowable_for_run", 422;
    EditedInputDenied = "edited_input_denied", 422;
    EditedInputMovesSecrets = "edited_input_moves_secrets", 422;
    NoSuggestion = "no_suggestion", 422;
    /// A registered MCP server cannot be used as it is set up.
    McpServerUnusable = "mcp_server_unusable", 422;
    /// A registered MCP server failed or did not answer in time.
    McpUpstreamFailed = "mcp_upstream_failed", 422;
    /// Too many attempts; `Retry-After` says when to try again.
    RateLimited = "rate_limited", 429;
    /// Anything unexpected, a stored row that does not parse included:
    /// logged with its cause, told to nobody.
    Internal = "internal", 500;
}

/// Codes compare with their names, as clients see them.
impl PartialEq<&str> for Code {
    fn eq(&self, name: &&str) -> bool {
        self.name() == *name
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// What the caller is told of an [`Error::Internal`]; the cause goes to the
/// log only.
pub const INTERNAL_MESSAGE: &str = "something went wrong on our side; it has been logged";

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
    /// Refused for a reason of its own code (a conflict with the current
    /// state, or a request that cannot be carried out as asked); the status
    /// is the code's.
    #[error("{message}")]
    Refused { code: Code, message: String },
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

    /// A stored value that does not parse: our fault, not the caller's,
    /// and the same answer wherever it is read (500 `internal`, the cause in
    /// the log).
    pub fn corrupt(what: &str, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(anyhow::Error::new(cause).context(format!("stored {what} does not parse")))
    }

    /// The code clients match on, from the [`Code`] table.
    pub fn code(&self) -> Code {
        match self {
            Self::InvalidInput { .. } => Code::InvalidInput,
            Self::Unauthenticated => Code::Unauthenticated,
            Self::InvalidCredentials => Code::InvalidCredentials,
            Self::Forbidden(_) => Code::Forbidden,
            Self::TokenScope { .. } => Code::TokenScope,
            Self::NotFound(_) => Code::NotFound,
            Self::Refused { code, .. } => *code,
            Self::RateLimited { .. } => Code::RateLimited,
            Self::Internal(_) => Code::Internal,
        }
    }

    /// The HTTP status this error is answered with: its code's.
    pub fn status(&self) -> u16 {
        self.code().status()
    }

    /// What the caller is told. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => INTERNAL_MESSAGE.into(),
            other => other.to_string(),
        }
    }

    /// Writes an unexpected error to the log with its whole chain of
    /// causes (`context` says where it surfaced); other errors are the
    /// caller's and are not logged.
    pub fn log_if_internal(&self, context: &str) {
        if let Self::Internal(inner) = self {
            tracing::error!(error = format!("{inner:#}"), "{context}");
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
                return Self::Refused {
                    code: Code::Conflict,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_snake_case_name_and_an_error_status() {
        let mut names = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let name = code.name();
            assert!(names.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
            assert!(
                (400..500).contains(&code.status()) || code.status() == 500,
                "{name}"
            );
        }
    }

    #[test]
    fn an_internal_error_keeps_its_causes_for_the_log_and_tells_the_caller_nothing() {
        let cause = serde_json::from_str::<Vec<String>>("{").unwrap_err();
        let error = Error::corrupt("agent tools", cause);
        assert_eq!(error.status(), 500);
        assert_eq!(error.code().name(), "internal");
        assert_eq!(error.public_message(), INTERNAL_MESSAGE);
        let Error::Internal(inner) = &error else {
            panic!("not internal")
        };
        let logged = format!("{inner:#}");
        assert!(
            logged.starts_with("stored agent tools does not parse: "),
            "{logged}"
        );
        assert!(logged.contains("expected a sequence"), "{logged}");
    }
}
