//! The approval inbox: every paused tool call the reviewer may decide,
//! across agents, refreshed by server push, each with its whole input, why
//! it was asked and a link to its run. Focus a request and press A (allow
//! once), R (always allow), E (edit) or D (deny); J and K move between
//! requests, Esc closes an open panel and ? lists the shortcuts. An edit
//! shows the decision the rules would give the edited call before it is
//! approved.
//!
//! The cards are kept across refreshes of the list, so what a reviewer has
//! typed survives someone else's decision on another request; a refused
//! decision is told on its own card, with the typed text kept; and a card
//! whose request someone else decided while its panel was open stays, saying
//! who decided and how, with the unsent text still there to copy.

use bosun_policy::Layer;
use bosun_wire::approvals::AlwaysAllowPreview;
use bosun_wire::vocabulary::{ApprovalStatus, RiskLevel, Vocabulary};
use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::components::A;

use crate::api::inbox::{
    ApprovalView, Decide, OutcomeView, ReviewForm, always_allow_preview, approval_outcome,
    pending_approvals, preview_edit,
};
use crate::components::choices::{options, risk_label};
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::push::{InboxChanges, now_ms};
use crate::components::tool_input::CallInputView;
use crate::error::AppError;

/// One request on the page and what the reviewer has done on its card.
/// The signals are reference-counted rather than owned by a component, so
/// that they outlive the refresh that found the request.
#[derive(Clone)]
struct Card {
    approval: ApprovalView,
    panel: ArcRwSignal<Panel>,
    /// The edit as typed (the input at first).
    edited: ArcRwSignal<String>,
    /// The message to the agent as typed, for a denial.
    message: ArcRwSignal<String>,
    /// Set while this reviewer's own decision is on its way.
    deciding: ArcRwSignal<bool>,
    /// Set once the request left the inbox while the card's panel was open:
    /// `None` inside while its outcome is being fetched.
    ended: ArcRwSignal<Option<Option<Result<OutcomeView, AppError>>>>,
}

impl Card {
    fn new(approval: ApprovalView) -> Self {
        Self {
            edited: ArcRwSignal::new(approval.input.clone()),
            approval,
            panel: ArcRwSignal::new(Panel::None),
            message: ArcRwSignal::new(String::new()),
            deciding: ArcRwSignal::new(false),
            ended: ArcRwSignal::new(None),
        }
    }

    fn id(&self) -> &str {
        &self.approval.id
    }

    /// Marks the request as gone from the inbox and fetches how it ended.
    fn end(&self) {
        if self.ended.get_untracked().is_some() {
            return;
        }
        self.ended.set(Some(None));
        let (ended, id) = (self.ended.clone(), self.approval.id.clone());
        leptos::task::spawn_local(async move {
            ended.set(Some(Some(approval_outcome(id).await)));
        });
    }
}

