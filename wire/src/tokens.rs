//! A user's tokens as the REST API and the account page see them: personal
//! access tokens and agent tokens (limited to one agent's interactive runs),
//! listed without their values, and the value shown once when one is made.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// A token as listed: never its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Token {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    /// For an agent token: the agent whose interactive runs it is limited
    /// to, and its name; null for a personal access token.
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    /// When it stops working; null for never.
    pub expires_at: Option<Timestamp>,
}

/// A token just made, with its value: shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: Token,
    pub token: String,
}

impl fmt::Debug for CreatedToken {
    /// Without the value, which belongs on its owner's screen only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedToken")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}
