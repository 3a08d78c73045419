//! MCP servers under Bosun: whatever relays the Model Context Protocol
//! between a client and a server (the local stdio proxy `bosun mcp proxy`,
//! the remote gateway) asks this module what the client may see and
//! whether a call may run. It holds what needs no store — the tool names,
//! the subject a call is judged by, the risk a server's annotations give a
//! discovered tool — and, in `servers`, the use cases. The server names
//! ([`ServerName`]) and the servers as recorded are the model's
//! ([`crate::model::integrations`]).
//!
//! A server's tool `read_file` on the agent's server `fs` is the catalog
//! tool `mcp__fs__read_file`; a call of it is decided on the same path as
//! every runtime tool call ([`crate::Bosun::request_tool_call`]), with the
//! arguments as the structured input.
//!
//! The use cases a gateway builds on (`Bosun` methods; errors are the
//! service's one [`crate::Error`]):
//!
//! ```text
//! // Records (or finds) the agent's server by name; run access needed.
//! // 409 mcp_server_name_taken when another server of the agent has it.
//! register_mcp_server(&Principal, &AgentId, McpServerDraft { name: ServerName,
//!     transport: Transport, origin: String }) -> Result<McpServer>
//!
//! // Filters a server's tools/list and records what is new: the catalog
//! // gets each first-seen tool as discovered, the agent's tools only when
//! // the caller may edit the agent. Answers every tool with `shown`.
//! mcp_list_tools(&Principal, &AgentId, &ServerName, &[UpstreamTool])
//!     -> Result<Vec<ListedTool>>
//!
//! // Decides a tools/call in the run (the caller started it, or the
//! // agent's runtime key drives it): `pending` while a reviewer decides.
//! mcp_call_tool(&Runner, &RunId, &ServerName, tool: &str, arguments: Value,
//!     idempotency_key: Option<String>) -> Result<ToolCallState>
//! // Waits up to `wait` for a pending call's decision; then it expires
//! // (a denial). The state's `input` is what to forward when `edited`.
//! wait_for_decision(&Runner, &ToolCallId, wait: Duration) -> Result<ToolCallState>
//! // What the upstream answered: `output` (the result) or `error`.
//! report_tool_result(&Runner, &ToolCallId, ToolResult) -> Result<()>
//!
//! // The agent's servers and their tools, for its page; view access.
//! mcp_servers(&Principal, &AgentId) -> Result<Vec<McpServerView>>
//! ```
//!
//! Free functions: [`tool_name`] (`None` when a tool has no catalog name
//! on this server), [`ServerName::parse`], [`ServerName::from_server_info`],
//! [`decision_text`] (the sentence a refused call's tool result carries),
//! [`within_time_limit`] (an exchange with an upstream server, given up
//! after the server's time limit with a [`TimedOut`] that names it).

mod servers;

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use bosun_policy::{ArgKind, RiskLevel};
use serde_json::Value;

pub use servers::{
    ListedTool, McpServer, McpServerDraft, McpServerView, McpToolView, ToolStatus, UpstreamTool,
    blot_command_line,
};

/// An upstream MCP server gave no answer within its time limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedOut(pub Duration);

impl TimedOut {
    /// The sentence a client reads: `the MCP server <server> did not
    /// <doing> within <n> seconds`.
    pub fn describe(&self, server: &str, doing: &str) -> String {
        format!(
            "the MCP server {server} did not {doing} within {} seconds",
            self.0.as_secs()
        )
    }
}

/// Waits at most `limit` for an exchange with an upstream MCP server (what
/// both gateways do with every request they relay).
pub async fn within_time_limit<T>(
    limit: Duration,
    exchange: impl Future<Output = T>,
) -> Result<T, TimedOut> {
    tokio::time::timeout(limit, exchange)
        .await
        .map_err(|_| TimedOut(limit))
}

/// What every MCP tool's catalog name starts with.
pub const TOOL_PREFIX: &str = "mcp__";
/// The longest origin (command line or URL) kept.
pub const MAX_ORIGIN_CHARS: usize = 2000;

