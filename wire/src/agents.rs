//! Agents as other resources name them.

use serde::{Deserialize, Serialize};

/// An agent by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRef {
    pub id: String,
    pub name: String,
}
