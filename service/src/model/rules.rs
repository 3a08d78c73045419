//! Rules as the store keeps them: which list they are in and what each
//! says.

use bosun_policy::{Action, Layer, RulePattern, ToolSelector};
use bosun_wire::events::RuleSnapshot;
use serde::Serialize;

use crate::ids::{AgentId, RuleId};
use crate::{Error, Result};

/// Which ordered list a rule lives in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleList {
    /// Workspace guardrails, evaluated first; agent editors cannot override them.
    Enforced,
    /// One agent's own rules, evaluated second.
    Agent(AgentId),
    /// Workspace rules, evaluated last.
    Workspace,
}

impl RuleList {
    pub fn layer(&self) -> Layer {
        match self {
            Self::Enforced => Layer::Enforced,
            Self::Agent(_) => Layer::Agent,
            Self::Workspace => Layer::Workspace,
        }
    }

    pub(crate) fn agent(&self) -> Option<&AgentId> {
        match self {
            Self::Agent(agent) => Some(agent),
            _ => None,
        }
    }
}

/// A rule as stored and shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub id: RuleId,
    pub layer: Layer,
    /// 1-based, in evaluation order within the list.
    pub position: i64,
    /// A tool name, or `*` for every tool.
    pub tool: String,
    pub action: Action,
    pub pattern: Option<String>,
    pub note: String,
}

impl RuleInfo {
    /// The rule as an audit event records it.
    pub(crate) fn snapshot(&self) -> RuleSnapshot {
        RuleSnapshot {
            id: self.id.to_string(),
            layer: self.layer,
            position: self.position,
            tool: self.tool.clone(),
            action: self.action,
            pattern: self.pattern.clone(),
            note: self.note.clone(),
        }
    }

    /// The rule as the policy engine takes it. Patterns were checked when
    /// saved; one that no longer parses is an error, never an ignored rule.
    pub fn to_policy(&self) -> Result<bosun_policy::Rule> {
        let pattern = self
            .pattern
            .as_deref()
            .map(RulePattern::parse)
            .transpose()
            .map_err(|error| {
                Error::internal(format!(
                    "stored rule {} has a bad pattern: {error}",
                    self.id
                ))
            })?;
        let mut rule = bosun_policy::Rule::new(
            self.id.as_str(),
            ToolSelector::parse(&self.tool),
            self.action,
            pattern,
        );
        rule.note = Some(self.note.clone()).filter(|note| !note.is_empty());
        Ok(rule)
    }
}
