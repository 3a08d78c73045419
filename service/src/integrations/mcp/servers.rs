//! An agent's MCP servers and their tools: registering a server under its
//! name, filtering a server's `tools/list` and recording what it brought
//! (the catalog's discovered tools, the agent's tools), deciding a
//! `tools/call`, and what the agent page shows.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bosun_policy::{Action, ArgKind, RiskLevel, ToolSelector};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{MAX_ORIGIN_CHARS, ServerName, Transport, discovered_risk, schema_subject, tool_name};
use crate::access::Runnable;
use crate::agents::{AgentView, Capability};
use crate::clock::{from_millis, to_millis};
use crate::error::Code;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, RunId, ToolCallId, WorkspaceId};
use crate::rules::RuleList;
use crate::runs::Runner;
use crate::runs::tool_calls::{ToolCallRequest, ToolCallState};
use crate::store::mcp_servers::{self, ServerRow};
use crate::store::tools::DiscoveredTool;
use crate::store::{self, Insert, agents};
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{AgentChanged, AgentChanges, Change, McpServerRegistered, ToolDiscovered};

/// The most tools one `tools/list` may bring.
pub const MAX_LISTED_TOOLS: usize = 500;
/// The most of a tool's description kept in the catalog.
const MAX_DESCRIPTION_CHARS: usize = 500;
/// The most a tool's input schema may take to be kept (as for an admin's).
const MAX_SCHEMA_BYTES: usize = 16 * 1024;
/// The most a tool's annotations may take to be kept.
const MAX_ANNOTATIONS_BYTES: usize = 4 * 1024;

/// A server to record, as the gateway that reaches it describes it.
#[derive(Clone, Debug)]
pub struct McpServerDraft {
    pub name: ServerName,
    pub transport: Transport,
    /// The command line (secret-looking arguments blotted out by the
    /// caller, see [`blot_command_line`]) or the URL.
    pub origin: String,
}

/// One tool of a server's `tools/list`, as the server describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct UpstreamTool {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, alias = "inputSchema")]
    pub input_schema: Value,
    #[serde(default)]
    pub annotations: Option<Value>,
}

pub use crate::model::integrations::McpServer;
pub use bosun_wire::vocabulary::McpToolStatus as ToolStatus;

/// A listed tool and whether the client may see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListedTool {
    /// The tool as the server names it.
    pub name: String,
    /// The catalog tool its calls are judged as.
    pub tool: Option<String>,
    pub status: ToolStatus,
    pub shown: bool,
}

/// A tool of a server, for the agent page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct McpToolView {
    pub name: String,
    pub tool: String,
    pub status: ToolStatus,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A server with its tools, for the agent page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct McpServerView {
    pub name: String,
    pub transport: Transport,
    pub origin: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub tools: Vec<McpToolView>,
}

/// A command line as kept: each argument after a secret-looking option
/// (`--api-key`, `--token`), and the value of `--password=…` or of
/// `GITHUB_TOKEN=…`, becomes `[redacted]`, so a page never shows it.
pub fn blot_command_line(words: &[String]) -> String {
    let mut out = Vec::with_capacity(words.len());
    let mut next_is_secret = false;
    for word in words {
        if next_is_secret {
            out.push(crate::redact::REDACTED.to_owned());
            next_is_secret = false;
            continue;
        }
        match word.split_once('=') {
            Some((key, _)) if crate::redact::is_secret_key(key) => {
                out.push(format!("{key}={}", crate::redact::REDACTED));
            }
            None if word.starts_with('-') && crate::redact::is_secret_key(word) => {
                out.push(word.clone());
                next_is_secret = true;
            }
            _ => out.push(quoted(word)),
        }
    }
    out.join(" ")
}

/// A word as a shell would read it back.
fn quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Whether the rules deny every call of `tool` whatever its input: the
/// first rule for it (or for `*`) in evaluation order that has no
/// pattern denies it, with no rule with a pattern before it that could
/// let some call through first.
fn denied_outright(rules: &[crate::rules::RuleInfo], tool: &str) -> bool {
    for rule in rules {
        if !ToolSelector::parse(&rule.tool).applies_to(tool) {
            continue;
        }
        if rule.pattern.is_none() {
            return rule.action == Action::Deny;
        }
        if rule.action != Action::Deny {
            return false;
        }
    }
    false
}

