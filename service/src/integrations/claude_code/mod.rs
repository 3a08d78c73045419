//! Claude Code under Bosun: its `"type": "http"` hooks POST each event to
//! `/api/v1/hooks/claude-code/{agent}`, and each tool call is judged as the
//! catalog tool it amounts to. This module holds what needs no store: the
//! tool mapping (Claude Code's tool name and `tool_input` → the catalog
//! tool, its subject and working directory), and the `.claude/settings.json`
//! hooks block that `bosun connect claude-code` prints and the agent page
//! shows.
//!
//! The tool names are those of the pinned Claude Code version
//! (`server/tests/claude_code/package-lock.json`).

use serde_json::{Map, Value, json};

mod hooks;
mod setup;

pub use hooks::{
    MAX_RESPONSE_BYTES, MAX_TEXT_CHARS, MAX_TOOL_INPUT_BYTES, decision_sentence, kept_response,
};

/// A Claude Code tool judged as a catalog tool, by the string at one field
/// of its `tool_input`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MappedTool {
    /// Claude Code's name for it.
    pub client_tool: &'static str,
    /// The catalog tool it is judged as.
    pub catalog_tool: &'static str,
    /// The `tool_input` field holding the subject.
    pub field: &'static str,
    /// Whether the event's `cwd` stands in when the field is absent.
    pub cwd_when_absent: bool,
}

/// Every Claude Code tool that acts on the machine, and how it is judged.
pub const MAPPED_TOOLS: &[MappedTool] = &[
    mapped("Bash", "system_shell", "command", false),
    mapped("Write", "write_file", "file_path", false),
    mapped("Edit", "write_file", "file_path", false),
    mapped("NotebookEdit", "write_file", "notebook_path", false),
    mapped("Read", "read_file", "file_path", false),
    // Grep prints what it finds in files: a read of them.
    mapped("Grep", "read_file", "path", true),
    mapped("Glob", "list_directory", "path", true),
    mapped("WebFetch", "http_request", "url", false),
    mapped("WebSearch", "web_search", "query", false),
];

const fn mapped(
    client_tool: &'static str,
    catalog_tool: &'static str,
    field: &'static str,
    cwd_when_absent: bool,
) -> MappedTool {
    MappedTool {
        client_tool,
        catalog_tool,
        field,
        cwd_when_absent,
    }
}

/// Claude Code's tools that act only on its own state: its to-do and task
/// lists, plan mode, questions to its user, sub-agents (whose own tool
/// calls come through the hooks one by one), finding deferred tools.
/// Allowed unless a rule says otherwise.
pub const INTERNAL_TOOLS: &[&str] = &[
    "Agent",
    "Task",
    "TodoWrite",
    "TaskCreate",
    "TaskGet",
    "TaskUpdate",
    "TaskList",
    "TaskStop",
    "EnterPlanMode",
    "ExitPlanMode",
    "AskUserQuestion",
    "ToolSearch",
    "ListAgents",
    "ScheduleWakeup",
];

/// How one tool call is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judged {
    /// As `tool`, a catalog tool, by `subject` (a string input, its own
    /// subject).
    Subject { tool: String, subject: String },
    /// As `tool`, one of Claude Code's internal tools: by the rules only,
    /// allowed where none matches; `tool_input` is matched as JSON text.
    Internal { tool: String },
    /// As the catalog tool of the call's own name, `tool`, with the whole
    /// `tool_input` as a structured input judged by that tool's subject:
    /// MCP tools (`mcp__server__tool`) and any tool not mapped above. Such
    /// a tool is denied while it is not one of the agent's tools.
    Own { tool: String },
    /// Not judged at all: denied, for this reason.
    Refused { reason: String },
}

