//! The workspace's tool catalog.

pub use bosun_wire::tools::Tool;
use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/fn", endpoint = "tools/list")]
pub async fn list_tools() -> Result<Vec<Tool>, AppError> {
    use super::ssr::{bosun, principal};
    let tools = bosun()?.list_tools(&principal().await?).await?;
    Ok(tools.into_iter().map(Tool::from).collect())
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