impl Bosun {
    /// Records the agent's server `draft.name`, or finds it: the same name
    /// reached the same way (transport and origin) is the same server, and
    /// its last-seen time moves on. Anyone who may run the agent may
    /// register its servers; a second server under a name the agent
    /// already has is refused (409 `mcp_server_name_taken`), since its
    /// tools would take the other's rules.
    pub async fn register_mcp_server(
        &self,
        principal: &Principal,
        agent: &AgentId,
        draft: McpServerDraft,
    ) -> Result<(McpServer, bool)> {
        let mut tx = self.db().begin_write().await?;
        let _: Runnable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        let origin = validate::trimmed_text("origin", &draft.origin, MAX_ORIGIN_CHARS)?;
        if origin.is_empty() {
            return Err(Error::invalid("origin", "is required"));
        }
        if origin.chars().any(char::is_control) {
            return Err(Error::invalid(
                "origin",
                "must not contain control characters",
            ));
        }
        let transport = draft.transport.as_str().to_owned();
        let now = to_millis(self.now());
        let existing = mcp_servers::by_name(
            &mut *tx,
            &principal.workspace_id,
            agent,
            draft.name.as_str(),
        )
        .await?;
        if let Some(row) = existing {
            if row.transport != transport || row.origin != origin {
                return Err(Error::Refused {
                    code: Code::McpServerNameTaken,
                    message: format!(
                        "name: this agent already has an MCP server called {} ({} {}); give this one another name",
                        row.name, row.transport, row.origin
                    ),
                });
            }
            mcp_servers::touch(&mut tx, &row.id, now).await?;
            tx.commit().await?;
            let row = ServerRow {
                last_seen_at: now,
                ..row
            };
            return Ok((row.server()?, false));
        }
        let row = ServerRow {
            id: uuid::Uuid::now_v7().to_string(),
            agent_id: agent.to_string(),
            name: draft.name.to_string(),
            transport,
            origin,
            first_seen_at: now,
            last_seen_at: now,
        };
        if mcp_servers::insert(&mut tx, principal, &row).await? == Insert::Taken {
            return Err(Error::Refused {
                code: Code::Conflict,
                message: "a concurrent change got there first; try again".into(),
            });
        }
        let data = events::data_of(&McpServerRegistered {
            server: draft.name.to_string(),
            transport: draft.transport,
            origin: row.origin.clone(),
        })?;
        events::append(
            &mut tx,
            from_millis(now),
            NewEvent::audit(EventKind::McpServerRegistered, principal, Some(agent), data),
        )
        .await?;
        tx.commit().await?;
        Ok((row.server()?, true))
    }