/// How Bosun judges Claude Code's `tool_name` called with `tool_input`, in
/// the event's `cwd` (also the working directory relative paths start in).
/// A mapped tool whose subject field is missing, or not a string, is
/// refused: what cannot be read is never allowed.
pub fn judge(tool_name: &str, tool_input: &Value, cwd: Option<&str>) -> Judged {
    if let Some(mapping) = MAPPED_TOOLS.iter().find(|m| m.client_tool == tool_name) {
        let field = tool_input.get(mapping.field);
        let subject = match field {
            Some(Value::String(subject)) => Some(subject.as_str()),
            None | Some(Value::Null) if mapping.cwd_when_absent => cwd,
            _ => None,
        };
        return match subject {
            Some(subject) => Judged::Subject {
                tool: mapping.catalog_tool.to_owned(),
                subject: subject.to_owned(),
            },
            None if field.is_some_and(|f| !f.is_null()) => Judged::Refused {
                reason: format!(
                    "{tool_name}: tool_input.{} must be a string; Bosun denies what it cannot read",
                    mapping.field
                ),
            },
            None => Judged::Refused {
                reason: format!(
                    "{tool_name}: tool_input.{} is missing{}; Bosun denies what it cannot read",
                    mapping.field,
                    if mapping.cwd_when_absent {
                        " and the event has no cwd"
                    } else {
                        ""
                    }
                ),
            },
        };
    }
    let Some(tool) = catalog_name(tool_name) else {
        return Judged::Refused {
            reason: format!(
                "the tool name {tool_name:?} cannot be a catalog tool's name; Bosun denies it"
            ),
        };
    };
    if INTERNAL_TOOLS.contains(&tool_name) {
        Judged::Internal { tool }
    } else {
        Judged::Own { tool }
    }
}

/// The catalog name of a Claude Code tool that is not mapped: its name in
/// lower case, words split at each capital (`CronCreate` → `cron_create`),
/// any other character than a letter, digit or `_` made `_`
/// (`mcp__my-server__query` → `mcp__my_server__query`). `None` when that is
/// no valid catalog name (empty, longer than 64, not starting with a
/// letter).
pub fn catalog_name(tool_name: &str) -> Option<String> {
    let mut name = String::with_capacity(tool_name.len() + 4);
    let mut previous: Option<char> = None;
    for c in tool_name.chars() {
        if c.is_ascii_uppercase() {
            if previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            name.push(c);
        } else {
            name.push('_');
        }
        previous = Some(c);
    }
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase()) && name.len() <= 64;
    valid.then_some(name)
}

/// What a denial of a tool outside the agent's tools tells the model and
/// the person: how to let it through.
pub fn not_given_reason(client_tool: &str, catalog_tool: &str) -> String {
    format!(
        "{client_tool} is judged as the tool `{catalog_tool}`, which is not one of this agent's tools; \
         to allow it, an admin adds `{catalog_tool}` to the tool catalog (Settings → Tools) and an \
         editor adds it to the agent's tools, then rules decide its calls"
    )
}

/// The events Bosun's hooks are registered for, and whether each guards
/// an action, so that an unreachable Bosun blocks it: only tool calls. A
/// prompt is only recorded; blocking it too would add no safety (every
/// tool call it leads to is blocked) and take away the conversation.
const HOOK_EVENTS: &[(&str, bool)] = &[
    ("PreToolUse", true),
    ("PostToolUse", false),
    ("PostToolUseFailure", false),
    ("SessionStart", false),
    ("SessionEnd", false),
    ("UserPromptSubmit", false),
];

/// How long Claude Code waits on the PreToolUse hook, in seconds: as long
/// as a reviewer may reasonably take while someone watches.
pub const PRE_TOOL_USE_TIMEOUT_SECONDS: u64 = 600;
/// How long Bosun holds a PreToolUse request for a reviewer: a little
/// under the hook's timeout, so that Bosun's own answer ("no decision
/// within …") arrives rather than Claude Code's timeout.
pub const PRE_TOOL_USE_WAIT_SECONDS: u64 = 590;
/// The timeout of the other hooks, which Bosun answers at once.
const OTHER_TIMEOUT_SECONDS: u64 = 30;

/// Where the hooks POST, before the agent's id.
pub const ENDPOINT_PATH: &str = "/api/v1/hooks/claude-code/";

/// The environment variable holding the token the hooks send.
pub const TOKEN_VARIABLE: &str = "BOSUN_TOKEN";

