//! A workspace's settings.

use bosun_policy::ExecutionMode;
use serde::Serialize;

/// A workspace's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkspaceSettings {
    /// The execution mode new agents start in.
    pub default_execution_mode: ExecutionMode,
    /// How long an approval request waits for a reviewer before it is
    /// denied as expired (applies to requests made from then on).
    pub approval_ttl_seconds: i64,
    /// Whether reviewers may decide requests of runs they started (or that
    /// a runtime key they created started).
    pub self_approval: bool,
}
