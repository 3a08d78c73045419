//! The decision pipeline shared by the compiled policy and the reference
//! evaluator: normalize the argument, find the first matching rule for each
//! subject, fall back to the mode, judge opaque code, apply the "at least
//! ask" floors, and assess risk. Only "find the first matching rule" differs
//! between the two, behind [`FirstMatch`], so differential tests compare
//! exactly the part that is optimized.

use std::sync::Arc;

use crate::catalog::{ArgKind, Catalog, RiskLevel, Tool};
use crate::decision::{CommandVerdict, Decision, Reason, Request, Risk};
use crate::path::normalize_path;
use crate::rules::{Action, ExecutionMode, Layer, Layers, Rule, ToolSelector};
use crate::shell::{FileAccess, SimpleCommand};
use crate::{Map, risk, shell, url};

/// The file tools whose rules judge redirections (the compiled policy
/// indexes their rules for paths whatever the catalog says).
pub(crate) const WRITE_TOOL: &str = "write_file";
pub(crate) const READ_TOOL: &str = "read_file";

/// Finds the first rule, in evaluation order, that decides a subject for
/// `tool`, as an index into [`RuleTable::entries`].
pub(crate) trait FirstMatch {
    /// A subject matched as text (text and URL tools).
    fn first_match(&self, tool: &str, subject: &str) -> Option<usize>;
    /// A normalized path, or one only known at run time (`opaque`).
    fn first_path_match(&self, tool: &str, path: &str, opaque: bool) -> Option<usize>;
    /// A simple command of a command tool.
    fn first_command_match(&self, tool: &str, command: &SimpleCommand) -> Option<usize>;
}

/// What the pipeline needs to know about each rule, in evaluation order.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) layer: Layer,
    pub(crate) position: usize,
    pub(crate) id: Arc<str>,
    pub(crate) action: Action,
    pub(crate) rule: Rule,
}

/// Rules flattened into evaluation order, with the mode and catalog.
#[derive(Debug, Clone)]
pub(crate) struct RuleTable {
    pub(crate) entries: Vec<Entry>,
    pub(crate) mode: ExecutionMode,
    pub(crate) catalog: Catalog,
    /// The strictest action of the rules naming each tool, and of `*` rules:
    /// what opaque code is judged by.
    strictest_named: Map<String, Action>,
    strictest_any: Option<Action>,
}

impl RuleTable {
    pub(crate) fn new(layers: &Layers, mode: ExecutionMode, catalog: &Catalog) -> Self {
        let mut strictest_named: Map<String, Action> = Map::default();
        let mut strictest_any: Option<Action> = None;
        let entries = layers
            .iter()
            .map(|(at, rule)| {
                match &rule.tool {
                    ToolSelector::Any => {
                        strictest_any = strictest_any.max(Some(rule.action));
                    }
                    ToolSelector::Named(name) => {
                        let slot = strictest_named.entry(name.clone()).or_insert(rule.action);
                        *slot = (*slot).max(rule.action);
                    }
                }
                Entry {
                    layer: at.layer,
                    position: at.position,
                    id: Arc::from(rule.id.as_str()),
                    action: rule.action,
                    rule: rule.clone(),
                }
            })
            .collect();
        Self {
            entries,
            mode,
            catalog: catalog.clone(),
            strictest_named,
            strictest_any,
        }
    }

    /// The strictest action any rule for `tool` has, if any rule applies.
    fn strictest_rule(&self, tool: &str) -> Option<Action> {
        self.strictest_any
            .max(self.strictest_named.get(tool).copied())
    }
}

/// What decides where no rule does, and which rules are consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// Every layer's rules, then the execution mode.
    Mode,
    /// The enforced rules only, then the run's allowance (see
    /// [`crate::run_allowance`]).
    RunAllowance,
    /// Every layer's rules, then `allow`: for a tool that acts only on the
    /// calling client's own state (its to-do list, its plan), which no
    /// mode is about.
    ClientInternal,
}

/// Decides one request.
pub(crate) fn decide(m: &impl FirstMatch, table: &RuleTable, req: &Request<'_>) -> Decision {
    decide_with(m, table, req, Fallback::Mode)
}

/// Decides a call of a client's internal tool: its subject matched as
/// text by every rule, `allow` where none matches (see
/// [`crate::CompiledPolicy::decide_client_internal`]).
pub(crate) fn decide_client_internal(
    m: &impl FirstMatch,
    table: &RuleTable,
    req: &Request<'_>,
) -> Decision {
    let m = &Consulted {
        m,
        table,
        fallback: Fallback::ClientInternal,
    };
    let tool = table.catalog.get(req.tool);
    let found = m.first_match(req.tool, req.input);
    let risk = match tool {
        Some(_) => risk::tool_default(tool),
        None => Risk::new(RiskLevel::Safe, "acts only on the client's own state"),
    };
    single(table, Fallback::ClientInternal, req.tool, tool, found, risk)
}

