//! Rule-set analysis for the rule editor: rules that can never decide
//! anything, and why.
//!
//! - **Shadowed**: an earlier rule for the same tool (or `*`) matches
//!   everything this rule matches, so it always decides first (`npm *`
//!   before `npm install *`).
//! - **Overridden by enforced**: the same, where the earlier rule is a
//!   workspace guardrail and this one is the agent's.
//! - **Kind mismatch**: the pattern cannot fit what the tool's argument
//!   looks like after normalization (a relative path pattern for a path
//!   tool, an upper-case host for a URL tool, `cat ./src/*` for a shell, whose
//!   relative paths are joined to the working directory).
//! - **Unknown tool**: the rule names a tool the catalog does not have.
//! - **Broad allow**: an allow rule for a command tool that lets through far
//!   more than it seems to: a word that is just `*` after a program that
//!   runs the commands, code or files it is given (`bash *`, `sudo *`,
//!   `python *`, `git *`, `find *`), no pattern or a pattern that starts
//!   with `*` (every command), a pattern that allows a redirection (`echo *
//!   > *`), or one that allows inline code (`python -c *`, `eval *`).
//!
//! Containment is exact (see [`RulePattern::is_subsumed_by`]) and is checked
//! against the compiled index, so analysing 10,000 rules costs 10,000
//! lookups, not 50 million comparisons.

use crate::catalog::{ArgKind, Catalog};
use crate::compile::CompiledPolicy;
use crate::pattern::RulePattern;
use crate::rules::{Action, ExecutionMode, Layer, Layers, ToolSelector};

/// A rule, as the editor shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RuleRef {
    /// Its layer.
    pub layer: Layer,
    /// Its 1-based position in the layer.
    pub position: usize,
    /// Its id.
    pub rule_id: String,
}

/// What is wrong with a rule.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum WarningKind {
    /// An earlier rule always decides first.
    Shadowed {
        /// The rule that wins instead.
        by: RuleRef,
        /// Whether the winner decides the same action (the rule is merely
        /// redundant) or a different one (the rule does not do what it says).
        same_action: bool,
    },
    /// An enforced rule always decides first for this agent rule.
    OverriddenByEnforced {
        /// The enforced rule that wins instead.
        by: RuleRef,
    },
    /// The pattern does not fit the tool's normalized argument.
    KindMismatch,
    /// The rule names a tool missing from the catalog.
    UnknownTool,
    /// An allow rule that lets through far more than it seems to.
    BroadAllow,
}

/// One finding about one rule.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Warning {
    /// The rule the warning is about.
    pub rule: RuleRef,
    /// What kind of problem it is.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub kind: WarningKind,
    /// A sentence for the rule editor.
    pub message: String,
}

