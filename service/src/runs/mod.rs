//! Runs: one invocation of an agent, started by a user (or by a fixed
//! agent's own key), claimed by the agent's worker, and finished by it; or
//! started interactively by a person's own agent under their own token
//! ([`interactive`]). Tool calls within a run are in [`tool_calls`];
//! reviewers' decisions in [`approvals`].

pub mod allowances;
pub mod always_allow;
pub mod approvals;
pub mod control;
pub(crate) mod decision_log;
pub(crate) mod hot_runs;
pub(crate) mod input;
pub mod interactive;
pub mod keys;
pub mod tool_calls;

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::access::Capability;
use crate::access::Runnable;
use crate::clock::to_millis;
use crate::events::{self, EventKind, EventPayload, NewEvent};
use crate::ids::{AgentId, RunId, WorkspaceId};
use crate::model::agents::{Agent, AgentView, CredentialModel};
use crate::store;
pub(crate) use crate::store::runs::ActiveRun;
use crate::{Bosun, Error, Principal, Result};
use bosun_wire::events::{AgentEvent, RunClaimed, RunFinished, RunStarted};
pub use keys::AgentKey;

/// Who is calling: a person, or an agent's worker with its runtime key.
#[derive(Clone, Debug)]
pub enum Caller {
    User(Principal),
    Agent(AgentKey),
}

pub use crate::model::runs::{Run, Runner};
pub use bosun_wire::vocabulary::RunStatus;

/// How a run ended, as its worker reports it.
#[derive(Clone, Debug)]
pub struct RunEnd {
    pub status: String,
    pub output: Option<Value>,
}

pub(crate) const MAX_INPUT_BYTES: usize = 256 * 1024;

impl Bosun {
    /// Queues a run: a user with at least run access, or the agent's own
    /// key when the agent acts as a fixed service account.
    pub async fn start_run(&self, caller: &Caller, agent: &AgentId, input: Value) -> Result<Run> {
        if input.to_string().len() > MAX_INPUT_BYTES {
            return Err(Error::invalid("input", "must be at most 256 KiB of JSON"));
        }
        // Who may start it is asked inside the transaction that queues it.
        let mut tx = self.db().begin_write().await?;
        let (workspace, started_by, key, actor, model, key_reference) = match caller {
            Caller::User(principal) => {
                // An agent token starts interactive runs only.
                principal.require_unscoped()?;
                let view: Runnable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
                let view = view.into_inner();
                if view.agent.credential_model == CredentialModel::User {
                    self.check_connections_for_run(principal, agent).await?;
                }
                let user = principal.user_id.to_string();
                (
                    principal.workspace_id.clone(),
                    Some(user.clone()),
                    None,
                    user,
                    view.agent.credential_model,
                    None,
                )
            }
            Caller::Agent(key) => {
                if key.agent_id != *agent {
                    return Err(Error::NotFound("agent"));
                }
                let agent = self.agent_of_key(&mut tx, key).await?;
                if agent.credential_model != CredentialModel::Fixed {
                    return Err(Error::forbidden(
                        "only agents that act as a fixed service account start runs with their own key; \
                         this one acts as the user who starts it",
                    ));
                }
                (
                    key.workspace_id.clone(),
                    None,
                    Some(key.key_id.to_string()),
                    key.actor(),
                    agent.credential_model,
                    Some(key.trace_reference()),
                )
            }
        };
        let now = self.now();
        let id = RunId::generate();
        store::runs::insert_queued(
            &mut tx,
            store::runs::QueuedInsert {
                id: &id,
                workspace: &workspace,
                agent,
                input: input.to_string(),
                started_by: started_by.as_deref(),
                started_by_key: key.as_deref(),
                credential_model: model.as_str(),
                created_at: to_millis(now),
            },
        )
        .await?;
        let event = NewEvent {
            kind: EventKind::RunStarted,
            workspace_id: workspace.clone(),
            agent_id: Some(agent.clone()),
            run_id: Some(id.to_string()),
            actor: Some(actor),
            on_behalf_of: started_by.clone(),
            data: events::data_of(&RunStarted {
                input,
                credential_model: model.as_str().to_owned(),
                started_by: started_by.clone(),
                started_by_key: key_reference,
                interactive: None,
                external_id: None,
            })?,
        };
        events::append(&mut tx, now, event).await?;
        tx.notify_on_commit(agent_runs_topic(agent)).await?;
        tx.commit().await?;
        self.run_record(&workspace, &id).await
    }

    /// Runs of an agent the principal may see: their own, or every run for
    /// the agent's editors and admins. Newest first.
    pub async fn list_runs(
        &self,
        principal: &Principal,
        agent: &AgentId,
        limit: u32,
    ) -> Result<Vec<Run>> {
        let view = self.agent_for(principal, agent, Capability::Run).await?;
        let everyone = view.access.allows(Capability::Edit);
        let rows = store::runs::of_agent(
            self.db().pool(),
            agent,
            everyone,
            &principal.user_id,
            i64::from(limit.clamp(1, 200)),
        )
        .await?;
        rows.iter().map(store::runs::RunRow::run).collect()
    }

