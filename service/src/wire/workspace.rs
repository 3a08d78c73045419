use bosun_wire::workspace::WorkspaceSettings;

use crate::workspaces;

impl From<workspaces::WorkspaceSettings> for WorkspaceSettings {
    fn from(settings: workspaces::WorkspaceSettings) -> Self {
        Self {
            default_execution_mode: settings.default_execution_mode,
            approval_ttl_seconds: settings.approval_ttl_seconds,
            self_approval: settings.self_approval,
        }
    }
}
