//! The form that creates or changes an agent's definition.

use bosun_wire::vocabulary::{CredentialModel, ExecutionMode, Vocabulary};
use leptos::prelude::*;

use crate::api::agents::AgentForm;
use crate::api::tools::Tool;
use crate::components::agent_labels::{credential_text, mode_text};

/// Edits an [`AgentForm`]; `on_submit` receives the edited copy.
#[component]
pub fn AgentEditor(
    initial: AgentForm,
    tools: Vec<Tool>,
    #[prop(into)] submit_label: String,
    #[prop(into)] pending: Signal<bool>,
    on_submit: Callback<AgentForm>,
    /// Ask before saving a different credential model (for an existing
    /// agent, whose runs would start acting as someone else).
    #[prop(optional)]
    confirm_model_change: bool,
    /// The workspace's default mode, named in the mode's choices (for a new
    /// agent, which starts in it).
    #[prop(optional, into)]
    default_mode: Option<ExecutionMode>,
) -> impl IntoView {
    let saved_model = initial.credential_model.clone();
    let name = RwSignal::new(initial.name);
    let description = RwSignal::new(initial.description);
    let instructions = RwSignal::new(initial.instructions);
    let chosen_tools = RwSignal::new(initial.tools);
    let mode = RwSignal::new(initial.execution_mode);
    let credentials = RwSignal::new(initial.credential_model);
    let settings = RwSignal::new(initial.settings);
    let approval_ttl = RwSignal::new(initial.approval_ttl_seconds);
    let settings_problem = move || {
        let text = settings.get();
        if text.trim().is_empty() {
            return None;
        }
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(value) if value.is_object() => None,
            Ok(_) => Some("Settings must be a JSON object, like {\"model\": \"…\"}.".to_owned()),
            Err(error) => Some(format!("Settings are not valid JSON: {error}")),
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let model = credentials.get_untracked();
        if confirm_model_change && model != saved_model && !confirmed(&model) {
            return;
        }
        on_submit.run(AgentForm {
            name: name.get_untracked(),
            description: description.get_untracked(),
            instructions: instructions.get_untracked(),
            tools: chosen_tools.get_untracked(),
            execution_mode: mode.get_untracked(),
            credential_model: credentials.get_untracked(),
            settings: settings.get_untracked(),
            approval_ttl_seconds: approval_ttl.get_untracked(),
        });
    };
    let tool_choices = tools
        .into_iter()
        .map(|tool| {
            let tool_name = tool.name.clone();
            let checked = {
                let tool_name = tool_name.clone();
                move || chosen_tools.with(|chosen| chosen.contains(&tool_name))
            };
            let toggle = move |_| {
                let tool_name = tool_name.clone();
                chosen_tools.update(|chosen| {
                    if let Some(at) = chosen.iter().position(|t| *t == tool_name) {
                        chosen.remove(at);
                    } else {
                        chosen.push(tool_name);
                    }
                });
            };
            view! {
                <label class="choice">
                    <input type="checkbox" name="tools" value=tool.name.clone() prop:checked=checked on:change=toggle />
                    <code>{tool.name.clone()}</code>
                    <span class="muted">{tool.description.clone()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="stack agent-form" on:submit=submit>
            <label>"Name" <input name="name" required maxlength="100" bind:value=name /></label>
            <label>"Description" <input name="description" bind:value=description /></label>
            <label>
                "Instructions (the agent's system prompt)"
                <textarea name="instructions" rows="6" bind:value=instructions></textarea>
            </label>
            <fieldset>
                <legend>"Tools it may call"</legend>
                <div class="choices">{tool_choices}</div>
            </fieldset>
            <label>
                "Execution mode"
                <select name="execution_mode" on:change=move |ev| mode.set(event_target_value(&ev)) prop:value=mode>
                    {ExecutionMode::ALL
                        .iter()
                        .map(|choice| {
                            let (key, label) = (choice.as_str(), mode_text(*choice).0);
                            let label = if default_mode == Some(*choice) {
                                format!("{label} (the workspace's default)")
                            } else {
                                label.to_owned()
                            };
                            view! { <option value=key>{label}</option> }
                        })
                        .collect_view()}
                </select>
                <span class="hint" data-testid="mode-hint">
                    {move || {
                        mode.get()
                            .parse::<ExecutionMode>()
                            .map_or("The workspace's default applies.", |mode| mode_text(mode).1)
                    }}
                </span>
            </label>
            <details class="hint">
                <summary>"What each mode means"</summary>
                <dl class="modes">
                    {ExecutionMode::ALL
                        .iter()
                        .map(|choice| {
                            let (label, help) = mode_text(*choice);
                            view! { <dt>{label}</dt> <dd>{help}</dd> }
                        })
                        .collect_view()}
                </dl>
                <p>"Rules (the workspace's and the agent's own) decide before the mode does."</p>
            </details>
            <fieldset>
                <legend>"How it authenticates"</legend>
                {CredentialModel::ALL
                    .iter()
                    .map(|model| {
                        let key = model.as_str();
                        let (label, help) = credential_text(*model);
                        view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name="credential_model"
                                    value=key
                                    prop:checked=move || credentials.get() == key
                                    on:change=move |_| credentials.set(key.to_owned())
                                />
                                <span>
                                    <strong>{label}</strong>
                                    <span class="hint">{help}</span>
                                </span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <label>
                "Settings (JSON object)"
                <textarea name="settings" rows="4" class="mono" bind:value=settings></textarea>
            </label>
            {move || settings_problem().map(|problem| view! { <p class="error" role="alert">{problem}</p> })}
            <label>
                "Approval requests expire after (seconds)"
                <input name="approval_ttl_seconds" type="number" min="1" step="1" placeholder="the workspace's"
                    bind:value=approval_ttl />
                <span class="hint">
                    "Empty: the workspace's time (Settings → Security). It can only be shorter; an expired request is a denial."
                </span>
            </label>
            <div>
                <button type="submit" disabled=move || pending.get() || settings_problem().is_some()>
                    {submit_label}
                </button>
            </div>
        </form>
    }
}

/// Whether the person confirms switching how the agent authenticates.
fn confirmed(model: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let question = if model == "user" {
            "From now on, this agent's runs act as whoever starts them, with their own connected accounts, and no longer with the service account's secrets. Switch?"
        } else {
            "From now on, this agent's runs act as its service account, with the secrets stored for it, whoever starts them. Switch?"
        };
        leptos::prelude::window()
            .confirm_with_message(question)
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = model;
        true
    }
}
