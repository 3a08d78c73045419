use bosun_wire::approvals::Approval;

use crate::runs::approvals;

impl From<approvals::Approval> for Approval {
    fn from(approval: approvals::Approval) -> Self {
        Self {
            id: approval.id.to_string(),
            agent_id: approval.agent_id.to_string(),
            agent_name: approval.agent_name,
            run_id: approval.run_id,
            tool_call_id: approval.tool_call_id.to_string(),
            tool: approval.tool,
            client_tool: approval.client_tool,
            input: approval.input,
            working_dir: approval.working_dir,
            reason: approval.reason,
            risk: approval.risk,
            status: approval.status,
            requested_at: approval.requested_at.into(),
            expires_at: approval.expires_at.into(),
            decided_by: approval.decided_by,
            decision: approval.decision,
            message: approval.message,
            started_by: approval.started_by,
            started_by_name: approval.started_by_name,
            started_by_key: approval.started_by_key,
        }
    }
}
