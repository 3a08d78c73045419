//! The workspace's own settings as the REST API and the pages show them:
//! any member reads them (a new agent starts in the default mode), admins
//! change them on Settings → Security.

use serde::{Deserialize, Serialize};

use crate::vocabulary::ExecutionMode;

/// A workspace's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceSettings {
    /// The execution mode new agents start in.
    pub default_execution_mode: ExecutionMode,
    /// How long an approval request waits for a reviewer before it is
    /// denied as expired, in seconds (1 to 2592000, 30 days).
    #[cfg_attr(
        feature = "openapi",
        schema(example = 86400, minimum = 1, maximum = 2592000)
    )]
    pub approval_ttl_seconds: i64,
    /// Whether reviewers may decide the requests of runs they started
    /// themselves (or that a runtime key they created started).
    pub self_approval: bool,
}
