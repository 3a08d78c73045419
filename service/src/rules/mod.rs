//! Permission rules: the workspace's enforced rules, each agent's own rules
//! and the workspace rules, kept in order, validated when saved, audited,
//! and compiled for decisions in [`decisions`].

pub mod decisions;

use bosun_policy::{Action, RulePattern};

use crate::access::Capability;
use crate::access::{Admin, Editable};
use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{RuleId, WorkspaceId};
use crate::model::agents::AgentView;
pub use crate::model::rules::{RuleInfo, RuleList};
use crate::store::{self, rules};
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{RuleEntry, RuleReordered, RuleUpdated};

/// The longest note of a rule, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A rule as submitted; parsed and checked by [`Bosun::parse_rule`].
#[derive(Clone, Debug, Default)]
pub struct RuleDraft {
    pub tool: String,
    pub action: String,
    /// Empty or absent: the rule matches every argument.
    pub pattern: Option<String>,
    pub note: Option<String>,
}

struct CheckedRule {
    tool: String,
    action: Action,
    pattern: Option<String>,
    note: String,
}

/// The rules of one list, in order, as stored: no check of who asks. For
/// the use cases once they have checked (see [`Bosun::rules`]) and for
/// decisions on a run, whose key or run already settled who acts.
pub(crate) async fn load_rules(
    db: &crate::Db,
    workspace: &WorkspaceId,
    list: &RuleList,
) -> Result<Vec<RuleInfo>> {
    rules::of_list(db.pool(), workspace, list).await
}

/// Proof that the principal may change a rule list: an editor of the
/// agent whose list it is, or an admin for the workspace's lists.
pub(crate) enum RuleEditor {
    Agent(Box<Editable<AgentView>>),
    // Held for what it proves, never read.
    #[allow(dead_code)]
    Workspace(Admin),
}

impl RuleEditor {
    /// Whether this proof is about `list`: an agent's editor proves
    /// nothing about another agent's rules.
    fn covers(&self, list: &RuleList) -> bool {
        match (self, list) {
            (Self::Agent(agent), RuleList::Agent(id)) => agent.get().agent.id == *id,
            (Self::Workspace(_), RuleList::Enforced | RuleList::Workspace) => true,
            _ => false,
        }
    }
}

impl Bosun {
    /// The rules of one list, in order. Agent rules: anyone who may see the
    /// agent. Workspace and enforced rules: admins (everyone else sees them
    /// in the context of an agent, through [`Bosun::policy_context`]).
    pub async fn rules(&self, principal: &Principal, list: &RuleList) -> Result<Vec<RuleInfo>> {
        match list {
            RuleList::Agent(agent) => self
                .agent_for(principal, agent, Capability::View)
                .await
                .map(drop)?,
            RuleList::Enforced | RuleList::Workspace => principal.require_admin()?,
        }
        crate::rules::load_rules(self.db(), &principal.workspace_id, list).await
    }

    /// The workspace list (enforced or not) a workspace rule is in (admins).
    pub async fn workspace_rule_list(
        &self,
        principal: &Principal,
        id: &RuleId,
    ) -> Result<RuleList> {
        principal.require_admin()?;
        let layer =
            rules::workspace_rule_layer(self.db().pool(), &principal.workspace_id, id).await?;
        match layer.as_deref() {
            Some("enforced") => Ok(RuleList::Enforced),
            Some("workspace") => Ok(RuleList::Workspace),
            _ => Err(Error::NotFound("rule")),
        }
    }