pub use bosun_wire::vocabulary::Transport;

/// The catalog name of `tool` (as the server names it) on `server`:
/// `mcp__<server>__<tool in snake case>`. `None` when that is no catalog
/// name (longer than 64 characters, or nothing usable of the tool's own
/// name): such a tool is never shown, and never called.
pub fn tool_name(server: &ServerName, tool: &str) -> Option<String> {
    let own = snake_case(tool);
    let own = own.trim_matches('_');
    if own.is_empty() || tool.len() > 128 {
        return None;
    }
    let name = format!("{TOOL_PREFIX}{server}__{own}");
    crate::validate::identifier("tool", &name).ok()
}

/// Whether a catalog tool's name is that of an MCP server's tool.
pub fn is_mcp_tool(name: &str) -> bool {
    name.starts_with(TOOL_PREFIX)
}

/// The argument of a tool's input schema that rules match, if it declares
/// one as a string property: `command`, then `path`, then `url` (or a
/// property whose name ends so: `file_path`, `target_url`), with the
/// argument kind that tells the rules how to read it.
pub fn schema_subject(schema: &Value) -> Option<(String, ArgKind)> {
    let properties = schema.get("properties")?.as_object()?;
    let is_string = |name: &str| {
        properties
            .get(name)
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
            == Some("string")
    };
    for (word, kind) in [
        ("command", ArgKind::Command),
        ("path", ArgKind::Path),
        ("url", ArgKind::Url),
    ] {
        if is_string(word) {
            return Some((pointer_to(word), kind));
        }
        let suffix = format!("_{word}");
        let mut named: Vec<&String> = properties
            .keys()
            .filter(|k| k.to_ascii_lowercase().ends_with(&suffix) && is_string(k))
            .collect();
        named.sort();
        if let Some(name) = named.first() {
            return Some((pointer_to(name), kind));
        }
    }
    None
}

fn pointer_to(property: &str) -> String {
    format!("/{}", property.replace('~', "~0").replace('/', "~1"))
}

/// What an MCP tool's call is judged by, given its catalog entry's subject
/// pointer: the arguments themselves when the entry names a subject (the
/// rules read the field it names), else the arguments as canonical JSON
/// text (keys sorted, no spaces), so a rule's pattern still has something
/// exact to match. A string input is its own subject already.
pub fn judged_input<'a>(subject: Option<&str>, arguments: &'a Value) -> Cow<'a, Value> {
    match (subject, arguments) {
        (None, Value::Object(_)) => Cow::Owned(Value::String(canonical_json(arguments))),
        _ => Cow::Borrowed(arguments),
    }
}

