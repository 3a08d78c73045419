//! One Claude Code hook event, as `POST /api/v1/hooks/claude-code/{agent}`
//! receives it, and the answer in Claude Code's hook output format.
//!
//! A session is an interactive run of the agent on the token holder's
//! behalf, known by Claude Code's `session_id`: started by its first event
//! (Claude Code does not send `SessionStart` to http hooks in every mode),
//! finished by `SessionEnd`, and started anew should events follow. Each
//! `PreToolUse` is a tool call of that run, decided on the same path as any
//! runtime tool call ([`Bosun::request_tool_call`]) as the catalog tool
//! [`super::judge`] maps it to, and kept as Claude Code named it with its
//! whole `tool_input`. An `ask` holds the request open until a reviewer
//! decides, by server push, up to the `wait` the hook's URL gives; then
//! the request expires and the answer is `deny`.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Judged, judge};
use crate::ids::AgentId;
use crate::runs::tool_calls::{ClientCall, ToolCallRequest, ToolCallState, ToolResult};
use crate::runs::{Run, RunEnd, Runner};
use crate::{Bosun, Error, Principal, Result, validate};

/// The events Bosun takes.
pub const EVENTS: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "SessionStart",
    "SessionEnd",
    "UserPromptSubmit",
];

/// The largest `tool_input` judged, as JSON text: a bigger one (a very
/// large file written at once) is denied, saying so.
pub const MAX_TOOL_INPUT_BYTES: usize = crate::runs::input::MAX_CLIENT_INPUT_BYTES;
/// What is kept of a tool's `tool_response`, as JSON text; a longer one is
/// kept as its first this many bytes (see [`kept_response`]).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// What is kept of an error, a prompt: this many characters.
pub const MAX_TEXT_CHARS: usize = 16 * 1024;
/// The longest a `PreToolUse` waits for a reviewer, whatever `wait` says.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

impl Bosun {
    /// Handles one hook event of a Claude Code session of `agent`, sent
    /// with the principal's token, and answers Claude Code's hook output
    /// (`{}` for an event that decides nothing). A malformed event is a
    /// 400 naming the field; the principal needs at least run access to
    /// the agent, as for any run (a stranger is told it does not exist).
    pub async fn claude_code_event(
        &self,
        principal: &Principal,
        agent: &AgentId,
        event: &Value,
        wait: Duration,
    ) -> Result<Value> {
        let Value::Object(event) = event else {
            return Err(Error::invalid("body", "must be a JSON object"));
        };
        let name = required_text(event, "hook_event_name", 64)?;
        if !EVENTS.contains(&name) {
            return Err(Error::invalid(
                "hook_event_name",
                format!("must be one of: {}", EVENTS.join(", ")),
            ));
        }
        let session = required_text(event, "session_id", 200)?;
        let cwd = optional_text(event, "cwd", 4096)?;
        // Whatever a tool event holds is checked before a run is started
        // for it: a malformed event changes nothing.
        let tool = match name {
            "PreToolUse" | "PostToolUse" | "PostToolUseFailure" => Some(ToolEvent::parse(event)?),
            _ => None,
        };
        let input = json!({ "client": "claude_code", "session_id": session, "cwd": cwd,
                            "permission_mode": event.get("permission_mode") });
        let (run, _) = self
            .start_interactive_run(principal, agent, session, input)
            .await?;
        let runner = Runner::Starter(principal.clone());
        match (name, tool) {
            ("PreToolUse", Some(tool)) => {
                self.claude_code_pre_tool_use(&runner, &run, &tool, cwd, wait.min(MAX_WAIT))
                    .await
            }
            ("PostToolUse" | "PostToolUseFailure", Some(tool)) => {
                self.claude_code_tool_result(&runner, &run, name, event, &tool)
                    .await?;
                Ok(json!({}))
            }
            ("SessionEnd", _) => {
                let reason = event.get("reason").and_then(Value::as_str);
                let end = RunEnd {
                    status: "succeeded".into(),
                    output: Some(json!({ "session_end_reason": reason })),
                };
                self.finish_run(&runner, &run.id, end).await?;
                Ok(json!({}))
            }
            ("UserPromptSubmit", _) => {
                let prompt = event.get("prompt").and_then(Value::as_str).unwrap_or("");
                let data = json!({ "claude_code": name, "prompt": cut(prompt, MAX_TEXT_CHARS) });
                self.record_run_event(&runner, &run.id, data).await?;
                Ok(json!({}))
            }
            _ => {
                let data = json!({ "claude_code": name, "source": event.get("source") });
                self.record_run_event(&runner, &run.id, data).await?;
                Ok(json!({}))
            }
        }
    }

