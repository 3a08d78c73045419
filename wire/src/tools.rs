//! The workspace's tool catalog as the REST API and the pages show it; the
//! pages also hand it to the policy engine to preview decisions.

use serde::{Deserialize, Serialize};

use crate::vocabulary::{ArgKind, RiskLevel, ToolCategory};

/// One tool of the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tool {
    #[cfg_attr(feature = "openapi", schema(example = "system_shell"))]
    pub name: String,
    pub description: String,
    pub argument_kind: ArgKind,
    pub default_risk: RiskLevel,
    pub category: ToolCategory,
    pub read_only: bool,
    pub builtin: bool,
    /// The JSON Schema object inputs must satisfy; null: string inputs only
    /// (unless a `subject` is declared).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub input_schema: Option<serde_json::Value>,
    /// The JSON pointer of the field rules match in an object input.
    #[cfg_attr(feature = "openapi", schema(example = "/path"))]
    pub subject: Option<String>,
}

impl Tool {
    /// The tool as the policy engine sees it (in the browser too).
    pub fn to_policy_tool(&self) -> bosun_policy::Tool {
        let tool = bosun_policy::Tool::new(
            self.name.clone(),
            self.argument_kind,
            self.default_risk,
            self.category,
        );
        match &self.subject {
            Some(subject) => tool.with_subject(subject.clone()),
            None => tool,
        }
    }
}