/// JSON text with object keys sorted at every depth and no whitespace:
/// one text for one value, whichever order its keys came in.
pub fn canonical_json(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(fields) => {
                let mut keys: Vec<&String> = fields.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(&fields[key], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// The default risk of a tool a server brought, from what it claims: at
/// least `caution` (a server's word never makes a tool safe), `dangerous`
/// when it says the tool may destroy (`destructiveHint`, which MCP
/// presumes when a tool is not read-only and says nothing).
pub fn discovered_risk(annotations: Option<&Value>) -> RiskLevel {
    let hint = |name: &str| {
        annotations
            .and_then(|a| a.get(name))
            .and_then(Value::as_bool)
    };
    if hint("destructiveHint") == Some(true) {
        RiskLevel::Dangerous
    } else {
        RiskLevel::Caution
    }
}

/// The sentence a client's model reads when Bosun refuses a call, or
/// lets it through after a reviewer: the rule, the mode or the reviewer.
pub use crate::integrations::claude_code::decision_sentence as decision_text;
use crate::model::integrations::snake_case;
pub use crate::model::integrations::{MAX_SERVER_NAME_CHARS, ServerName};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn server_names_are_lower_case_words_joined_by_single_underscores() {
        for good in ["fs", "github", "my_server", "s3", &"a".repeat(32)] {
            assert!(ServerName::parse("name", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Fs",
            "my-server",
            "9lives",
            "_x",
            "x_",
            "a__b",
            "ü",
            &"a".repeat(33),
        ] {
            let error = ServerName::parse("name", bad).unwrap_err().to_string();
            assert!(error.starts_with("name: "), "{bad}: {error}");
        }
    }

    #[test]
    fn a_servers_own_name_becomes_a_server_name() {
        let name = |n: &str| ServerName::from_server_info(n).map(String::from);
        assert_eq!(
            name("secure-filesystem-server").unwrap(),
            "secure_filesystem_server"
        );
        assert_eq!(name("GitHub MCP").unwrap(), "git_hub_mcp");
        assert_eq!(name("--weather--").unwrap(), "weather");
        assert!(name("").is_err());
        assert!(name("日本").is_err());
        assert!(name("42").is_err());
        assert!(
            name(&"long".repeat(20))
                .unwrap_err()
                .to_string()
                .contains("give it one")
        );
    }

    #[test]
    fn tool_names_join_the_server_and_the_tool_in_snake_case() {
        let fs = ServerName::parse("name", "fs").unwrap();
        assert_eq!(tool_name(&fs, "read_file").unwrap(), "mcp__fs__read_file");
        assert_eq!(tool_name(&fs, "readFile").unwrap(), "mcp__fs__read_file");
        assert_eq!(
            tool_name(&fs, "list-dir.v2").unwrap(),
            "mcp__fs__list_dir_v2"
        );
        assert_eq!(tool_name(&fs, "--"), None);
        assert_eq!(tool_name(&fs, &"x".repeat(60)), None);
        assert!(is_mcp_tool("mcp__fs__read_file"));
        assert!(!is_mcp_tool("read_file"));
    }

    #[test]
    fn the_subject_is_a_declared_command_path_or_url_string() {
        let schema = |properties: Value| json!({"type": "object", "properties": properties});
        assert_eq!(
            schema_subject(&schema(
                json!({"path": {"type": "string"}, "content": {"type": "string"}})
            )),
            Some(("/path".into(), ArgKind::Path))
        );
        assert_eq!(
            schema_subject(&schema(
                json!({"url": {"type": "string"}, "command": {"type": "string"}})
            )),
            Some(("/command".into(), ArgKind::Command))
        );
        assert_eq!(
            schema_subject(&schema(json!({"target_url": {"type": "string"}}))),
            Some(("/target_url".into(), ArgKind::Url))
        );
        assert_eq!(
            schema_subject(&schema(
                json!({"paths": {"type": "array"}, "path": {"type": "integer"}})
            )),
            None
        );
        assert_eq!(schema_subject(&json!({"type": "object"})), None);
    }

    #[test]
    fn arguments_without_a_subject_are_judged_as_canonical_json() {
        let arguments = json!({"b": [1, {"z": null, "a": "x y"}], "a": true});
        assert_eq!(
            judged_input(None, &arguments).into_owned(),
            json!(r#"{"a":true,"b":[1,{"a":"x y","z":null}]}"#)
        );
        assert_eq!(
            judged_input(Some("/path"), &arguments).into_owned(),
            arguments
        );
        assert_eq!(judged_input(None, &json!("ls")).into_owned(), json!("ls"));
    }

    #[test]
    fn a_servers_annotations_may_raise_a_tools_risk_but_never_lower_it() {
        assert_eq!(discovered_risk(None), RiskLevel::Caution);
        assert_eq!(
            discovered_risk(Some(&json!({"readOnlyHint": true}))),
            RiskLevel::Caution
        );
        assert_eq!(
            discovered_risk(Some(
                &json!({"destructiveHint": true, "readOnlyHint": true})
            )),
            RiskLevel::Dangerous
        );
        assert_eq!(
            discovered_risk(Some(&json!({"destructiveHint": false}))),
            RiskLevel::Caution
        );
    }
}