    /// Claims the agent's oldest queued run, waiting up to `wait` for one.
    pub async fn claim_next_run(
        &self,
        key: &AgentKey,
        wait: Duration,
    ) -> Result<Option<(Run, Agent)>> {
        let deadline = Instant::now() + wait.min(Duration::from_secs(60));
        let topic = agent_runs_topic(&key.agent_id);
        let mut subscription = self.notifier().subscribe();
        loop {
            if let Some(claimed) = self.try_claim(key).await? {
                let agent = self
                    .agent_of_key(&mut *self.db().pool().acquire().await?, key)
                    .await?;
                return Ok(Some((claimed, agent)));
            }
            if !subscription.wait(&topic, deadline).await {
                return Ok(None);
            }
        }
    }

    async fn try_claim(&self, key: &AgentKey) -> Result<Option<Run>> {
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        // The status check in the UPDATE makes a claim race-free: of two
        // workers picking the same run, only one changes it. A run whose
        // starter lost access to the agent stays queued, unclaimable,
        // until they have it again; and a key that died while its worker
        // was waiting claims nothing.
        let row = store::runs::claim_oldest_queued(&mut tx, key, to_millis(now)).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let event = NewEvent {
            kind: EventKind::RunClaimed,
            workspace_id: key.workspace_id.clone(),
            agent_id: Some(key.agent_id.clone()),
            run_id: Some(row.id.clone()),
            actor: Some(key.actor()),
            on_behalf_of: row.started_by.clone(),
            data: events::data_of(&RunClaimed {})?,
        };
        events::append(&mut tx, now, event).await?;
        tx.notify_on_commit(agent_runs_topic(&key.agent_id)).await?;
        tx.commit().await?;
        row.run().map(Some)
    }

