//! A run as the people behind it see it, and a way out of it: what it
//! waits for and who can decide that, what reviewers allowed for it, and
//! cancelling it.
//!
//! A run is in reach of its starter (for a run a runtime key started, the
//! key's creator), of the agent's editors and of admins; everyone else is
//! told it does not exist, as the run's trace does.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::allowances::RunAllowance;
use super::approvals::{Decider, Details, PendingRequest, Resolution};
use super::{Run, agent_runs_topic};
use crate::access::Capability;
use crate::access::Editable;
use crate::clock::{from_millis, to_millis};
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, ApprovalId, RunId};
use crate::model::agents::AgentView;
use crate::store::{self, runs::ReachableRun};
use crate::{Bosun, Error, Principal, Result};
use bosun_wire::events::RunFinished;

/// A run with what it waits for and what was allowed for it. Not
/// serialized as it is: the deciders' emails are for notifications, not
/// for the run's page.
#[derive(Clone, Debug)]
pub struct RunDetails {
    pub run: Run,
    /// Whether the principal may cancel it now (it is queued or running).
    pub may_cancel: bool,
    /// Its requests waiting for a reviewer, oldest first.
    pub waiting: Vec<WaitingRequest>,
    /// What reviewers allowed for the rest of the run.
    pub allowances: Vec<RunAllowance>,
}

/// A request of the run that waits for a reviewer.
#[derive(Clone, Debug)]
pub struct WaitingRequest {
    pub approval_id: ApprovalId,
    pub tool: String,
    /// What the request is about: its input's subject.
    pub input: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The active members who may decide it now; empty when nobody can
    /// (e.g. a lone admin's own run while self-approval is off).
    pub deciders: Vec<Decider>,
}

impl WaitingRequest {
    /// The request in a sentence, saying who can decide it.
    pub fn summary(&self) -> String {
        let who = if self.deciders.is_empty() {
            "nobody can decide this".to_owned()
        } else {
            let names: Vec<&str> = self.deciders.iter().map(|d| d.name.as_str()).collect();
            format!("can be decided by {}", names.join(", "))
        };
        format!(
            "waiting for approval of {}: {} — {who}",
            self.tool, self.input
        )
    }
}

/// What a waiting agent is told, and the cancelled requests say, when
/// someone cancels a run.
pub(crate) fn cancelled_by_message(name: &str) -> String {
    format!("run cancelled by {name}")
}

impl Bosun {
    /// One run with what it waits for (and who can decide that) and what
    /// reviewers allowed for it.
    pub async fn run_details(
        &self,
        principal: &Principal,
        agent: Option<&AgentId>,
        run: &RunId,
    ) -> Result<RunDetails> {
        self.run_in_reach(principal, agent, run).await?;
        // Requests nobody may decide any more are closed before they are
        // shown as waiting.
        self.settle_pending(Some(&principal.workspace_id), None)
            .await?;
        let pending = store::approvals::waiting_of_run(self.db().pool(), run).await?;
        let mut waiting = Vec::with_capacity(pending.len());
        for request in pending {
            let approval_id = ApprovalId::from_string(request.id);
            let deciders = self
                .approval_deciders(&principal.workspace_id, &approval_id)
                .await?;
            let input = super::input::subject_line(
                self,
                &principal.workspace_id,
                &request.tool,
                &crate::store::input_column::decode(&request.input, request.input_json),
            )
            .await;
            waiting.push(WaitingRequest {
                approval_id,
                tool: request.tool,
                input,
                requested_at: from_millis(request.requested_at),
                expires_at: from_millis(request.expires_at),
                deciders,
            });
        }
        let run = self.run_record(&principal.workspace_id, run).await?;
        Ok(RunDetails {
            may_cancel: is_active(&run.status),
            allowances: self.run_allowances(&run.id).await?,
            waiting,
            run,
        })
    }