    async fn claude_code_pre_tool_use(
        &self,
        runner: &Runner,
        run: &Run,
        tool: &ToolEvent<'_>,
        cwd: Option<&str>,
        wait: Duration,
    ) -> Result<Value> {
        let size = tool.input.to_string().len();
        if size > MAX_TOOL_INPUT_BYTES {
            let reason = format!(
                "Bosun judges tool inputs of at most {} KiB; this {} call's is {} KiB: denied",
                MAX_TOOL_INPUT_BYTES / 1024,
                tool.name,
                size / 1024
            );
            let data =
                json!({ "claude_code": "PreToolUse", "tool_name": tool.name, "denied": reason });
            self.record_run_event(runner, &run.id, data).await?;
            return Ok(pre_tool_use_answer("deny", &reason, None));
        }
        let judged = judge(tool.name, tool.input, cwd);
        let catalog_tool = match &judged {
            Judged::Subject { tool, .. } | Judged::Internal { tool } | Judged::Own { tool } => {
                tool.clone()
            }
            Judged::Refused { .. } => super::MAPPED_TOOLS
                .iter()
                .find(|m| m.client_tool == tool.name)
                .map(|m| m.catalog_tool.to_owned())
                .or_else(|| super::catalog_name(tool.name))
                .unwrap_or_else(|| "unknown_tool".into()),
        };
        let request = ToolCallRequest {
            tool: catalog_tool,
            input: tool.input.clone(),
            idempotency_key: tool.use_id.map(idempotency_key),
            working_dir: cwd.map(str::to_owned),
            client: Some(ClientCall {
                tool: tool.name.to_owned(),
                judged,
            }),
        };
        let mut state = self.request_tool_call(runner, &run.id, request).await?;
        if state.decision == "pending" {
            state = self.wait_or_expire(runner, &state.id, wait).await?;
        }
        let reason = decision_sentence(&state);
        if state.decision == "allow" {
            let updated = state.edited.then(|| {
                let mut edited = state.input.clone();
                crate::redact::restore(&mut edited, Some(tool.input), &[]);
                edited
            });
            Ok(pre_tool_use_answer("allow", &reason, updated))
        } else {
            Ok(pre_tool_use_answer("deny", &reason, None))
        }
    }

    async fn claude_code_tool_result(
        &self,
        runner: &Runner,
        run: &Run,
        name: &str,
        event: &Map<String, Value>,
        tool: &ToolEvent<'_>,
    ) -> Result<()> {
        let duration_ms = event.get("duration_ms").and_then(Value::as_i64);
        let result = if name == "PostToolUse" {
            let response = event.get("tool_response").cloned().unwrap_or(Value::Null);
            ToolResult {
                output: Some(kept_response(response)),
                error: None,
                duration_ms,
            }
        } else {
            let error = event
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("the tool failed");
            ToolResult {
                output: None,
                error: Some(cut(error, MAX_TEXT_CHARS)),
                duration_ms,
            }
        };
        let call = match tool.use_id {
            Some(id) => {
                self.tool_call_by_idempotency_key(&run.id, &idempotency_key(id))
                    .await?
            }
            None => None,
        };
        match call {
            Some(call) => self.report_tool_result(runner, &call, result).await,
            // A tool ran that Bosun was not asked about (its PreToolUse
            // hook was missing or failed open): the trace says so.
            None => {
                let data = json!({ "claude_code": name, "tool_name": tool.name,
                                   "tool_use_id": tool.use_id, "unjudged": true,
                                   "output": result.output, "error": result.error });
                self.record_run_event(runner, &run.id, data).await
            }
        }
    }
}

/// What a tool event says of its tool.
struct ToolEvent<'a> {
    name: &'a str,
    input: &'a Value,
    use_id: Option<&'a str>,
}

impl<'a> ToolEvent<'a> {
    fn parse(event: &'a Map<String, Value>) -> Result<Self> {
        let name = required_text(event, "tool_name", 200)?;
        let input = event
            .get("tool_input")
            .filter(|input| input.is_object())
            .ok_or_else(|| Error::invalid("tool_input", "must be a JSON object"))?;
        Ok(Self {
            name,
            input,
            use_id: optional_text(event, "tool_use_id", 200)?,
        })
    }
}

/// The idempotency key of Claude Code's tool call `tool_use_id`: its
/// `PreToolUse` asked again answers the same call, and its `PostToolUse`
/// finds it.
fn idempotency_key(tool_use_id: &str) -> String {
    format!("claude_code:{tool_use_id}")
}

