//! The approval inbox: paused tool calls, decided exactly once by a
//! reviewer (a workspace admin or an editor of the agent), or denied when
//! they expire, are withdrawn (whoever the run acts for lost access to
//! the agent) or are cancelled with their run. A waiting agent always
//! learns the outcome.
//!
//! Nobody decides their own run's requests unless the workspace allows
//! self-approval; a run a runtime key started counts as its creator's.
//! The requests' rows and statements are [`crate::store::approvals`]'s.

use bosun_policy::{Action, Decision, Request, structured};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::input;
use super::tool_calls::{inbox_topic, tool_call_topic};
use crate::access::Reviewable;
use crate::clock::{from_millis, to_millis};
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, ApprovalId, RunAllowanceId, ToolCallId, WorkspaceId};
use crate::integrations::claude_code::{Judged, judge};
use crate::redact;
use crate::rules::{RuleDraft, RuleList};
use crate::store::approvals::{ApprovalRow, Reviewer, Unreviewed};
use crate::store::run_allowances::AllowanceInsert;
use crate::{Bosun, Error, Principal, Result, WriteTransaction, store, validate};
use bosun_wire::events::{AddedRule, ApprovalResolved};

/// The longest message a reviewer may send the agent, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

pub use bosun_wire::vocabulary::ApprovalStatus;

/// A request as it stands, with its decider's name (none while pending,
/// after an expiry, or when the decider's account is gone).
#[derive(Clone, Debug)]
pub struct ApprovalOutcome {
    pub approval: Approval,
    pub decided_by_name: Option<String>,
}

/// A reviewer's answer.
#[derive(Clone, Debug, Default)]
pub struct ReviewDecision {
    /// `allow_once`, `always_allow`, `allow_for_run`, `edit` or `deny`.
    pub decision: String,
    /// For `edit`: the input to run instead, of the same shape as the
    /// request's (a string, or an object the tool's schema accepts).
    pub input: Option<Value>,
    /// For `always_allow`: the rule to add.
    pub rule: Option<RuleSuggestion>,
    /// Told to the agent (for a denial, why).
    pub message: Option<String>,
    /// For `always_allow`: the reviewer saw which stricter rules the new
    /// rule overrides and adds it anyway.
    pub confirm_overrides: bool,
}

/// The rule "Always allow" adds.
#[derive(Clone, Debug, Default)]
pub struct RuleSuggestion {
    /// `agent` or `workspace`.
    pub scope: String,
    /// Empty: any input of the tool.
    pub pattern: Option<String>,
}

pub(crate) use crate::model::runs::{Affected, PendingRequest, Resolution};
pub use crate::model::runs::{Approval, Decider};
pub use bosun_wire::vocabulary::ReviewChoice;

/// What deciding a request reads of its row (which
/// [`crate::store::approvals`] keeps, with how the inbox shows it).
impl ApprovalRow {
    /// The request as [`Resolution`] resolves it; `workspace` is the
    /// caller's, which the row was read in.
    fn pending(&self, workspace: &WorkspaceId) -> PendingRequest {
        PendingRequest {
            id: self.id.clone(),
            tool_call_id: self.tool_call_id.clone(),
            run_id: self.run_id.clone(),
            agent_id: AgentId::from_string(self.agent_id.clone()),
            workspace_id: workspace.clone(),
            started_by: self.started_by.clone(),
            tool: self.tool.clone(),
        }
    }

    /// The input the rules judge: [`Self::input`], or for a client's own
    /// call the subject its integration reads there.
    pub(super) fn judged_input(&self) -> Value {
        judged_input(
            self.client_tool.as_deref(),
            self.input(),
            self.working_dir.as_deref(),
        )
    }
}

