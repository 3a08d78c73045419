//! Workloads and engines for comparing Bosun's compiled policy with a naive
//! first-match loop ([`bosun_policy::ReferencePolicy`]) and with
//! `cedar-policy` evaluating the same rules.
//!
//! Each rule set has `n` rules: `n - 3` fillers of the shapes that defeat
//! per-rule scanning (exact commands, `prefix*`, `*.ext`, `*mid*`,
//! `prefix*.rs`), none of which match the queries, then the three rules the
//! queries are about, last. In Cedar each rule is a `permit` policy whose
//! `@action` annotation carries the rule's action; among the policies that
//! determine the decision, the lowest rule index is the first match.

use std::str::FromStr;

use bosun_policy::{
    Action, Catalog, CompiledPolicy, ExecutionMode, Layers, ReferencePolicy, Request, Rule,
    RulePattern, ToolSelector,
};
use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, Policy, PolicyId, PolicySet, RestrictedExpression,
};

/// A query: tool, raw input, and the subject Cedar is given (Bosun's
/// normalized form, so Cedar is spared the parsing work).
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// Short label for tables.
    pub name: &'static str,
    /// Tool name.
    pub tool: &'static str,
    /// Raw argument as an agent sends it.
    pub input: &'static str,
    /// The normalized subject rules are matched against.
    pub subject: &'static str,
}

/// The queries every engine answers.
pub const QUERIES: [Query; 4] = [
    Query {
        name: "shell: git status",
        tool: "system_shell",
        input: "git status",
        subject: "git status",
    },
    Query {
        name: "path: /repo/src/main.rs",
        tool: "read_file",
        input: "/repo/src/main.rs",
        subject: "/repo/src/main.rs",
    },
    Query {
        name: "path: no match",
        tool: "read_file",
        input: "/opt/vendor/lib/README.md",
        subject: "/opt/vendor/lib/README.md",
    },
    Query {
        name: "shell: no match",
        tool: "system_shell",
        input: "ls -la /tmp",
        subject: "ls -la /tmp",
    },
];

/// The working directory of every request.
pub const WORKING_DIR: &str = "/repo";

fn rule(id: usize, tool: &str, action: Action, pattern: &str) -> Rule {
    let pattern = RulePattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern:?}: {e}"));
    Rule::new(
        format!("r{id}"),
        ToolSelector::parse(tool),
        action,
        Some(pattern),
    )
}

/// `n` rules (at least 3), the matching ones last.
pub fn rules(n: usize) -> Vec<Rule> {
    let fillers = n.saturating_sub(3);
    let mut out = Vec::with_capacity(n.max(3));
    for i in 0..fillers {
        let action = [Action::Allow, Action::Ask, Action::Deny][i % 3];
        let (tool, pattern) = match i % 8 {
            0 => ("system_shell", format!("cargo build -p crate{i}")),
            1 => ("system_shell", format!("npm install pkg{i}*")),
            2 => ("system_shell", format!("*--token={i}*")),
            3 => ("read_file", format!("*_{i}.rs")),
            4 => ("read_file", format!("/srv/app{i}/*.rs")),
            5 => ("read_file", format!("*/gen{i}/*")),
            6 => ("read_file", format!("/data{i}/*")),
            _ => ("read_file", format!("*.ext{i}")),
        };
        out.push(rule(i, tool, action, &pattern));
    }
    out.push(rule(fillers, "system_shell", Action::Allow, "git status"));
    out.push(rule(fillers + 1, "read_file", Action::Allow, "/repo/*.rs"));
    out.push(rule(fillers + 2, "read_file", Action::Ask, "/repo/*"));
    out
}

/// The rules as the agent layer.
pub fn layers(n: usize) -> Layers {
    Layers {
        agent: rules(n),
        ..Layers::default()
    }
}

/// Bosun's compiled policy.
pub fn compiled(layers: &Layers) -> CompiledPolicy {
    CompiledPolicy::compile(layers, ExecutionMode::Restricted, &Catalog::builtin())
}

