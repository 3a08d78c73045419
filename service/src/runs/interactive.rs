//! Interactive runs: a person's own agent (a coding agent on their machine,
//! an MCP client, a script) runs under that person's token instead of a
//! worker claiming the run. The run is `running` from the start, never
//! queued, and known by the agent's own id for it (`external_id`, such as
//! a session id): while it is open, starting it again answers the same
//! run, so an agent that cannot keep state between calls (a hook) can
//! start it at every call. Its runtime calls are the starter's alone (see
//! [`super::Runner`]). Nobody may be there to finish it (a closed laptop):
//! a run with no event for the configured idle time is ended as abandoned.

use serde_json::{Value, json};

use super::{MAX_INPUT_BYTES, Run, agent_runs_topic};
use crate::agents::{Capability, CredentialModel};
use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, RunId};
use crate::store::{self, Insert};
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{RunFinished, RunStarted};

/// The longest external id taken.
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;

impl Bosun {
    /// Starts an interactive run of `agent` for the principal, or answers
    /// the one they have open under the same `external_id`; the flag says
    /// whether it is new. The principal needs at least run access (a
    /// stranger is told the agent does not exist), as for any run.
    pub async fn start_interactive_run(
        &self,
        principal: &Principal,
        agent: &AgentId,
        external_id: &str,
        input: Value,
    ) -> Result<(Run, bool)> {
        let external_id = validate::label("external_id", external_id, MAX_EXTERNAL_ID_CHARS)?;
        if input.to_string().len() > MAX_INPUT_BYTES {
            return Err(Error::invalid("input", "must be at most 256 KiB of JSON"));
        }
        let view = self.agent_for(principal, agent, Capability::Run).await?;
        let model = view.agent.credential_model;
        if model == CredentialModel::User {
            self.check_connections_for_run(principal, agent).await?;
        }
        if let Some(open) = self
            .open_interactive_run(principal, agent, &external_id)
            .await?
        {
            return Ok((open, false));
        }
        let now = self.now();
        let id = RunId::generate();
        let started_by = principal.user_id.to_string();
        let mut tx = self.db().begin_write().await?;
        // A concurrent start of the same run may have committed since the
        // read above: the unique index on open interactive runs lets only
        // one insert through, and the other answers the run that did.
        let inserted = store::runs::insert_interactive(
            &mut tx,
            store::runs::InteractiveInsert {
                id: &id,
                workspace: &principal.workspace_id,
                agent,
                input: input.to_string(),
                started_by: &started_by,
                credential_model: model.as_str(),
                external_id: &external_id,
                created_at: to_millis(now),
            },
        )
        .await?;
        match inserted {
            Insert::Done => {}
            Insert::Taken => {
                drop(tx);
                return self
                    .open_interactive_run(principal, agent, &external_id)
                    .await?
                    .map(|open| (open, false))
                    .ok_or_else(|| Error::Refused {
                        code: crate::Code::Conflict,
                        message: "a concurrent change got there first; try again".into(),
                    });
            }
        }
        let event = NewEvent {
            kind: EventKind::RunStarted,
            workspace_id: principal.workspace_id.clone(),
            agent_id: Some(agent.clone()),
            run_id: Some(id.to_string()),
            actor: Some(started_by.clone()),
            on_behalf_of: Some(started_by.clone()),
            data: events::data_of(&RunStarted {
                input,
                credential_model: model.as_str().to_owned(),
                started_by: Some(started_by.clone()),
                started_by_key: None,
                interactive: Some(true),
                external_id: Some(Some(external_id.to_string())),
            })?,
        };
        events::append(&mut tx, now, event).await?;
        tx.notify_on_commit(agent_runs_topic(agent)).await?;
        tx.commit().await?;
        Ok((self.run_record(&principal.workspace_id, &id).await?, true))
    }

    /// Ends, as `failed` with the reason "abandoned", each interactive run
    /// with no event for [`crate::Settings::interactive_idle`]; what it
    /// waits for expires and its waiting caller is told no. Answers how
    /// many runs it ended. Run by the server's background sweep.
    pub async fn end_abandoned_runs(&self) -> Result<usize> {
        let idle = self.settings().interactive_idle;
        let now = self.now();
        let cutoff =
            to_millis(now).saturating_sub(i64::try_from(idle.as_millis()).unwrap_or(i64::MAX));
        let due = store::runs::idle_interactive(self.db().pool(), cutoff).await?;
        let mut ended = 0;
        for run in due {
            let mut tx = self.db().begin_write().await?;
            // Checked again as it is ended: a call may have come since.
            let output = json!({ "reason": "abandoned" });
            let still_idle = store::runs::end_if_idle(
                &mut tx,
                &run.id,
                cutoff,
                output.to_string(),
                to_millis(now),
            )
            .await?;
            if !still_idle {
                continue;
            }
            super::approvals::expire_pending_of_run(&mut tx, now, &run.id).await?;
            let agent = AgentId::from_string(run.agent_id);
            let event = NewEvent {
                kind: EventKind::RunFinished,
                workspace_id: crate::ids::WorkspaceId::from_string(run.workspace_id),
                agent_id: Some(agent.clone()),
                run_id: Some(run.id.clone()),
                actor: None,
                on_behalf_of: run.started_by,
                data: events::data_of(&RunFinished {
                    status: "failed".into(),
                    output,
                    cancelled_by: None,
                    reason: Some("abandoned".into()),
                    idle_seconds: Some(idle.as_secs()),
                })?,
            };
            events::append(&mut tx, now, event).await?;
            tx.notify_all_on_commit([format!("run:{}", run.id), agent_runs_topic(&agent)])
                .await?;
            tx.commit().await?;
            ended += 1;
        }
        Ok(ended)
    }

    /// The principal's open interactive run of `agent` under `external_id`.
    async fn open_interactive_run(
        &self,
        principal: &Principal,
        agent: &AgentId,
        external_id: &str,
    ) -> Result<Option<Run>> {
        let row = store::runs::open_interactive(
            self.db().pool(),
            &principal.workspace_id,
            agent,
            &principal.user_id,
            external_id,
        )
        .await?;
        row.as_ref().map(store::runs::RunRow::run).transpose()
    }
}
