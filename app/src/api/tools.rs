//! The workspace's tool catalog.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolView {
    pub name: String,
    pub description: String,
    pub argument_kind: String,
    pub default_risk: String,
    pub category: String,
    pub read_only: bool,
    pub builtin: bool,
    /// The JSON pointer rules match in an object input.
    pub subject: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<bosun_service::tools::ToolInfo> for ToolView {
    fn from(tool: bosun_service::tools::ToolInfo) -> Self {
        Self {
            argument_kind: tool.argument_kind.as_str().into(),
            default_risk: tool.default_risk.as_str().into(),
            category: tool.category.as_str().into(),
            name: tool.name,
            description: tool.description,
            read_only: tool.read_only,
            builtin: tool.builtin,
            subject: tool.subject,
        }
    }
}

impl ToolView {
    /// The tool as the policy engine sees it (in the browser too).
    pub fn to_policy_tool(&self) -> Option<bosun_policy::Tool> {
        let tool = bosun_policy::Tool::new(
            self.name.clone(),
            self.argument_kind.parse().ok()?,
            self.default_risk.parse().ok()?,
            self.category.parse().ok()?,
        );
        Some(match &self.subject {
            Some(subject) => tool.with_subject(subject.clone()),
            None => tool,
        })
    }
}

#[server(prefix = "/fn", endpoint = "tools/list")]
pub async fn list_tools() -> Result<Vec<ToolView>, AppError> {
    use super::ssr::{bosun, principal};
    let tools = bosun()?.list_tools(&principal().await?).await?;
    Ok(tools.into_iter().map(ToolView::from).collect())
}

#[server(prefix = "/fn", endpoint = "tools/add")]
pub async fn add_tool(
    name: String,
    description: String,
    argument_kind: String,
    default_risk: String,
    category: String,
    #[server(default)] input_schema: String,
    #[server(default)] subject: String,
) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::tools::NewTool;

    let input_schema = match input_schema.trim() {
        "" => None,
        text => Some(serde_json::from_str(text).map_err(|e| {
            bosun_service::Error::invalid("input_schema", format!("is not valid JSON: {e}"))
        })?),
    };

    let new_tool = NewTool {
        name,
        description,
        argument_kind,
        default_risk,
        category,
        input_schema,
        subject: Some(subject).filter(|s| !s.trim().is_empty()),
    };
    bosun()?.add_tool(&principal().await?, new_tool).await?;
    Ok(())
}
