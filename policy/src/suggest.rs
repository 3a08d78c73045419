//! "Always allow": the narrowest allow rule that covers a request, and what
//! adding it would change.
//!
//! A reviewer who clicks "Always allow" should get a rule that allows what
//! they just read and nothing a differently written request would need:
//! - for a command tool, the exact canonical words of the command that asked
//!   (see [`crate::shell`]), never a star — unless the tool is read-only,
//!   where the rule may end in a `*` after the program and its subcommand
//!   (`git status *`), never wider;
//! - for a path tool, the absolute, normalized path (a relative request is
//!   joined to its working directory first), never a pattern the rule
//!   analysis says cannot match;
//! - for URL and text tools, the normalized URL or the text as given.
//!
//! A new rule is appended to its list, so it comes after every rule already
//! in that list and in the lists evaluated before it (enforced rules first,
//! then the agent's, then the workspace's). [`impact`] says what that
//! changes: the later `ask` or `deny` rules it now decides before for some
//! input it matches (`overrides`: the rules it overrides or shadows), and,
//! when the request would still not be allowed, what still decides it —
//! an enforced rule (an agent rule never overrides one), an earlier rule, or
//! a part of the command no rule can vouch for.

use crate::analysis::{RuleRef, kind_mismatch};
use crate::catalog::{ArgKind, Catalog};
use crate::compile::CompiledPolicy;
use crate::decision::{Decision, Reason, Request};
use crate::path::normalize_path;
use crate::pattern::RulePattern;
use crate::rules::{Action, ExecutionMode, Layer, Layers, Rule, ToolSelector};
use crate::{shell, url};

/// The id the suggested rule carries while it is being tried out.
pub const SUGGESTED_RULE_ID: &str = "suggested";

/// A suggested "Always allow" rule and what adding it would change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Suggestion {
    /// The rule: the request's tool, `allow`, the narrowest pattern.
    pub rule: Rule,
    /// The list it would be appended to.
    pub layer: Layer,
    /// What adding it would change.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub impact: Impact,
}

/// What appending an allow rule to a list would change for a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Impact {
    /// Rules evaluated after the new one that say `ask` or `deny` for some
    /// input the new rule matches: the new rule overrides (or, where it
    /// covers all they match, shadows) them there. In evaluation order.
    pub overrides: Vec<RuleRef>,
    /// When the request would still not be allowed with the rule added:
    /// the decision it would get instead, and why.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub still_decided: Option<StillDecided>,
}

/// The decision a request still gets although the new rule was added.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StillDecided {
    /// `ask` or `deny`.
    pub action: Action,
    /// The rule, mode or analysis that decides.
    pub reason: Reason,
    /// A sentence for the reviewer.
    pub message: String,
}

/// Why no rule can be suggested for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuggestError {
    /// Rules are only suggested for the agent's list or the workspace's.
    Layer,
    /// The input is one the engine denies whatever the rules say (a path
    /// above `/`, a malformed URL, a command with a NUL).
    InvalidInput(String),
    /// The command cannot be split into simple commands, so no rule can
    /// allow it.
    Unanalysable(String),
}

impl std::fmt::Display for SuggestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Layer => {
                f.write_str("rules are suggested for the agent's or the workspace's list")
            }
            Self::InvalidInput(m) => write!(f, "no rule can allow this input: {m}"),
            Self::Unanalysable(m) => write!(f, "no rule can allow this command: {m}"),
        }
    }
}

impl std::error::Error for SuggestError {}

