//! The compiled policy: built once per rule set, then shared read-only
//! across threads (it is `Send + Sync`; wrap it in an `Arc`).
//!
//! Rules are grouped by the tool they name, plus one group for `*` rules.
//! A decision looks up the `*` group and the tool's group and takes the
//! lower rule index, so its cost depends on the argument, not on how many
//! rules there are. Each group holds [`PatternIndex`]es:
//!
//! - over the patterns as text (text and URL tools, exact path matching);
//! - over the case-folded patterns of deny and ask rules, with `/dir/*`
//!   also as `/dir` (their case-insensitive path matching);
//! - over each pattern's command filter (see `RulePattern::command_filter`)
//!   for all rules, and for deny and ask rules alone: a necessary condition
//!   on a command's text. The lowest candidate is verified word by word;
//!   only if it fails are the group's later rules tried one by one, so an
//!   ordinary rule set costs one lookup and a hostile one stays correct.

use crate::Map;
use crate::catalog::{ArgKind, Catalog};
use crate::decision::{Decision, Request};
use crate::engine::{self, FirstMatch, READ_TOOL, RuleTable, WRITE_TOOL};
use crate::matcher::{NONE, PatternIndex};
use crate::pattern::fold;
use crate::rules::{ExecutionMode, Layers, ToolSelector};
use crate::shell::{SimpleCommand, View};

/// An agent's rules, mode and tool catalog, compiled for fast decisions.
#[derive(Debug)]
pub struct CompiledPolicy {
    table: RuleTable,
    by_tool: Map<String, Group>,
    any_tool: Group,
}

/// The rules of one tool (or of `*`), indexed for each way of matching.
#[derive(Debug, Default)]
struct Group {
    /// Rule indexes in evaluation order.
    rules: Vec<u32>,
    text: PatternIndex,
    strict_paths: PatternIndex,
    commands: PatternIndex,
    strict_commands: PatternIndex,
}

impl Group {
    /// Builds the text index, and the path and command indexes when the
    /// group's rules can be asked about paths or commands.
    fn build(table: &RuleTable, rules: Vec<u32>, paths: bool, commands: bool) -> Self {
        let entry = |i: u32| &table.entries[i as usize].rule;
        let text = PatternIndex::build(
            rules
                .iter()
                .map(|&i| (i, entry(i).pattern.as_ref().map(|p| p.parts()))),
        );
        let strict: Vec<u32> = rules
            .iter()
            .copied()
            .filter(|&i| entry(i).is_strict())
            .collect();
        let strict_paths = PatternIndex::build(strict.iter().filter(|_| paths).flat_map(|&i| {
            let folded = entry(i).pattern.as_ref().map(|p| p.folded_parts());
            [
                Some((i, folded.map(|(f, _)| f))),
                folded.and_then(|(_, dir)| dir).map(|d| (i, Some(d))),
            ]
            .into_iter()
            .flatten()
        }));
        let filters: Vec<(u32, Option<Vec<String>>)> = rules
            .iter()
            .filter(|_| commands)
            .map(|&i| {
                let rule = entry(i);
                (
                    i,
                    rule.pattern
                        .as_ref()
                        .map(|p| p.command_filter(rule.is_strict())),
                )
            })
            .collect();
        let commands = PatternIndex::build(filters.iter().map(|(i, f)| (*i, f.as_deref())));
        let strict_commands = PatternIndex::build(
            filters
                .iter()
                .filter(|(i, _)| entry(*i).is_strict())
                .map(|(i, f)| (*i, f.as_deref())),
        );
        Self {
            rules,
            text,
            strict_paths,
            commands,
            strict_commands,
        }
    }

    fn first_path(&self, path: &str, folded: &mut Option<String>, opaque: bool, best: u32) -> u32 {
        let mut best = if opaque {
            best.min(self.text.everything())
        } else {
            self.text.first_match(path.as_bytes(), best)
        };
        if !self.strict_paths.is_empty() {
            let folded = folded.get_or_insert_with(|| fold(path));
            best = self.strict_paths.first_match(folded.as_bytes(), best);
        }
        best
    }

    fn first_command(&self, table: &RuleTable, tool: &str, cmd: &SimpleCommand, best: u32) -> u32 {
        let mut candidate = NONE;
        for view in cmd.views() {
            let text = cmd.view_text(view);
            let text = text.as_bytes();
            candidate = match view {
                View::AsWritten => self.commands.first_match(text, candidate),
                _ => self.strict_commands.first_match(text, candidate),
            };
        }
        if candidate >= best {
            return best;
        }
        let verify = |i: u32| table.entries[i as usize].rule.matches_command(tool, cmd);
        if verify(candidate) {
            return candidate;
        }
        // The filter is only a necessary condition: try the later rules.
        let from = self.rules.partition_point(|&i| i <= candidate);
        self.rules[from..]
            .iter()
            .copied()
            .take_while(|&i| i < best)
            .find(|&i| verify(i))
            .unwrap_or(best)
    }
}

