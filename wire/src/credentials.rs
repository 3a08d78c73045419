//! An agent's fixed credentials as the REST API and the agent page list
//! them: metadata only, never a value.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// What may be known about a credential. Those who may only run the agent
/// see its name alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credential {
    pub name: String,
    pub version: Option<i64>,
    pub service_account: Option<String>,
    pub created_at: Option<Timestamp>,
    /// When the current version was written, if it replaced another.
    pub rotated_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}
