//! "Always allow" from the inbox: the rule the policy engine suggests for a
//! waiting request, the recent requests it would also allow, the rules it
//! would override, and the confirmation that overriding them takes.
//!
//! The rule is appended to the list the reviewer chose (the agent's, or
//! the workspace's for admins), so it decides before every workspace rule
//! when it is the agent's: a member's click must not quietly undo an
//! admin's `ask git push *`. Whatever overrides a stricter rule needs
//! `confirm_overrides`; an enforced rule is never overridden, and the
//! preview says when one still decides.
//!
//! For an object input the rule is about its subject (a file write's path,
//! not the JSON); for a subject with several elements, about the first one
//! the rules do not allow yet.

use bosun_policy::structured::subjects;
use bosun_policy::suggest::{Impact, impact, suggest};
use bosun_policy::{
    Action, CompiledPolicy, ExecutionMode, Layer, Layers, Request, Rule, RulePattern, ToolSelector,
};
use serde_json::Value;

use crate::access::Capability;
use crate::ids::{AgentId, ApprovalId};
use crate::store;
use crate::store::approvals::ApprovalRow;
use crate::{Bosun, Error, Principal, Result};

/// How many of the agent's recent calls the preview checks.
const RECENT_CALLS: i64 = 50;

pub use bosun_wire::approvals::{AlwaysAllowPreview, OverriddenRule, ProposedRule};

/// The request as the rules see it: for an object input, the subject a
/// rule would be written for.
struct Subject {
    agent: AgentId,
    tool: String,
    input: String,
    working_dir: Option<String>,
}

/// The subject "Always allow" writes its rule for: a string input itself;
/// for an object, the first element of its subject the rules do not allow
/// yet (the first, when they allow them all).
fn subject_to_allow(
    tool: &str,
    input: &Value,
    working_dir: Option<&str>,
    policy: &CompiledPolicy,
) -> Result<String> {
    let found = subjects(policy.catalog().get(tool), input)
        .map_err(|e| Error::invalid("input", e.to_string()))?;
    let request = |s| {
        let r = Request::new(tool, s);
        match working_dir {
            Some(dir) => r.with_working_dir(dir),
            None => r,
        }
    };
    let first = found.first().copied().unwrap_or_default();
    Ok(found
        .iter()
        .copied()
        .find(|s| policy.decide(&request(s)).action != Action::Allow)
        .unwrap_or(first)
        .to_owned())
}

impl Subject {
    fn request(&self) -> Request<'_> {
        let request = Request::new(&self.tool, &self.input);
        match &self.working_dir {
            Some(dir) => request.with_working_dir(dir),
            None => request,
        }
    }
}

impl Bosun {
    /// What "Always allow" would add for a waiting request: the engine's
    /// narrowest suggestion when `pattern` is `None`, else the reviewer's
    /// own pattern (empty: every input of the tool), in the `scope` list
    /// (`agent` by default; `workspace` for admins).
    pub async fn always_allow_preview(
        &self,
        principal: &Principal,
        id: &ApprovalId,
        scope: Option<&str>,
        pattern: Option<&str>,
    ) -> Result<AlwaysAllowPreview> {
        let row = self.approval_row(principal, id).await?;
        let subject = self.subject(principal, &row).await?;
        let layer = scope_layer(principal, scope)?;
        let context = self.policy_context(principal, &subject.agent).await?;
        let (layers, catalog) = (context.layers()?, context.catalog());
        let request = subject.request();
        let (rule, impact) = match pattern {
            None => {
                let suggestion = suggest(&layers, context.mode, &catalog, &request, layer)
                    .map_err(|e| Error::Refused {
                        code: crate::Code::NoSuggestion,
                        message: e.to_string(),
                    })?;
                (suggestion.rule, suggestion.impact)
            }
            Some(pattern) => {
                let rule = proposed_rule(&subject.tool, pattern)?;
                let impact = impact(&layers, context.mode, &catalog, &request, layer, &rule);
                (rule, impact)
            }
        };
        let also_matches = self
            .also_matches(&subject, &row.tool_call_id, &rule, &catalog)
            .await?;
        let overrides = overridden_rules(&layers, &impact);
        Ok(AlwaysAllowPreview {
            rule: ProposedRule {
                tool: subject.tool,
                action: Action::Allow,
                pattern: rule.pattern.map(String::from),
            },
            scope: layer,
            scopes: scopes(principal),
            also_matches,
            overrides,
            still_decided: impact.still_decided,
        })
    }

