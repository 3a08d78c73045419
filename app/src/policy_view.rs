//! The policy engine on the page: rule lists and tools as the engine takes
//! them, and its answers in words. Runs in the browser (compiled to
//! WebAssembly) and on the server alike, so both always agree.

use bosun_policy::{
    Catalog, Layers, Reason, Rule, RulePattern, ToolSelector, Warning, WarningKind,
};

use crate::api::rules::Rule as ListedRule;
use crate::api::tools::Tool;

/// The rule as the engine takes it; `None` if it does not parse (the
/// server refuses such rules, so this only guards against the impossible).
pub fn engine_rule(rule: &ListedRule) -> Option<Rule> {
    let pattern = match rule.pattern.as_deref() {
        Some(pattern) => Some(RulePattern::parse(pattern).ok()?),
        None => None,
    };
    Some(Rule::new(
        rule.id.clone(),
        ToolSelector::parse(&rule.tool),
        rule.action,
        pattern,
    ))
}

pub fn layers(enforced: &[ListedRule], agent: &[ListedRule], workspace: &[ListedRule]) -> Layers {
    let convert = |rules: &[ListedRule]| rules.iter().filter_map(engine_rule).collect();
    Layers {
        enforced: convert(enforced),
        agent: convert(agent),
        workspace: convert(workspace),
    }
}

pub fn catalog(tools: &[Tool]) -> Catalog {
    Catalog::new(tools.iter().map(Tool::to_policy_tool))
}

/// "deny delete_file /etc/*", as a person would say the rule.
pub fn rule_label(rule: &ListedRule) -> String {
    match &rule.pattern {
        Some(pattern) => format!("{} {} {pattern}", rule.action, rule.tool),
        None => format!("{} {} (any input)", rule.action, rule.tool),
    }
}

/// Finds a rule by id among the lists shown.
pub type RuleLookup<'a> = &'a dyn Fn(&str) -> Option<ListedRule>;

/// Why the engine decided as it did.
pub fn reason_text(reason: &Reason, lookup: RuleLookup<'_>) -> String {
    match reason {
        Reason::Rule {
            layer,
            rule_id,
            position,
        } => {
            let label = lookup(rule_id)
                .map(|rule| format!(" ({})", rule_label(&rule)))
                .unwrap_or_default();
            format!("{} rule #{position}{label}", layer.as_str())
        }
        Reason::Mode { mode } => format!(
            "no rule matched; the {} mode decides",
            mode.as_str().replace('_', " ")
        ),
        Reason::InvalidInput { message } => format!("the input was refused: {message}"),
        Reason::Unanalysable { message } => format!("the command cannot be analysed: {message}"),
        Reason::UnknownTool { tool } => format!("`{tool}` is not in the tool catalog"),
        Reason::RunAllowance => "a reviewer allowed it for this run".to_owned(),
        Reason::ClientInternal { tool } => {
            format!("`{tool}` acts only on the client's own state; no rule denies it")
        }
    }
}

/// A warning about a rule, naming the rule that wins instead by what it says.
pub fn warning_text(warning: &Warning, lookup: RuleLookup<'_>) -> String {
    let by = match &warning.kind {
        WarningKind::Shadowed { by, .. } | WarningKind::OverriddenByEnforced { by } => by,
        WarningKind::KindMismatch | WarningKind::UnknownTool | WarningKind::BroadAllow => {
            return warning.message.clone();
        }
    };
    let Some(winner) = lookup(&by.rule_id) else {
        return warning.message.clone();
    };
    let who = format!(
        "{} rule #{} ({})",
        by.layer.as_str(),
        by.position,
        rule_label(&winner)
    );
    match &warning.kind {
        WarningKind::OverriddenByEnforced { .. } => {
            format!("Unreachable: {who} decides first for everything this rule matches.")
        }
        WarningKind::Shadowed {
            same_action: true, ..
        } => {
            format!(
                "Redundant: {who} comes first and already decides the same for everything this rule matches."
            )
        }
        _ => format!("Never applies: {who} comes first and matches everything this rule matches."),
    }
}
