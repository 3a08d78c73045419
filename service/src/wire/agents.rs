use bosun_wire::agents::{Agent, AgentAccess};

use crate::agents::{self, Capability};

impl From<agents::Agent> for Agent {
    fn from(agent: agents::Agent) -> Self {
        Self {
            id: agent.id.to_string(),
            name: agent.name,
            description: agent.description,
            instructions: agent.instructions,
            tools: agent.tools,
            execution_mode: agent.execution_mode,
            credential_model: agent.credential_model,
            settings: agent.settings,
            approval_ttl_seconds: agent.approval_ttl_seconds,
            owner_id: agent.owner_id.to_string(),
            created_at: agent.created_at.into(),
            updated_at: agent.updated_at.into(),
        }
    }
}

impl From<&agents::AgentAccess> for AgentAccess {
    fn from(access: &agents::AgentAccess) -> Self {
        Self {
            level: access.level(),
            source: access.source(),
            can_clone: access.allows(Capability::Clone),
            can_edit: access.allows(Capability::Edit),
            can_manage_sharing: access.allows(Capability::ManageSharing),
            can_manage_keys: access.allows(Capability::ManageKeys),
            can_delete: access.allows(Capability::Delete),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::ids::{AgentId, UserId};
    use bosun_wire::vocabulary::{AccessLevel, AccessSource, CredentialModel, ExecutionMode};

    /// The agent on the wire is, byte for byte, the JSON the service's own
    /// type writes and the REST API has always answered with: the same
    /// fields in the same order, instants as chrono writes them.
    #[test]
    fn an_agent_on_the_wire_is_the_json_the_rest_api_has_always_written() {
        let agent = agents::Agent {
            id: AgentId::from_string("0193a1b2-0000-7000-8000-000000000001"),
            name: "Triage".into(),
            description: "Sorts issues".into(),
            instructions: "Be brief.".into(),
            tools: vec!["read_file".into(), "system_shell".into()],
            execution_mode: ExecutionMode::ReadWrite,
            credential_model: CredentialModel::User,
            settings: json!({"model": "small", "limits": {"steps": 3}}),
            approval_ttl_seconds: Some(600),
            owner_id: UserId::from_string("0193a1b2-0000-7000-8000-0000000000aa"),
            created_at: Utc.with_ymd_and_hms(2026, 11, 30, 14, 5, 9).unwrap(),
            updated_at: Utc.timestamp_millis_opt(1_796_047_509_123).unwrap(),
        };
        let written = serde_json::to_string(&Agent::from(agent.clone())).unwrap();
        assert_eq!(written, serde_json::to_string(&agent).unwrap());
        assert_eq!(
            written,
            concat!(
                r#"{"id":"0193a1b2-0000-7000-8000-000000000001","name":"Triage","#,
                r#""description":"Sorts issues","instructions":"Be brief.","#,
                r#""tools":["read_file","system_shell"],"execution_mode":"read_write","#,
                r#""credential_model":"user","settings":{"limits":{"steps":3},"model":"small"},"#,
                r#""approval_ttl_seconds":600,"owner_id":"0193a1b2-0000-7000-8000-0000000000aa","#,
                r#""created_at":"2026-11-30T14:05:09Z","updated_at":"2026-11-30T14:05:09.123Z"}"#
            )
        );
    }

    /// A member with their own run grant, outranked by the workspace's
    /// clone grant, holds clone through the workspace and may copy the
    /// agent but neither change, share, key nor delete it.
    #[test]
    fn the_access_on_the_wire_is_the_level_that_counts_and_what_it_allows() {
        let access = agents::AgentAccess {
            is_owner: false,
            is_admin: false,
            user_grant: Some(AccessLevel::Run),
            workspace_grant: Some(AccessLevel::Clone),
        };
        assert_eq!(
            serde_json::to_value(AgentAccess::from(&access)).unwrap(),
            json!({
                "level": "clone",
                "source": "workspace_grant",
                "can_clone": true,
                "can_edit": false,
                "can_manage_sharing": false,
                "can_manage_keys": false,
                "can_delete": false,
            })
        );
        let owner = agents::AgentAccess {
            is_owner: true,
            ..access
        };
        let owner = AgentAccess::from(&owner);
        assert_eq!(
            (owner.level, owner.source),
            (Some(AccessLevel::Edit), Some(AccessSource::Owner))
        );
        assert!(
            owner.can_edit && owner.can_manage_sharing && owner.can_manage_keys && owner.can_delete
        );
    }
}