    /// The rules an "Always allow" rule with `pattern`, appended to
    /// `layer`, would override for this request (see [`impact`]).
    pub(super) async fn always_allow_overrides(
        &self,
        principal: &Principal,
        row: &ApprovalRow,
        layer: Layer,
        pattern: Option<&str>,
    ) -> Result<Vec<OverriddenRule>> {
        let subject = self.subject(principal, row).await?;
        let context = self.policy_context(principal, &subject.agent).await?;
        let layers = context.layers()?;
        let rule = proposed_rule(&subject.tool, pattern.unwrap_or_default())?;
        let impact = impact(
            &layers,
            context.mode,
            &context.catalog(),
            &subject.request(),
            layer,
            &rule,
        );
        Ok(overridden_rules(&layers, &impact))
    }

    async fn subject(&self, principal: &Principal, row: &ApprovalRow) -> Result<Subject> {
        let agent = AgentId::from_string(row.agent_id.clone());
        // Those who may decide the request: editors of its agent, admins.
        self.agent_for(principal, &agent, Capability::Edit).await?;
        let input = match row.judged_input() {
            Value::String(text) => text,
            object => {
                let policy = self
                    .compiled_policy(&principal.workspace_id, &agent)
                    .await?;
                subject_to_allow(
                    &row.tool,
                    &object,
                    row.working_dir.as_deref(),
                    &policy.compiled,
                )?
            }
        };
        Ok(Subject {
            agent,
            tool: row.tool.clone(),
            input,
            working_dir: row.working_dir.clone(),
        })
    }

    /// The agent's recent calls of the same tool that `rule` alone would
    /// allow, each judged from its own working directory.
    async fn also_matches(
        &self,
        subject: &Subject,
        tool_call_id: &str,
        rule: &Rule,
        catalog: &bosun_policy::Catalog,
    ) -> Result<Vec<String>> {
        let recent = store::tool_calls::recent_inputs(
            self.db().pool(),
            &subject.agent,
            &subject.tool,
            tool_call_id,
            RECENT_CALLS,
        )
        .await?;
        // The `locked` mode denies whatever the rule does not allow.
        let alone = CompiledPolicy::compile(
            &Layers {
                agent: vec![rule.clone()],
                ..Layers::default()
            },
            ExecutionMode::Locked,
            catalog,
        );
        let mut matches: Vec<String> = Vec::new();
        for (text, json, working_dir) in recent {
            let input = store::input_column::decode(&text, json);
            if alone
                .decide_input(&subject.tool, &input, working_dir.as_deref())
                .action
                != Action::Allow
            {
                continue;
            }
            let shown = match &input {
                Value::String(text) => text.clone(),
                object => subjects(catalog.get(&subject.tool), object)
                    .map(|s| s.join(", "))
                    .unwrap_or_default(),
            };
            if !matches.contains(&shown) {
                matches.push(shown);
            }
        }
        Ok(matches)
    }
}

/// The list a principal asked for, or the agent's by default; only admins
/// write workspace rules.
fn scope_layer(principal: &Principal, scope: Option<&str>) -> Result<Layer> {
    match scope.unwrap_or("agent") {
        "agent" => Ok(Layer::Agent),
        "workspace" => {
            principal.require_admin()?;
            Ok(Layer::Workspace)
        }
        _ => Err(Error::invalid("scope", "must be one of: agent, workspace")),
    }
}

fn scopes(principal: &Principal) -> Vec<Layer> {
    if principal.is_admin() {
        vec![Layer::Agent, Layer::Workspace]
    } else {
        vec![Layer::Agent]
    }
}

/// The allow rule a reviewer wrote; an empty pattern allows every input of
/// the tool.
fn proposed_rule(tool: &str, pattern: &str) -> Result<Rule> {
    let pattern = (!pattern.is_empty())
        .then(|| RulePattern::parse(pattern))
        .transpose()
        .map_err(|e| Error::invalid("rule.pattern", e.to_string()))?;
    Ok(Rule::new(
        bosun_policy::suggest::SUGGESTED_RULE_ID,
        ToolSelector::parse(tool),
        Action::Allow,
        pattern,
    ))
}

fn overridden_rules(layers: &Layers, impact: &Impact) -> Vec<OverriddenRule> {
    impact
        .overrides
        .iter()
        .filter_map(|r| {
            let rule = layers.layer(r.layer).get(r.position.checked_sub(1)?)?;
            Some(OverriddenRule {
                layer: r.layer,
                rule_id: r.rule_id.clone(),
                position: r.position,
                tool: rule.tool.to_string(),
                action: rule.action,
                pattern: rule.pattern.as_ref().map(|p| p.as_str().to_owned()),
            })
        })
        .collect()
}

/// The answer to an "Always allow" that would override stricter rules
/// without the reviewer having confirmed it.
pub(super) fn confirmation_required(overrides: &[OverriddenRule]) -> Error {
    let named: Vec<String> = overrides.iter().map(OverriddenRule::describe).collect();
    Error::Refused {
        code: crate::Code::ConfirmationRequired,
        message: format!(
            "this rule would override {}; send \"confirm_overrides\": true to add it anyway",
            named.join("; ")
        ),
    }
}