/// The `hooks` block of `.claude/settings.json` that sends every event of
/// a Claude Code session to Bosun for `agent_id`, Bosun being at
/// `base_url` (no trailing `/`). The token comes from `$BOSUN_TOKEN` at
/// run time, never from the file.
pub fn hooks_settings(base_url: &str, agent_id: &str) -> Value {
    let endpoint = format!(
        "{}{ENDPOINT_PATH}{agent_id}",
        base_url.trim_end_matches('/')
    );
    let mut hooks = Map::new();
    for &(event, guards) in HOOK_EVENTS {
        let mut hook = json!({
            "type": "http",
            "url": endpoint,
            "headers": { "Authorization": format!("Bearer ${TOKEN_VARIABLE}") },
            "allowedEnvVars": [TOKEN_VARIABLE],
            "timeout": OTHER_TIMEOUT_SECONDS,
        });
        if event == "PreToolUse" {
            hook["url"] = json!(format!("{endpoint}?wait={PRE_TOOL_USE_WAIT_SECONDS}"));
            hook["timeout"] = json!(PRE_TOOL_USE_TIMEOUT_SECONDS);
        }
        if guards {
            hook["onFailure"] = json!("block");
        }
        let mut group = json!({ "hooks": [hook] });
        if event.contains("ToolUse") {
            group["matcher"] = json!("*");
        }
        hooks.insert(event.to_owned(), json!([group]));
    }
    json!({ "hooks": hooks })
}

/// `settings` (a `.claude/settings.json` as read, or `null` for none) with
/// Bosun's `hooks` block merged in: every other setting and every other
/// hook is kept, and a hook of Bosun's already there (the same `type` and
/// `url`) is replaced, so merging twice changes nothing. Fails, changing
/// nothing, when the file is not a JSON object or its `hooks` are not
/// shaped as Claude Code reads them.
pub fn merge_hooks(settings: Value, bosun: &Value) -> Result<Value, String> {
    let mut settings = match settings {
        Value::Null => Map::new(),
        Value::Object(settings) => settings,
        _ => return Err("the settings file does not hold a JSON object".into()),
    };
    let hooks = settings
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(hooks) = hooks else {
        return Err("the settings file's \"hooks\" is not a JSON object".into());
    };
    let ours = bosun["hooks"]
        .as_object()
        .ok_or("Bosun's hooks block has no \"hooks\"")?;
    for (event, our_groups) in ours {
        let groups = hooks
            .entry(event.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(groups) = groups else {
            return Err(format!(
                "the settings file's \"hooks\".{event:?} is not a JSON array"
            ));
        };
        let our_hooks: Vec<&Value> = our_groups
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|group| group["hooks"].as_array())
            .flatten()
            .collect();
        // Drop earlier copies of Bosun's hooks (an older URL for the same
        // endpoint included), and groups left empty by that.
        for group in groups.iter_mut() {
            if let Some(list) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                list.retain(|hook| !is_bosun_hook(hook, &our_hooks));
            }
        }
        groups.retain(|group| {
            group
                .get("hooks")
                .and_then(Value::as_array)
                .is_none_or(|list| !list.is_empty())
        });
        groups.extend(our_groups.as_array().into_iter().flatten().cloned());
    }
    Ok(Value::Object(settings))
}