    /// Adds a rule at the end of a list.
    pub async fn add_rule(
        &self,
        principal: &Principal,
        list: &RuleList,
        draft: RuleDraft,
    ) -> Result<RuleInfo> {
        let mut tx = self.db().begin_write().await?;
        let editor = self.require_rule_editor(&mut tx, principal, list).await?;
        let info = self
            .insert_rule(&mut tx, &editor, principal, list, draft)
            .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// Checks and appends a rule inside the caller's transaction, with its
    /// audit event; `editor` proves the principal may change `list`.
    pub(crate) async fn insert_rule(
        &self,
        tx: &mut store::Connection,
        editor: &RuleEditor,
        principal: &Principal,
        list: &RuleList,
        draft: RuleDraft,
    ) -> Result<RuleInfo> {
        if !editor.covers(list) {
            return Err(Error::forbidden("you may not change this rule list"));
        }
        let rule = self.parse_rule(principal, draft).await?;
        let now = self.now();
        let id = RuleId::generate();
        let position = rules::next_position(tx, &principal.workspace_id, list).await?;
        let info = RuleInfo {
            id,
            layer: list.layer(),
            position,
            tool: rule.tool,
            action: rule.action,
            pattern: rule.pattern,
            note: rule.note,
        };
        rules::insert(tx, principal, list.agent(), &info, to_millis(now)).await?;
        self.record_rule_change(
            tx,
            principal,
            list,
            EventKind::RuleCreated,
            events::data_of(&RuleEntry {
                rule: info.snapshot(),
                layer: list.layer(),
            })?,
        )
        .await?;
        Ok(info)
    }

    /// Replaces a rule's tool, action, pattern and note; its position stays.
    pub async fn update_rule(
        &self,
        principal: &Principal,
        list: &RuleList,
        id: &RuleId,
        draft: RuleDraft,
    ) -> Result<RuleInfo> {
        let mut tx = self.db().begin_write().await?;
        self.require_rule_editor(&mut tx, principal, list).await?;
        let before = self.rule_in(principal, list, id).await?;
        let rule = self.parse_rule(principal, draft).await?;
        let after = RuleInfo {
            tool: rule.tool,
            action: rule.action,
            pattern: rule.pattern,
            note: rule.note,
            ..before.clone()
        };
        rules::update(&mut tx, &after, to_millis(self.now())).await?;
        self.record_rule_change(
            &mut tx,
            principal,
            list,
            EventKind::RuleUpdated,
            events::data_of(&RuleUpdated {
                before: before.snapshot(),
                after: after.snapshot(),
                layer: list.layer(),
            })?,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a rule; the ones after it move up.
    pub async fn delete_rule(
        &self,
        principal: &Principal,
        list: &RuleList,
        id: &RuleId,
    ) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        self.require_rule_editor(&mut tx, principal, list).await?;
        let rule = self.rule_in(principal, list, id).await?;
        rules::delete(&mut tx, &principal.workspace_id, list, id, rule.position).await?;
        self.record_rule_change(
            &mut tx,
            principal,
            list,
            EventKind::RuleDeleted,
            events::data_of(&RuleEntry {
                rule: rule.snapshot(),
                layer: list.layer(),
            })?,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts a list in the given order, which must name each of its rules once.
    pub async fn reorder_rules(
        &self,
        principal: &Principal,
        list: &RuleList,
        order: &[String],
    ) -> Result<Vec<RuleInfo>> {
        let mut tx = self.db().begin_write().await?;
        self.require_rule_editor(&mut tx, principal, list).await?;
        let current = crate::rules::load_rules(self.db(), &principal.workspace_id, list).await?;
        let mut expected: Vec<&str> = current.iter().map(|rule| rule.id.as_str()).collect();
        let mut given: Vec<&str> = order.iter().map(String::as_str).collect();
        expected.sort_unstable();
        given.sort_unstable();
        if expected != given {
            return Err(Error::invalid(
                "order",
                "must list every rule of this list exactly once",
            ));
        }
        rules::reorder(&mut tx, order).await?;
        self.record_rule_change(
            &mut tx,
            principal,
            list,
            EventKind::RuleReordered,
            events::data_of(&RuleReordered {
                before: current.iter().map(|rule| rule.id.to_string()).collect(),
                after: order.to_vec(),
                layer: list.layer(),
            })?,
        )
        .await?;
        tx.commit().await?;
        crate::rules::load_rules(self.db(), &principal.workspace_id, list).await
    }

    /// Who may change a list: the agent's editors for its own rules, admins
    /// for the workspace's; checked on the change's own transaction.
    pub(crate) async fn require_rule_editor(
        &self,
        tx: &mut store::Connection,
        principal: &Principal,
        list: &RuleList,
    ) -> Result<RuleEditor> {
        Ok(match list {
            RuleList::Agent(agent) => {
                RuleEditor::Agent(Box::new(self.agent_proof(tx, principal, agent).await?))
            }
            RuleList::Enforced | RuleList::Workspace => {
                RuleEditor::Workspace(self.admin_proof(tx, principal).await?)
            }
        })
    }

    async fn rule_in(
        &self,
        principal: &Principal,
        list: &RuleList,
        id: &RuleId,
    ) -> Result<RuleInfo> {
        crate::rules::load_rules(self.db(), &principal.workspace_id, list)
            .await?
            .into_iter()
            .find(|rule| rule.id == *id)
            .ok_or(Error::NotFound("rule"))
    }

    /// Checks a submitted rule: a known tool (or `*`), an action, a valid
    /// pattern. Invalid patterns are refused here, never at decision time.
    async fn parse_rule(&self, principal: &Principal, draft: RuleDraft) -> Result<CheckedRule> {
        let tool = draft.tool.trim().to_owned();
        if tool.is_empty() {
            return Err(Error::invalid(
                "tool",
                "is required (a tool name, or * for every tool)",
            ));
        }
        if tool != "*" {
            let catalog = crate::tools::load_tools(self.db(), &principal.workspace_id).await?;
            if !catalog.iter().any(|known| known.name == tool) {
                return Err(Error::invalid(
                    "tool",
                    format!("{tool:?} is not in the workspace's tool catalog"),
                ));
            }
        }
        let pattern = draft.pattern.filter(|pattern| !pattern.is_empty());
        if let Some(pattern) = &pattern {
            RulePattern::parse(pattern).map_err(|error| {
                // The engine's messages already speak of "pattern"; say it once.
                let message = error.to_string();
                let problem = message
                    .strip_prefix("pattern: ")
                    .or_else(|| message.strip_prefix("pattern "))
                    .unwrap_or(&message);
                Error::invalid("pattern", problem)
            })?;
        }
        Ok(CheckedRule {
            tool,
            action: validate::one_of("action", draft.action.trim())?,
            pattern,
            note: validate::trimmed_text("note", &draft.note.unwrap_or_default(), MAX_NOTE_CHARS)?,
        })
    }

    /// Audits a rule change (`data` names the list's layer) and marks the
    /// compiled rule sets it affects as out of date, in the change's own
    /// transaction.
    async fn record_rule_change(
        &self,
        tx: &mut store::Connection,
        principal: &Principal,
        list: &RuleList,
        kind: EventKind,
        data: serde_json::Value,
    ) -> Result<()> {
        match list.agent() {
            Some(agent) => rules::invalidate_agent(tx, agent).await?,
            None => rules::invalidate_workspace(tx, &principal.workspace_id).await?,
        }
        events::append(
            tx,
            self.now(),
            NewEvent::audit(kind, principal, list.agent(), data),
        )
        .await?;
        Ok(())
    }
}