/// Analyses the three layers of one agent against the catalog.
///
/// ```
/// use bosun_policy::{analyze, Action, Catalog, Layers, Rule, RulePattern, ToolSelector};
/// let rule = |id, p| Rule::new(id, ToolSelector::parse("system_shell"), Action::Allow, Some(RulePattern::parse(p).unwrap()));
/// let layers = Layers { agent: vec![rule("a", "npm *"), rule("b", "npm install *")], ..Layers::default() };
/// let warnings = analyze(&layers, &Catalog::builtin());
/// assert_eq!(warnings[0].rule.rule_id, "b");
/// assert!(warnings[0].message.contains("agent rule #1 (a)"));
/// ```
pub fn analyze(layers: &Layers, catalog: &Catalog) -> Vec<Warning> {
    // The mode plays no part in which rule matches first.
    let compiled = CompiledPolicy::compile(layers, ExecutionMode::Locked, catalog);
    let entries = &compiled.table().entries;
    let mut warnings = Vec::new();
    for (index, (at, rule)) in layers.iter().enumerate() {
        let this = RuleRef {
            layer: at.layer,
            position: at.position,
            rule_id: rule.id.clone(),
        };
        let mut warn = |kind, message| {
            warnings.push(Warning {
                rule: this.clone(),
                kind,
                message,
            });
        };
        if let ToolSelector::Named(name) = &rule.tool {
            match catalog.get(name) {
                None => warn(
                    WarningKind::UnknownTool,
                    format!(
                        "tool `{name}` is not in the catalog; calls to it are at least asked about"
                    ),
                ),
                Some(tool) => {
                    if let Some(problem) = rule
                        .pattern
                        .as_ref()
                        .and_then(|p| kind_mismatch(tool.arg_kind, p))
                    {
                        warn(
                            WarningKind::KindMismatch,
                            format!("pattern never matches: {problem}"),
                        );
                    }
                    if tool.arg_kind == ArgKind::Command
                        && rule.action == Action::Allow
                        && let Some(why) = broad_command_allow(rule.pattern.as_ref())
                    {
                        warn(WarningKind::BroadAllow, format!("allows too much: {why}"));
                    }
                }
            }
        }
        let witness = rule
            .pattern
            .as_ref()
            .map_or_else(|| "\0".to_owned(), RulePattern::witness);
        // Command patterns are words: a text containment that the words do
        // not confirm (`cat /a/*` does not cover `cat /a/x /b`) is no
        // finding.
        let command = match &rule.tool {
            ToolSelector::Any => true,
            ToolSelector::Named(name) => catalog
                .get(name)
                .is_some_and(|t| t.arg_kind == ArgKind::Command),
        };
        let Some(winner) = compiled
            .first_index(&rule.tool, &witness)
            .filter(|&w| w < index)
            .and_then(|w| entries.get(w))
            .filter(|w| {
                !command
                    || match (&rule.pattern, &w.rule.pattern) {
                        (_, None) => true,
                        (None, Some(p)) => p.matches_everything(),
                        (Some(narrow), Some(broad)) => narrow.is_word_subsumed_by(broad),
                    }
            })
        else {
            continue;
        };
        let by = RuleRef {
            layer: winner.layer,
            position: winner.position,
            rule_id: winner.id.to_string(),
        };
        let who = format!(
            "{} rule #{} ({})",
            by.layer.as_str(),
            by.position,
            by.rule_id
        );
        if winner.layer == Layer::Enforced && at.layer == Layer::Agent {
            warn(
                WarningKind::OverriddenByEnforced { by },
                format!(
                    "never applies: {who} decides first for everything this rule matches, and says `{}`",
                    winner.action
                ),
            );
        } else {
            let same_action = winner.action == rule.action;
            let consequence = if same_action {
                "so this rule is redundant".to_owned()
            } else {
                format!("and says `{}` instead of `{}`", winner.action, rule.action)
            };
            warn(
                WarningKind::Shadowed { by, same_action },
                format!(
                    "never applies: {who} comes first and matches everything this rule matches, {consequence}"
                ),
            );
        }
    }
    warnings
}

/// Programs that run a command, code or script they are handed, or act on
/// whatever files they are named, anywhere among their arguments: after
/// them, a word that is just `*` allows anything at all.
const RUNS_WHAT_IT_IS_GIVEN: &[&str] = &[
    // shells
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "ash",
    "fish",
    "csh",
    "tcsh",
    "yash",
    "rbash",
    // interpreters
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "nodejs",
    "deno",
    "bun",
    "php",
    "lua",
    "awk",
    "gawk",
    "mawk",
    "sed",
    "osascript",
    "pwsh",
    // wrappers and runners
    "sudo",
    "doas",
    "su",
    "runuser",
    "env",
    "xargs",
    "find",
    "nohup",
    "timeout",
    "nice",
    "ionice",
    "time",
    "watch",
    "exec",
    "command",
    "builtin",
    "eval",
    "source",
    ".",
    "stdbuf",
    "setsid",
    "chroot",
    "unshare",
    "flock",
    "strace",
    "ltrace",
    "script",
    "parallel",
    "expect",
    "gdb",
    "nsenter",
    "ssh",
    // programs that act on any file they are named
    "cp",
    "mv",
    "rm",
    "chmod",
    "chown",
    "ln",
    "tee",
    "dd",
    "cat",
    "curl",
    "wget",
    "scp",
];

/// Programs whose first word picks what they do, some of which run commands
/// (`git -c core.pager=…`, `docker run`, `npx pkg`, `make` targets): a `*`
/// in place of that word allows all of it; after a named subcommand it is
/// that subcommand's arguments.
const SUBCOMMAND_RUNNERS: &[&str] = &[
    "git", "docker", "podman", "kubectl", "npx", "pnpx", "bunx", "uvx", "pipx", "make", "tar",
    "rsync", "vim", "vi", "nvim", "emacs", "less", "man",
];

/// Options that hand an interpreter or shell its program inline.
const INLINE_CODE_OPTIONS: &[&str] = &["-c", "-e", "-E", "--eval", "-r", "-p", "--command"];