/// The first-match loop.
pub fn naive(layers: &Layers) -> ReferencePolicy {
    ReferencePolicy::new(layers, ExecutionMode::Restricted, &Catalog::builtin())
}

/// Decides `q` with the compiled policy.
pub fn decide_compiled(p: &CompiledPolicy, q: &Query) -> Action {
    p.decide(&Request::new(q.tool, q.input).with_working_dir(WORKING_DIR))
        .action
}

/// Decides `q` with the first-match loop.
pub fn decide_naive(p: &ReferencePolicy, q: &Query) -> Action {
    p.decide(&Request::new(q.tool, q.input).with_working_dir(WORKING_DIR))
        .action
}

/// The rules as a Cedar policy set.
pub struct CedarRules {
    policies: PolicySet,
    authorizer: Authorizer,
    entities: Entities,
    principal: EntityUid,
}

impl CedarRules {
    /// Builds the policy set: one `permit` per rule, ids `r{index}`.
    pub fn build(rules: &[Rule]) -> Self {
        let mut policies = PolicySet::new();
        for (i, r) in rules.iter().enumerate() {
            let scope = match &r.tool {
                ToolSelector::Any => "action".to_owned(),
                ToolSelector::Named(t) => format!("action == Action::{t:?}"),
            };
            let condition = r.pattern.as_ref().map_or_else(String::new, |p| {
                format!(" when {{ context.subject like {:?} }}", p.as_str())
            });
            let src = format!(
                "@action({:?}) permit(principal, {scope}, resource){condition};",
                r.action.as_str()
            );
            let policy = Policy::parse(Some(PolicyId::new(format!("r{i}"))), &src)
                .unwrap_or_else(|e| panic!("{src}: {e}"));
            policies
                .add(policy)
                .unwrap_or_else(|e| panic!("{src}: {e}"));
        }
        Self {
            policies,
            authorizer: Authorizer::new(),
            entities: Entities::empty(),
            principal: uid(r#"Agent::"bench""#),
        }
    }

    /// First match among the determining policies: the lowest rule index;
    /// its `@action` annotation is the verdict. `None` when no rule matched.
    pub fn decide(&self, q: &Query) -> Option<Action> {
        let action = uid(&format!("Action::{:?}", q.tool));
        let resource = uid(r#"Tool::"call""#);
        let context = Context::from_pairs([(
            "subject".to_owned(),
            RestrictedExpression::new_string(q.subject.to_owned()),
        )])
        .ok()?;
        let request =
            cedar_policy::Request::new(self.principal.clone(), action, resource, context, None)
                .ok()?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &self.entities);
        let first = response
            .diagnostics()
            .reason()
            .min_by_key(|id| id.to_string()[1..].parse::<usize>().unwrap_or(usize::MAX))?;
        match self.policies.annotation(first, "action")? {
            "allow" => Some(Action::Allow),
            "ask" => Some(Action::Ask),
            _ => Some(Action::Deny),
        }
    }
}

fn uid(s: &str) -> EntityUid {
    EntityUid::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_three_engines_agree_on_the_workload() {
        for n in [10, 100, 1000] {
            let layers = layers(n);
            let fast = compiled(&layers);
            let slow = naive(&layers);
            let cedar = CedarRules::build(&layers.agent);
            for q in &QUERIES {
                let req = Request::new(q.tool, q.input).with_working_dir(WORKING_DIR);
                let d = fast.decide(&req);
                assert_eq!(d, slow.decide(&req), "{n} {}", q.name);
                // Cedar has no modes: where it finds no rule, the mode decided.
                match cedar.decide(q) {
                    Some(action) => assert_eq!(d.action, action, "{n} {}", q.name),
                    None => assert!(
                        matches!(d.reason, bosun_policy::Reason::Mode { .. }),
                        "{n} {}",
                        q.name
                    ),
                }
            }
        }
    }

    #[test]
    fn the_queries_decide_as_designed() {
        let p = compiled(&layers(100));
        let got: Vec<Action> = QUERIES.iter().map(|q| decide_compiled(&p, q)).collect();
        assert_eq!(
            got,
            [Action::Allow, Action::Allow, Action::Allow, Action::Ask]
        );
    }
}
