//! "Test a call": the decision for a tool call, recomputed on every
//! keystroke by the policy engine running in the browser.

use std::sync::Arc;

use bosun_policy::{Action, CompiledPolicy, Decision, Reason};
use leptos::prelude::*;

use crate::api::rules::Rule;
use crate::api::tools::Tool;
use crate::components::agent_labels::ModeSelect;
use crate::components::rules::RulesContext;
use crate::policy_view::reason_text;

/// What `decided` holds when the mode, not a rule, decided.
pub const MODE: &str = "mode";

#[component]
pub fn TestCall(
    /// The compiled lists and mode the call is decided against.
    #[prop(into)]
    policy: Signal<Arc<CompiledPolicy>>,
    /// When given, the panel offers the mode to test in (for pages that
    /// are not about one agent, whose mode it would be).
    #[prop(optional)]
    mode_choice: Option<RwSignal<String>>,
    /// The tools offered: an agent's own, or the whole catalog.
    tools: Vec<Tool>,
    /// The agent's tools, which the engine checks the call against as the
    /// server does; none on pages not about one agent.
    #[prop(optional)]
    agent_tools: Option<Vec<String>>,
    context: StoredValue<RulesContext>,
    /// Set to the id of the rule that decided, or [`MODE`], for the page to
    /// highlight.
    decided: RwSignal<Option<String>>,
) -> impl IntoView {
    let tool = RwSignal::new(tools.first().map(|t| t.name.clone()).unwrap_or_default());
    let input = RwSignal::new(String::new());
    let working_dir = RwSignal::new(String::new());
    let agent_tools = StoredValue::new(agent_tools);
    let decision = Memo::new(move |_| {
        let (tool, input, dir) = (tool.get(), input.get(), working_dir.get());
        if input.is_empty() {
            return None;
        }
        let dir = Some(dir.trim()).filter(|d| !d.is_empty());
        // A JSON object is a structured input, judged by the tool's subject
        // as the server judges it.
        let input = serde_json::from_str::<serde_json::Value>(&input)
            .ok()
            .filter(serde_json::Value::is_object)
            .unwrap_or(serde_json::Value::String(input));
        let given = agent_tools.get_value();
        Some(policy.with(|p| p.decide_input_of_agent(&tool, &input, dir, given.as_deref())))
    });
    Effect::new(move |_| {
        let rule = decision.with(|d| match d.as_ref().map(|d| &d.reason) {
            Some(Reason::Rule { rule_id, .. }) => Some(rule_id.to_string()),
            Some(Reason::Mode { .. }) => Some(MODE.to_owned()),
            _ => None,
        });
        decided.set(rule);
    });
    let lookup = move |id: &str| -> Option<Rule> {
        context.with_value(|c| c.all_rules.iter().find(|rule| rule.id == id).cloned())
    };
    view! {
        <section class="card test-call" aria-label="Test a call">
            <h2>"Test a call"</h2>
            <p class="hint">"Decided in your browser by the same engine the server uses, as you type."</p>
            <div class="inline">
                <label>
                    "Tool"
                    <select on:change=move |ev| tool.set(event_target_value(&ev)) prop:value=tool>
                        {tools
                            .into_iter()
                            .map(|t| view! { <option value=t.name.clone()>{t.name.clone()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label class="grow">
                    "Input"
                    <textarea class="mono" rows="2" bind:value=input placeholder="e.g. rm -rf /tmp/build, or {\"path\": \"/srv/a.txt\"}"></textarea>
                </label>
                {mode_choice.map(|mode| view! {
                    <label>"Mode" <ModeSelect mode /></label>
                })}
                <label>
                    "Working directory"
                    <input class="mono" bind:value=working_dir placeholder="none: relative paths are refused" />
                </label>
            </div>
            <div aria-live="polite" data-testid="test-result">
                {move || decision.get().map(|decision| view! { <DecisionView decision lookup /> })}
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn DecisionView(
    decision: Decision,
    lookup: impl Fn(&str) -> Option<Rule> + Copy + Send + 'static,
) -> impl IntoView {
    let verdict = decision.action.as_str();
    let risk = decision.risk.level.as_str();
    view! {
        <p class="decision">
            <span class=format!("badge action-{verdict}") data-testid="decision">{verdict}</span>
            " — "
            <span data-testid="reason" data-kind=reason_kind(&decision.reason) data-position=reason_position(&decision.reason)>
                {reason_text(&decision.reason, &lookup)}
            </span>
        </p>
        <p>
            "Risk: " <span class=format!("badge risk-{risk}") data-testid="risk">{risk}</span>
            {(!decision.risk.reasons.is_empty()).then(|| format!(" — {}", decision.risk.reasons.join("; ")))}
        </p>
        {(decision.commands.len() > 1 || decision.commands.iter().any(|c| c.action != Action::Allow)).then(|| {
            view! {
                <ul class="commands">
                    {decision
                        .commands
                        .iter()
                        .map(|command| {
                            view! {
                                <li>
                                    <code>{command.command.clone()}</code>
                                    " → "
                                    <span class=format!("badge action-{}", command.action.as_str())>
                                        {command.action.as_str()}
                                    </span>
                                    " (" {reason_text(&command.reason, &lookup)} ")"
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
        })}
    }
}

/// The reason's kind as the REST API names it (`rule`, `mode`, …).
fn reason_kind(reason: &Reason) -> &'static str {
    match reason {
        Reason::Rule { .. } => "rule",
        Reason::Mode { .. } => "mode",
        Reason::InvalidInput { .. } => "invalid_input",
        Reason::Unanalysable { .. } => "unanalysable",
        Reason::UnknownTool { .. } => "unknown_tool",
        Reason::RunAllowance => "run_allowance",
        Reason::ClientInternal { .. } => "client_internal",
    }
}

fn reason_position(reason: &Reason) -> Option<String> {
    match reason {
        Reason::Rule { position, .. } => Some(position.to_string()),
        _ => None,
    }
}