/// Why an allow rule for a command tool lets through far more than it
/// seems to, if it does. Patterns are read as words (split on blanks); a
/// word holding a star counts as a star, since a star in the pattern can
/// stand for several words.
fn broad_command_allow(pattern: Option<&RulePattern>) -> Option<String> {
    let Some(pattern) = pattern else {
        return Some(
            "with no pattern it allows every command, opaque code and redirections included"
                .to_owned(),
        );
    };
    let source = pattern.as_str();
    let words: Vec<&str> = source
        .split([' ', '\t'])
        .filter(|w| !w.is_empty())
        .collect();
    let is_star = |w: &str| w.contains('*') && !w.contains("\\*");
    let program = *words.first()?;
    // `ls*` still names programs (`ls`, `lsof`); `*` and `*x` name none.
    if pattern.literal_prefix().trim().is_empty() {
        return Some(format!(
            "`{source}` does not name the program, so it allows every command, opaque code and redirections included"
        ));
    }
    if let Some(op) = words.iter().find(|w| is_redirection(w)) {
        return Some(format!(
            "`{op}` in the pattern allows a redirection, which writes or reads a file the rule does not name"
        ));
    }
    let base = program.rsplit('/').next().unwrap_or(program);
    let runs_code = RUNS_WHAT_IT_IS_GIVEN.contains(&base);
    let args = &words[1..];
    if SUBCOMMAND_RUNNERS.contains(&base) && args.first() == Some(&"*") {
        return Some(format!(
            "`{base} *` allows every subcommand of `{base}`, including those that run other commands; name the subcommand"
        ));
    }
    if runs_code
        && let Some(option) = args.iter().find(|w| {
            INLINE_CODE_OPTIONS
                .iter()
                .any(|o| *w == o || (w.starts_with(o) && is_star(w)))
        })
        && args.iter().any(|w| is_star(w))
    {
        return Some(format!(
            "`{base} {option}` with a `*` allows any inline code, which no rule can see into"
        ));
    }
    if runs_code && args.contains(&"*") {
        return Some(format!(
            "`{base}` runs the commands, code or files it is given, so `*` after it allows anything; name the subcommand and arguments"
        ));
    }
    None
}

/// A pattern word that holds a redirection operator (`>`, `>>`, `2>`,
/// `&>`, `*>*`) or starts with one (`<`, `<<<`), possibly glued to its
/// target. A `>` inside an argument is rare enough that asking the author
/// to look twice costs little.
fn is_redirection(word: &str) -> bool {
    word.contains('>') || (word.starts_with('<') && !word.starts_with("<("))
}

