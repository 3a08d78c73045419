//! The approval inbox: every paused tool call the reviewer may decide,
//! across agents, refreshed by server push, each with its whole input, why
//! it was asked and a link to its run. Focus a request and press A (allow
//! once), R (always allow), E (edit) or D (deny). An edit shows the
//! decision the rules would give the edited call before it is approved.

use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::components::A;

use crate::api::inbox::{
    AlwaysAllowView, ApprovalView, Decide, ReviewForm, always_allow_preview, pending_approvals,
    preview_edit,
};
use crate::components::empty::EmptyState;
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::push::{InboxChanges, now_ms};
use crate::components::tool_input::CallInputView;

#[component]
pub fn InboxPage() -> impl IntoView {
    let changes = use_context::<InboxChanges>()
        .map(|c| c.0)
        .unwrap_or_else(|| RwSignal::new(0));
    let decide = ServerAction::<Decide>::new();
    let approvals = Resource::new(
        move || (changes.get(), decide.version().get()),
        |_| pending_approvals(),
    );
    let agent_filter = RwSignal::new(String::new());
    let risk_filter = RwSignal::new(String::new());
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <p class="hint">"Focus a request and press A to allow once, R to always allow, E to edit, D to deny."</p>
        <ActionError result=decide.value() />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match approvals.await {
                    Ok(list) if list.is_empty() => view! { <NothingWaits /> }.into_any(),
                    Ok(list) => {
                        let mut agents: Vec<(String, String)> =
                            list.iter().map(|a| (a.agent_id.clone(), a.agent_name.clone())).collect();
                        agents.sort();
                        agents.dedup();
                        view! {
                            <div class="toolbar">
                                <label>
                                    "Agent"
                                    <select on:change=move |ev| agent_filter.set(event_target_value(&ev)) prop:value=agent_filter>
                                        <option value="">"All agents"</option>
                                        {agents.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                    </select>
                                </label>
                                <label>
                                    "Risk"
                                    <select on:change=move |ev| risk_filter.set(event_target_value(&ev)) prop:value=risk_filter>
                                        <option value="">"Any risk"</option>
                                        <option value="dangerous">"Dangerous"</option>
                                        <option value="unknown">"Unknown"</option>
                                        <option value="caution">"Caution"</option>
                                        <option value="safe">"Safe"</option>
                                    </select>
                                </label>
                            </div>
                            <ul class="inbox" aria-label="Waiting requests">
                                {list
                                    .into_iter()
                                    .map(|approval| {
                                        let (agent, risk) = (approval.agent_id.clone(), approval.risk.clone());
                                        let shown = move || {
                                            (agent_filter.with(|f| f.is_empty() || *f == agent))
                                                && risk_filter.with(|f| f.is_empty() || *f == risk)
                                        };
                                        view! { <Show when=shown.clone()>{
                                            let approval = approval.clone();
                                            view! { <RequestCard approval decide /> }
                                        }</Show> }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NothingWaits() -> impl IntoView {
    view! {
        <EmptyState title="Nothing waits for you">
            <p>
                "When an agent asks to do something its rules say a person must approve, "
                "the request appears here with its risk, for you to allow, edit or deny."
            </p>
        </EmptyState>
    }
}

/// Which action panel of a card is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Panel {
    None,
    Always,
    Edit,
    Deny,
}

#[component]
fn RequestCard(approval: ApprovalView, decide: ServerAction<Decide>) -> impl IntoView {
    let panel = RwSignal::new(Panel::None);
    let id = StoredValue::new(approval.id.clone());
    let send = move |review: ReviewForm| {
        decide.dispatch(Decide {
            approval_id: id.get_value(),
            review,
        });
    };
    let allow_once = move || {
        send(ReviewForm {
            decision: "allow_once".into(),
            ..ReviewForm::default()
        })
    };
    let keyboard = move |event: web_sys_keyboard::KeyboardEvent| {
        if web_sys_keyboard::typing(&event) {
            return;
        }
        match event.key().to_lowercase().as_str() {
            "a" => allow_once(),
            "r" => panel.set(Panel::Always),
            "e" => panel.set(Panel::Edit),
            "d" => panel.set(Panel::Deny),
            _ => return,
        }
        event.prevent_default();
    };
    let age = minutes_text(now_ms() - approval.requested_at_ms);
    let expires = minutes_text(approval.expires_at_ms - now_ms());
    let reasons = approval.risk_reasons.join("; ");
    let label = format!(
        "{} wants {} {}",
        approval.agent_name,
        approval.tool,
        approval.call.headline()
    );
    let for_panels = StoredValue::new(approval.clone());
    view! {
        <li class="card request" tabindex="0" on:keydown=keyboard data-approval-id=approval.id.clone()
            aria-label=label>
            <div class="request-head">
                <span class=format!("badge risk-{}", approval.risk) data-testid="risk">{approval.risk.clone()}</span>
                <strong>{approval.agent_name.clone()}</strong>
                " wants to call "
                <code>{approval.tool.clone()}</code>
            </div>
            <CallInputView call=approval.call.clone() />
            <p class="muted">{reasons}</p>
            <p class="meta">
                <span data-testid="why"><A href=approval.why_link.clone()>{approval.why.clone()}</A></span>
                <span><A href=format!("/traces/{}", approval.run_id)>{format!("Run {}", short(&approval.run_id))}</A></span>
                <span>{match &approval.started_by {
                    Some(name) => format!("Started by {name}, on their behalf"),
                    None => "Started by the agent's own key".to_owned(),
                }}</span>
                <span>{format!("Asked {age} ago")}</span>
                <span>{format!("Expires in {expires}")}</span>
            </p>
            <div class="inline actions">
                <button type="button" on:click=move |_| allow_once()>"Allow once"</button>
                <button type="button" class="secondary" title="This call and every later call of the tool with the same input in this run"
                    on:click=move |_| send(ReviewForm { decision: "allow_for_run".into(), ..ReviewForm::default() })>
                    "Allow for this run"
                </button>
                <button type="button" class="secondary" on:click=move |_| panel.set(Panel::Always)>"Always allow…"</button>
                <button type="button" class="secondary" on:click=move |_| panel.set(Panel::Edit)>"Edit…"</button>
                <button type="button" class="danger" on:click=move |_| panel.set(Panel::Deny)>"Deny…"</button>
            </div>
            {move || match panel.get() {
                Panel::None => ().into_any(),
                Panel::Always => {
                    view! { <AlwaysAllow approval_id=for_panels.get_value().id send /> }.into_any()
                }
                Panel::Edit => {
                    let approval = for_panels.get_value();
                    view! {
                        <EditInput approval_id=approval.id input=approval.input structured=approval.structured send />
                    }
                    .into_any()
                }
                Panel::Deny => view! { <DenyWithMessage send /> }.into_any(),
            }}
        </li>
    }
    .into_any()
}

/// The "Always allow" panel: the engine's narrowest rule for the request
/// (editable), the list it goes to (only those the reviewer may write), the
/// recent requests it would also allow, and the stricter rules it would
/// override, which the reviewer must confirm overriding.
#[component]
fn AlwaysAllow(
    approval_id: String,
    send: impl Fn(ReviewForm) + Copy + Send + 'static,
) -> impl IntoView {
    let id = StoredValue::new(approval_id);
    let scope = RwSignal::new("agent".to_owned());
    // `None` until the reviewer types: then the engine's suggestion shows.
    let edited = RwSignal::new(None::<String>);
    let confirmed = RwSignal::new(false);
    let preview = Resource::new(
        move || (scope.get(), edited.get()),
        move |(scope, pattern)| always_allow_preview(id.get_value(), scope, pattern),
    );
    let current = move || preview.get().and_then(Result::ok);
    let pattern = move || {
        edited
            .get()
            .or_else(|| current().map(|p| p.pattern))
            .unwrap_or_default()
    };
    let scopes = move || current().map_or_else(|| vec!["agent".to_owned()], |p| p.scopes);
    let blocked = move || current().is_none_or(|p| !p.overrides.is_empty() && !confirmed.get());
    view! {
        <form class="stack panel" aria-label="Always allow" on:submit=move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            send(ReviewForm {
                decision: "always_allow".into(),
                rule_scope: scope.get_untracked(),
                rule_pattern: pattern(),
                confirm_overrides: confirmed.get_untracked(),
                ..ReviewForm::default()
            });
        }>
            <label>
                "Add the rule to"
                <select on:change=move |ev| { confirmed.set(false); scope.set(event_target_value(&ev)); } prop:value=scope>
                    {move || scopes().into_iter().map(|s| {
                        let label = if s == "workspace" { "the workspace rules" } else { "this agent's rules" };
                        view! { <option value=s.clone()>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Pattern"
                <input class="mono" prop:value=pattern
                    on:input=move |ev| { confirmed.set(false); edited.set(Some(event_target_value(&ev))); } />
            </label>
            <Transition fallback=|| view! { <p class="loading">"Checking the rule…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(view) => view! { <AlwaysAllowEffects view confirmed /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            <div><button type="submit" disabled=blocked>"Allow and add rule"</button></div>
        </form>
    }
}

/// What adding the rule changes: the requests it also allows, the rules it
/// overrides (with the confirmation that takes), and whether something
/// else still decides this request.
#[component]
fn AlwaysAllowEffects(view: AlwaysAllowView, confirmed: RwSignal<bool>) -> impl IntoView {
    let AlwaysAllowView {
        also_matches,
        overrides,
        still_decided,
        ..
    } = view;
    view! {
        <div>
            <p class="hint">"Recent requests this rule would also allow:"</p>
            {if also_matches.is_empty() {
                view! { <p class="muted">"none"</p> }.into_any()
            } else {
                view! {
                    <ul class="preview" aria-label="Also allowed">
                        {also_matches.into_iter().map(|m| view! { <li><code>{m}</code></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
        {(!overrides.is_empty()).then(|| view! {
            <div class="warning" role="alert" aria-label="Overrides">
                <p>"This rule decides before stricter rules, which then no longer apply to what it matches:"</p>
                <ul>{overrides.into_iter().map(|o| view! { <li>{o}</li> }).collect_view()}</ul>
                <label class="choice">
                    <input type="checkbox" prop:checked=confirmed
                        on:change=move |ev| confirmed.set(event_target_checked(&ev)) />
                    "Add it anyway, overriding these rules"
                </label>
            </div>
        })}
        {still_decided.map(|why| view! {
            <p class="warning" role="note">{format!("This rule alone will not allow this request: {why}")}</p>
        })}
    }
}

/// The edit panel: the input as text (indented JSON for an object, checked
/// as it is typed), the decision the rules would give the edited call, and
/// approval, which the rules' denial blocks.
#[component]
fn EditInput(
    approval_id: String,
    input: String,
    structured: bool,
    send: impl Fn(ReviewForm) + Copy + Send + 'static,
) -> impl IntoView {
    let id = StoredValue::new(approval_id);
    let edited = RwSignal::new(input);
    let preview = Resource::new(
        move || edited.get(),
        move |input| preview_edit(id.get_value(), input, structured),
    );
    let denied = move || {
        preview
            .get()
            .is_none_or(|p| p.is_err() || p.is_ok_and(|p| p.decision == "deny"))
    };
    let rows = if structured { "10" } else { "3" };
    view! {
        <form class="stack panel" aria-label="Edit" on:submit=move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            send(ReviewForm {
                decision: "edit".into(),
                input: edited.get_untracked(),
                structured,
                ..ReviewForm::default()
            });
        }>
            <label>
                {if structured { "Run this instead (JSON)" } else { "Run this instead" }}
                <textarea class="mono" rows=rows bind:value=edited></textarea>
            </label>
            <Transition fallback=|| view! { <p class="loading">"Checking the edited call…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(p) => view! {
                            <p class=format!("decision decision-{}", p.decision) data-testid="edit-preview" role="status">
                                {format!("The rules would {} the edited call: {}", p.decision, p.why)}
                            </p>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            <div><button type="submit" disabled=denied>"Approve edited call"</button></div>
        </form>
    }
}

#[component]
fn DenyWithMessage(send: impl Fn(ReviewForm) + Copy + Send + 'static) -> impl IntoView {
    let message = RwSignal::new(String::new());
    view! {
        <form class="stack panel" on:submit=move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            send(ReviewForm { decision: "deny".into(), message: message.get_untracked(), ..ReviewForm::default() });
        }>
            <label>"Message to the agent" <input bind:value=message placeholder="why, and what to do instead" /></label>
            <div><button type="submit" class="danger">"Deny"</button></div>
        </form>
    }
}

fn minutes_text(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "under a minute".into(),
        1..=59 => format!("{minutes} min"),
        _ => format!("{} h {} min", minutes / 60, minutes % 60),
    }
}

fn short(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

/// Keyboard events, typed the same in the browser and on the server.
mod web_sys_keyboard {
    pub use leptos::ev::KeyboardEvent;

    /// Whether the key went to a text field (shortcuts must not steal it).
    pub fn typing(event: &KeyboardEvent) -> bool {
        use leptos::wasm_bindgen::JsCast;
        event
            .target()
            .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
            .is_some_and(|element| {
                matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            })
            || event.ctrl_key()
            || event.meta_key()
            || event.alt_key()
    }
}