impl CompiledPolicy {
    /// Compiles the three rule layers with the agent's mode and the
    /// workspace's catalog. Patterns were validated when the rules were
    /// built, so compiling cannot fail.
    pub fn compile(layers: &Layers, mode: ExecutionMode, catalog: &Catalog) -> Self {
        let table = RuleTable::new(layers, mode, catalog);
        let mut named: Map<&str, Vec<u32>> = Map::default();
        let mut any = Vec::new();
        for (index, (_, rule)) in layers.iter().enumerate() {
            // More than u32::MAX rules cannot be stored in a database row's
            // lifetime; saturate rather than wrap if it ever happened.
            let index = u32::try_from(index).unwrap_or(NONE - 1);
            match &rule.tool {
                ToolSelector::Any => any.push(index),
                ToolSelector::Named(name) => named.entry(name.as_str()).or_default().push(index),
            }
        }
        let by_tool = named
            .into_iter()
            .map(|(tool, rules)| {
                // Redirections ask the file tools about paths whatever the
                // catalog says of them.
                let kind = catalog.get(tool).map(|t| t.arg_kind);
                let paths = kind == Some(ArgKind::Path) || matches!(tool, READ_TOOL | WRITE_TOOL);
                let commands = kind == Some(ArgKind::Command);
                (
                    tool.to_owned(),
                    Group::build(&table, rules, paths, commands),
                )
            })
            .collect();
        let any_tool = Group::build(&table, any, true, true);
        Self {
            table,
            by_tool,
            any_tool,
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

    /// Decides a call of a tool that acts only on the calling client's own
    /// state (Claude Code's to-do list, its plan mode, a sub-agent whose own
    /// calls are asked about one by one): every rule for the tool or for
    /// `*`, in the usual order, and `allow` (reason `client_internal`)
    /// where none matches, whatever the mode and whether or not the tool is
    /// in the catalog or among the agent's tools. The subject is matched as
    /// text.
    ///
    /// ```
    /// use bosun_policy::*;
    /// let stop = Rule::new("s", ToolSelector::parse("*"), Action::Deny, Some(RulePattern::parse("*secret*").unwrap()));
    /// let layers = Layers { enforced: vec![stop], ..Layers::default() };
    /// let policy = CompiledPolicy::compile(&layers, ExecutionMode::Locked, &Catalog::builtin());
    /// let todo = policy.decide_client_internal(&Request::new("todo_write", r#"{"todos":[]}"#));
    /// assert_eq!((todo.action, todo.reason), (Action::Allow, Reason::ClientInternal { tool: "todo_write".into() }));
    /// let leak = policy.decide_client_internal(&Request::new("todo_write", r#"{"todos":["the secret"]}"#));
    /// assert_eq!(leak.action, Action::Deny);
    /// ```
    pub fn decide_client_internal(&self, request: &Request<'_>) -> Decision {
        let text_only = Request {
            agent_tools: None,
            ..*request
        };
        engine::decide_client_internal(self, &self.table, &text_only)
    }

    /// The catalog the policy was compiled with.
    pub fn catalog(&self) -> &Catalog {
        &self.table.catalog
    }

    /// The execution mode the policy was compiled with.
    pub fn mode(&self) -> ExecutionMode {
        self.table.mode
    }

    /// Number of rules compiled in.
    pub fn rule_count(&self) -> usize {
        self.table.entries.len()
    }

    /// The index of the first rule matching `subject` as text for `tool`,
    /// if any; `witness` subjects are used by the rule-set analysis.
    pub(crate) fn first_index(&self, tool: &ToolSelector, subject: &str) -> Option<usize> {
        let bytes = subject.as_bytes();
        let mut best = self.any_tool.text.first_match(bytes, NONE);
        if let ToolSelector::Named(name) = tool
            && let Some(group) = self.by_tool.get(name.as_str())
        {
            best = group.text.first_match(bytes, best);
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
        let mut best = self.any_tool.text.first_match(bytes, NONE);
        if let Some(group) = self.by_tool.get(tool) {
            best = group.text.first_match(bytes, best);
        }
        (best != NONE).then_some(best as usize)
    }

    fn first_path_match(&self, tool: &str, path: &str, opaque: bool) -> Option<usize> {
        let mut folded = None;
        let mut best = self.any_tool.first_path(path, &mut folded, opaque, NONE);
        if let Some(group) = self.by_tool.get(tool) {
            best = group.first_path(path, &mut folded, opaque, best);
        }
        (best != NONE).then_some(best as usize)
    }

    fn first_command_match(&self, tool: &str, command: &SimpleCommand) -> Option<usize> {
        let mut best = self
            .any_tool
            .first_command(&self.table, tool, command, NONE);
        if let Some(group) = self.by_tool.get(tool) {
            best = group.first_command(&self.table, tool, command, best);
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