/// `text` as a pattern that matches exactly `text`: stars and backslashes
/// escaped.
pub fn literal_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The narrowest allow rule covering `request`, to be appended to `layer`
/// (the agent's list or the workspace's), and what that would change.
///
/// ```
/// use bosun_policy::*;
/// use bosun_policy::suggest::suggest;
/// let ask = Rule::new("w1", ToolSelector::parse("system_shell"), Action::Ask, Some(RulePattern::parse("git push *").unwrap()));
/// let layers = Layers { workspace: vec![ask], ..Layers::default() };
/// let s = suggest(&layers, ExecutionMode::Restricted, &Catalog::builtin(),
///                 &Request::new("system_shell", "git push origin main"), Layer::Agent).unwrap();
/// assert_eq!(s.rule.pattern.unwrap().as_str(), "git push origin main");
/// assert_eq!(s.impact.overrides[0].rule_id, "w1");
/// ```
pub fn suggest(
    layers: &Layers,
    mode: ExecutionMode,
    catalog: &Catalog,
    request: &Request<'_>,
    layer: Layer,
) -> Result<Suggestion, SuggestError> {
    if layer == Layer::Enforced {
        return Err(SuggestError::Layer);
    }
    let tool = catalog.get(request.tool);
    let kind = tool.map_or(ArgKind::Text, |t| t.arg_kind);
    let read_only = tool.is_some_and(|t| t.read_only);
    let pattern = match kind {
        ArgKind::Command => command_pattern(layers, mode, catalog, request, read_only)?,
        ArgKind::Path => literal_pattern(
            &normalize_path(request.input, request.working_dir)
                .map_err(|e| SuggestError::InvalidInput(e.to_string()))?,
        ),
        ArgKind::Url => literal_pattern(
            &url::normalize_url(request.input)
                .map_err(|e| SuggestError::InvalidInput(e.to_string()))?,
        ),
        ArgKind::Text => literal_pattern(request.input),
    };
    let pattern =
        RulePattern::parse(&pattern).map_err(|e| SuggestError::InvalidInput(e.to_string()))?;
    // The rule analysis would call such a path or URL rule dead: suggest
    // none rather than one that silently never applies. (Command patterns
    // are the canonical text itself, which the analysis's heuristics about
    // hand-written quotes do not apply to; `impact` checks them with the
    // engine.)
    if matches!(kind, ArgKind::Path | ArgKind::Url)
        && let Some(problem) = kind_mismatch(kind, &pattern)
    {
        return Err(SuggestError::InvalidInput(problem));
    }
    let rule = Rule::new(
        SUGGESTED_RULE_ID,
        ToolSelector::parse(request.tool),
        Action::Allow,
        Some(pattern),
    );
    let impact = impact(layers, mode, catalog, request, layer, &rule);
    Ok(Suggestion {
        rule,
        layer,
        impact,
    })
}

/// The pattern for the simple command the request was asked about: its
/// exact canonical words, or for a read-only tool its program and
/// subcommand followed by `*`.
fn command_pattern(
    layers: &Layers,
    mode: ExecutionMode,
    catalog: &Catalog,
    request: &Request<'_>,
    read_only: bool,
) -> Result<String, SuggestError> {
    if request.input.contains('\0') {
        return Err(SuggestError::InvalidInput(
            "the command contains a NUL character".to_owned(),
        ));
    }
    let commands =
        shell::parse(request.input).map_err(|e| SuggestError::Unanalysable(e.to_string()))?;
    if commands.is_empty() {
        return Ok(literal_pattern(request.input.trim()));
    }
    // The command the reviewer is asked about: the first that asks, else
    // the first of the strictest verdict.
    let decision = CompiledPolicy::compile(layers, mode, catalog).decide(request);
    let verdicts = &decision.commands;
    let index = verdicts
        .iter()
        .position(|v| v.action == Action::Ask)
        .or_else(|| {
            let strictest = verdicts.iter().map(|v| v.action).max()?;
            verdicts.iter().position(|v| v.action == strictest)
        })
        .unwrap_or(0);
    let Some(command) = commands.get(index) else {
        return Ok(literal_pattern(request.input.trim()));
    };
    if read_only {
        let program = command.program();
        let mut args = command.args();
        let subcommand = args.clone().next().filter(|a| is_subcommand(a));
        let prefix_words = 1 + usize::from(subcommand.is_some());
        // A star only where it stands for words the request had: a bare
        // `git status` stays exact.
        if !program.is_empty() && args.by_ref().count() >= prefix_words {
            // Allow rules match the program and any assignments in front
            // of it as written, so the rule names them so.
            let mut pattern = command
                .assignments()
                .chain([command.program_as_written()])
                .map(literal_pattern)
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(sub) = subcommand {
                pattern.push(' ');
                pattern.push_str(&literal_pattern(sub));
            }
            pattern.push_str(" *");
            return Ok(pattern);
        }
    }
    Ok(literal_pattern(&command.text))
}

