//! What the engine is asked (a [`Request`]) and what it answers (a
//! [`Decision`] that explains itself).
//!
//! With the `serde` feature a decision serializes to the REST contract's
//! shape:
//!
//! ```json
//! {"decision": "ask",
//!  "reason": {"kind": "rule", "layer": "agent", "rule_id": "r7", "position": 2},
//!  "risk": {"level": "dangerous", "reasons": ["deletes recursively"]},
//!  "commands": [{"command": "rm -rf build", "decision": "ask", "reason": {…}}]}
//! ```
//!
//! `reason.kind` is one of:
//! - `rule` — a rule decided: its `layer`, `rule_id` and **1-based** `position`;
//! - `mode` — no rule matched, the execution `mode` decided;
//! - `invalid_input` — the argument cannot be matched safely (a path that
//!   climbs above `/` or contains NUL, a malformed URL); always `deny`;
//! - `unanalysable` — part of a shell command is opaque code (inline
//!   interpreter code, `eval` of a non-literal, a program that runs a
//!   command it is handed, quoting bash and POSIX sh read differently, input
//!   that does not parse); it was judged as the strictest decision the
//!   tool's rules and the mode could give, and `message` says why;
//! - `unknown_tool` — the tool is not in the catalog, so a rule's `allow`
//!   was raised to `ask`;
//! - `run_allowance` — a reviewer allowed this subject for the rest of the
//!   run, and no enforced rule decided otherwise.
//!
//! `commands` lists the verdict of each simple command and is present for
//! shell tools only.

use std::borrow::Cow;
use std::sync::Arc;

use crate::catalog::RiskLevel;
use crate::rules::{Action, ExecutionMode, Layer};

/// One tool call to decide about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The tool's name.
    pub tool: &'a str,
    /// The tool's single argument: a command line, a path, a URL or text.
    pub input: &'a str,
    /// The run's working directory, against which relative paths resolve.
    /// There is no default: without one, a relative path is refused.
    pub working_dir: Option<&'a str>,
    /// The tools the agent was given, when known: a call of any other tool
    /// is denied before any rule is read, wherever the engine runs (the
    /// server deciding a call, `/evaluate`, the browser's test panel).
    pub agent_tools: Option<&'a [String]>,
}

impl<'a> Request<'a> {
    /// A request without a working directory.
    pub fn new(tool: &'a str, input: &'a str) -> Self {
        Self {
            tool,
            input,
            working_dir: None,
            agent_tools: None,
        }
    }

    /// The same request with a working directory.
    #[must_use]
    pub fn with_working_dir(mut self, dir: &'a str) -> Self {
        self.working_dir = Some(dir);
        self
    }

    /// The same request, for an agent that was given only `tools`.
    #[must_use]
    pub fn with_agent_tools(mut self, tools: &'a [String]) -> Self {
        self.agent_tools = Some(tools);
        self
    }
}

/// Why a decision (or one command's verdict) came out as it did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Reason {
    /// A rule matched.
    Rule {
        /// The list the rule is in.
        layer: Layer,
        /// The rule's id.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        rule_id: Arc<str>,
        /// 1-based position of the rule in its list.
        position: usize,
    },
    /// No rule matched; the execution mode's baseline applied.
    Mode {
        /// The mode.
        mode: ExecutionMode,
    },
    /// The argument cannot be matched safely; the call is denied.
    InvalidInput {
        /// What is wrong with it.
        message: String,
    },
    /// Part of a command is opaque code, judged as the strictest decision
    /// the tool's rules and the mode could give (at least `ask` unless the
    /// mode is open and no rule for the tool denies or asks).
    Unanalysable {
        /// What could not be analysed.
        message: String,
    },
    /// The tool is not in the catalog; at least `ask`.
    UnknownTool {
        /// The tool's name.
        tool: String,
    },
    /// A reviewer allowed this tool with this subject for the rest of the
    /// run, and no enforced rule decided otherwise (see
    /// [`crate::run_allowance`]).
    RunAllowance,
    /// No rule matched a tool that acts only on the calling client's own
    /// state (Claude Code's to-do list, its plan, a sub-agent it starts):
    /// allowed whatever the mode (see
    /// [`CompiledPolicy::decide_client_internal`](crate::CompiledPolicy::decide_client_internal)).
    ClientInternal {
        /// The tool's name.
        tool: String,
    },
}

/// A risk level and the findings behind it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Risk {
    /// The highest level any finding reached.
    pub level: RiskLevel,
    /// Human-readable findings, starting with the tool's default.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub reasons: Vec<Cow<'static, str>>,
}

impl Risk {
    /// A risk with one finding.
    pub fn new(level: RiskLevel, reason: impl Into<Cow<'static, str>>) -> Self {
        Self {
            level,
            reasons: vec![reason.into()],
        }
    }

    /// Records a finding, raising the level if it is higher. Repeated
    /// findings are recorded once.
    pub fn raise(&mut self, level: RiskLevel, reason: impl Into<Cow<'static, str>>) {
        self.level = self.level.max(level);
        let reason = reason.into();
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }
}

/// The verdict on one simple command of a shell command line.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CommandVerdict {
    /// The command in canonical form (see [`crate::shell`]).
    pub command: String,
    /// Its verdict.
    #[cfg_attr(feature = "serde", serde(rename = "decision"))]
    pub action: Action,
    /// Why.
    pub reason: Reason,
}

/// The engine's answer for one request.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Decision {
    /// Allow, ask or deny.
    #[cfg_attr(feature = "serde", serde(rename = "decision"))]
    pub action: Action,
    /// Why; for a shell command, the reason of the first command with the
    /// strictest verdict.
    pub reason: Reason,
    /// How risky the call is, with the findings.
    pub risk: Risk,
    /// Per simple command verdicts, for shell tools.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub commands: Vec<CommandVerdict>,
}