/// Why a pattern cannot match any normalized argument of `kind`, if it
/// cannot.
pub(crate) fn kind_mismatch(kind: ArgKind, pattern: &RulePattern) -> Option<String> {
    let prefix = pattern.literal_prefix();
    let parts = pattern.parts();
    match kind {
        ArgKind::Path => {
            if !prefix.is_empty() && !prefix.starts_with('/') {
                return Some(if prefix.starts_with('~') {
                    "paths are matched as absolute paths and `~` is not expanded; write the full path (`/home/…`)".to_owned()
                } else {
                    "paths are matched as absolute, normalized paths; start the pattern with `/` or `*`".to_owned()
                });
            }
            if parts
                .iter()
                .any(|p| p.contains("//") || p.contains("/./") || p.contains("/../"))
            {
                return Some("normalized paths never contain `//`, `/./` or `/../`".to_owned());
            }
            let last = parts.last().map_or("", String::as_str);
            if last.ends_with("/.") || last.ends_with("/..") {
                return Some("normalized paths never end in `/.` or `/..`".to_owned());
            }
            if pattern.is_literal() && prefix.len() > 1 && prefix.ends_with('/') {
                return Some(format!(
                    "normalized paths have no trailing `/`; write `{}` or `{}*`",
                    prefix.trim_end_matches('/'),
                    prefix
                ));
            }
            None
        }
        ArgKind::Url => {
            if prefix.is_empty() {
                return None;
            }
            let scheme_end = prefix.find(':');
            let scheme = &prefix[..scheme_end.unwrap_or(prefix.len())];
            let scheme_ok = scheme.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')
            });
            if !scheme_ok || (scheme_end.is_none() && pattern.is_literal()) {
                return Some(
                    "URLs are matched in full, starting with a lowercase scheme (`https://…`)"
                        .to_owned(),
                );
            }
            let rest = prefix.split_once("://").map(|(_, r)| r)?;
            let (authority, has_path) = match rest.find('/') {
                Some(i) => (&rest[..i], true),
                None => (rest, false),
            };
            let host_part = authority.rsplit('@').next().unwrap_or(authority);
            if host_part.bytes().any(|b| b.is_ascii_uppercase()) {
                return Some("hosts are lowercase after normalization".to_owned());
            }
            if (has_path || pattern.is_literal())
                && ((scheme == "https" && authority.ends_with(":443"))
                    || (scheme == "http" && authority.ends_with(":80")))
            {
                return Some("default ports are removed by normalization".to_owned());
            }
            if pattern.is_literal() && !has_path {
                return Some(format!(
                    "normalized URLs always have a path; write `{prefix}/`"
                ));
            }
            None
        }
        ArgKind::Command => {
            // The program is matched as written, but arguments that are
            // relative paths are joined to the working directory first.
            let source = pattern.as_str();
            if let Some(word) = source
                .split([' ', '\t', '\n'])
                .filter(|w| !w.is_empty())
                .skip(1)
                .find(|w| w.starts_with("./") || w.starts_with("../"))
            {
                return Some(format!(
                    "paths in commands are compared as absolute paths (joined to the working directory), so write `/…/{}` instead of `{word}`",
                    word.trim_start_matches("./").trim_start_matches("../")
                ));
            }
            if parts.iter().any(|p| p.contains('"') || p.contains('\'')) {
                return Some(
                    "quotes are removed from commands before matching, so this only matches literal quote characters"
                        .to_owned(),
                );
            }
            None
        }
        ArgKind::Text => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Action, Rule};

    fn rule(id: &str, tool: &str, action: Action, pattern: Option<&str>) -> Rule {
        Rule::new(
            id,
            ToolSelector::parse(tool),
            action,
            pattern.map(|p| RulePattern::parse(p).unwrap()),
        )
    }

    #[test]
    fn reports_shadowed_rules_with_the_winner() {
        use Action::*;
        let layers = Layers {
            enforced: vec![rule("e1", "system_shell", Deny, Some("rm *"))],
            agent: vec![
                rule("a1", "system_shell", Allow, Some("npm *")),
                rule("a2", "system_shell", Allow, Some("npm install *")),
                rule("a3", "system_shell", Allow, Some("rm -rf build")),
                rule("a4", "system_shell", Allow, Some("cargo *")),
                rule("a5", "*", Deny, None),
                rule("a6", "read_file", Allow, Some("/repo/*")),
            ],
            workspace: vec![
                rule("w1", "system_shell", Ask, Some("npm test")),
                rule("w2", "system_shell", Allow, Some("cargo build")),
            ],
        };
        let w = analyze(&layers, &Catalog::builtin());
        let summary: Vec<_> = w
            .iter()
            .map(|w| match &w.kind {
                WarningKind::Shadowed { by, same_action } => (
                    w.rule.rule_id.as_str(),
                    "shadowed",
                    by.rule_id.as_str(),
                    *same_action,
                ),
                WarningKind::OverriddenByEnforced { by } => (
                    w.rule.rule_id.as_str(),
                    "enforced",
                    by.rule_id.as_str(),
                    false,
                ),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("a2", "shadowed", "a1", true),
                ("a3", "enforced", "e1", false),
                ("a6", "shadowed", "a5", false),
                ("w1", "shadowed", "a1", false),
                ("w2", "shadowed", "a4", true),
            ]
        );
        assert_eq!(
            w[1].message,
            "never applies: enforced rule #1 (e1) decides first for everything this rule matches, and says `deny`"
        );
        assert_eq!(
            w[3].message,
            "never applies: agent rule #1 (a1) comes first and matches everything this rule matches, and says `allow` instead of `ask`"
        );
    }

    #[test]
    fn rules_for_one_tool_do_not_shadow_wildcard_rules() {
        let layers = Layers {
            agent: vec![
                rule("a1", "system_shell", Action::Allow, None),
                rule("a2", "*", Action::Deny, Some("rm *")),
            ],
            ..Layers::default()
        };
        let shadowing: Vec<_> = analyze(&layers, &Catalog::builtin())
            .into_iter()
            .filter(|w| !matches!(w.kind, WarningKind::BroadAllow))
            .collect();
        assert!(shadowing.is_empty(), "{shadowing:?}");
    }

    #[test]
    fn warns_about_allow_rules_that_let_through_far_more_than_they_seem_to() {
        let table: &[(Action, Option<&str>, bool)] = &[
            (Action::Allow, Some("bash *"), true),
            (Action::Allow, Some("sudo *"), true),
            (Action::Allow, Some("python *"), true),
            (Action::Allow, Some("python3 -c *"), true),
            (Action::Allow, Some("node -e*"), true),
            (Action::Allow, Some("git *"), true),
            (Action::Allow, Some("find *"), true),
            (Action::Allow, Some("/usr/bin/env *"), true),
            (Action::Allow, Some("*"), true),
            (Action::Allow, Some("* --version"), true),
            (Action::Allow, None, true),
            (Action::Allow, Some("echo * > *"), true),
            (Action::Allow, Some("echo *>>*"), true),
            (Action::Allow, Some("> /tmp/*"), true),
            (Action::Allow, Some("cat x 2>/dev/null"), true),
            // Narrow enough: a subcommand, exact words, or a program that
            // runs nothing it is given.
            (Action::Allow, Some("git status *"), false),
            (Action::Allow, Some("git push origin main"), false),
            (Action::Allow, Some("npm test"), false),
            (Action::Allow, Some("ls *"), false),
            (Action::Allow, Some("ls*"), false),
            (Action::Allow, Some("cat /srv/app/*"), false),
            (Action::Allow, Some("python3 script.py"), false),
            (Action::Allow, Some("echo a\\*b"), false),
            // Only allow rules are broad; asking or denying broadly is the point.
            (Action::Deny, Some("bash *"), false),
            (Action::Ask, None, false),
        ];
        for &(action, pattern, broad) in table {
            let layers = Layers {
                agent: vec![rule("r", "system_shell", action, pattern)],
                ..Layers::default()
            };
            let w = analyze(&layers, &Catalog::builtin());
            assert_eq!(
                w.iter().any(|w| w.kind == WarningKind::BroadAllow),
                broad,
                "{action:?} {pattern:?}: {w:?}"
            );
        }
        let layers = Layers {
            agent: vec![rule("r", "system_shell", Action::Allow, Some("sudo *"))],
            ..Layers::default()
        };
        assert_eq!(
            analyze(&layers, &Catalog::builtin())[0].message,
            "allows too much: `sudo` runs the commands, code or files it is given, so `*` after it allows anything; name the subcommand and arguments"
        );
        // Path tools are not command tools: `/srv/*` is how a folder is allowed.
        let layers = Layers {
            agent: vec![rule("r", "read_file", Action::Allow, Some("/srv/*"))],
            ..Layers::default()
        };
        assert!(analyze(&layers, &Catalog::builtin()).is_empty());
    }

    #[test]
    fn reports_patterns_that_do_not_fit_the_argument_kind() {
        let table: &[(&str, &str, bool)] = &[
            ("read_file", "src/*.rs", true),
            ("read_file", "~/.ssh/*", true),
            ("read_file", "/repo//x", true),
            ("read_file", "/repo/./x*", true),
            ("read_file", "/repo/", true),
            ("read_file", "*/..", true),
            ("read_file", "/repo/*", false),
            ("read_file", "*.rs", false),
            ("http_request", "HTTPS://x.test/*", true),
            ("http_request", "https://X.test/*", true),
            ("http_request", "https://x.test:443/*", true),
            ("http_request", "https://x.test", true),
            ("http_request", "x.test/*", true),
            ("http_request", "https://x.test/*", false),
            ("http_request", "*://x.test/*", false),
            ("system_shell", "/bin/rm *", false),
            ("system_shell", "./deploy.sh", false),
            ("system_shell", " ls", false),
            ("system_shell", "cat ./src/*", true),
            ("system_shell", "./deploy.sh ../x", true),
            ("system_shell", "git commit -m \"*\"", true),
            ("system_shell", "rm *", false),
            ("system_shell", "cat /etc/*", false),
            ("send_email", "anything", false),
        ];
        for &(tool, pattern, bad) in table {
            let layers = Layers {
                agent: vec![rule("r", tool, Action::Allow, Some(pattern))],
                ..Layers::default()
            };
            let w = analyze(&layers, &Catalog::builtin());
            assert_eq!(
                w.iter().any(|w| w.kind == WarningKind::KindMismatch),
                bad,
                "{tool} {pattern:?}: {w:?}"
            );
        }
    }

    #[test]
    fn command_shadowing_is_judged_by_words() {
        let shadowed = |first: &str, second: &str| {
            let layers = Layers {
                agent: vec![
                    rule("a", "system_shell", Action::Allow, Some(first)),
                    rule("b", "system_shell", Action::Deny, Some(second)),
                ],
                ..Layers::default()
            };
            !analyze(&layers, &Catalog::builtin()).is_empty()
        };
        assert!(shadowed("npm *", "npm install *"));
        assert!(shadowed("cat /a/*", "cat /a/x"));
        assert!(shadowed("git * --force", "git push origin --force"));
        // A star inside a word does not reach into further words.
        assert!(!shadowed("cat /a/*", "cat /a/x /b"));
        assert!(!shadowed("npm*", "npm install"));
    }

    #[test]
    fn reports_unknown_tools() {
        let layers = Layers {
            workspace: vec![rule("w", "deploy", Action::Allow, None)],
            ..Layers::default()
        };
        let w = analyze(&layers, &Catalog::builtin());
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].kind, WarningKind::UnknownTool);
    }
}