    /// Cancels a queued or running run (its starter, the agent's editors,
    /// admins): the run ends `cancelled`, each of its waiting requests is
    /// cancelled and its call answered `deny` ("run cancelled by …"), all
    /// in one transaction with the trace, so that of a cancellation and a
    /// concurrent decision on a request exactly one wins. Waiting agents
    /// are told at once. A run that has already ended is a conflict naming
    /// its status.
    pub async fn cancel_run(
        &self,
        principal: &Principal,
        agent: &AgentId,
        run: &RunId,
    ) -> Result<RunDetails> {
        let row = self.run_in_reach(principal, Some(agent), run).await?;
        let now = self.now();
        let message = cancelled_by_message(&principal.name);
        let mut tx = self.db().begin_write().await?;
        // Someone else's run is cancelled as an editor of its agent, which
        // is asked again inside the transaction that cancels it.
        if row.starter.as_deref() != Some(principal.user_id.as_str()) {
            let editor: Result<Editable<AgentView>> =
                self.agent_proof(&mut tx, principal, agent).await;
            match editor {
                Ok(_) => {}
                Err(Error::Forbidden(_) | Error::NotFound(_)) => {
                    return Err(Error::NotFound("run"));
                }
                Err(error) => return Err(error),
            }
        }
        let ended = store::runs::cancel(
            &mut tx,
            &principal.workspace_id,
            run,
            &principal.user_id,
            to_millis(now),
        )
        .await?;
        if !ended {
            drop(tx);
            let current = self.run_record(&principal.workspace_id, run).await?;
            return Err(Error::Refused {
                code: crate::Code::RunNotActive,
                message: format!(
                    "the run has already ended: it is {}; only a queued or running run can be cancelled",
                    current.status
                ),
            });
        }
        // Only requests still pending: one a reviewer decided first keeps
        // its decision.
        let pending = store::approvals::pending_of_run(&mut tx, run).await?;
        for (id, tool_call_id, tool) in pending {
            let request = PendingRequest {
                id,
                tool_call_id,
                run_id: run.to_string(),
                agent_id: agent.clone(),
                workspace_id: principal.workspace_id.clone(),
                started_by: row.run.started_by.clone(),
                tool,
            };
            let resolution = Resolution {
                request: &request,
                decided: false,
                status: "cancelled",
                decision: "cancelled",
                outcome: "deny",
                message: Some(&message),
                reviewer: Some(&principal.user_id),
                edited_input: None,
                final_input: None,
            };
            if resolution.claim(&mut tx, now).await? {
                resolution.record(&mut tx, now, Details::default()).await?;
            }
        }
        let run_event = |kind: EventKind, data: Value| NewEvent {
            kind,
            workspace_id: principal.workspace_id.clone(),
            agent_id: Some(agent.clone()),
            run_id: Some(run.to_string()),
            actor: Some(principal.user_id.to_string()),
            on_behalf_of: row.run.started_by.clone(),
            data,
        };
        tx.notify_all_on_commit([format!("run:{run}"), agent_runs_topic(agent)])
            .await?;
        let data = events::data_of(&RunFinished {
            status: "cancelled".to_owned(),
            output: Value::Null,
            cancelled_by: Some(principal.user_id.to_string()),
            reason: None,
            idle_seconds: None,
        })?;
        events::append(&mut tx, now, run_event(EventKind::RunFinished, data)).await?;
        tx.commit().await?;
        self.run_details(principal, Some(agent), run).await
    }

    /// A run of the principal's workspace (of `agent`, when given) that
    /// they started (even if they have lost access since), or whose agent
    /// they may edit; not found otherwise. Its page, trace and
    /// cancellation are for these people.
    pub(crate) async fn run_in_reach(
        &self,
        principal: &Principal,
        agent: Option<&AgentId>,
        run: &RunId,
    ) -> Result<ReachableRun> {
        let row = store::runs::with_starter(self.db().pool(), &principal.workspace_id, run).await?;
        let row = row
            .filter(|row| agent.is_none_or(|agent| row.run.agent_id == agent.as_str()))
            .ok_or(Error::NotFound("run"))?;
        if row.starter.as_deref() == Some(principal.user_id.as_str()) {
            return Ok(row);
        }
        let agent = AgentId::from_string(row.run.agent_id.clone());
        match self.agent_for(principal, &agent, Capability::Edit).await {
            Ok(_) => Ok(row),
            Err(Error::Forbidden(_) | Error::NotFound(_)) => Err(Error::NotFound("run")),
            Err(error) => Err(error),
        }
    }
}

fn is_active(status: &super::RunStatus) -> bool {
    matches!(status, super::RunStatus::Queued | super::RunStatus::Running)
}