/// Decides one request, falling back as `fallback` says.
pub(crate) fn decide_with(
    m: &impl FirstMatch,
    table: &RuleTable,
    req: &Request<'_>,
    fallback: Fallback,
) -> Decision {
    let m = &Consulted { m, table, fallback };
    if let Some(tools) = req.agent_tools
        && !tools.iter().any(|given| given == req.tool)
    {
        return Decision {
            action: Action::Deny,
            reason: Reason::InvalidInput {
                message: format!("`{}` is not one of this agent's tools", req.tool),
            },
            risk: Risk::new(RiskLevel::Unknown, "tool not enabled for this agent"),
            commands: Vec::new(),
        };
    }
    let tool = table.catalog.get(req.tool);
    let mut risk = risk::tool_default(tool);
    let kind = tool.map_or(ArgKind::Text, |t| t.arg_kind);
    match kind {
        ArgKind::Command => decide_shell(m, table, req, tool, risk),
        ArgKind::Path if req.input.starts_with('~') => {
            // `~` is the home directory of whoever runs the tool: only known
            // at run time.
            risk.raise(
                RiskLevel::Unknown,
                "the path starts with `~`, known only at run time",
            );
            let found = m.first_path_match(req.tool, req.input, true);
            single(table, m.fallback, req.tool, tool, found, risk)
        }
        ArgKind::Path => match normalize_path(req.input, req.working_dir) {
            Ok(path) => {
                if let Some(t) = tool {
                    risk::path(&mut risk, t, &path);
                }
                let found = m.first_path_match(req.tool, &path, false);
                single(table, m.fallback, req.tool, tool, found, risk)
            }
            Err(e) => invalid(e.to_string(), risk),
        },
        ArgKind::Url => match url::parse_normalized(req.input) {
            Ok(u) => {
                risk::url(&mut risk, &u);
                let found = m.first_match(req.tool, u.url.as_str());
                single(table, m.fallback, req.tool, tool, found, risk)
            }
            Err(e) => invalid(e.to_string(), risk),
        },
        ArgKind::Text => {
            let found = m.first_match(req.tool, req.input);
            single(table, m.fallback, req.tool, tool, found, risk)
        }
    }
}

fn invalid(message: String, mut risk: Risk) -> Decision {
    risk.raise(RiskLevel::Unknown, "the argument is invalid");
    Decision {
        action: Action::Deny,
        reason: Reason::InvalidInput { message },
        risk,
        commands: Vec::new(),
    }
}

fn single(
    table: &RuleTable,
    fallback: Fallback,
    tool_name: &str,
    tool: Option<&Tool>,
    found: Option<usize>,
    risk: Risk,
) -> Decision {
    let (action, reason) = verdict(table, fallback, tool_name, tool, found);
    Decision {
        action,
        reason,
        risk,
        commands: Vec::new(),
    }
}

/// The verdict of the rule found (or the fallback), with the unknown-tool
/// floor.
fn verdict(
    table: &RuleTable,
    fallback: Fallback,
    tool_name: &str,
    tool: Option<&Tool>,
    found: Option<usize>,
) -> (Action, Reason) {
    let (action, reason) = match found.and_then(|i| table.entries.get(i)) {
        Some(e) => (
            e.action,
            Reason::Rule {
                layer: e.layer,
                rule_id: Arc::clone(&e.id),
                position: e.position,
            },
        ),
        None => match fallback {
            Fallback::Mode => (table.mode.baseline(tool), Reason::Mode { mode: table.mode }),
            Fallback::RunAllowance => (Action::Allow, Reason::RunAllowance),
            Fallback::ClientInternal => (
                Action::Allow,
                Reason::ClientInternal {
                    tool: tool_name.to_owned(),
                },
            ),
        },
    };
    // A client's internal tool is known to be one, catalog or not.
    if tool.is_none() && action == Action::Allow && fallback != Fallback::ClientInternal {
        return (
            Action::Ask,
            Reason::UnknownTool {
                tool: tool_name.to_owned(),
            },
        );
    }
    (action, reason)
}

