use bosun_wire::runs::{Person, Run, RunAllowance, RunDetails, Waiting};

use crate::runs::{self, allowances, control};

/// The page of the setting that lets reviewers decide their own runs'
/// requests, which a request nobody can decide points to.
const SELF_APPROVAL_SETTING: &str = "/settings/security";

impl From<runs::Run> for Run {
    fn from(run: runs::Run) -> Self {
        Self {
            id: run.id.to_string(),
            agent_id: run.agent_id.to_string(),
            status: run.status,
            input: run.input,
            output: run.output,
            started_by: run.started_by,
            started_by_key: run.started_by_key,
            interactive: run.interactive,
            external_id: run.external_id,
            created_at: run.created_at.into(),
            finished_at: run.finished_at.map(Into::into),
        }
    }
}

impl From<control::RunDetails> for RunDetails {
    fn from(details: control::RunDetails) -> Self {
        Self {
            run: details.run.into(),
            may_cancel: details.may_cancel,
            waiting: details.waiting.into_iter().map(Waiting::from).collect(),
            allowed_for_run: details
                .allowances
                .into_iter()
                .map(RunAllowance::from)
                .collect(),
        }
    }
}

impl From<control::WaitingRequest> for Waiting {
    fn from(waiting: control::WaitingRequest) -> Self {
        let nobody_can_decide = waiting.deciders.is_empty();
        Self {
            summary: waiting.summary(),
            nobody_can_decide,
            setting: nobody_can_decide.then(|| SELF_APPROVAL_SETTING.to_owned()),
            approval_id: waiting.approval_id.to_string(),
            tool: waiting.tool,
            input: waiting.input,
            requested_at: waiting.requested_at.into(),
            expires_at: waiting.expires_at.into(),
            can_be_decided_by: waiting
                .deciders
                .into_iter()
                .map(|decider| Person {
                    user_id: decider.user_id,
                    name: decider.name,
                })
                .collect(),
        }
    }
}

impl From<allowances::RunAllowance> for RunAllowance {
    fn from(allowance: allowances::RunAllowance) -> Self {
        Self {
            granted_at: allowance.granted_at().into(),
            id: allowance.id,
            tool: allowance.tool,
            subject: allowance.subject,
            approval_id: allowance.approval_id,
            granted_by: allowance.granted_by,
            granted_by_name: allowance.granted_by_name,
        }
    }
}
