//! The compiled policy: built once per rule set, then shared read-only
//! across threads (it is `Send + Sync`; wrap it in an `Arc`).
//!
//! Rules are grouped by the tool they name, plus one group for `*` rules;
//! each group is a [`PatternIndex`]. A decision looks up the `*` group and
//! the tool's group and takes the lower rule index, so its cost depends on
//! the argument, not on how many rules there are.

use crate::Map;
use crate::catalog::Catalog;
use crate::decision::{Decision, Request};
use crate::engine::{self, FirstMatch, RuleTable};
use crate::matcher::{NONE, PatternIndex};
use crate::rules::{ExecutionMode, Layers, ToolSelector};

/// An agent's rules, mode and tool catalog, compiled for fast decisions.
#[derive(Debug)]
pub struct CompiledPolicy {
    table: RuleTable,
    by_tool: Map<String, PatternIndex>,
    any_tool: PatternIndex,
}

impl CompiledPolicy {
    /// Compiles the three rule layers with the agent's mode and the
    /// workspace's catalog. Patterns were validated when the rules were
    /// built, so compiling cannot fail.
    pub fn compile(layers: &Layers, mode: ExecutionMode, catalog: &Catalog) -> Self {
        let table = RuleTable::new(layers, mode, catalog);
        let mut named: Map<&str, Vec<(u32, Option<&crate::RulePattern>)>> = Map::default();
        let mut any = Vec::new();
        for (index, (_, rule)) in layers.iter().enumerate() {
            // More than u32::MAX rules cannot be stored in a database row's
            // lifetime; saturate rather than wrap if it ever happened.
            let index = u32::try_from(index).unwrap_or(NONE - 1);
            let entry = (index, rule.pattern.as_ref());
            match &rule.tool {
                ToolSelector::Any => any.push(entry),
                ToolSelector::Named(name) => named.entry(name.as_str()).or_default().push(entry),
            }
        }
        Self {
            table,
            by_tool: named
                .into_iter()
                .map(|(tool, patterns)| (tool.to_owned(), PatternIndex::build(patterns)))
                .collect(),
            any_tool: PatternIndex::build(any),
        }
    }

    /// Decides one tool call.
    ///
    /// ```
    /// use bosun_policy::{Action, Catalog, CompiledPolicy, ExecutionMode, Layers, Request, Rule, RulePattern, ToolSelector};
    /// let rule = Rule::new("r1", ToolSelector::parse("system_shell"), Action::Allow, Some(RulePattern::parse("npm *").unwrap()));
    /// let layers = Layers { agent: vec![rule], ..Layers::default() };
    /// let policy = CompiledPolicy::compile(&layers, ExecutionMode::Restricted, &Catalog::builtin());
    /// assert_eq!(policy.decide(&Request::new("system_shell", "npm test")).action, Action::Allow);
    /// assert_eq!(policy.decide(&Request::new("system_shell", "npm test && rm -rf /")).action, Action::Ask);
    /// ```
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        engine::decide(self, &self.table, request)
    }

    /// The execution mode the policy was compiled with.
    pub fn mode(&self) -> ExecutionMode {
        self.table.mode
    }

    /// Number of rules compiled in.
    pub fn rule_count(&self) -> usize {
        self.table.entries.len()
    }

    /// The index of the first rule matching `subject` for `tool`, if any;
    /// `witness` subjects are used by the rule-set analysis.
    pub(crate) fn first_index(&self, tool: &ToolSelector, subject: &str) -> Option<usize> {
        let bytes = subject.as_bytes();
        let mut best = self.any_tool.first_match(bytes, NONE);
        if let ToolSelector::Named(name) = tool
            && let Some(index) = self.by_tool.get(name.as_str())
        {
            best = index.first_match(bytes, best);
        }
        (best != NONE).then_some(best as usize)
    }

    pub(crate) fn table(&self) -> &RuleTable {
        &self.table
    }
}

impl FirstMatch for CompiledPolicy {
    fn first_match(&self, tool: &str, subject: &str) -> Option<usize> {
        let bytes = subject.as_bytes();
        let mut best = self.any_tool.first_match(bytes, NONE);
        if let Some(index) = self.by_tool.get(tool) {
            best = index.first_match(bytes, best);
        }
        (best != NONE).then_some(best as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_policy_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CompiledPolicy>();
        assert_send_sync::<std::sync::Arc<CompiledPolicy>>();
    }
}
