//! Bosun's policy engine: decides whether an agent's tool call is allowed,
//! asked about, or denied, and says why.
//!
//! The engine is pure — no I/O, no clocks, no randomness, no threads — and
//! compiles to `wasm32-unknown-unknown`, so the rule editor can preview
//! decisions in the browser.
//!
//! # Semantics
//!
//! Rules live in three ordered layers — enforced workspace rules, the
//! agent's rules, workspace rules — and the **first** rule (in that order)
//! whose tool applies and whose pattern matches decides. When none does,
//! the agent's [`ExecutionMode`] decides. Positions in reasons are
//! **1-based**.
//!
//! Patterns ([`RulePattern`]) match the whole, normalized argument; `\*`
//! and `\\` are a literal star and backslash, everything else but `*` is
//! literal. How far `*` reaches depends on the tool's argument kind:
//!
//! - **Text and URLs**: `*` spans any characters, `/` and spaces included.
//!   URLs are normalized first ([`url`]); a malformed one is denied with
//!   reason `invalid_input`.
//! - **Paths**: `*` spans any characters. Paths are normalized lexically and
//!   joined to the working directory ([`path`]); one climbing above `/` or
//!   containing NUL is denied with reason `invalid_input`. A path starting
//!   with `~` is only known at run time: only a rule matching every path
//!   allows it, deny and ask rules match it as written. **Deny and ask
//!   rules match paths case-insensitively, and `/dir/*` also covers `/dir`**
//!   (deny broadly); allow rules match exactly (allow narrowly).
//! - **Commands**: a pattern is a sequence of words separated by blanks.
//!   Inside a word `*` matches characters of that one word (`/` included),
//!   never a separator; **a word that is just `*` matches any number of
//!   words, zero included**. So `rm *` covers bare `rm`, `npm install *`
//!   covers `npm install`, and `cat /srv/app/*` allows `cat /srv/app/a` but
//!   not `cat /srv/app/a /etc/shadow`. Words are compared after the shell's
//!   quote removal and escaping ([`shell`] splits them exactly as the shell
//!   does); pattern words that are paths are normalized like the paths they
//!   meet.
//!
//! A command line is split into every simple command it would run
//! (connectors, subshells, substitutions, compound commands, functions,
//! aliases, `trap` handlers, `case` arms, nested shells, wrappers unwrapped
//! with their option grammar). Each is decided on its own and the strictest
//! verdict wins (`deny > ask > allow`):
//!
//! - **Allow rules match the command as written**: assignments in front and
//!   the program as typed (`./git status`, `/tmp/git status` and
//!   `GIT_DIR=x git status` are not `git status`). **Deny and ask rules see
//!   through both**: they also match without the assignments and with the
//!   program's base name (`/bin/rm -rf /` is `rm -rf /`), and past options
//!   in front of a subcommand, each alone or with one value (`git -C /repo
//!   push` is `git push`, `kubectl -n prod delete pod` is `kubectl delete
//!   pod`).
//! - Arguments starting with `/`, `./` or `../` are normalized and joined to
//!   the working directory (after a `cd`, relative ones are only known at
//!   run time). A word holding something only the running shell knows — an
//!   expansion (`$HOME`, `$(…)`), `~`, a pathname glob, brace expansion — is
//!   matched by an allow rule only through a pattern word that is just `*`;
//!   deny and ask rules match it as written.
//! - **Redirections are file access**: output to a file is judged as a
//!   `write_file` call of the normalized target (that tool's rules, then the
//!   mode's baseline for it), input from a file as `read_file`; `/dev/null`
//!   and descriptor duplication are free.
//! - **Opaque code** — inline interpreter code (`python -c`, `perl -e`,
//!   `awk 'BEGIN{system(…)}'`, `sed e`, `git -c …`, `tar
//!   --checkpoint-action=exec=…`), `eval` of anything not literal, programs
//!   that run a command they are handed but are not unwrapped (`su -c`,
//!   `chroot`, `flock`, `strace`, …), a shell reading its input, `$'…'` and
//!   `$"…"` (bash and POSIX sh read them differently), arithmetic on
//!   variables, input that does not parse — is judged as an unknown command
//!   of the tool: the strictest decision the tool's rules (enforced ones
//!   included) and the mode could give to some command. That is `allow`
//!   only in the `open` mode with no deny or ask rule for the tool, at least
//!   `ask` otherwise, whatever allow rule matched the outer command; the
//!   reason is `unanalysable`. Running a script file (`python3 script.py`,
//!   `npm test`) is an ordinary command.
//!
//! Tools missing from the catalog are matched as text, are at least `ask`,
//! and have risk `unknown`. [`analyze`] reports rules that can never apply
//! and patterns that cannot fit their tool's arguments.
//!
//! # Use
//!
//! ```
//! use std::sync::Arc;
//! use bosun_policy::*;
//!
//! let rule = |id: &str, action, pattern: &str| {
//!     Rule::new(id, ToolSelector::parse("system_shell"), action, Some(RulePattern::parse(pattern).unwrap()))
//! };
//! let layers = Layers {
//!     enforced: vec![rule("no-rm", Action::Deny, "rm *")],
//!     agent: vec![rule("npm", Action::Allow, "npm *")],
//!     workspace: vec![],
//! };
//! let policy = Arc::new(CompiledPolicy::compile(&layers, ExecutionMode::Restricted, &Catalog::builtin()));
//! let d = policy.decide(&Request::new("system_shell", "npm ci && sudo /bin/rm -rf node_modules"));
//! assert_eq!(d.action, Action::Deny);
//! assert_eq!(d.reason, Reason::Rule { layer: Layer::Enforced, rule_id: "no-rm".into(), position: 1 });
//! assert_eq!(d.risk.level, RiskLevel::Dangerous);
//! assert!(analyze(&layers, &Catalog::builtin()).is_empty());
//! ```

pub mod analysis;
pub mod catalog;
mod compile;
pub mod decision;
mod engine;
mod matcher;
pub mod path;
pub mod pattern;
pub mod reference;
pub mod risk;
pub mod rules;
pub mod run_allowance;
pub mod shell;
#[cfg(feature = "serde")]
pub mod structured;
pub mod suggest;
pub mod url;
pub mod vocabulary;

/// Hash maps keyed by rule-set data (tool names, literal patterns). A
/// fixed-seed fast hash: the engine has no randomness to seed from, and the
/// keys come from the rule set, not from requests, so there is nothing for a
/// caller to flood.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

pub use analysis::{RuleRef, Warning, WarningKind, analyze};
pub use catalog::{ArgKind, Catalog, RiskLevel, Tool, ToolCategory, builtin_tools};
pub use compile::CompiledPolicy;
pub use decision::{CommandVerdict, Decision, Reason, Request, Risk};
pub use pattern::{PatternError, RulePattern};
pub use reference::ReferencePolicy;
pub use rules::{Action, ExecutionMode, Layer, Layers, Rule, RulePosition, ToolSelector};
pub use vocabulary::{UnknownName, Vocabulary};
