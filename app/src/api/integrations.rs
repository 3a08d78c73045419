//! Connecting agents people already run: the Claude Code hooks for an
//! agent, and how its tools are judged.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the agent page shows to put Claude Code under the agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaudeCodeSettings {
    /// The `.claude/settings.json` hooks block, pretty-printed.
    pub settings: String,
    /// The command that writes it into a project.
    pub command: String,
    /// Each mapped tool: Claude Code's name, the catalog tool, the field
    /// judged (`/command`), and whether the session's directory stands in
    /// when the field is absent.
    pub mapping: Vec<(String, String, String, bool)>,
    /// Claude Code's tools allowed unless a rule says otherwise.
    pub internal: Vec<String>,
}

/// The Claude Code setup for an agent, for anyone who may run it.
#[server(prefix = "/fn", endpoint = "agents/claude-code")]
pub async fn claude_code_setup(agent_id: String) -> Result<ClaudeCodeSettings, AppError> {
    use super::ssr::{bosun, principal, request_host};
    use bosun_service::ids::AgentId;
    use bosun_service::integrations::claude_code::{INTERNAL_TOOLS, MAPPED_TOOLS};

    let agent = AgentId::parse(&agent_id)?;
    let host = request_host().await;
    let settings = bosun()?
        .claude_code_settings(&principal().await?, &agent, host.as_deref())
        .await?;
    let url = settings["hooks"]["SessionEnd"][0]["hooks"][0]["url"]
        .as_str()
        .and_then(|url| url.split("/api/v1/").next())
        .unwrap_or_default()
        .to_owned();
    Ok(ClaudeCodeSettings {
        settings: serde_json::to_string_pretty(&settings).unwrap_or_default(),
        command: format!("bosun connect claude-code --agent {agent} --url {url} --write ."),
        mapping: MAPPED_TOOLS
            .iter()
            .map(|m| {
                (
                    m.client_tool.to_owned(),
                    m.catalog_tool.to_owned(),
                    format!("/{}", m.field),
                    m.cwd_when_absent,
                )
            })
            .collect(),
        internal: INTERNAL_TOOLS.iter().map(|t| (*t).to_owned()).collect(),
    })
}
