//! Sharing an agent as the REST API and its sharing dialog show it: the
//! agent's grants, and who has access at which level and why.

use serde::{Deserialize, Serialize};

use crate::members::MemberSummary;
use crate::vocabulary::{AccessLevel, AccessSource};

/// Access granted to one member (`user_id`) or to the whole workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub id: String,
    /// The member granted; null for the workspace's grant.
    pub user_id: Option<String>,
    /// Whether this is the grant to everyone in the workspace.
    pub workspace: bool,
    pub level: AccessLevel,
}

/// One line of who has access to an agent, at which level and why: its
/// owner, each member with a grant, and the whole workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    /// The member; null on the whole workspace's line.
    pub member: Option<MemberSummary>,
    /// The level that counts for them.
    pub level: AccessLevel,
    /// Where it comes from.
    pub source: AccessSource,
    /// The grant behind the line, which can be changed or revoked; null
    /// for the owner.
    pub grant_id: Option<String>,
    /// The member's own grant, when the workspace's outranks it.
    pub own_grant: Option<AccessLevel>,
}
