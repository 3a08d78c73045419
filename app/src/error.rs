//! The error every server function returns: a stable code and a message fit
//! for the person using the page. On the server it is made from the service
//! layer's error, which also sets the HTTP status.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl AppError {
    /// Whether the caller must log in (again).
    pub fn is_unauthenticated(&self) -> bool {
        self.code == "unauthenticated"
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, this is where a request whose arguments cannot be read
    /// (malformed, missing, of the wrong type) ends up, before any server
    /// function runs: it is the caller's mistake, a 400 naming the problem,
    /// not a failure of ours. (leptos answers 500 unless told otherwise.)
    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        let code = match error {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => "invalid_input",
            ServerFnErrorErr::Request(_) => "request_failed",
            _ => "server_function_error",
        };
        #[cfg(feature = "ssr")]
        if code == "invalid_input" {
            set_response_status(400);
        }
        Self {
            code: code.into(),
            message: error.to_string(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<bosun_service::Error> for AppError {
    fn from(error: bosun_service::Error) -> Self {
        error.log_if_internal("server function failed");
        set_response_status(error.status());
        Self {
            code: error.code().name().into(),
            message: error.public_message(),
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The service's error for a form that people fill in: an invalid field
    /// is told by the label they see (`Password must be at least 8
    /// characters.`) rather than by its internal name (`password: must …`).
    /// `labels` maps field names to labels; an empty label means the
    /// problem is said alone (`You cannot deactivate yourself.`). Fields
    /// not listed keep the service's wording.
    pub fn in_words(error: bosun_service::Error, labels: &[(&str, &str)]) -> Self {
        let words = match &error {
            bosun_service::Error::InvalidInput { field, problem } => labels
                .iter()
                .find(|(name, _)| name == field)
                .map(|(_, label)| sentence(label, problem)),
            _ => None,
        };
        let mut app_error = Self::from(error);
        if let Some(words) = words {
            app_error.message = words;
        }
        app_error
    }
}

/// `label problem.`, or `Problem.` without a label.
#[cfg(feature = "ssr")]
fn sentence(label: &str, problem: &str) -> String {
    let text = if label.is_empty() {
        let mut chars = problem.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        format!("{label} {problem}")
    };
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

/// Sets the status of the response being made, when there is one (a server
/// function called over HTTP, or a page rendered on the server).
#[cfg(feature = "ssr")]
fn set_response_status(status: u16) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(status)
    {
        response.set_status(status);
    }
}

pub type AppResult<T> = Result<T, AppError>;
