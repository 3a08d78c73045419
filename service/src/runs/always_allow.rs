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

use bosun_policy::suggest::{Impact, StillDecided, impact, suggest};
use bosun_policy::{
    Action, CompiledPolicy, ExecutionMode, Layer, Layers, Request, Rule, RulePattern, ToolSelector,
};
use serde::Serialize;

use super::approvals::ApprovalRow;
use crate::agents::Capability;
use crate::ids::{AgentId, ApprovalId};
use crate::{Bosun, Error, Principal, Result};

/// How many of the agent's recent calls the preview checks.
const RECENT_CALLS: i64 = 50;

/// The rule "Always allow" would add, and what adding it would change.
#[derive(Clone, Debug, Serialize)]
pub struct AlwaysAllowPreview {
    pub rule: ProposedRule,
    /// `agent` or `workspace`: the list the rule goes to.
    pub scope: &'static str,
    /// The lists the caller may add it to.
    pub scopes: Vec<&'static str>,
    /// Recent requests of the agent (other than this one) that the rule
    /// would also allow, newest first.
    pub also_matches: Vec<String>,
    /// Rules evaluated after the new one that it would override or shadow
    /// where they say `ask` or `deny`.
    pub overrides: Vec<OverriddenRule>,
    /// When the request would still not be allowed: what decides instead.
    pub still_decided: Option<StillDecided>,
}

/// A rule as "Always allow" would write it.
#[derive(Clone, Debug, Serialize)]
pub struct ProposedRule {
    pub tool: String,
    pub action: Action,
    /// `None`: every input of the tool.
    pub pattern: Option<String>,
}

/// A rule the new one would decide before, with what it says.
#[derive(Clone, Debug, Serialize)]
pub struct OverriddenRule {
    pub layer: Layer,
    pub rule_id: String,
    pub position: usize,
    pub tool: String,
    pub action: Action,
    pub pattern: Option<String>,
}

impl OverriddenRule {
    /// The rule as a reviewer reads it: `workspace rule #1: ask system_shell
    /// `git push *``.
    pub fn describe(&self) -> String {
        format!(
            "{} rule #{}: {} {}{}",
            self.layer.as_str(),
            self.position,
            self.action,
            self.tool,
            self.pattern
                .as_deref()
                .map(|p| format!(" `{p}`"))
                .unwrap_or_default()
        )
    }
}

/// The request as the rules see it.
struct Subject {
    agent: AgentId,
    tool: String,
    input: String,
    working_dir: Option<String>,
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
        let (scope, layer) = scope_layer(principal, scope)?;
        let context = self.policy_context(principal, &subject.agent).await?;
        let (layers, catalog) = (context.layers()?, context.catalog());
        let request = subject.request();
        let (rule, impact) = match pattern {
            None => {
                let suggestion = suggest(&layers, context.mode, &catalog, &request, layer)
                    .map_err(|e| Error::Unprocessable {
                        code: "no_suggestion",
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
            scope,
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
        let working_dir: Option<String> =
            sqlx::query_scalar("SELECT working_dir FROM tool_calls WHERE id = $1")
                .bind(&row.tool_call_id)
                .fetch_one(self.db().pool())
                .await?;
        Ok(Subject {
            agent,
            tool: row.tool.clone(),
            input: row.input.clone(),
            working_dir,
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
        let recent: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT tool_calls.input, tool_calls.working_dir FROM tool_calls \
             JOIN runs ON runs.id = tool_calls.run_id \
             WHERE runs.agent_id = $1 AND tool_calls.tool = $2 AND tool_calls.id <> $3 \
             ORDER BY tool_calls.created_at DESC LIMIT $4",
        )
        .bind(subject.agent.as_str())
        .bind(&subject.tool)
        .bind(tool_call_id)
        .bind(RECENT_CALLS)
        .fetch_all(self.db().pool())
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
        for (input, working_dir) in recent {
            let mut request = Request::new(&subject.tool, &input);
            if let Some(dir) = working_dir.as_deref() {
                request = request.with_working_dir(dir);
            }
            if alone.decide(&request).action == Action::Allow && !matches.contains(&input) {
                matches.push(input);
            }
        }
        Ok(matches)
    }
}

/// The list a principal asked for, or the agent's by default; only admins
/// write workspace rules.
fn scope_layer(principal: &Principal, scope: Option<&str>) -> Result<(&'static str, Layer)> {
    match scope.unwrap_or("agent") {
        "agent" => Ok(("agent", Layer::Agent)),
        "workspace" => {
            principal.require_admin()?;
            Ok(("workspace", Layer::Workspace))
        }
        _ => Err(Error::invalid("scope", "must be one of: agent, workspace")),
    }
}

fn scopes(principal: &Principal) -> Vec<&'static str> {
    if principal.is_admin() {
        vec!["agent", "workspace"]
    } else {
        vec!["agent"]
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
    Error::Conflict {
        code: "confirmation_required",
        message: format!(
            "this rule would override {}; send \"confirm_overrides\": true to add it anyway",
            named.join("; ")
        ),
    }
}