/// Whether `hook` is one of Bosun's hooks for the same agent: an http hook
/// whose URL, without its query, ends with the same endpoint's path, on
/// whichever host (so a Bosun that moved is replaced, not doubled).
fn is_bosun_hook(hook: &Value, ours: &[&Value]) -> bool {
    let endpoint = |hook: &Value| -> Option<String> {
        (hook["type"] == "http").then_some(())?;
        let url = hook["url"].as_str()?;
        let url = url.split('?').next().unwrap_or(url);
        url.find(ENDPOINT_PATH).map(|at| url[at..].to_owned())
    };
    endpoint(hook).is_some_and(|path| ours.iter().any(|o| endpoint(o).as_ref() == Some(&path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(tool: &str, subject: &str) -> Judged {
        Judged::Subject {
            tool: tool.into(),
            subject: subject.into(),
        }
    }

    #[test]
    fn each_mapped_tool_is_judged_as_its_catalog_tool_by_its_subject_field() {
        let cwd = Some("/repo");
        let rows = [
            (
                "Bash",
                json!({"command": "rm -rf victim", "description": "x"}),
                subject("system_shell", "rm -rf victim"),
            ),
            (
                "Write",
                json!({"file_path": "/etc/passwd", "content": "x"}),
                subject("write_file", "/etc/passwd"),
            ),
            (
                "Edit",
                json!({"file_path": "src/a.rs", "old_string": "a", "new_string": "b"}),
                subject("write_file", "src/a.rs"),
            ),
            (
                "NotebookEdit",
                json!({"notebook_path": "/n.ipynb", "new_source": "x"}),
                subject("write_file", "/n.ipynb"),
            ),
            (
                "Read",
                json!({"file_path": "/repo/a"}),
                subject("read_file", "/repo/a"),
            ),
            (
                "Grep",
                json!({"pattern": "x", "path": "/srv"}),
                subject("read_file", "/srv"),
            ),
            (
                "Glob",
                json!({"pattern": "*.rs", "path": "/srv"}),
                subject("list_directory", "/srv"),
            ),
            (
                "WebFetch",
                json!({"url": "https://example.com/", "prompt": "p"}),
                subject("http_request", "https://example.com/"),
            ),
            (
                "WebSearch",
                json!({"query": "bosun"}),
                subject("web_search", "bosun"),
            ),
        ];
        for (tool, input, expected) in rows {
            assert_eq!(judge(tool, &input, cwd), expected, "{tool}");
        }
    }

    #[test]
    fn grep_and_glob_search_the_sessions_directory_when_given_no_path() {
        assert_eq!(
            judge("Grep", &json!({"pattern": "x"}), Some("/repo")),
            subject("read_file", "/repo")
        );
        assert_eq!(
            judge(
                "Glob",
                &json!({"pattern": "*", "path": null}),
                Some("/repo")
            ),
            subject("list_directory", "/repo")
        );
        assert!(matches!(
            judge("Glob", &json!({"pattern": "*"}), None),
            Judged::Refused { .. }
        ));
    }

    #[test]
    fn a_missing_or_unreadable_subject_is_refused_naming_the_field() {
        for (tool, input, field) in [
            ("Bash", json!({"description": "no command"}), "command"),
            ("Bash", json!({"command": ["rm", "-rf", "/"]}), "command"),
            ("Write", json!({"path": "/x", "content": ""}), "file_path"),
            ("WebFetch", json!({"url": 7}), "url"),
            ("Grep", json!({"pattern": "x", "path": 1}), "path"),
        ] {
            match judge(tool, &input, Some("/repo")) {
                Judged::Refused { reason } => {
                    assert!(reason.contains(&format!("tool_input.{field}")), "{reason}");
                }
                other => panic!("{tool} {input}: {other:?}"),
            }
        }
    }

    #[test]
    fn internal_tools_are_judged_by_the_rules_only() {
        assert_eq!(
            judge("TodoWrite", &json!({"todos": []}), None),
            Judged::Internal {
                tool: "todo_write".into()
            }
        );
        assert_eq!(
            judge("Agent", &json!({"prompt": "p"}), None),
            Judged::Internal {
                tool: "agent".into()
            }
        );
        assert_eq!(
            judge("ExitPlanMode", &json!({}), None),
            Judged::Internal {
                tool: "exit_plan_mode".into()
            }
        );
    }

    #[test]
    fn mcp_and_unknown_tools_are_judged_as_the_catalog_tool_of_their_own_name() {
        assert_eq!(
            judge("mcp__github__create_issue", &json!({"title": "t"}), None),
            Judged::Own {
                tool: "mcp__github__create_issue".into()
            }
        );
        assert_eq!(
            judge("mcp__my-server__runQuery", &json!({}), None),
            Judged::Own {
                tool: "mcp__my_server__run_query".into()
            }
        );
        assert_eq!(
            judge("CronCreate", &json!({}), None),
            Judged::Own {
                tool: "cron_create".into()
            }
        );
        assert_eq!(
            judge("Monitor", &json!({}), None),
            Judged::Own {
                tool: "monitor".into()
            }
        );
        assert!(not_given_reason("CronCreate", "cron_create").contains("Settings → Tools"));
    }

    #[test]
    fn a_name_that_cannot_be_a_catalog_name_is_refused() {
        for name in ["", "_x", "9lives", "ü", &"A".repeat(65)] {
            assert!(
                matches!(judge(name, &json!({}), None), Judged::Refused { .. }),
                "{name:?}"
            );
        }
        assert_eq!(
            catalog_name("A".repeat(64).as_str()).map(|n| n.len()),
            Some(64)
        );
    }

    #[test]
    fn the_hooks_block_guards_tool_calls_and_reads_the_token_from_the_environment() {
        let settings = hooks_settings("https://bosun.example.com/", "ag1");
        let pre = &settings["hooks"]["PreToolUse"][0];
        assert_eq!(pre["matcher"], "*");
        let hook = &pre["hooks"][0];
        assert_eq!(hook["type"], "http");
        assert_eq!(
            hook["url"],
            "https://bosun.example.com/api/v1/hooks/claude-code/ag1?wait=590"
        );
        assert_eq!(hook["timeout"], 600);
        assert_eq!(hook["onFailure"], "block");
        assert_eq!(hook["headers"]["Authorization"], "Bearer $BOSUN_TOKEN");
        assert_eq!(hook["allowedEnvVars"], json!(["BOSUN_TOKEN"]));
        let post = &settings["hooks"]["PostToolUse"][0]["hooks"][0];
        assert_eq!(
            post["url"],
            "https://bosun.example.com/api/v1/hooks/claude-code/ag1"
        );
        assert!(post.get("onFailure").is_none());
        for event in [
            "PostToolUseFailure",
            "SessionStart",
            "SessionEnd",
            "UserPromptSubmit",
        ] {
            let hook = &settings["hooks"][event][0]["hooks"][0];
            assert_eq!(hook["type"], "http", "{event}");
            assert!(hook.get("onFailure").is_none(), "{event}");
        }
    }

    #[test]
    fn merging_keeps_other_settings_and_hooks_and_twice_is_once() {
        let existing = json!({
            "model": "opus",
            "permissions": {"allow": ["Bash(ls)"]},
            "hooks": {
                "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "audit.sh"}]}],
                "Stop": [{"hooks": [{"type": "command", "command": "notify.sh"}]}]
            }
        });
        let ours = hooks_settings("http://127.0.0.1:8080", "ag1");
        let once = merge_hooks(existing.clone(), &ours).unwrap();
        assert_eq!(once["model"], "opus");
        assert_eq!(once["permissions"], existing["permissions"]);
        assert_eq!(once["hooks"]["Stop"], existing["hooks"]["Stop"]);
        let pre = once["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0], existing["hooks"]["PreToolUse"][0]);
        assert_eq!(pre[1], ours["hooks"]["PreToolUse"][0]);
        let twice = merge_hooks(once.clone(), &ours).unwrap();
        assert_eq!(twice, once);
        // Bosun at another address replaces the hooks for the same agent;
        // another agent's are kept.
        let moved = merge_hooks(once, &hooks_settings("https://bosun.example.com", "ag1")).unwrap();
        let pre = moved["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(
            pre[1]["hooks"][0]["url"],
            "https://bosun.example.com/api/v1/hooks/claude-code/ag1?wait=590"
        );
        let both = merge_hooks(moved, &hooks_settings("https://bosun.example.com", "ag2")).unwrap();
        assert_eq!(both["hooks"]["PreToolUse"].as_array().unwrap().len(), 3);
        assert_eq!(merge_hooks(Value::Null, &ours).unwrap(), ours);
    }

    #[test]
    fn merging_into_settings_of_another_shape_fails_rather_than_clobbering() {
        let ours = hooks_settings("http://127.0.0.1:8080", "ag1");
        assert!(merge_hooks(json!([1]), &ours).is_err());
        assert!(merge_hooks(json!({"hooks": "none"}), &ours).is_err());
        assert!(merge_hooks(json!({"hooks": {"PreToolUse": {}}}), &ours).is_err());
    }
}