    /// Filters the `tools/list` of the agent's server `server` for the
    /// principal's client and records what it brought: each tool is
    /// judged as [`tool_name`]; one the workspace's catalog lacks is added
    /// to it as discovered (its schema, its subject from the schema, a risk
    /// of at least `caution`, never read-only); one seen for the first time
    /// on this agent's server is added to the agent's tools when the
    /// principal may edit the agent. A tool is shown when it is one of the
    /// agent's tools and no rule denies it outright.
    pub async fn mcp_list_tools(
        &self,
        principal: &Principal,
        agent: &AgentId,
        server: &ServerName,
        tools: &[UpstreamTool],
    ) -> Result<Vec<ListedTool>> {
        let view = self.agent_for(principal, agent, Capability::Run).await?;
        let may_edit = view.access.allows(Capability::Edit);
        if tools.len() > MAX_LISTED_TOOLS {
            return Err(Error::invalid(
                "tools",
                format!("must be at most {MAX_LISTED_TOOLS} tools"),
            ));
        }
        for (i, tool) in tools.iter().enumerate() {
            if tool.name.is_empty() || tool.name.chars().count() > 128 {
                return Err(Error::invalid(
                    format!("tools.{i}.name"),
                    "must be 1 to 128 characters",
                ));
            }
            validate::text("name", &tool.name, 128)
                .map_err(|_| Error::invalid(format!("tools.{i}.name"), "must not contain NUL"))?;
        }
        let workspace = principal.workspace_id.clone();
        let server_row = self.mcp_server_row(&workspace, agent, server).await?;

        // Each tool's catalog name; a name two tools would share is
        // neither's (which one a call meant could not be told).
        let mut names: Vec<Option<String>> =
            tools.iter().map(|t| tool_name(server, &t.name)).collect();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for name in names.iter().flatten() {
            *counts.entry(name.clone()).or_default() += 1;
        }
        for name in &mut names {
            if name.as_ref().is_some_and(|n| counts[n] > 1) {
                *name = None;
            }
        }

        let now = self.now();
        let catalog: HashSet<String> = crate::tools::load_tools(self.db(), &workspace)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect();
        let mut tx = self.db().begin_write().await?;
        let mut first_seen = Vec::new();
        for (tool, name) in tools.iter().zip(&names) {
            let Some(name) = name else { continue };
            if !catalog.contains(name) {
                insert_discovered(&mut tx, &workspace, server, tool, name, now).await?;
                let data = events::data_of(&ToolDiscovered {
                    tool: name.clone(),
                    server: server.to_string(),
                    server_tool: tool.name.clone(),
                    annotations: kept_annotations(tool.annotations.as_ref()),
                })?;
                events::append(
                    &mut tx,
                    now,
                    NewEvent::audit(EventKind::ToolDiscovered, principal, Some(agent), data),
                )
                .await?;
            }
            let first = mcp_servers::note_tool_listed(
                &mut tx,
                &server_row.id,
                &tool.name,
                name,
                to_millis(now),
            )
            .await?;
            if first {
                first_seen.push(name.clone());
            }
        }
        mcp_servers::touch(&mut tx, &server_row.id, to_millis(now)).await?;
        let mut agent_tools = view.agent.tools.clone();
        if may_edit && !first_seen.is_empty() {
            agent_tools = add_agent_tools(&mut tx, principal, agent, &first_seen, now).await?;
        }
        tx.commit().await?;

        let rules = self.rules_in_order(&workspace, agent).await?;
        Ok(tools
            .iter()
            .zip(names)
            .map(|(tool, name)| {
                let status = tool_status(name.as_deref(), &agent_tools, &rules);
                ListedTool {
                    name: tool.name.clone(),
                    tool: name,
                    shown: status == ToolStatus::Added,
                    status,
                }
            })
            .collect())
    }