/// Opaque code is judged as an unknown command of its tool: the strictest
/// decision the rules (enforced ones included) and the mode could give to
/// some command. That is `allow` only in the open mode with no deny or ask
/// rule for the tool, and at least `ask` otherwise, whatever allow rule
/// matched the outer command.
fn opaque(table: &RuleTable, tool_name: &str, tool: Option<&Tool>, why: &str) -> (Action, Reason) {
    let rules = table.strictest_rule(tool_name);
    let baseline = table.mode.baseline(tool);
    let mut action = rules.map_or(baseline, |r| r.max(baseline));
    let free = table.mode == ExecutionMode::Open
        && tool.is_some()
        && rules.is_none_or(|r| r == Action::Allow);
    if !free {
        action = action.max(Action::Ask);
    }
    (
        action,
        Reason::Unanalysable {
            message: why.to_owned(),
        },
    )
}

/// A redirection is judged as a call of the file tool: its rules, then the
/// mode's baseline for that tool.
fn file_access(m: &Consulted<'_, impl FirstMatch>, file: &FileAccess) -> (Action, Reason) {
    let name = if file.write { WRITE_TOOL } else { READ_TOOL };
    let tool = m.table.catalog.get(name);
    let found = m.first_path_match(name, &file.path, file.opaque);
    verdict(m.table, m.fallback, name, tool, found)
}

fn decide_shell(
    m: &Consulted<'_, impl FirstMatch>,
    table: &RuleTable,
    req: &Request<'_>,
    tool: Option<&Tool>,
    mut risk: Risk,
) -> Decision {
    if req.input.contains('\0') {
        // A NUL ends the string where a shell receives it; what the shell
        // would run and what was judged would differ.
        return invalid("command contains a NUL character".to_owned(), risk);
    }
    let commands = match shell::parse_in(req.input, req.working_dir) {
        Ok(commands) => commands,
        Err(e) => {
            // Nothing can be attributed to particular programs: the whole
            // input is opaque code.
            let why = e.to_string();
            let (action, reason) = opaque(table, req.tool, tool, &why);
            risk.raise(RiskLevel::Unknown, why);
            return Decision {
                action,
                reason: reason.clone(),
                risk,
                commands: vec![CommandVerdict {
                    command: req.input.trim().to_owned(),
                    action,
                    reason,
                }],
            };
        }
    };
    risk::shell(&mut risk, &commands);
    if commands.is_empty() {
        // An empty or comment-only command line runs nothing; it is judged
        // as written so that rules and the mode still have their say.
        let found = m.first_match(req.tool, req.input.trim());
        return single(table, m.fallback, req.tool, tool, found, risk);
    }
    let mut verdicts = Vec::with_capacity(commands.len());
    for c in commands {
        let (action, reason) = if let Some(why) = &c.unanalysable {
            opaque(table, req.tool, tool, why)
        } else if let Some(file) = &c.redirect {
            file_access(m, file)
        } else {
            let found = m.first_command_match(req.tool, &c);
            verdict(table, m.fallback, req.tool, tool, found)
        };
        verdicts.push(CommandVerdict {
            command: c.text,
            action,
            reason,
        });
    }
    // The strictest verdict wins; among equals, the first explains it.
    let mut decisive = &verdicts[0];
    for v in &verdicts[1..] {
        if v.action > decisive.action {
            decisive = v;
        }
    }
    Decision {
        action: decisive.action,
        reason: decisive.reason.clone(),
        risk,
        commands: verdicts,
    }
}

/// The rules a decision consults: all of them, or for a run's allowance
/// the enforced ones only. Enforced rules come first in evaluation order,
/// so the first match overall is an enforced rule exactly when one matches.
struct Consulted<'a, M> {
    m: &'a M,
    table: &'a RuleTable,
    fallback: Fallback,
}

impl<M: FirstMatch> Consulted<'_, M> {
    fn consulted(&self, found: Option<usize>) -> Option<usize> {
        found.filter(|&i| {
            self.fallback != Fallback::RunAllowance
                || self
                    .table
                    .entries
                    .get(i)
                    .is_some_and(|e| e.layer == Layer::Enforced)
        })
    }
}

impl<M: FirstMatch> FirstMatch for Consulted<'_, M> {
    fn first_match(&self, tool: &str, subject: &str) -> Option<usize> {
        self.consulted(self.m.first_match(tool, subject))
    }

    fn first_path_match(&self, tool: &str, path: &str, opaque: bool) -> Option<usize> {
        self.consulted(self.m.first_path_match(tool, path, opaque))
    }

    fn first_command_match(&self, tool: &str, command: &SimpleCommand) -> Option<usize> {
        self.consulted(self.m.first_command_match(tool, command))
    }
}
