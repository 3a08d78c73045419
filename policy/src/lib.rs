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
//! Patterns ([`RulePattern`]) match the whole, normalized argument: `*` spans
//! any characters including `/` and spaces, `\*` and `\\` are a literal star
//! and backslash, everything else is literal. Before matching:
//! - paths are normalized lexically and joined to the working directory
//!   ([`path`]); a path climbing above `/` or containing NUL is denied with
//!   reason `invalid_input`;
//! - URLs are normalized ([`url`]); a malformed one is denied likewise;
//! - shell commands are parsed into simple commands in a canonical form
//!   ([`shell`] documents it): program basename plus unquoted arguments.
//!   Each simple command is decided on its own and the strictest verdict
//!   wins (`deny > ask > allow`). A command that cannot be analysed is at
//!   least `ask`, and so is one with a word only known at run time (`$F`,
//!   `$(…)`) when the deciding rule has a pattern: a pattern cannot vouch
//!   for text it never saw.
//!
//! Tools missing from the catalog are matched as text, are at least `ask`,
//! and have risk `unknown`.
//!
//! Because `*` spans spaces, a command pattern's star also spans further
//! arguments: `cat /repo/*` matches `cat /repo/a /etc/passwd`. That is the
//! documented pattern semantics, not a parsing gap; rules that must pin the
//! argument count should be literal. [`analyze`] reports rules that can never
//! apply and patterns that cannot fit their tool's arguments.
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
pub mod shell;
pub mod suggest;
pub mod url;

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