impl Bosun {
    /// The requests the principal may decide (or, for another status, may
    /// review), oldest first.
    pub async fn list_approvals(
        &self,
        principal: &Principal,
        status: &str,
    ) -> Result<Vec<Approval>> {
        let status: ApprovalStatus = validate::one_of("status", status)?;
        self.settle_pending(Some(&principal.workspace_id), None)
            .await?;
        let rows = store::approvals::reviewable_with_status(
            self.db().pool(),
            &principal.workspace_id,
            status.as_str(),
            self.reviewer(principal).await?,
        )
        .await?;
        rows.iter().map(ApprovalRow::approval).collect()
    }

    /// How many requests wait for the principal (for the navigation badge):
    /// one count, whatever the size of the inbox.
    pub async fn pending_count(&self, principal: &Principal) -> Result<usize> {
        self.settle_pending(Some(&principal.workspace_id), None)
            .await?;
        let count = store::approvals::reviewable_pending_count(
            self.db().pool(),
            &principal.workspace_id,
            self.reviewer(principal).await?,
        )
        .await?;
        Ok(usize::try_from(count).unwrap_or_default())
    }

    /// Decides a request, exactly once. A second decision is refused with
    /// `already_decided`, naming the first; so is a request whose time ran
    /// out (recorded as expired here, if the sweeper has not yet). A request
    /// withdrawn because whoever its run acts for lost access is refused
    /// with `not_decidable`, saying why.
    pub async fn decide_approval(
        &self,
        principal: &Principal,
        id: &ApprovalId,
        review: ReviewDecision,
    ) -> Result<Approval> {
        let row = self.decidable_row(principal, id).await?;
        let row = self.settled_row(principal, row.get()).await?;
        if row.status != "pending" {
            return Err(not_pending(&row));
        }
        let decision = validate::one_of::<ReviewChoice>("decision", &review.decision)?.as_str();
        let message = review
            .message
            .map(|m| validate::trimmed_text("message", &m, MAX_MESSAGE_CHARS))
            .transpose()?;
        let agent = AgentId::from_string(row.agent_id.clone());
        // What "Allow for this run" remembers: each subject as the rules
        // read it, from where the call was made.
        let allowed_subjects = match decision {
            "allow_for_run" => {
                let policy = self
                    .compiled_policy(&principal.workspace_id, &agent)
                    .await?;
                let input = row.judged_input();
                let subjects = bosun_policy::structured::subjects(
                    policy.compiled.catalog().get(&row.tool),
                    &input,
                )
                .map_err(|why| Error::invalid("input", why.to_string()))?;
                subjects
                    .into_iter()
                    .map(|subject| {
                        let mut request = Request::new(&row.tool, subject);
                        if let Some(dir) = row.working_dir.as_deref() {
                            request = request.with_working_dir(dir);
                        }
                        policy
                            .compiled
                            .normalized_subject(&request)
                            .map_err(|why| super::allowances::not_allowable(&why))
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            _ => Vec::new(),
        };
        let edited = match decision {
            "edit" => {
                let input = review.input.ok_or_else(|| {
                    Error::invalid("input", "is required to approve with changes")
                })?;
                let decided = self.edited_decision(principal, &row, &input).await?;
                if decided.action == Action::Deny {
                    return Err(Error::Refused {
                        code: crate::Code::EditedInputDenied,
                        message: "input: the rules deny the edited input; it cannot be approved"
                            .into(),
                    });
                }
                let run = crate::ids::RunId::from_string(row.run_id.clone());
                let mut kept = input;
                crate::redact::redact(&mut kept, &self.issued_values(&run).await?);
                Some(kept)
            }
            _ => None,
        };
        let final_input = match &edited {
            Some(edited) => store::input_column::encode(edited).0,
            None => row.input.clone(),
        };
        let rule_list = match (decision, &review.rule) {
            ("always_allow", Some(rule)) => Some(match rule.scope.as_str() {
                "agent" => RuleList::Agent(agent.clone()),
                "workspace" => {
                    principal.require_admin()?;
                    RuleList::Workspace
                }
                _ => {
                    return Err(Error::invalid(
                        "rule.scope",
                        "must be one of: agent, workspace",
                    ));
                }
            }),
            ("always_allow", None) => {
                return Err(Error::invalid("rule", "is required to always allow"));
            }
            _ => None,
        };
        if let (Some(list), Some(rule), false) =
            (&rule_list, &review.rule, review.confirm_overrides)
        {
            let overrides = self
                .always_allow_overrides(principal, &row, list.layer(), rule.pattern.as_deref())
                .await?;
            if !overrides.is_empty() {
                return Err(super::always_allow::confirmation_required(&overrides));
            }
        }

        let now = self.now();
        let status = if decision == "deny" {
            "denied"
        } else {
            "approved"
        };
        let mut tx = self.db().begin_write().await?;
        // Whether the principal may decide it is asked again inside the
        // transaction that decides it: a grant revoked since is honoured.
        let row = self.reviewable(&mut tx, principal, row).await?.into_inner();
        let editor = match &rule_list {
            Some(list) => Some(self.require_rule_editor(&mut tx, principal, list).await?),
            None => None,
        };
        let pending = row.pending(&principal.workspace_id);
        let resolution = Resolution {
            request: &pending,
            decided: true,
            status,
            decision,
            outcome: if decision == "deny" { "deny" } else { "allow" },
            message: message.as_deref(),
            reviewer: Some(&principal.user_id),
            edited_input: (decision == "edit").then_some(final_input.as_str()),
            final_input: Some(&final_input),
        };
        if !resolution.claim(&mut tx, now).await? {
            drop(tx);
            let current = self.approval_row(principal, id).await?;
            let current = self.settled_row(principal, &current).await?;
            return Err(not_pending(&current));
        }
        let rule = match (&rule_list, &editor, review.rule) {
            (Some(list), Some(editor), Some(suggestion)) => {
                let draft = RuleDraft {
                    tool: row.tool.clone(),
                    action: "allow".into(),
                    pattern: suggestion.pattern,
                    note: Some(format!(
                        "Always allowed from the inbox by {}",
                        principal.name
                    )),
                };
                let rule = self
                    .insert_rule(&mut tx, editor, principal, list, draft)
                    .await?;
                store::approvals::set_rule(&mut tx, id, &rule.id).await?;
                Some(rule)
            }
            _ => None,
        };
        let mut allowances = Vec::new();
        for subject in &allowed_subjects {
            let allowance = RunAllowanceId::generate();
            // The same subject allowed twice (two of its requests were
            // waiting) keeps the first grant.
            store::run_allowances::insert(
                &mut tx,
                AllowanceInsert {
                    id: &allowance,
                    workspace: &principal.workspace_id,
                    run: &row.run_id,
                    tool: &row.tool,
                    subject,
                    approval: id,
                    granted_by: &principal.user_id,
                    granted_at: to_millis(now),
                },
            )
            .await?;
            allowances.push(json!({ "id": allowance, "tool": row.tool, "subject": subject }));
        }
        // One object for the usual single subject; every subject's for an
        // array subject (several recipients).
        let allowance = match allowances.len() {
            0 => None,
            1 => allowances.pop(),
            _ => Some(Value::Array(allowances)),
        };
        resolution
            .record(
                &mut tx,
                now,
                Details {
                    edited_input: Some(Value::from(edited)),
                    rule: Some(rule.map(|r| AddedRule {
                        id: r.id.to_string(),
                        layer: r.layer.as_str().to_owned(),
                        pattern: r.pattern,
                    })),
                    run_allowance: Some(Value::from(allowance)),
                },
            )
            .await?;
        tx.commit().await?;
        self.approval_row(principal, id).await?.approval()
    }

    /// Denies every pending request whose time ran out, and withdraws every
    /// one whose run's starter lost access, telling the agents.
    pub async fn expire_due_approvals(&self) -> Result<usize> {
        self.settle_pending(None, None).await
    }

    /// Settles one call's pending request if its time ran out or its run's
    /// starter lost access: what a waiting agent checks, without sweeping
    /// the whole workspace.
    pub(crate) async fn settle_if_due(&self, tool_call: &ToolCallId) -> Result<usize> {
        self.settle_pending(None, Some(tool_call)).await
    }

    /// [`Bosun::settle_if_due`] for a request about to be decided, answered
    /// as it stands afterwards.
    async fn settled_row(&self, principal: &Principal, row: &ApprovalRow) -> Result<ApprovalRow> {
        if row.status == "pending" {
            self.settle_if_due(&ToolCallId::from_string(row.tool_call_id.clone()))
                .await?;
        }
        self.approval_row(principal, &ApprovalId::from_string(row.id.clone()))
            .await
    }

    /// Closes the pending requests (of one workspace or all, of one call
    /// or all) that nobody may decide any more: those of runs that ended
    /// (one recorded while its run was being cancelled), expired ones, and
    /// those whose run's starter lost access. Answers how many it closed.
    pub(crate) async fn settle_pending(
        &self,
        workspace: Option<&WorkspaceId>,
        tool_call: Option<&ToolCallId>,
    ) -> Result<usize> {
        let now = self.now();
        let due =
            store::approvals::due(self.db().pool(), to_millis(now), workspace, tool_call).await?;
        let mut closed = 0;
        for request in due {
            let mut tx = self.db().begin_write().await?;
            if !close_unreviewed(&mut tx, now, &request).await? {
                continue;
            }
            tx.commit().await?;
            closed += 1;
        }
        Ok(closed)
    }

    /// Expires a call's pending request now, telling its agent `message`:
    /// for an agent that waited as long as it can (a Claude Code hook whose
    /// time runs out), rather than leave a request nobody waits for in the
    /// inbox. A request decided meanwhile is left as it was.
    pub(crate) async fn expire_unanswered(
        &self,
        tool_call: &ToolCallId,
        message: &str,
    ) -> Result<()> {
        let request = store::approvals::expiring_of_call(self.db().pool(), tool_call).await?;
        let Some(mut request) = request else {
            return Ok(());
        };
        request.message = Some(message.to_owned());
        let mut tx = self.db().begin_write().await?;
        if close_unreviewed(&mut tx, self.now(), &request).await? {
            tx.commit().await?;
        }
        Ok(())
    }

    /// What the rules would decide for a request's call with `input`
    /// instead: what the reviewer previews before approving an edit (same
    /// authorization as deciding), and what refuses an edit the rules deny
    /// outright — a reviewer approves a changed call, not a way around the
    /// guardrails. Every subject of an object input is judged.
    pub async fn preview_edit(
        &self,
        principal: &Principal,
        id: &ApprovalId,
        input: &Value,
    ) -> Result<Decision> {
        let row = self.decidable_row(principal, id).await?;
        self.edited_decision(principal, row.get(), input).await
    }

    /// Where a request the principal may decide stands now, with the name of
    /// whoever decided it: what the inbox tells a reviewer whose half-typed
    /// decision someone else's came before. Only those who may decide the
    /// request may ask (the same as for deciding it).
    pub async fn approval_outcome(
        &self,
        principal: &Principal,
        id: &ApprovalId,
    ) -> Result<ApprovalOutcome> {
        let row = self.decidable_row(principal, id).await?;
        let approval = row.get().approval()?;
        let decided_by_name = match &approval.decided_by {
            Some(user) => {
                store::users::name_in_workspace(self.db().pool(), &principal.workspace_id, user)
                    .await?
            }
            None => None,
        };
        Ok(ApprovalOutcome {
            approval,
            decided_by_name,
        })
    }

    /// The rules' decision on an edit of `row`'s input, checked first: of
    /// the request's shape (a string for a string, an object the tool's
    /// schema accepts for an object), without NUL characters.
    async fn edited_decision(
        &self,
        principal: &Principal,
        row: &ApprovalRow,
        input: &Value,
    ) -> Result<Decision> {
        match (row.input_json != 0, input) {
            (false, Value::String(text)) if text.is_empty() => {
                return Err(Error::invalid(
                    "input",
                    "is required to approve with changes",
                ));
            }
            (false, Value::String(_)) | (true, Value::Object(_)) => {}
            (false, _) => {
                return Err(Error::invalid(
                    "input",
                    "must be a string, like the request's",
                ));
            }
            (true, _) => {
                return Err(Error::invalid(
                    "input",
                    "must be a JSON object, like the request's",
                ));
            }
        }
        match &row.client_tool {
            None => input::check(self, &principal.workspace_id, &row.tool, input).await?,
            Some(_) => input::check_client(input)?,
        }
        if input::holds_nul(input) {
            return Err(Error::invalid("input", "must not contain NUL characters"));
        }
        let agent = AgentId::from_string(row.agent_id.clone());
        let policy = self
            .compiled_policy(&principal.workspace_id, &agent)
            .await?;
        // The agent fills redaction markers back in with its own secrets
        // (`redact::restore`): an edit may keep them only where they were,
        // in a call that still goes where the original went, or a reviewer
        // could have the agent send its credentials somewhere else.
        let client = row.client_tool.as_deref();
        let working_dir = row.working_dir.as_deref();
        let judged = judged_input(client, input.clone(), working_dir);
        if redact::has_markers(input) {
            let original = store::input_column::decode(&row.input, row.input_json);
            let tool = policy.compiled.catalog().get(&row.tool);
            let was = judged_input(client, original.clone(), working_dir);
            let same_subject = matches!(
                (structured::subjects(tool, &judged), structured::subjects(tool, &was)),
                (Ok(edited), Ok(was)) if edited == was
            );
            if !same_subject || !redact::markers_in_place(input, &original) {
                return Err(Error::Refused {
                    code: crate::Code::EditedInputMovesSecrets,
                    message:
                        "input: a redacted value may stay only where it was, in a call to the same \
                              subject; remove it or change nothing the call is judged by"
                            .into(),
                });
            }
        }
        // Relative paths in the edit start where the original call's did.
        if let Some(client) = client {
            match judge(client, input, working_dir) {
                Judged::Internal { tool } => {
                    let text = input.to_string();
                    return Ok(policy
                        .compiled
                        .decide_client_internal(&Request::new(&tool, &text)));
                }
                Judged::Refused { reason } => return Err(Error::invalid("input", reason)),
                // An edit judged as another tool than the request is
                // refused: the reviewer approves this call, changed.
                Judged::Subject { tool, .. } | Judged::Own { tool } if tool != row.tool => {
                    return Err(Error::invalid(
                        "input",
                        format!("the edit would be judged as {tool}, not {}", row.tool),
                    ));
                }
                Judged::Subject { .. } | Judged::Own { .. } => {}
            }
        }
        Ok(policy
            .compiled
            .decide_input(&row.tool, &judged, working_dir))
    }

    /// A request the principal may decide, as [`Bosun::reviewable`] says.
    async fn decidable_row(
        &self,
        principal: &Principal,
        id: &ApprovalId,
    ) -> Result<Reviewable<ApprovalRow>> {
        let row = self.approval_row(principal, id).await?;
        self.reviewable(&mut *self.db().pool().acquire().await?, principal, row)
            .await
    }

    /// The active members who may decide a request now, by name: what the
    /// run's page tells its starter ("can be decided by …") and whom a
    /// notification reaches. Empty when nobody can, e.g. a lone admin's own
    /// run while self-approval is off.
    pub async fn approval_deciders(
        &self,
        workspace: &WorkspaceId,
        id: &ApprovalId,
    ) -> Result<Vec<Decider>> {
        store::approvals::deciders(self.db().pool(), workspace, id).await
    }

    /// The principal as a reviewer, with whether their workspace allows
    /// self-approval now.
    async fn reviewer<'a>(&self, principal: &'a Principal) -> Result<Reviewer<'a>> {
        Ok(Reviewer {
            user: &principal.user_id,
            is_admin: principal.is_admin(),
            self_approval: store::workspaces::allows_self_approval(
                self.db().pool(),
                &principal.workspace_id,
            )
            .await?,
        })
    }

    pub(super) async fn approval_row(
        &self,
        principal: &Principal,
        id: &ApprovalId,
    ) -> Result<ApprovalRow> {
        store::approvals::by_id(self.db().pool(), &principal.workspace_id, id)
            .await?
            .ok_or(Error::NotFound("approval"))
    }
}

/// Why a request that is no longer pending cannot be decided: `already_decided`
/// naming the decision (or the expiry), or `not_decidable` naming why it was
/// withdrawn.
/// The input the rules judge for a stored call: the input itself, or for
/// a client's own call (`client_tool`) the subject its integration reads
/// there (see [`crate::integrations::claude_code::judge`]).
pub(crate) fn judged_input(
    client_tool: Option<&str>,
    input: Value,
    working_dir: Option<&str>,
) -> Value {
    let Some(client) = client_tool else {
        return input;
    };
    match judge(client, &input, working_dir) {
        Judged::Subject { subject, .. } => Value::String(subject),
        Judged::Internal { .. } => Value::String(input.to_string()),
        Judged::Own { .. } | Judged::Refused { .. } => input,
    }
}

fn not_pending(row: &ApprovalRow) -> Error {
    match row.status.as_str() {
        "withdrawn" => Error::Refused {
            code: crate::Code::NotDecidable,
            message: format!(
                "this request was withdrawn and can no longer be decided: {}",
                row.message.as_deref().unwrap_or("its run may not go on")
            ),
        },
        "cancelled" => Error::Refused {
            code: crate::Code::NotDecidable,
            message: format!(
                "this request was cancelled with its run and can no longer be decided: {}",
                row.message.as_deref().unwrap_or("the run ended")
            ),
        },
        "expired" => Error::Refused {
            code: crate::Code::AlreadyDecided,
            message: format!(
                "this request expired at {} before anyone decided it; the agent was told no",
                from_millis(row.expires_at).format("%Y-%m-%d %H:%M:%S UTC")
            ),
        },
        status => Error::Refused {
            code: crate::Code::AlreadyDecided,
            message: format!(
                "this request was already decided: {status} ({})",
                row.decision.as_deref().unwrap_or("unknown")
            ),
        },
    }
}

impl Bosun {
    /// Withdraws, inside a change's transaction, the pending requests of
    /// the affected runs whose starter the change leaves without access;
    /// their agents and the inbox are told once it commits. Requests
    /// recorded concurrently with the change are caught when next read
    /// (see `settle_pending`).
    pub(crate) async fn withdraw_disentitled(
        &self,
        tx: &mut WriteTransaction<'_>,
        workspace: &WorkspaceId,
        affected: Affected<'_>,
    ) -> Result<()> {
        let requests = store::approvals::disentitled(tx, workspace, affected).await?;
        let now = self.now();
        for request in &requests {
            close_unreviewed(tx, now, request).await?;
        }
        Ok(())
    }
}

/// Expires, inside the transaction that ends run `run` unattended, each of
/// its pending requests, denying its call; their agents and the inbox are
/// told once it commits.
pub(crate) async fn expire_pending_of_run(
    tx: &mut WriteTransaction<'_>,
    now: DateTime<Utc>,
    run: &str,
) -> Result<()> {
    let requests = store::approvals::expiring_of_run(tx, run).await?;
    for request in &requests {
        close_unreviewed(tx, now, request).await?;
    }
    Ok(())
}

/// Closes one pending request as [`Unreviewed::closing`] says, denying its
/// tool call with the reason and recording it, and tells its agent and the
/// inbox once the transaction commits; answers false when someone decided
/// it first.
async fn close_unreviewed(
    tx: &mut WriteTransaction<'_>,
    now: DateTime<Utc>,
    request: &Unreviewed,
) -> Result<bool> {
    let (status, message) = match request.closing.as_str() {
        "cancelled" => (
            "cancelled",
            match &request.cancelled_by_name {
                Some(name) => super::control::cancelled_by_message(name),
                None => format!(
                    "the run ended ({}) before anyone decided",
                    request.run_status
                ),
            },
        ),
        "expired" => (
            "expired",
            request
                .message
                .clone()
                .unwrap_or_else(|| "the approval request expired before anyone decided".to_owned()),
        ),
        _ => (
            "withdrawn",
            format!(
                "the approval request was withdrawn: {}",
                super::not_entitled_reason(request.started_by.is_some())
            ),
        ),
    };
    let pending = PendingRequest {
        id: request.id.clone(),
        tool_call_id: request.tool_call_id.clone(),
        run_id: request.run_id.clone(),
        agent_id: AgentId::from_string(request.agent_id.clone()),
        workspace_id: WorkspaceId::from_string(request.workspace_id.clone()),
        started_by: request.started_by.clone(),
        tool: request.tool.clone(),
    };
    let resolution = Resolution {
        request: &pending,
        decided: false,
        status,
        decision: status,
        outcome: "deny",
        message: Some(&message),
        reviewer: None,
        edited_input: None,
        final_input: None,
    };
    if !resolution.claim(tx, now).await? {
        return Ok(false);
    }
    resolution.record(tx, now, Details::default()).await?;
    Ok(true)
}

/// What a reviewer's decision adds to the `approval.resolved` every
/// resolution records; none of it when the request was cancelled or
/// closed by time or by a revocation.
#[derive(Default)]
pub(super) struct Details {
    pub(super) edited_input: Option<Value>,
    pub(super) rule: Option<Option<AddedRule>>,
    pub(super) run_allowance: Option<Value>,
}

impl Resolution<'_> {
    /// Marks the request resolved if it is still pending, and when
    /// [`Resolution::decided`] also not yet due, its run still running and
    /// whoever the run acts for still entitled, all in the one statement:
    /// a revocation, cancellation or expiry that comes first wins. Answers
    /// whether it did.
    pub(super) async fn claim(
        &self,
        conn: &mut store::Connection,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        store::approvals::claim(conn, self, to_millis(now)).await
    }

