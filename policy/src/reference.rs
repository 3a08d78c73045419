//! The reference evaluator: the policy semantics written as plainly as
//! possible — walk the rules in evaluation order and return the first whose
//! tool applies and whose pattern matches ([`Rule::matches`] for text and
//! URLs, `matches_path` for paths, `matches_command` for commands).
//!
//! It shares the normalization and verdict pipeline with
//! [`CompiledPolicy`](crate::CompiledPolicy), so property tests comparing the
//! two test exactly the compiled index. Its cost grows with the number of
//! rules; it doubles as the naive baseline in the benchmark.

use crate::catalog::Catalog;
use crate::decision::{Decision, Request};
use crate::engine::{self, FirstMatch, RuleTable};
use crate::rules::{ExecutionMode, Layers, Rule};
use crate::shell::SimpleCommand;

/// A first-match loop over the rules.
#[derive(Debug, Clone)]
pub struct ReferencePolicy {
    rules: Vec<Rule>,
    table: RuleTable,
}

impl ReferencePolicy {
    /// Takes the rules as they are; nothing is precomputed.
    pub fn new(layers: &Layers, mode: ExecutionMode, catalog: &Catalog) -> Self {
        Self {
            rules: layers.iter().map(|(_, r)| r.clone()).collect(),
            table: RuleTable::new(layers, mode, catalog),
        }
    }

    /// Decides one tool call.
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        engine::decide(self, &self.table, request)
    }
}

impl FirstMatch for ReferencePolicy {
    fn first_match(&self, tool: &str, subject: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.matches(tool, subject))
    }

    fn first_path_match(&self, tool: &str, path: &str, opaque: bool) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.matches_path(tool, path, opaque))
    }

    fn first_command_match(&self, tool: &str, command: &SimpleCommand) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.matches_command(tool, command))
    }
}