/// Brings the page's cards up to date with the pending requests: new ones
/// are added, and one that left is dropped, unless the reviewer was on it
/// (a panel open), in which case it stays and says what happened.
fn merge(cards: RwSignal<Vec<Card>>, pending: Vec<ApprovalView>) {
    let mut gone = Vec::new();
    cards.update(|cards| {
        cards.retain(|card| {
            let still = pending.iter().any(|a| a.id == card.approval.id);
            let keep = still
                || card.deciding.get_untracked()
                || card.ended.get_untracked().is_some()
                || card.panel.get_untracked() != Panel::None;
            if keep && !still && !card.deciding.get_untracked() {
                gone.push(card.clone());
            }
            keep
        });
        for approval in pending {
            if !cards.iter().any(|card| card.approval.id == approval.id) {
                cards.push(Card::new(approval));
            }
        }
    });
    for card in gone {
        card.end();
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let changes = use_context::<InboxChanges>()
        .map(|c| c.0)
        .unwrap_or_else(|| RwSignal::new(0));
    // The first list comes with the page; later ones are merged into the
    // cards on each pushed change, so cards are never rebuilt.
    let first = Resource::new(|| (), |_| pending_approvals());
    let cards = RwSignal::new(Vec::<Card>::new());
    let seeded = StoredValue::new(false);
    let latest_fetch = StoredValue::new(0_u64);
    Effect::new(move |previous: Option<()>| {
        changes.track();
        if previous.is_none() {
            return;
        }
        let fetch = latest_fetch.get_value() + 1;
        latest_fetch.set_value(fetch);
        leptos::task::spawn_local(async move {
            // Only the latest answer counts: an older one may come last.
            if let Ok(pending) = pending_approvals().await
                && latest_fetch.get_value() == fetch
            {
                merge(cards, pending);
            }
        });
    });
    // A card decided here (or dismissed) leaves at once, and focus goes to
    // the request that takes its place (or the one before, or the empty
    // inbox).
    let remove = Callback::new(move |id: String| {
        let next = dom::neighbour_of(&id);
        cards.update(|cards| cards.retain(|card| card.id() != id));
        dom::focus_after_render(next);
    });
    let agent_filter = RwSignal::new(String::new());
    let risk_filter = RwSignal::new(String::new());
    let agents = move || {
        let mut agents: Vec<(String, String)> = cards.with(|cards| {
            cards
                .iter()
                .map(|c| (c.approval.agent_id.clone(), c.approval.agent_name.clone()))
                .collect()
        });
        agents.sort();
        agents.dedup();
        agents
    };
    let shortcuts = NodeRef::<leptos::html::Dialog>::new();
    // The card focused when the shortcuts were opened gets focus back.
    let focused_before = StoredValue::new(None::<String>);
    let open_shortcuts = move || {
        focused_before.set_value(dom::focused_card());
        if let Some(dialog) = shortcuts.get_untracked() {
            let _ = dialog.show_modal();
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |event| {
        if shortcuts
            .get_untracked()
            .is_some_and(|dialog| dialog.open())
        {
            return;
        }
        if event.key() == "Escape" {
            // Closes the panel of the card the focus is in, even from its
            // fields: Esc is no text.
            if let Some(id) = dom::focused_card()
                && let Some(card) =
                    cards.with_untracked(|cards| cards.iter().find(|c| c.id() == id).cloned())
                && card.panel.get_untracked() != Panel::None
                && card.ended.get_untracked().is_none()
            {
                card.panel.set(Panel::None);
                dom::focus_card(&id);
                event.prevent_default();
            }
            return;
        }
        if keyboard::typing(&event) {
            return;
        }
        match event.key().as_str() {
            "j" | "J" => dom::move_focus(1),
            "k" | "K" => dom::move_focus(-1),
            "?" => open_shortcuts(),
            _ => return,
        }
        event.prevent_default();
    });
    on_cleanup(move || keys.remove());
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <p class="hint keyboard-hint">
            "Focus a request and press A to allow once, R to always allow, E to edit, D to deny; J and K move between requests. "
            <button type="button" class="link" aria-haspopup="dialog" on:click=move |_| open_shortcuts()>
                "All keyboard shortcuts (?)"
            </button>
        </p>
        <ShortcutsDialog dialog=shortcuts focused_before />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match first.await {
                    Ok(pending) => {
                        if !seeded.get_value() {
                            seeded.set_value(true);
                            cards.set(pending.into_iter().map(Card::new).collect());
                            dom::focus_first_card_once_shown();
                        }
                        view! {
                            <Show when=move || cards.with(|cards| !cards.is_empty()) fallback=|| view! { <NothingWaits /> }>
                                <div class="toolbar">
                                    <label>
                                        "Agent"
                                        <select on:change=move |ev| agent_filter.set(event_target_value(&ev)) prop:value=agent_filter>
                                            <option value="">"All agents"</option>
                                            {move || agents().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <label>
                                        "Risk"
                                        <select on:change=move |ev| risk_filter.set(event_target_value(&ev)) prop:value=risk_filter>
                                            <option value="">"Any risk"</option>
                                            // The riskiest first.
                                            {options(RiskLevel::ALL.iter().rev().copied(), risk_label, None)}
                                        </select>
                                    </label>
                                </div>
                            </Show>
                            <ul class="inbox" aria-label="Waiting requests">
                                <For each=move || cards.get() key=|card| card.approval.id.clone() let:card>
                                    {
                                        let (agent, risk) = (card.approval.agent_id.clone(), card.approval.risk);
                                        let shown = move || {
                                            agent_filter.with(|f| f.is_empty() || *f == agent)
                                                && risk_filter.with(|f| f.is_empty() || f == risk.as_str())
                                        };
                                        view! { <Show when=shown>{
                                            let card = card.clone();
                                            view! { <RequestCard card remove /> }
                                        }</Show> }
                                    }
                                </For>
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
    // Focus comes here when the last request is decided.
    view! {
        <section class="empty card" id="nothing-waits" tabindex="-1" aria-labelledby="nothing-waits-title">
            <h2 id="nothing-waits-title">"Nothing waits for you"</h2>
            <p>
                "When an agent asks to do something its rules say a person must approve, "
                "the request appears here with its risk, for you to allow, edit or deny."
            </p>
        </section>
    }
}

/// The list of the inbox's keys, opened with ? and closed with Esc, giving
/// focus back to where it was.
#[component]
fn ShortcutsDialog(
    dialog: NodeRef<leptos::html::Dialog>,
    focused_before: StoredValue<Option<String>>,
) -> impl IntoView {
    // The browser gives the focus back as the dialog closes, but the close
    // event comes later, as a task of its own: by then a key may have opened
    // a panel whose field took the focus, and it keeps it.
    let give_focus_back = move |_| {
        if dom::focused_card().is_some() {
            return;
        }
        match focused_before.get_value() {
            Some(id) => dom::focus_card(&id),
            None => dom::move_focus(0),
        }
    };
    view! {
        <dialog node_ref=dialog class="shortcuts" aria-labelledby="shortcuts-title" on:close=give_focus_back>
            <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
            <dl>
                <dt><kbd>"J"</kbd></dt><dd>"Next request"</dd>
                <dt><kbd>"K"</kbd></dt><dd>"Previous request"</dd>
                <dt><kbd>"A"</kbd></dt><dd>"Allow the focused request once"</dd>
                <dt><kbd>"R"</kbd></dt><dd>"Always allow it (opens the rule)"</dd>
                <dt><kbd>"E"</kbd></dt><dd>"Edit its input before allowing it"</dd>
                <dt><kbd>"D"</kbd></dt><dd>"Deny it (with a message to the agent)"</dd>
                <dt><kbd>"Esc"</kbd></dt><dd>"Close the open panel, or this list"</dd>
                <dt><kbd>"?"</kbd></dt><dd>"Show this list"</dd>
            </dl>
            <p class="hint">"Shortcuts do nothing while you type in a field."</p>
            <form method="dialog">
                <button type="submit">"Close"</button>
            </form>
        </dialog>
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
fn RequestCard(card: Card, remove: Callback<String>) -> impl IntoView {
    let approval = card.approval.clone();
    let panel = RwSignal::from(card.panel.clone());
    let edited = RwSignal::from(card.edited.clone());
    let message = RwSignal::from(card.message.clone());
    let deciding = RwSignal::from(card.deciding.clone());
    let ended = RwSignal::from(card.ended.clone());
    let decide = ServerAction::<Decide>::new();
    let id = StoredValue::new(approval.id.clone());
    Effect::new(move |_| match decide.value().get() {
        Some(Ok(())) => remove.run(id.get_value()),
        Some(Err(error)) => {
            deciding.set(false);
            // Someone else was first: say who, rather than only refusing.
            if matches!(error.code.as_str(), "already_decided" | "not_decidable") {
                card.end();
            }
        }
        None => {}
    });
    let send = move |review: ReviewForm| {
        deciding.set(true);
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
    let keyboard = move |event: leptos::ev::KeyboardEvent| {
        if keyboard::typing(&event) || ended.with_untracked(Option::is_some) {
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
    let age = crate::dates::span(now_ms() - approval.requested_at_ms);
    let expires = crate::dates::span(approval.expires_at_ms - now_ms());
    let reasons = approval.risk_reasons.join("; ");
    // A client's own call (Claude Code's `Bash`) is shown by its own name,
    // beside the catalog tool whose rules judged it.
    let tool_name = approval
        .client_tool
        .clone()
        .unwrap_or(approval.tool.clone());
    let judged_as = approval
        .client_tool
        .is_some()
        .then(|| approval.tool.clone());
    let label = format!(
        "{} wants {tool_name}{} {}",
        approval.agent_name,
        judged_as
            .as_ref()
            .map(|tool| format!(" (judged as {tool})"))
            .unwrap_or_default(),
        approval.call.headline()
    );
    let for_panels = StoredValue::new(approval.clone());
    let is_open = move || ended.with(Option::is_none);
    view! {
        <li class="card request" class:ended=move || !is_open() tabindex="0" on:keydown=keyboard
            data-approval-id=approval.id.clone() aria-label=label>
            <div class="request-head">
                <span class=format!("badge risk-{}", approval.risk.as_str()) data-testid="risk">{approval.risk.as_str()}</span>
                <strong>{approval.agent_name.clone()}</strong>
                " wants to call "
                <code data-testid="tool">{tool_name}</code>
                {judged_as.map(|tool| view! { " (judged as " <code data-testid="judged-as">{tool}</code> ")" })}
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
            <Show when=is_open fallback=move || view! {
                <EndedNotice ended panel=panel.get_untracked() edited message on_dismiss=move || remove.run(id.get_value()) />
            }>
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
                            <EditInput approval_id=approval.id edited structured=approval.structured send />
                        }
                        .into_any()
                    }
                    Panel::Deny => view! { <DenyWithMessage message send /> }.into_any(),
                }}
                // A refused decision is told here, beside what was sent.
                <div data-testid="decision-error"><ActionError result=decide.value() /></div>
            </Show>
        </li>
    }
    .into_any()
}

/// What a card says once its request left the inbox while the reviewer was
/// on it: who decided and how, their message, and the reviewer's own
/// unsent text, to copy.
#[component]
fn EndedNotice(
    ended: RwSignal<Option<Option<Result<OutcomeView, AppError>>>>,
    panel: Panel,
    edited: RwSignal<String>,
    message: RwSignal<String>,
    on_dismiss: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let unsent = match panel {
        Panel::Edit => Some(("Your unsent edit", edited.get_untracked())),
        Panel::Deny => Some(("Your unsent message", message.get_untracked()))
            .filter(|(_, text)| !text.trim().is_empty()),
        _ => None,
    };
    view! {
        <div class="notice decided-elsewhere" role="status" data-testid="decided-elsewhere">
            {move || match ended.get().flatten() {
                None => view! { <p>"This request is no longer waiting…"</p> }.into_any(),
                Some(Ok(outcome)) => view! {
                    <p><strong>{outcome.headline()}</strong></p>
                    {outcome.message.clone().map(|text| {
                        // A reviewer's message to the agent, or why the request was closed.
                        let label = if matches!(outcome.status, ApprovalStatus::Approved | ApprovalStatus::Denied) {
                            "Their message: "
                        } else {
                            "Why: "
                        };
                        view! { <p>{label} <q>{text}</q></p> }
                    })}
                }.into_any(),
                Some(Err(_)) => view! {
                    <p><strong>"Someone else decided this request, or it was closed."</strong></p>
                }.into_any(),
            }}
            {unsent.map(|(label, text)| view! {
                <label>
                    {label} " (not sent)"
                    <textarea class="mono" rows="3" readonly prop:value=text></textarea>
                </label>
            })}
            <div><button type="button" class="secondary" on:click=move |_| on_dismiss()>"Dismiss"</button></div>
        </div>
    }
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
    let scope = RwSignal::new(Layer::Agent);
    // `None` until the reviewer types: then the engine's suggestion shows.
    let edited = RwSignal::new(None::<String>);
    let confirmed = RwSignal::new(false);
    let preview = Resource::new(
        move || (scope.get(), edited.get()),
        move |(scope, pattern): (Layer, Option<String>)| {
            always_allow_preview(
                id.get_value(),
                scope,
                pattern.is_some(),
                pattern.unwrap_or_default(),
            )
        },
    );
    let current = move || preview.get().and_then(Result::ok);
    let pattern = move || {
        edited
            .get()
            .or_else(|| current().and_then(|p| p.rule.pattern))
            .unwrap_or_default()
    };
    let scopes = move || current().map_or_else(|| vec![Layer::Agent], |p| p.scopes);
    let blocked = move || current().is_none_or(|p| !p.overrides.is_empty() && !confirmed.get());
    view! {
        <form class="stack panel" aria-label="Always allow" on:submit=move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            send(ReviewForm {
                decision: "always_allow".into(),
                rule_scope: scope.get_untracked().as_str().to_owned(),
                rule_pattern: pattern(),
                confirm_overrides: confirmed.get_untracked(),
                ..ReviewForm::default()
            });
        }>
            <label>
                "Add the rule to"
                <select on:change=move |ev| {
                    confirmed.set(false);
                    scope.set(event_target_value(&ev).parse().unwrap_or(Layer::Agent));
                } prop:value=move || scope.get().as_str()>
                    {move || scopes().into_iter().map(|s| {
                        let label = if s == Layer::Workspace { "the workspace rules" } else { "this agent's rules" };
                        view! { <option value=s.as_str()>{label}</option> }
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
fn AlwaysAllowEffects(view: AlwaysAllowPreview, confirmed: RwSignal<bool>) -> impl IntoView {
    let AlwaysAllowPreview {
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
                <ul>{overrides.iter().map(|o| view! { <li>{o.describe()}</li> }).collect_view()}</ul>
                <label class="choice">
                    <input type="checkbox" prop:checked=confirmed
                        on:change=move |ev| confirmed.set(event_target_checked(&ev)) />
                    "Add it anyway, overriding these rules"
                </label>
            </div>
        })}
        {still_decided.map(|still| view! {
            <p class="warning" role="note">{format!("This rule alone will not allow this request: {}", still.message)}</p>
        })}
    }
}

/// The edit panel: the input as text (indented JSON for an object, checked
/// as it is typed), the decision the rules would give the edited call, and
/// approval, which the rules' denial blocks.
#[component]
fn EditInput(
    approval_id: String,
    edited: RwSignal<String>,
    structured: bool,
    send: impl Fn(ReviewForm) + Copy + Send + 'static,
) -> impl IntoView {
    let id = StoredValue::new(approval_id);
    let field = NodeRef::<leptos::html::Textarea>::new();
    dom::focus_when_mounted(field);
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
                <textarea class="mono" rows=rows node_ref=field bind:value=edited></textarea>
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
fn DenyWithMessage(
    message: RwSignal<String>,
    send: impl Fn(ReviewForm) + Copy + Send + 'static,
) -> impl IntoView {
    let field = NodeRef::<leptos::html::Input>::new();
    dom::focus_when_mounted(field);
    view! {
        <form class="stack panel" on:submit=move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            send(ReviewForm { decision: "deny".into(), message: message.get_untracked(), ..ReviewForm::default() });
        }>
            <label>"Message to the agent" <input node_ref=field bind:value=message placeholder="why, and what to do instead" /></label>
            <div><button type="submit" class="danger">"Deny"</button></div>
        </form>
    }
}

fn short(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

/// Keyboard events, typed the same in the browser and on the server.
mod keyboard {
    use leptos::ev::KeyboardEvent;

    /// Whether the key went to a text field (shortcuts must not steal it).
    pub fn typing(event: &KeyboardEvent) -> bool {
        use leptos::wasm_bindgen::JsCast;
        event
            .target()
            .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
            .is_some_and(|element| {
                matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || element.has_attribute("contenteditable")
            })
            || event.ctrl_key()
            || event.meta_key()
            || event.alt_key()
    }
}

/// Moving focus between the inbox's cards, which are found in the page as
/// rendered (so that filtered-out ones are skipped). Does nothing on the
/// server.
mod dom {
    use leptos::prelude::*;

    #[cfg(feature = "hydrate")]
    const CARDS: &str = "ul.inbox > li.request";

    #[cfg(feature = "hydrate")]
    fn cards() -> Vec<web_sys::HtmlElement> {
        use wasm_bindgen::JsCast;
        let Some(list) = document().query_selector_all(CARDS).ok() else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
            .collect()
    }

    /// The id of the card the focus is in, if any.
    pub fn focused_card() -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            let active = document().active_element()?;
            active
                .closest(CARDS)
                .ok()
                .flatten()?
                .get_attribute("data-approval-id")
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }

    pub fn focus_card(id: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(card) = cards()
            .into_iter()
            .find(|card| card.get_attribute("data-approval-id").as_deref() == Some(id))
        {
            let _ = card.focus();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    }

    /// Focuses the card `step` cards after (before, when negative) the
    /// focused one; the first card when none is focused.
    pub fn move_focus(step: isize) {
        #[cfg(feature = "hydrate")]
        {
            let cards = cards();
            let Some(last) = cards.len().checked_sub(1) else {
                return;
            };
            let current = focused_card().and_then(|id| {
                cards
                    .iter()
                    .position(|card| card.get_attribute("data-approval-id").as_deref() == Some(&id))
            });
            let target = match current {
                Some(at) => at.saturating_add_signed(step).min(last),
                None => 0,
            };
            let _ = cards[target].focus();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = step;
    }

    /// The card to focus once the card `id` is gone: the next one, else
    /// the one before; `None` when it is the last.
    pub fn neighbour_of(id: &str) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            let ids: Vec<String> = cards()
                .iter()
                .filter_map(|card| card.get_attribute("data-approval-id"))
                .collect();
            let at = ids.iter().position(|other| other == id)?;
            ids.get(at + 1)
                .or_else(|| at.checked_sub(1).and_then(|before| ids.get(before)))
                .cloned()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = id;
            None
        }
    }

    /// After the page has re-rendered: focuses the card `id`, or, without
    /// one, the first card, or the "nothing waits" message.
    pub fn focus_after_render(id: Option<String>) {
        #[cfg(feature = "hydrate")]
        request_animation_frame(move || {
            match id {
                Some(id) => focus_card(&id),
                None => move_focus(0),
            }
            if focused_card().is_none()
                && let Some(empty) = document().get_element_by_id("nothing-waits")
            {
                use wasm_bindgen::JsCast;
                if let Ok(empty) = empty.dyn_into::<web_sys::HtmlElement>() {
                    let _ = empty.focus();
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    }

    /// When the inbox has loaded in the browser: focuses the first request,
    /// unless the person has already put the focus somewhere on the page
    /// (the link that led here does not count).
    pub fn focus_first_card_once_shown() {
        #[cfg(feature = "hydrate")]
        request_animation_frame(|| {
            let untouched = document().active_element().is_none_or(|active| {
                active.tag_name() == "BODY" || active.closest("main").ok().flatten().is_none()
            });
            // Without scrolling: the page opens at its top, the first
            // request's decisions in view below the header, on a phone too.
            if untouched && let Some(first) = cards().first() {
                let options = web_sys::FocusOptions::new();
                options.set_prevent_scroll(true);
                let _ = first.focus_with_options(&options);
            }
        });
    }

    /// Focuses a panel's first field as soon as it is in the page.
    pub fn focus_when_mounted<E>(field: NodeRef<E>)
    where
        E: leptos::html::ElementType,
        E::Output: Clone + AsRef<leptos::web_sys::HtmlElement> + 'static,
        NodeRef<E>: Get<Value = Option<E::Output>>,
    {
        Effect::new(move |_| {
            if let Some(element) = field.get() {
                let _ = element.as_ref().focus();
            }
        });
    }
}