    /// The agent's MCP servers with their tools as last listed, newest
    /// first, for anyone who may see the agent.
    pub async fn mcp_servers(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<Vec<McpServerView>> {
        let view = self.agent_for(principal, agent, Capability::View).await?;
        let rows = mcp_servers::of_agent(self.db().pool(), &principal.workspace_id, agent).await?;
        let tools =
            mcp_servers::tools_of_agent(self.db().pool(), &principal.workspace_id, agent).await?;
        let rules = self.rules_in_order(&principal.workspace_id, agent).await?;
        rows.into_iter()
            .map(|row| {
                let server = row.server()?;
                let tools = tools
                    .iter()
                    .filter(|(server_id, ..)| *server_id == server.id)
                    .map(|(_, name, tool, first, last)| McpToolView {
                        name: name.clone(),
                        status: tool_status(Some(tool), &view.agent.tools, &rules),
                        tool: tool.clone(),
                        first_seen_at: from_millis(*first),
                        last_seen_at: from_millis(*last),
                    })
                    .collect();
                Ok(McpServerView {
                    name: server.name.to_string(),
                    transport: server.transport,
                    origin: server.origin,
                    first_seen_at: server.first_seen_at,
                    last_seen_at: server.last_seen_at,
                    tools,
                })
            })
            .collect()
    }

    /// Decides a `tools/call` of the agent's server `server` in `run`, on
    /// the path of every runtime tool call: tool `mcp__<server>__<tool>`,
    /// the arguments as its structured input (judged by the field its
    /// catalog entry names, else as canonical JSON). `pending` while a
    /// reviewer decides: wait with [`Bosun::wait_for_decision`].
    pub async fn mcp_call_tool(
        &self,
        runner: &Runner,
        run: &RunId,
        server: &ServerName,
        tool: &str,
        arguments: Value,
        idempotency_key: Option<String>,
    ) -> Result<ToolCallState> {
        let Some(name) = tool_name(server, tool) else {
            return Err(Error::invalid(
                "tool",
                format!("the MCP tool {tool:?} has no catalog name on server {server}"),
            ));
        };
        let arguments = match arguments {
            Value::Null => json!({}),
            other => other,
        };
        let request = ToolCallRequest {
            tool: name,
            input: arguments,
            idempotency_key,
            ..ToolCallRequest::default()
        };
        self.request_tool_call(runner, run, request).await
    }

    async fn mcp_server_row(
        &self,
        workspace: &WorkspaceId,
        agent: &AgentId,
        server: &ServerName,
    ) -> Result<ServerRow> {
        mcp_servers::by_name(self.db().pool(), workspace, agent, server.as_str())
            .await?
            .ok_or(Error::NotFound("MCP server"))
    }

    /// Every rule that applies to the agent, in evaluation order.
    async fn rules_in_order(
        &self,
        workspace: &WorkspaceId,
        agent: &AgentId,
    ) -> Result<Vec<crate::rules::RuleInfo>> {
        let mut rules = crate::rules::load_rules(self.db(), workspace, &RuleList::Enforced).await?;
        rules.extend(
            crate::rules::load_rules(self.db(), workspace, &RuleList::Agent(agent.clone())).await?,
        );
        rules.extend(crate::rules::load_rules(self.db(), workspace, &RuleList::Workspace).await?);
        Ok(rules)
    }

    /// Waits up to `wait` for a reviewer's decision on a pending call; a
    /// request still pending then expires (a denial), so that nothing is
    /// left in the inbox that nobody waits for.
    pub async fn wait_for_decision(
        &self,
        runner: &Runner,
        call: &ToolCallId,
        wait: Duration,
    ) -> Result<ToolCallState> {
        self.wait_or_expire(runner, call, wait).await
    }
}

fn tool_status(
    name: Option<&str>,
    agent_tools: &[String],
    rules: &[crate::rules::RuleInfo],
) -> ToolStatus {
    match name {
        None => ToolStatus::Unnamed,
        Some(name) if !agent_tools.iter().any(|t| t == name) => ToolStatus::Discovered,
        Some(name) if denied_outright(rules, name) => ToolStatus::Denied,
        Some(_) => ToolStatus::Added,
    }
}

/// The annotations kept of a tool: an object of at most 4 KiB, else none.
fn kept_annotations(annotations: Option<&Value>) -> Option<Value> {
    annotations
        .filter(|a| a.is_object() && a.to_string().len() <= MAX_ANNOTATIONS_BYTES)
        .cloned()
}

/// The input schema kept of a tool: one Bosun can check calls against (an
/// object of at most 16 KiB that compiles, with no remote reference), else
/// none — the server's schema is its own claim, and a call it rejects is
/// still the server's to refuse.
fn kept_schema(schema: &Value) -> Option<Value> {
    if !schema.is_object() || schema.to_string().len() > MAX_SCHEMA_BYTES {
        return None;
    }
    jsonschema::meta::validate(schema).ok()?;
    jsonschema::validator_for(schema).ok()?;
    Some(schema.clone())
}

/// Adds a tool a server brought to the workspace's catalog, unless a tool
/// of that name got there first.
async fn insert_discovered(
    conn: &mut store::Connection,
    workspace: &WorkspaceId,
    server: &ServerName,
    tool: &UpstreamTool,
    name: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let schema = kept_schema(&tool.input_schema);
    let subject = schema.as_ref().and_then(schema_subject);
    let kind = subject.as_ref().map_or(ArgKind::Text, |(_, kind)| *kind);
    let description: String = tool
        .description
        .as_deref()
        .unwrap_or_default()
        .replace('\0', "")
        .chars()
        .take(MAX_DESCRIPTION_CHARS)
        .collect();
    let risk: RiskLevel = discovered_risk(tool.annotations.as_ref());
    let discovered = DiscoveredTool {
        name,
        description,
        argument_kind: kind,
        default_risk: risk,
        created_at: to_millis(now),
        // A schema is kept only with a subject: the catalog checks object
        // inputs against a tool's schema, and judges them by its subject.
        input_schema: subject.as_ref().and(schema.as_ref()).map(Value::to_string),
        subject: subject.map(|(pointer, _)| pointer),
        server: server.as_str(),
        annotations: kept_annotations(tool.annotations.as_ref()).map(|a| a.to_string()),
    };
    crate::store::tools::insert_discovered(conn, workspace, discovered).await
}

/// Adds `new` to the agent's tools for an editor, recording the change
/// as any edit of the agent: read and written in the transaction, the
/// write only if the tools are still as read, so a concurrent edit is
/// never lost. Answers the agent's tools after.
async fn add_agent_tools(
    tx: &mut store::Connection,
    principal: &Principal,
    agent: &AgentId,
    new: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    for _ in 0..5 {
        let text = agents::tools_as_stored(tx, &principal.workspace_id, agent).await?;
        let before: Vec<String> = serde_json::from_str(&text)
            .map_err(|e| Error::internal(format!("an agent's tools do not parse: {e}")))?;
        let mut after = before.clone();
        for tool in new {
            if !after.contains(tool) {
                after.push(tool.clone());
            }
        }
        if after == before {
            return Ok(after);
        }
        let replaced = agents::replace_tools_if_unchanged(
            tx,
            &principal.workspace_id,
            agent,
            &text,
            &after,
            to_millis(now),
        )
        .await?;
        if !replaced {
            continue;
        }
        let data = events::data_of(&AgentChanged {
            changes: AgentChanges {
                tools: Change::between(before, after.clone()),
                ..AgentChanges::default()
            },
            via: Some("mcp_discovery".into()),
        })?;
        events::append(
            tx,
            now,
            NewEvent::audit(EventKind::AgentUpdated, principal, Some(agent), data),
        )
        .await?;
        return Ok(after);
    }
    Err(Error::Refused {
        code: Code::Conflict,
        message: "the agent kept changing while its tools were added; try again".into(),
    })
}

#[cfg(test)]
mod tests {
    use bosun_policy::Layer;

