//! An agent's runtime keys, which its worker authenticates with, as the
//! REST API and the agent page list them: never their values, except the
//! one answer that creates a key.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// A runtime key as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuntimeKey {
    pub id: String,
    pub name: String,
    /// The user who created it: runs it starts count as theirs.
    pub created_by: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    /// False while its creator no longer owns the agent or administers the
    /// workspace (or is deactivated): the key is refused.
    pub active: bool,
}

/// A runtime key, answered once with its value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedRuntimeKey {
    pub id: String,
    pub key: String,
}

impl fmt::Debug for CreatedRuntimeKey {
    /// Without the value, which belongs on its creator's screen only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedRuntimeKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
