//! Rules, the three ordered layers they live in, actions and execution modes.

use std::fmt;

use crate::catalog::Tool;
use crate::pattern::RulePattern;
use crate::shell::{SimpleCommand, View};

/// What a rule (or a mode) says about a tool call.
///
/// Ordered by strictness, so the strictest of several verdicts is their
/// maximum: `Allow < Ask < Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    /// Go ahead.
    Allow,
    /// Pause for a human reviewer.
    Ask,
    /// Refuse.
    Deny,
}

crate::vocabulary!(Action { Allow => "allow", Ask => "ask", Deny => "deny" });

/// An agent's baseline, applied when no rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ExecutionMode {
    /// Read-only tools allowed; everything else asks.
    Restricted,
    /// Read-only and file-modifying tools allowed; shell, network, email and
    /// deletion ask.
    ReadWrite,
    /// Everything allowed unless a rule says otherwise.
    Open,
    /// Everything denied unless a rule allows it.
    Locked,
}

impl ExecutionMode {
    /// The mode's verdict for a tool; `None` is a tool missing from the
    /// catalog, which is never allowed by a mode.
    pub fn baseline(self, tool: Option<&Tool>) -> Action {
        match (self, tool) {
            (Self::Locked, _) => Action::Deny,
            (_, None) => Action::Ask,
            (Self::Open, Some(_)) => Action::Allow,
            (Self::Restricted, Some(t)) if t.read_only => Action::Allow,
            (Self::ReadWrite, Some(t)) if t.allowed_in_read_write() => Action::Allow,
            (Self::Restricted | Self::ReadWrite, Some(_)) => Action::Ask,
        }
    }
}

crate::vocabulary!(ExecutionMode {
    Restricted => "restricted",
    ReadWrite => "read_write",
    Open => "open",
    Locked => "locked",
});

/// Which of the three ordered rule lists a rule belongs to. Evaluation order
/// is the declaration order: enforced, then agent, then workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Layer {
    /// Workspace guardrails that agent editors cannot override.
    Enforced,
    /// The agent's own rules.
    Agent,
    /// Workspace rules that apply when neither of the above decided.
    Workspace,
}

impl Layer {
    /// The three layers in evaluation order.
    pub const ALL: [Layer; 3] = [Layer::Enforced, Layer::Agent, Layer::Workspace];
}

crate::vocabulary!(Layer { Enforced => "enforced", Agent => "agent", Workspace => "workspace" });

/// The tool a rule is about: one tool by name, or every tool (`*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ToolSelector {
    /// `*`: every tool, including ones missing from the catalog.
    Any,
    /// The tool with this name.
    Named(String),
}

impl ToolSelector {
    /// `*` becomes [`ToolSelector::Any`], anything else a tool name.
    pub fn parse(s: &str) -> Self {
        if s == "*" {
            Self::Any
        } else {
            Self::Named(s.to_owned())
        }
    }

    /// Whether a rule with this selector applies to `tool`.
    pub fn applies_to(&self, tool: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Named(name) => name == tool,
        }
    }

    /// The selector as written in a rule: `*` or the tool name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Any => "*",
            Self::Named(name) => name,
        }
    }
}

impl fmt::Display for ToolSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ToolSelector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ToolSelector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// One permission rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Rule {
    /// Opaque id, echoed back in decisions.
    pub id: String,
    /// The tool the rule is about.
    pub tool: ToolSelector,
    /// What the rule decides when it matches.
    pub action: Action,
    /// The argument pattern; `None` matches every argument.
    #[cfg_attr(feature = "serde", serde(default))]
    pub pattern: Option<RulePattern>,
    /// Free text for humans.
    #[cfg_attr(feature = "serde", serde(default))]
    pub note: Option<String>,
}

impl Rule {
    /// A rule without a note.
    pub fn new(
        id: impl Into<String>,
        tool: ToolSelector,
        action: Action,
        pattern: Option<RulePattern>,
    ) -> Self {
        Self {
            id: id.into(),
            tool,
            action,
            pattern,
            note: None,
        }
    }

    /// Whether this rule decides `subject` for `tool`, matched as text (the
    /// semantics for text and URL tools).
    pub fn matches(&self, tool: &str, subject: &str) -> bool {
        self.tool.applies_to(tool) && self.pattern.as_ref().is_none_or(|p| p.matches(subject))
    }

    /// Deny and ask rules: they match paths case-insensitively, commands
    /// through assignments and by the program's base name, and words only
    /// known at run time by their text as written.
    pub(crate) fn is_strict(&self) -> bool {
        self.action != Action::Allow
    }

