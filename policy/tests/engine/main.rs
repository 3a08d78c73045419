//! Integration tests of the policy engine through its public API: one
//! binary, a module per area.

mod bypass;
mod contract;
mod differential;
mod properties;
mod semantics;
mod suggest;

use bosun_policy::{
    Action, Catalog, CompiledPolicy, Decision, ExecutionMode, Layers, Request, Rule, RulePattern,
    ToolSelector,
};

/// A rule from plain strings; `pattern` must be valid.
pub fn rule(id: &str, tool: &str, action: Action, pattern: Option<&str>) -> Rule {
    Rule::new(
        id,
        ToolSelector::parse(tool),
        action,
        pattern.map(|p| RulePattern::parse(p).expect("test pattern is valid")),
    )
}

pub fn compile(layers: &Layers, mode: ExecutionMode) -> CompiledPolicy {
    CompiledPolicy::compile(layers, mode, &Catalog::builtin())
}

/// Decides with `/repo` as the working directory.
pub fn decide(policy: &CompiledPolicy, tool: &str, input: &str) -> Decision {
    policy.decide(&Request::new(tool, input).with_working_dir("/repo"))
}