    /// Tells the claimed request's tool call the outcome, records
    /// `approval.resolved` (with `details` beside what every resolution
    /// says), and has its waiting agent and the inbox told on commit.
    pub(super) async fn record(
        &self,
        tx: &mut WriteTransaction<'_>,
        now: DateTime<Utc>,
        details: Details,
    ) -> Result<()> {
        let request = self.request;
        store::tool_calls::resolve(
            tx,
            &request.tool_call_id,
            self.outcome,
            self.final_input,
            self.message,
            to_millis(now),
        )
        .await?;
        let data = events::data_of(&ApprovalResolved {
            approval_id: request.id.clone(),
            tool_call_id: request.tool_call_id.clone(),
            tool: request.tool.clone(),
            reviewer: self.reviewer.map(|reviewer| Some(reviewer.to_string())),
            decision: self.decision.to_owned(),
            outcome: self.outcome.to_owned(),
            message: self.message.map(str::to_owned),
            edited_input: details.edited_input,
            rule: details.rule,
            run_allowance: details.run_allowance,
        })?;
        let event = NewEvent {
            kind: EventKind::ApprovalResolved,
            workspace_id: request.workspace_id.clone(),
            agent_id: Some(request.agent_id.clone()),
            run_id: Some(request.run_id.clone()),
            actor: self.reviewer.map(ToString::to_string),
            on_behalf_of: request.started_by.clone(),
            data,
        };
        events::append(tx, now, event).await?;
        tx.notify_all_on_commit([
            tool_call_topic(&ToolCallId::from_string(request.tool_call_id.clone())),
            inbox_topic(&request.workspace_id),
        ])
        .await
    }
}
