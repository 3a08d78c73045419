use bosun_wire::sharing::{AccessEntry, Grant};

use crate::agents::grants;

impl From<grants::Grant> for Grant {
    fn from(grant: grants::Grant) -> Self {
        Self {
            id: grant.id.to_string(),
            user_id: grant.user_id.map(|id| id.to_string()),
            workspace: grant.workspace,
            level: grant.level,
        }
    }
}

impl From<grants::AccessEntry> for AccessEntry {
    fn from(entry: grants::AccessEntry) -> Self {
        Self {
            member: entry.user.map(Into::into),
            level: entry.level,
            source: entry.source,
            grant_id: entry.grant_id.map(|id| id.to_string()),
            own_grant: entry.own_grant,
        }
    }
}