fn required_text<'a>(
    event: &'a Map<String, Value>,
    field: &'static str,
    max: usize,
) -> Result<&'a str> {
    match event.get(field) {
        Some(Value::String(text)) if !text.trim().is_empty() => {
            validate::text(field, text, max)?;
            Ok(text)
        }
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(Error::invalid(field, "is required"))
        }
        Some(_) => Err(Error::invalid(field, "must be a string")),
    }
}

fn optional_text<'a>(
    event: &'a Map<String, Value>,
    field: &'static str,
    max: usize,
) -> Result<Option<&'a str>> {
    match event.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            validate::text(field, text, max)?;
            Ok(Some(text))
        }
        Some(_) => Err(Error::invalid(field, "must be a string")),
    }
}

/// Claude Code's hook output for a `PreToolUse`.
fn pre_tool_use_answer(decision: &str, reason: &str, updated_input: Option<Value>) -> Value {
    let mut output = json!({ "hookEventName": "PreToolUse", "permissionDecision": decision,
                             "permissionDecisionReason": reason });
    if let Some(input) = updated_input {
        output["updatedInput"] = input;
    }
    json!({ "hookSpecificOutput": output })
}

/// Why Bosun decided as it did, in a sentence the model can act on: the
/// rule with its pattern and note, the mode, or the reviewer's word.
pub fn decision_sentence(state: &ToolCallState) -> String {
    let verb = if state.decision == "allow" {
        "allowed"
    } else {
        "denied"
    };
    if state.approval_id.is_some() {
        let message = state.message.as_deref().filter(|m| !m.is_empty());
        return match (state.decision.as_str(), message) {
            ("allow", Some(message)) if state.edited => {
                format!("Bosun: a reviewer approved it with changes: {message}")
            }
            ("allow", None) if state.edited => "Bosun: a reviewer approved it with changes".into(),
            ("allow", Some(message)) => format!("Bosun: a reviewer approved it: {message}"),
            ("allow", None) => "Bosun: a reviewer approved it".into(),
            (_, Some(message)) => format!("Bosun: denied: {message}"),
            (_, None) => "Bosun: a reviewer denied it".into(),
        };
    }
    let reason = &state.reason;
    let text = |key: &str| reason[key].as_str().unwrap_or_default().to_owned();
    match text("kind").as_str() {
        "rule" => {
            let list = match text("layer").as_str() {
                "agent" => "the agent's rules",
                "enforced" => "the workspace's enforced rules",
                _ => "the workspace's rules",
            };
            let rule = state.rule.as_ref();
            let pattern = rule
                .and_then(|rule| rule.pattern.as_deref())
                .map(|p| format!(" `{p}`"))
                .unwrap_or_default();
            let note = rule
                .map(|rule| rule.note.as_str())
                .filter(|n| !n.trim().is_empty())
                .map(|n| format!(" — {n}"))
                .unwrap_or_default();
            format!(
                "Bosun: {verb} by rule #{} of {list} ({} {}{pattern}){note}",
                reason["position"],
                rule.map_or("*", |rule| rule.tool.as_str()),
                rule.map_or(verb, |rule| rule.action.as_str()),
            )
        }
        "mode" => format!(
            "Bosun: {verb} by the agent's {} mode",
            text("mode").replace('_', "-")
        ),
        "run_allowance" => format!("Bosun: {verb}: a reviewer allowed it for this session"),
        "client_internal" => format!("Bosun: {verb}: it acts only on Claude Code's own state"),
        "unknown_tool" => format!(
            "Bosun: {verb}: `{}` is not in the tool catalog",
            text("tool")
        ),
        _ => format!("Bosun: {verb}: {}", text("message")),
    }
}

/// A tool's response as kept: whole up to [`MAX_RESPONSE_BYTES`] of JSON,
/// else `{"truncated": true, "bytes": N, "start": …}` with its first bytes.
pub fn kept_response(response: Value) -> Value {
    let text = response.to_string();
    if text.len() <= MAX_RESPONSE_BYTES {
        return response;
    }
    json!({ "truncated": true, "bytes": text.len(), "start": cut_bytes(&text, MAX_RESPONSE_BYTES) })
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

fn cut_bytes(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_response_is_kept_as_its_start_and_its_size() {
        let small = json!({"stdout": "hello"});
        assert_eq!(kept_response(small.clone()), small);
        let big = json!({"stdout": "é".repeat(MAX_RESPONSE_BYTES)});
        let kept = kept_response(big);
        assert_eq!(kept["truncated"], true);
        assert!(kept["bytes"].as_u64().unwrap() > MAX_RESPONSE_BYTES as u64);
        assert!(kept["start"].as_str().unwrap().len() <= MAX_RESPONSE_BYTES);
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