/// A word that names a subcommand (`status`, `install`, `run-script`)
/// rather than an option, a path or a value.
fn is_subcommand(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// What appending `rule` (an allow rule) to `layer` would change for
/// `request`: the later `ask`/`deny` rules it would override or shadow, and
/// what would still decide the request if it stays unallowed.
///
/// Overlap is judged two ways and reported when either finds it (so a
/// confirmation is asked for rather than missed): the engine itself, with
/// each later rule alone, decides the parts of the request the new rule
/// allows; and the two patterns are compared as globs (case-insensitively
/// for path tools, whose deny and ask rules may ignore case).
pub fn impact(
    layers: &Layers,
    mode: ExecutionMode,
    catalog: &Catalog,
    request: &Request<'_>,
    layer: Layer,
    rule: &Rule,
) -> Impact {
    let tool = catalog.get(request.tool);
    let fold_case = tool.is_some_and(|t| t.arg_kind == ArgKind::Path);
    let alone = |rules: Vec<Rule>| {
        let layers = Layers {
            agent: rules,
            ..Layers::default()
        };
        CompiledPolicy::compile(&layers, ExecutionMode::Locked, catalog).decide(request)
    };
    // Which parts of the request the new rule allows on its own (the
    // `locked` mode denies everything else).
    let by_new = alone(vec![rule.clone()]);
    let covered = |d: &Decision, id: &str| -> bool {
        let decided_by =
            |reason: &Reason| matches!(reason, Reason::Rule { rule_id, .. } if &**rule_id == id);
        if d.commands.is_empty() || by_new.commands.len() != d.commands.len() {
            by_new.action == Action::Allow && decided_by(&d.reason)
        } else {
            by_new
                .commands
                .iter()
                .zip(&d.commands)
                .any(|(new, other)| new.action == Action::Allow && decided_by(&other.reason))
        }
    };
    let later: Vec<_> = layers
        .iter()
        .filter(|(at, _)| at.layer > layer)
        .filter(|(_, other)| other.action != Action::Allow && other.tool.applies_to(request.tool))
        .collect();
    let mut overrides = Vec::new();
    for (at, other) in later {
        let by_engine = covered(&alone(vec![other.clone()]), &other.id);
        let by_pattern = match (&rule.pattern, &other.pattern) {
            (_, None) | (None, _) => true,
            (Some(new), Some(old)) => globs_overlap(new, old, fold_case),
        };
        if by_engine || by_pattern {
            overrides.push(RuleRef {
                layer: at.layer,
                position: at.position,
                rule_id: other.id.clone(),
            });
        }
    }

    let mut with_rule = layers.clone();
    match layer {
        Layer::Enforced => with_rule.enforced.push(rule.clone()),
        Layer::Agent => with_rule.agent.push(rule.clone()),
        Layer::Workspace => with_rule.workspace.push(rule.clone()),
    }
    let after = CompiledPolicy::compile(&with_rule, mode, catalog).decide(request);
    let still_decided = (after.action != Action::Allow).then(|| {
        let message = still_decided_message(&with_rule, &after.reason, layer);
        StillDecided {
            action: after.action,
            reason: after.reason,
            message,
        }
    });
    Impact {
        overrides,
        still_decided,
    }
}

fn still_decided_message(layers: &Layers, reason: &Reason, layer: Layer) -> String {
    match reason {
        Reason::Rule { rule_id, .. } if &**rule_id == SUGGESTED_RULE_ID => {
            "the new rule matches, but the request still needs a person".to_owned()
        }
        Reason::Rule {
            layer: by,
            rule_id,
            position,
        } => {
            let action = layers
                .layer(*by)
                .get(position.saturating_sub(1))
                .map_or("decide", |r| r.action.as_str());
            let who = format!("{} rule #{position} ({rule_id})", by.as_str());
            if *by == Layer::Enforced {
                format!(
                    "{who} is a workspace guardrail and still says `{action}`: a {} rule never overrides it",
                    layer.as_str()
                )
            } else {
                format!("{who} comes first and still says `{action}`")
            }
        }
        Reason::Mode { mode } => format!(
            "the rule does not cover every part of the request; the `{}` mode decides the rest",
            mode.as_str()
        ),
        Reason::InvalidInput { message } => {
            format!("the input is denied whatever the rules say: {message}")
        }
        Reason::Unanalysable { message } => {
            format!("no rule can vouch for part of the command: {message}")
        }
        Reason::UnknownTool { tool } => {
            format!("`{tool}` is not in the catalog, so its calls are always asked about")
        }
        // A suggestion is tried out without the run's allowances.
        Reason::RunAllowance => "the request is allowed for its run".to_owned(),
        Reason::ClientInternal { tool } => {
            format!(
                "`{tool}` acts only on the client's own state and is allowed unless a rule says otherwise"
            )
        }
    }
}

/// Whether some string matches both star globs. With a star in each, that
/// holds exactly when their literal prefixes agree (one starts the other)
/// and their literal suffixes agree (one ends the other): the longer prefix,
/// every middle run of both, then the longer suffix is matched by both. With
/// no star in one, it is that one's text matched by the other.
pub(crate) fn globs_overlap(a: &RulePattern, b: &RulePattern, fold_case: bool) -> bool {
    let fold = |p: &RulePattern| -> Vec<String> {
        p.parts()
            .iter()
            .map(|s| {
                if fold_case {
                    s.to_lowercase()
                } else {
                    s.clone()
                }
            })
            .collect()
    };
    let (a, b) = (fold(a), fold(b));
    if a.len() == 1 {
        return crate::pattern::glob_match(&b, a[0].as_bytes());
    }
    if b.len() == 1 {
        return crate::pattern::glob_match(&a, b[0].as_bytes());
    }
    let agree = |x: &str, y: &str, f: fn(&str, &str) -> bool| f(x, y) || f(y, x);
    let (a_first, a_last) = (&a[0], &a[a.len() - 1]);
    let (b_first, b_last) = (&b[0], &b[b.len() - 1]);
    agree(a_first, b_first, |x, y| x.starts_with(y)) && agree(a_last, b_last, |x, y| x.ends_with(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RulePattern {
        RulePattern::parse(s).unwrap()
    }

    #[test]
    fn glob_overlap_is_exact_on_small_cases() {
        let table: &[(&str, &str, bool)] = &[
            ("git push origin main", "git push *", true),
            ("git push origin main", "git pull *", false),
            ("git *", "git push *", true),
            ("git *", "npm *", false),
            ("*.rs", "/src/*", true),
            ("/a/*.rs", "/b/*", false),
            ("/a/*x", "/a/*y", false),
            ("a*", "*b", true),
        ];
        for &(a, b, expected) in table {
            assert_eq!(globs_overlap(&p(a), &p(b), false), expected, "{a} ∩ {b}");
            assert_eq!(globs_overlap(&p(b), &p(a), false), expected, "{b} ∩ {a}");
        }
        assert!(globs_overlap(&p("/ETC/*"), &p("/etc/passwd"), true));
        assert!(!globs_overlap(&p("/ETC/*"), &p("/etc/passwd"), false));
    }

    #[test]
    fn literal_patterns_escape_stars_and_backslashes() {
        let text = r"echo a*b\c";
        assert_eq!(literal_pattern(text), r"echo a\*b\\c");
        let pattern = p(&literal_pattern(text));
        assert!(pattern.matches(text) && pattern.is_literal());
    }
}
