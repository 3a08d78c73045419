//! Permission rules as the REST API and the rule editors show them.

use serde::{Deserialize, Serialize};

use crate::vocabulary::Action;

/// A rule of one of the ordered lists (an agent's own, the workspace's, or
/// the enforced guardrails).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub id: String,
    /// A tool name, or `*` for every tool.
    #[cfg_attr(feature = "openapi", schema(example = "system_shell"))]
    pub tool: String,
    pub action: Action,
    /// `*` matches any run of characters; `\*` is a literal star. Null
    /// matches everything.
    #[cfg_attr(feature = "openapi", schema(example = "npm *"))]
    pub pattern: Option<String>,
    pub note: String,
    /// On workspace rules only: whether it is an enforced guardrail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforced: Option<bool>,
    /// 1-based place in its list.
    pub position: i64,
}

/// A dry run's answer: the decision, as a tool call would get it now, and
/// the rule analysis's warnings about the agent's three lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    #[serde(flatten)]
    pub decision: bosun_policy::Decision,
    pub warnings: Vec<bosun_policy::Warning>,
}