    /// Whether this rule decides a normalized `path` for a path tool
    /// (reference semantics). An `opaque` path (only known at run time) is
    /// allowed only by a rule matching every path.
    pub(crate) fn matches_path(&self, tool: &str, path: &str, opaque: bool) -> bool {
        self.tool.applies_to(tool)
            && self.pattern.as_ref().is_none_or(|p| {
                if opaque {
                    p.matches_everything() || (self.is_strict() && p.matches_path(path, true))
                } else {
                    p.matches_path(path, self.is_strict())
                }
            })
    }

    /// Whether this rule decides a simple command for a command tool
    /// (reference semantics): allow rules match the command as written,
    /// deny and ask rules any of its views.
    pub(crate) fn matches_command(&self, tool: &str, command: &SimpleCommand) -> bool {
        let strict = self.is_strict();
        self.tool.applies_to(tool)
            && self.pattern.as_ref().is_none_or(|p| {
                command
                    .views()
                    .filter(|&v| strict || v == View::AsWritten)
                    .any(|v| p.matches_words(&command.view_words(v), strict))
            })
    }
}

/// The three ordered rule lists of one agent in one workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Layers {
    /// Workspace guardrails, evaluated first.
    #[cfg_attr(feature = "serde", serde(default))]
    pub enforced: Vec<Rule>,
    /// The agent's own rules, evaluated second.
    #[cfg_attr(feature = "serde", serde(default))]
    pub agent: Vec<Rule>,
    /// Workspace rules, evaluated last.
    #[cfg_attr(feature = "serde", serde(default))]
    pub workspace: Vec<Rule>,
}

impl Layers {
    /// The rules of one layer.
    pub fn layer(&self, layer: Layer) -> &[Rule] {
        match layer {
            Layer::Enforced => &self.enforced,
            Layer::Agent => &self.agent,
            Layer::Workspace => &self.workspace,
        }
    }

    /// Every rule in evaluation order, with where it sits.
    pub fn iter(&self) -> impl Iterator<Item = (RulePosition, &Rule)> {
        Layer::ALL.into_iter().flat_map(move |layer| {
            self.layer(layer).iter().enumerate().map(move |(i, rule)| {
                (
                    RulePosition {
                        layer,
                        position: i + 1,
                    },
                    rule,
                )
            })
        })
    }

    /// Total number of rules.
    pub fn len(&self) -> usize {
        self.enforced.len() + self.agent.len() + self.workspace.len()
    }

    /// True when there are no rules at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where a rule sits: its layer and its **1-based** position in that layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RulePosition {
    /// The layer.
    pub layer: Layer,
    /// 1-based position within the layer, as shown to people.
    pub position: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn actions_order_by_strictness() {
        assert!(Action::Allow < Action::Ask && Action::Ask < Action::Deny);
        assert_eq!(
            [Action::Ask, Action::Deny, Action::Allow].into_iter().max(),
            Some(Action::Deny)
        );
    }

    #[test]
    fn mode_baselines_follow_the_design() {
        let c = Catalog::builtin();
        let t = |n| c.get(n);
        use Action::*;
        use ExecutionMode::*;
        let table = [
            (Restricted, "read_file", Allow),
            (Restricted, "list_directory", Allow),
            (Restricted, "write_file", Ask),
            (Restricted, "system_shell", Ask),
            (ReadWrite, "read_file", Allow),
            (ReadWrite, "write_file", Allow),
            (ReadWrite, "delete_file", Ask),
            (ReadWrite, "system_shell", Ask),
            (ReadWrite, "http_request", Ask),
            (ReadWrite, "send_email", Ask),
            (Open, "delete_file", Allow),
            (Open, "system_shell", Allow),
            (Locked, "read_file", Deny),
        ];
        for (mode, tool, expected) in table {
            assert_eq!(mode.baseline(t(tool)), expected, "{mode:?} {tool}");
        }
        // A tool missing from the catalog is never allowed by a mode.
        for mode in [Restricted, ReadWrite, Open] {
            assert_eq!(mode.baseline(None), Ask);
        }
        assert_eq!(Locked.baseline(None), Deny);
    }

    #[test]
    fn positions_are_one_based_and_in_layer_order() {
        let r = |id| Rule::new(id, ToolSelector::Any, Action::Allow, None);
        let layers = Layers {
            enforced: vec![r("e1")],
            agent: vec![r("a1"), r("a2")],
            workspace: vec![r("w1")],
        };
        let order: Vec<_> = layers
            .iter()
            .map(|(p, rule)| (p.layer, p.position, rule.id.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (Layer::Enforced, 1, "e1"),
                (Layer::Agent, 1, "a1"),
                (Layer::Agent, 2, "a2"),
                (Layer::Workspace, 1, "w1")
            ]
        );
    }
}
