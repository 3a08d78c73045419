//! The decision pipeline shared by the compiled policy and the reference
//! evaluator: normalize the argument, find the first matching rule for each
//! subject, fall back to the mode, apply the "at least ask" floors, and
//! assess risk. Only "find the first matching rule" differs between the two,
//! behind [`FirstMatch`], so differential tests compare exactly the part
//! that is optimized.

use std::sync::Arc;

use crate::catalog::{ArgKind, Catalog, Tool};
use crate::decision::{CommandVerdict, Decision, Reason, Request, Risk};
use crate::path::normalize_path;
use crate::rules::{Action, ExecutionMode, Layer, Layers};
use crate::{risk, shell, url};

/// Finds the first rule, in evaluation order, that decides `subject` for
/// `tool`, as an index into [`RuleTable::entries`].
pub(crate) trait FirstMatch {
    fn first_match(&self, tool: &str, subject: &str) -> Option<usize>;
}

/// What the pipeline needs to know about each rule, in evaluation order.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) layer: Layer,
    pub(crate) position: usize,
    pub(crate) id: Arc<str>,
    pub(crate) action: Action,
    /// The rule has a pattern that does not match everything, so it speaks
    /// about particular arguments and cannot vouch for run-time ones.
    pub(crate) narrow: bool,
}

/// Rules flattened into evaluation order, with the mode and catalog.
#[derive(Debug, Clone)]
pub(crate) struct RuleTable {
    pub(crate) entries: Vec<Entry>,
    pub(crate) mode: ExecutionMode,
    pub(crate) catalog: Catalog,
}

impl RuleTable {
    pub(crate) fn new(layers: &Layers, mode: ExecutionMode, catalog: &Catalog) -> Self {
        let entries = layers
            .iter()
            .map(|(at, rule)| Entry {
                layer: at.layer,
                position: at.position,
                id: Arc::from(rule.id.as_str()),
                action: rule.action,
                narrow: rule
                    .pattern
                    .as_ref()
                    .is_some_and(|p| !p.matches_everything()),
            })
            .collect();
        Self {
            entries,
            mode,
            catalog: catalog.clone(),
        }
    }
}

/// Decides one request.
pub(crate) fn decide(m: &impl FirstMatch, table: &RuleTable, req: &Request<'_>) -> Decision {
    let tool = table.catalog.get(req.tool);
    let mut risk = risk::tool_default(tool);
    let kind = tool.map_or(ArgKind::Text, |t| t.arg_kind);
    match kind {
        ArgKind::Command => decide_shell(m, table, req, tool, risk),
        ArgKind::Path => match normalize_path(req.input, req.working_dir) {
            Ok(path) => {
                if let Some(t) = tool {
                    risk::path(&mut risk, t, &path);
                }
                single(m, table, req.tool, tool, &path, risk)
            }
            Err(e) => invalid(e.to_string(), risk),
        },
        ArgKind::Url => match url::parse_normalized(req.input) {
            Ok(u) => {
                risk::url(&mut risk, &u);
                single(m, table, req.tool, tool, u.url.as_str(), risk)
            }
            Err(e) => invalid(e.to_string(), risk),
        },
        ArgKind::Text => single(m, table, req.tool, tool, req.input, risk),
    }
}

fn invalid(message: String, mut risk: Risk) -> Decision {
    risk.raise(
        crate::catalog::RiskLevel::Unknown,
        "the argument is invalid",
    );
    Decision {
        action: Action::Deny,
        reason: Reason::InvalidInput { message },
        risk,
        commands: Vec::new(),
    }
}

fn single(
    m: &impl FirstMatch,
    table: &RuleTable,
    tool_name: &str,
    tool: Option<&Tool>,
    subject: &str,
    risk: Risk,
) -> Decision {
    let (action, reason, _) = verdict(m, table, tool_name, tool, subject);
    Decision {
        action,
        reason,
        risk,
        commands: Vec::new(),
    }
}

/// The rule (or mode) verdict for one subject, with the unknown-tool floor.
/// The third value tells whether a narrow rule decided.
fn verdict(
    m: &impl FirstMatch,
    table: &RuleTable,
    tool_name: &str,
    tool: Option<&Tool>,
    subject: &str,
) -> (Action, Reason, bool) {
    let (action, reason, narrow) = match m
        .first_match(tool_name, subject)
        .and_then(|i| table.entries.get(i))
    {
        Some(e) => (
            e.action,
            Reason::Rule {
                layer: e.layer,
                rule_id: Arc::clone(&e.id),
                position: e.position,
            },
            e.narrow,
        ),
        None => (
            table.mode.baseline(tool),
            Reason::Mode { mode: table.mode },
            false,
        ),
    };
    if tool.is_none() && action == Action::Allow {
        return (
            Action::Ask,
            Reason::UnknownTool {
                tool: tool_name.to_owned(),
            },
            narrow,
        );
    }
    (action, reason, narrow)
}

fn decide_shell(
    m: &impl FirstMatch,
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
    let commands = match shell::parse(req.input) {
        Ok(commands) => commands,
        Err(e) => {
            // Nothing can be attributed to particular programs; rules still
            // see the raw text (so a deny pattern can catch it), and the
            // result is at least `ask`.
            let subject = req.input.trim();
            let (mut action, mut reason, _) = verdict(m, table, req.tool, tool, subject);
            if action < Action::Ask {
                action = Action::Ask;
                reason = Reason::Unanalysable {
                    message: e.to_string(),
                };
            }
            risk.raise(crate::catalog::RiskLevel::Unknown, e.to_string());
            return Decision {
                action,
                reason: reason.clone(),
                risk,
                commands: vec![CommandVerdict {
                    command: subject.to_owned(),
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
        return single(m, table, req.tool, tool, req.input.trim(), risk);
    }
    let mut verdicts = Vec::with_capacity(commands.len());
    for c in commands {
        let (mut action, mut reason, narrow) = verdict(m, table, req.tool, tool, &c.text);
        if action < Action::Ask {
            if let Some(why) = c.unanalysable {
                action = Action::Ask;
                reason = Reason::Unanalysable { message: why };
            } else if let (Some(word), true) = (&c.runtime_word, narrow) {
                action = Action::Ask;
                reason = Reason::Unanalysable {
                    message: format!(
                        "`{word}` is only known at run time, so a rule pattern cannot vouch for it"
                    ),
                };
            }
        }
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
