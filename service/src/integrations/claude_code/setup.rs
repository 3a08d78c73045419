//! What the agent page shows to connect Claude Code: the hooks block for
//! this Bosun and agent, and the tool mapping it applies.

use serde_json::Value;

use super::hooks_settings;
use crate::access::Capability;
use crate::ids::AgentId;
use crate::{Bosun, Principal, Result};

impl Bosun {
    /// The `.claude/settings.json` hooks block for `agent`, for someone who
    /// may run it (a stranger is told the agent does not exist). Bosun's
    /// address is `BOSUN_PUBLIC_URL`, or else the one the page was asked
    /// for (`host`, a `host[:port]` as the request's `Host` gave it), or
    /// else Bosun's default address.
    pub async fn claude_code_settings(
        &self,
        principal: &Principal,
        agent: &AgentId,
        host: Option<&str>,
    ) -> Result<Value> {
        self.agent_for(principal, agent, Capability::Run).await?;
        let base = match &self.settings().public_url {
            Some(public) => public.as_str().trim_end_matches('/').to_owned(),
            None => host
                .and_then(|host| url::Url::parse(&format!("http://{host}")).ok())
                .filter(|url| {
                    url.path() == "/" && url.username().is_empty() && url.password().is_none()
                })
                .map_or_else(
                    || "http://127.0.0.1:8080".to_owned(),
                    |url| url.origin().ascii_serialization(),
                ),
        };
        Ok(hooks_settings(&base, agent.as_str()))
    }
}