    /// A free-form event from the agent (an LLM decision, a note).
    pub async fn record_run_event(&self, runner: &Runner, run: &RunId, data: Value) -> Result<()> {
        let row = self.active_run(runner, run).await?;
        if data.to_string().len() > MAX_INPUT_BYTES {
            return Err(Error::invalid("data", "must be at most 256 KiB of JSON"));
        }
        let mut tx = self.db().begin_write().await?;
        events::append(
            &mut tx,
            self.now(),
            run_event(runner, &row, &AgentEvent { event: data })?,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a run with the worker's outcome. A run whose starter lost
    /// access to the agent can still be ended as failed or cancelled, so
    /// that its worker can wind it down; only not as succeeded.
    pub async fn finish_run(&self, runner: &Runner, run: &RunId, end: RunEnd) -> Result<Run> {
        let status = end
            .status
            .parse::<RunStatus>()
            .ok()
            .filter(|status| !matches!(status, RunStatus::Queued | RunStatus::Running))
            .ok_or_else(|| {
                Error::invalid("status", "must be one of: succeeded, failed, cancelled")
            })?;
        let row = self.running_run(runner, run).await?;
        if status == RunStatus::Succeeded {
            row.check_entitled()?;
        }
        let now = self.now();
        let output = end.output.map(|o| o.to_string());
        let mut tx = self.db().begin_write().await?;
        let finished = store::runs::finish(
            &mut tx,
            run,
            status.as_str(),
            output.as_deref(),
            to_millis(now),
        )
        .await?;
        if !finished {
            return Err(Error::Refused {
                code: crate::Code::RunNotActive,
                message: "the run has already ended".into(),
            });
        }
        let finished = RunFinished {
            status: status.as_str().to_owned(),
            output: output
                .as_deref()
                .and_then(|o| serde_json::from_str::<Value>(o).ok())
                .unwrap_or(Value::Null),
            ..RunFinished::default()
        };
        events::append(&mut tx, now, run_event(runner, &row, &finished)?).await?;
        let agent = AgentId::from_string(row.agent_id.clone());
        tx.notify_all_on_commit([format!("run:{run}"), agent_runs_topic(&agent)])
            .await?;
        tx.commit().await?;
        self.run_record(runner.workspace_id(), run).await
    }

    /// A running run the runner may act on, refused when it is not running,
    /// the key was revoked meanwhile, or the user it acts for has lost run
    /// access: one read, since every runtime call of the agent passes here.
    pub(crate) async fn active_run(&self, runner: &Runner, run: &RunId) -> Result<ActiveRun> {
        let row = self.running_run(runner, run).await?;
        row.check_entitled()?;
        Ok(row)
    }

    /// A running run the runner may act on, whoever it acts for: for ending
    /// a run whose starter lost access.
    pub(crate) async fn running_run(&self, runner: &Runner, run: &RunId) -> Result<ActiveRun> {
        self.run_of_runner(runner, run).await?.check_running()
    }

    /// A run the runner may act on, in any state, with whether whoever it
    /// acts for may still have it go on. A key acts on its agent's runs
    /// that are not interactive, and is refused if it is no longer live;
    /// a person on the interactive runs they started (of the one agent
    /// their token is limited to, if it is). Any other run is not found.
    pub(crate) async fn run_of_runner(&self, runner: &Runner, run: &RunId) -> Result<ActiveRun> {
        let row = store::runs::active_of_runner(self.db().pool(), runner, run.as_str()).await?;
        match (row, runner) {
            (Some(row), _) => Ok(row),
            (None, Runner::Key(key)) => {
                // The key may have died since it was authenticated.
                if !self.runtime_key_is_live(key).await? {
                    return Err(Error::Unauthenticated);
                }
                Err(Error::NotFound("run"))
            }
            (None, Runner::Starter(_)) => Err(Error::NotFound("run")),
        }
    }

    /// [`Bosun::active_run`] for a runtime key as presented, checked in the
    /// same read: the hot path of every agent's tool calls, where a second
    /// round trip to the store costs more than the decision itself. A key
    /// that is unknown or revoked is refused as such, not as a missing run.
    pub(crate) async fn active_run_for_presented_key(
        &self,
        presented: &str,
        run: &RunId,
    ) -> Result<(AgentKey, ActiveRun)> {
        let row = match keys::presented_hash(presented) {
            Some(hash) => store::runs::active_for_key_hash(self.db().pool(), run, &hash).await?,
            None => None,
        };
        let Some((key, row)) = row else {
            // Either the key or the run is wrong: say which.
            self.authenticate_runtime_key(presented).await?;
            return Err(Error::NotFound("run"));
        };
        let row = row.check_running()?;
        row.check_entitled()?;
        Ok((key, row))
    }

    pub(crate) async fn run_record(&self, workspace: &WorkspaceId, run: &RunId) -> Result<Run> {
        let row = store::runs::by_id(self.db().pool(), workspace, run).await?;
        row.ok_or(Error::NotFound("run"))?.run()
    }
}

/// The topic of an agent's runs: one was queued, claimed or finished.
/// Workers waiting for work and pages showing the runs listen on it.
pub fn agent_runs_topic(agent: &AgentId) -> String {
    format!("runs:{agent}")
}

impl ActiveRun {
    /// Whether a call decided on `self` would be decided, and recorded, the
    /// same on `other`, a later read of the same run: everything the
    /// decision and its record take from the run is the same (whatever the
    /// access version either was read at).
    pub(crate) fn decides_as(&self, other: &ActiveRun) -> bool {
        let ActiveRun {
            id,
            workspace_id,
            agent_id,
            status,
            started_by,
            entitled,
            tools,
            execution_mode,
            credential_model,
            agent_policy_version,
            workspace_policy_version,
            approval_ttl_seconds,
            has_allowances,
            interactive,
            issued_credentials,
            access_version: _,
        } = self;
        *id == other.id
            && *workspace_id == other.workspace_id
            && *agent_id == other.agent_id
            && *status == other.status
            && *started_by == other.started_by
            && *entitled == other.entitled
            && *tools == other.tools
            && *execution_mode == other.execution_mode
            && *credential_model == other.credential_model
            && *agent_policy_version == other.agent_policy_version
            && *workspace_policy_version == other.workspace_policy_version
            && *approval_ttl_seconds == other.approval_ttl_seconds
            && *has_allowances == other.has_allowances
            && *interactive == other.interactive
            && *issued_credentials == other.issued_credentials
    }

    /// The run, if it is still running.
    fn check_running(self) -> Result<Self> {
        if self.status != "running" {
            return Err(Error::Refused {
                code: crate::Code::RunNotActive,
                message: format!("the run is {}, not running", self.status),
            });
        }
        Ok(self)
    }

    /// Refuses when whoever the run acts for may no longer have it go on.
    pub(crate) fn check_entitled(&self) -> Result<()> {
        if self.entitled == 0 {
            return Err(Error::forbidden(not_entitled_reason(
                self.started_by.is_some(),
            )));
        }
        Ok(())
    }
}

/// Why a run may not go on, for a run a user started or one a key did.
pub(crate) fn not_entitled_reason(started_by_user: bool) -> &'static str {
    if started_by_user {
        "the user this run acts for no longer has access to the agent"
    } else {
        "the runtime key that started this run was created by someone who no longer \
         owns the agent or administers the workspace"
    }
}

/// An event of a run, done by its runner on behalf of whoever started it.
pub(crate) fn run_event<P: EventPayload>(
    runner: &Runner,
    run: &ActiveRun,
    payload: &P,
) -> Result<NewEvent> {
    Ok(NewEvent {
        kind: P::KIND,
        workspace_id: WorkspaceId::from_string(run.workspace_id.clone()),
        agent_id: Some(AgentId::from_string(run.agent_id.clone())),
        run_id: Some(run.id.clone()),
        actor: Some(runner.actor()),
        on_behalf_of: run.started_by.clone(),
        data: events::data_of(payload)?,
    })
}