    use super::*;
    use crate::ids::RuleId;
    use crate::rules::RuleInfo;

    fn rule(tool: &str, action: Action, pattern: Option<&str>) -> RuleInfo {
        RuleInfo {
            id: RuleId::generate(),
            layer: Layer::Agent,
            position: 1,
            tool: tool.into(),
            action,
            pattern: pattern.map(str::to_owned),
            note: String::new(),
        }
    }

    #[test]
    fn only_a_rule_without_pattern_that_decides_first_denies_a_tool_outright() {
        let tool = "mcp__fs__write_file";
        assert!(denied_outright(&[rule(tool, Action::Deny, None)], tool));
        assert!(denied_outright(&[rule("*", Action::Deny, None)], tool));
        assert!(!denied_outright(
            &[rule(tool, Action::Deny, Some("/etc/*"))],
            tool
        ));
        assert!(!denied_outright(
            &[
                rule(tool, Action::Allow, Some("/tmp/*")),
                rule(tool, Action::Deny, None)
            ],
            tool
        ));
        assert!(denied_outright(
            &[
                rule(tool, Action::Deny, Some("/etc/*")),
                rule(tool, Action::Deny, None)
            ],
            tool
        ));
        assert!(!denied_outright(
            &[
                rule(tool, Action::Ask, None),
                rule(tool, Action::Deny, None)
            ],
            tool
        ));
        assert!(!denied_outright(
            &[rule("mcp__fs__read_file", Action::Deny, None)],
            tool
        ));
    }

    #[test]
    fn secret_arguments_of_a_command_line_are_blotted_out() {
        let words: Vec<String> = [
            "npx",
            "-y",
            "server",
            "--api-key",
            "sk-live-1",
            "GITHUB_TOKEN=ghp_x",
            "--password=hunter2",
            "/my dir",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            blot_command_line(&words),
            "npx -y server --api-key [redacted] GITHUB_TOKEN=[redacted] --password=[redacted] '/my dir'"
        );
    }

    #[test]
    fn a_schema_bosun_cannot_use_is_not_kept() {
        let good = json!({"type": "object", "properties": {"path": {"type": "string"}}});
        assert_eq!(kept_schema(&good), Some(good.clone()));
        assert_eq!(kept_schema(&json!("object")), None);
        assert_eq!(kept_schema(&json!({"type": 7})), None);
        let huge = json!({"type": "object", "description": "x".repeat(MAX_SCHEMA_BYTES)});
        assert_eq!(kept_schema(&huge), None);
    }
}
