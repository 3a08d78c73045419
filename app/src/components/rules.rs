//! Editing one ordered rule list: the rules in evaluation order with the
//! engine's warnings beside each, moving (buttons or drag and drop), editing
//! and deleting them, and adding new ones with inline validation.

use bosun_policy::{
    Action, Catalog, Layer, Layers, RulePattern, Vocabulary, Warning, WarningKind, analyze,
};
use leptos::prelude::*;

use crate::api::rules::{
    AddRule, DeleteRule, ListRef, ReorderRules, Rule, RuleForm, UpdateRule, add_rule, reorder_rules,
};
use crate::api::tools::Tool;
use crate::components::confirm::ConfirmButton;
use crate::components::errors::{ActionError, ErrorNotice};
use crate::error::AppError;
use crate::policy_view::{RuleLookup, engine_rule, rule_label, warning_text};

/// What every list on a page shares: the lists as saved (to analyse drafts
/// against), the catalog, every rule (to name winners), the warnings, and
/// the rule that decided the current test call.
#[derive(Clone)]
pub struct RulesContext {
    pub layers: Layers,
    pub catalog: Catalog,
    pub all_rules: Vec<Rule>,
    /// The workspace's tool catalog as the server listed it.
    pub tools: Vec<Tool>,
    pub warnings: Vec<Warning>,
    pub decided: Signal<Option<String>>,
    /// Bumped after every saved change, so the page reloads its lists.
    pub changed: RwSignal<usize>,
    /// The rule deleted last, which Undo puts back; kept by the page, so
    /// that it outlives the lists' reload.
    pub deleted: RwSignal<Option<DeletedRule>>,
}

/// The rule moved last with its ↑ or ↓ button, kept by the page so that,
/// once the lists have reloaded in their new order, the focus goes back to
/// the same button of the same rule and the next key press moves it again.
#[derive(Clone, Copy)]
pub struct MovedRule(RwSignal<Option<(String, Direction)>>);

/// Which way a rule was moved.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl MovedRule {
    /// Gives the page's rule lists a place to remember the moved rule.
    pub fn provide() {
        provide_context(Self(RwSignal::new(None)));
    }

    /// Focuses the moved rule's button, if the rule is in `ids` (the list
    /// just rendered), once it is in the page. The other button when that
    /// one is disabled (the rule reached the top or the bottom).
    fn refocus(self, ids: &[String]) {
        let Some((id, direction)) = self.0.get_untracked() else {
            return;
        };
        if !ids.contains(&id) {
            return;
        }
        self.0.set(None);
        #[cfg(feature = "hydrate")]
        request_animation_frame(move || {
            use wasm_bindgen::JsCast;
            let Ok(Some(row)) = document().query_selector_all("li.rule").map(|rows| {
                (0..rows.length())
                    .filter_map(|i| rows.item(i))
                    .filter_map(|row| row.dyn_into::<web_sys::Element>().ok())
                    .find(|row| row.get_attribute("data-rule-id").as_deref() == Some(&id))
            }) else {
                return;
            };
            let (wanted, other) = match direction {
                Direction::Up => ("button.move-up", "button.move-down"),
                Direction::Down => ("button.move-down", "button.move-up"),
            };
            let enabled = |selector: &str| {
                row.query_selector(selector)
                    .ok()
                    .flatten()
                    .and_then(|button| button.dyn_into::<web_sys::HtmlButtonElement>().ok())
                    .filter(|button| !button.disabled())
            };
            if let Some(button) = enabled(wanted).or_else(|| enabled(other)) {
                let _ = button.focus();
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, direction);
    }

    fn remember(self, id: String, direction: Direction) {
        self.0.set(Some((id, direction)));
    }
}

/// A deleted rule, as Undo needs it: its list, what it said, and the
/// list's order when it went (its own id included).
#[derive(Clone, Debug)]
pub struct DeletedRule {
    list: ListRef,
    id: String,
    rule: RuleForm,
    order: Vec<String>,
    label: String,
    /// Why putting it back failed, if it did.
    failed: Option<AppError>,
}

impl RulesContext {
    /// Everything a page of rule lists shares, from the lists as the server
    /// sent them: the engine's layers and catalog, and its warnings.
    pub fn build(
        enforced: &[Rule],
        agent: &[Rule],
        workspace: &[Rule],
        tools: &[Tool],
        decided: Signal<Option<String>>,
        changed: RwSignal<usize>,
        deleted: RwSignal<Option<DeletedRule>>,
    ) -> Self {
        let layers = crate::policy_view::layers(enforced, agent, workspace);
        let catalog = crate::policy_view::catalog(tools);
        Self {
            warnings: analyze(&layers, &catalog),
            layers,
            catalog,
            all_rules: [enforced, agent, workspace].concat(),
            tools: tools.to_vec(),
            decided,
            changed,
            deleted,
        }
    }

    fn lookup(&self, id: &str) -> Option<Rule> {
        self.all_rules.iter().find(|rule| rule.id == id).cloned()
    }
}

#[component]
pub fn RuleList(
    title: &'static str,
    #[prop(into)] explanation: String,
    list: ListRef,
    rules: Vec<Rule>,
    editable: bool,
    context: StoredValue<RulesContext>,
) -> impl IntoView {
    let layer = list.scope;
    let tools = context.with_value(|c| c.tools.clone());
    let update = ServerAction::<UpdateRule>::new();
    let delete = ServerAction::<DeleteRule>::new();
    let reorder = ServerAction::<ReorderRules>::new();
    let add = ServerAction::<AddRule>::new();
    for version in [
        update.version(),
        delete.version(),
        reorder.version(),
        add.version(),
    ] {
        Effect::new(move |previous: Option<usize>| {
            let now = version.get();
            if previous.is_some_and(|previous| previous != now) {
                context.with_value(|c| c.changed.update(|n| *n += 1));
            }
            now
        });
    }
    // Undo is offered for a deletion that happened, until the next change.
    let deleting = StoredValue::new(None::<DeletedRule>);
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            context.with_value(|c| c.deleted.set(deleting.get_value()));
        }
    });
    for version in [update.version(), reorder.version(), add.version()] {
        Effect::new(move |previous: Option<usize>| {
            let now = version.get();
            if previous.is_some_and(|previous| previous != now) {
                context.with_value(|c| c.deleted.set(None));
            }
            now
        });
    }
    let order: Vec<String> = rules.iter().map(|rule| rule.id.clone()).collect();
    let moved = use_context::<MovedRule>();
    if let Some(moved) = moved {
        moved.refocus(&order);
    }
    let order = StoredValue::new(order);
    let dragging = RwSignal::new(None::<usize>);
    let move_rule = {
        let list = list.clone();
        move |from: usize, to: usize| {
            let mut ids = order.get_value();
            if from >= ids.len() || to >= ids.len() || from == to {
                return;
            }
            let id = ids.remove(from);
            ids.insert(to, id);
            reorder.dispatch(ReorderRules {
                list: list.clone(),
                order: ids,
            });
        }
    };
    let count = rules.len();
    let editing = RwSignal::new(None::<String>);
    let rows = rules
        .into_iter()
        .enumerate()
        .map(|(index, rule)| {
            let id = rule.id.clone();
            let warnings: Vec<String> = context.with_value(|c| {
                c.warnings
                    .iter()
                    .filter(|w| w.rule.rule_id == rule.id)
                    .map(|w| warning_text(w, &|id| c.lookup(id)))
                    .collect()
            });
            let decided = {
                let id = id.clone();
                move || context.with_value(|c| c.decided.get()).as_deref() == Some(id.as_str())
            };
            let controls = editable.then(|| {
                let (up, down) = (move_rule.clone(), move_rule.clone());
                let (up_id, down_id) = (id.clone(), id.clone());
                let remember = move |id: String, direction| {
                    if let Some(moved) = moved {
                        moved.remember(id, direction);
                    }
                };
                let (edit_id, delete_id) = (id.clone(), id.clone());
                let delete_list = list.clone();
                let deleted_rule = rule.clone();
                let deleted_form = RuleForm {
                    tool: rule.tool.clone(),
                    action: rule.action.to_string(),
                    pattern: rule.pattern.clone().unwrap_or_default(),
                    note: rule.note.clone(),
                };
                view! {
                    <div class="rule-controls">
                        <button type="button" class="secondary move-up" disabled=index == 0
                            aria-label=format!("Move rule {} up", index + 1)
                            on:click=move |_| { remember(up_id.clone(), Direction::Up); up(index, index.saturating_sub(1)) }>"↑"</button>
                        <button type="button" class="secondary move-down" disabled=index + 1 == count
                            aria-label=format!("Move rule {} down", index + 1)
                            on:click=move |_| { remember(down_id.clone(), Direction::Down); down(index, index + 1) }>"↓"</button>
                        <button type="button" class="secondary" on:click=move |_| editing.set(Some(edit_id.clone()))>"Edit"</button>
                        <ConfirmButton
                            label="Delete"
                            name=format!("Delete rule {}", index + 1)
                            question=format!("Delete rule #{} ({})? Calls are judged without it at once.", index + 1, rule_label(&rule))
                            confirm="Delete rule"
                            on_confirm=Callback::new(move |()| {
                                deleting.set_value(Some(DeletedRule {
                                    list: delete_list.clone(),
                                    id: delete_id.clone(),
                                    rule: deleted_form.clone(),
                                    order: order.get_value(),
                                    label: format!("#{} ({})", index + 1, rule_label(&deleted_rule)),
                                    failed: None,
                                }));
                                delete.dispatch(DeleteRule { list: delete_list.clone(), rule_id: delete_id.clone() });
                            })
                        />
                    </div>
                }
            });
            let edit_form = {
                let (rule, tools, list) = (rule.clone(), tools.clone(), list.clone());
                let id = id.clone();
                move || {
                    (editing.get().as_deref() == Some(id.as_str())).then(|| {
                        let (list, rule_id) = (list.clone(), rule.id.clone());
                        let initial = RuleForm {
                            tool: rule.tool.clone(),
                            action: rule.action.to_string(),
                            pattern: rule.pattern.clone().unwrap_or_default(),
                            note: rule.note.clone(),
                        };
                        view! {
                            <RuleEditor
                                initial
                                tools=tools.clone()
                                layer
                                replacing=Some(rule_id.clone())
                                context
                                submit_label="Save rule"
                                on_submit=Callback::new(move |form| {
                                    update.dispatch(UpdateRule { list: list.clone(), rule_id: rule_id.clone(), rule: form });
                                    editing.set(None);
                                })
                            />
                        }
                    })
                }
            };
            view! {
                <li
                    class="rule"
                    class:decided=decided
                    data-rule-id=id.clone()
                    draggable=editable.then_some("true")
                    on:dragstart=move |_| dragging.set(Some(index))
                    on:dragover=move |event| event.prevent_default()
                    on:drop={
                        let move_rule = move_rule.clone();
                        move |event| {
                            event.prevent_default();
                            if let Some(from) = dragging.get_untracked() {
                                move_rule(from, index);
                            }
                            dragging.set(None);
                        }
                    }
                >
                    <div class="rule-main">
                        <span class="position">{format!("#{}", index + 1)}</span>
                        <span class=format!("badge action-{}", rule.action)>{rule.action.as_str()}</span>
                        <code class="tool">{rule.tool.clone()}</code>
                        <code class="pattern">{rule.pattern.clone().unwrap_or_else(|| "(any input)".into())}</code>
                        <span class="muted note">{rule.note.clone()}</span>
                        {controls}
                    </div>
                    {warnings
                        .into_iter()
                        .map(|warning| view! { <p class="warning" role="note">{warning}</p> })
                        .collect_view()}
                    {edit_form}
                </li>
            }
        })
        .collect_view();
    let adding = RwSignal::new(false);
    let add_form = editable.then(|| {
        let list = list.clone();
        view! {
            <Show
                when=move || adding.get()
                fallback=move || view! { <button type="button" class="secondary" on:click=move |_| adding.set(true)>"Add rule"</button> }
            >
                {
                    let list = list.clone();
                    let tools = tools.clone();
                    view! {
                        <RuleEditor
                            initial=RuleForm { action: new_rule_action(layer).into(), ..RuleForm::default() }
                            tools
                            layer
                            replacing=None
                            context
                            submit_label="Save rule"
                            on_submit=Callback::new(move |form| {
                                add.dispatch(AddRule { list: list.clone(), rule: form });
                                adding.set(false);
                            })
                        />
                    }
                }
            </Show>
        }
    });
    view! {
        <section class="card rule-list" aria-label=title>
            <h2>{title}</h2>
            <p class="hint">{explanation}</p>
            {if count == 0 { Some(view! { <p class="muted">"No rules."</p> }) } else { None }}
            <ol class="rules">{rows}</ol>
            <UndoDelete list=list.clone() context />
            <ActionError result=add.value() />
            <ActionError result=update.value() />
            <ActionError result=delete.value() />
            <ActionError result=reorder.value() />
            {add_form}
        </section>
    }
    .into_any()
}

/// "Deleted rule #2 (…). Undo": puts the list's last deleted rule back
/// where it was, as a new rule with the same fields (the trace shows the
/// deletion and the re-creation). If the list changed meanwhile, the rule
/// comes back at the end and the failed move is said.
#[component]
fn UndoDelete(list: ListRef, context: StoredValue<RulesContext>) -> impl IntoView {
    let (deleted, changed) = context.with_value(|c| (c.deleted, c.changed));
    let undo = move |gone: DeletedRule| {
        leptos::task::spawn_local(async move {
            let restored = async {
                let added = add_rule(gone.list.clone(), gone.rule.clone()).await?;
                let order = gone
                    .order
                    .iter()
                    .map(|id| {
                        if *id == gone.id {
                            added.id.clone()
                        } else {
                            id.clone()
                        }
                    })
                    .collect();
                reorder_rules(gone.list.clone(), order).await
            }
            .await;
            deleted.set(restored.err().map(|error| DeletedRule {
                failed: Some(error),
                ..gone
            }));
            changed.update(|n| *n += 1);
        });
    };
    move || {
        deleted
            .get()
            .filter(|gone| gone.list == list)
            .map(|gone| match gone.failed.clone() {
                Some(error) => view! { <ErrorNotice error /> }.into_any(),
                None => {
                    let label = format!("Deleted rule {}.", gone.label);
                    view! {
                        <p class="notice" role="status">
                            {label} " "
                            <button type="button" class="secondary" on:click=move |_| undo(gone.clone())>"Undo"</button>
                        </p>
                    }
                    .into_any()
                }
            })
    }
}

/// The fields of one rule, checked by the policy engine as they are typed:
/// a pattern that does not parse explains itself and cannot be saved, and
/// a rule that could never apply says which rule wins instead.
#[component]
fn RuleEditor(
    initial: RuleForm,
    tools: Vec<Tool>,
    layer: Layer,
    /// The rule being edited, left out when analysing the draft.
    replacing: Option<String>,
    context: StoredValue<RulesContext>,
    submit_label: &'static str,
    on_submit: Callback<RuleForm>,
) -> impl IntoView {
    // A new rule has no tool until one is picked: every tool (`*`) is a
    // choice to make, not a default.
    let tool = RwSignal::new(initial.tool);
    let action = RwSignal::new(initial.action);
    let pattern = RwSignal::new(initial.pattern);
    let note = RwSignal::new(initial.note);
    let pattern_error = move || {
        let text = pattern.get();
        if text.is_empty() {
            return None;
        }
        RulePattern::parse(&text)
            .err()
            .map(|error| error.to_string())
    };
    let replacing = StoredValue::new(replacing);
    // What the engine says of the draft: the rules that decide before it,
    // and the rules it would decide before (overriding or shadowing them).
    let draft_warnings = move || {
        if pattern_error().is_some() || tool.with(String::is_empty) {
            return Vec::new();
        }
        let Ok(draft_action) = action.get().parse() else {
            return Vec::new();
        };
        let draft = Rule {
            id: "draft".into(),
            position: 0,
            tool: tool.get(),
            action: draft_action,
            pattern: Some(pattern.get()).filter(|p| !p.is_empty()),
            note: String::new(),
            enforced: None,
        };
        let Some(draft_rule) = engine_rule(&draft) else {
            return Vec::new();
        };
        context.with_value(|c| {
            let mut layers = c.layers.clone();
            let list = match layer {
                Layer::Enforced => &mut layers.enforced,
                Layer::Agent => &mut layers.agent,
                Layer::Workspace => &mut layers.workspace,
            };
            let replaced = replacing.with_value(|r| r.clone());
            match replaced.and_then(|id| list.iter().position(|rule| rule.id == id)) {
                Some(at) => list[at] = draft_rule,
                None => list.push(draft_rule),
            }
            let lookup = |id: &str| c.lookup(id);
            let warnings = analyze(&layers, &c.catalog);
            let about_draft = warnings
                .iter()
                .filter(|w| w.rule.rule_id == "draft")
                .map(|w| warning_text(w, &lookup));
            let by_draft = warnings
                .iter()
                .filter(|w| warned_by(w) == Some("draft"))
                .filter_map(|w| overridden_text(w, &lookup));
            about_draft.chain(by_draft).collect::<Vec<_>>()
        })
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        on_submit.run(RuleForm {
            tool: tool.get_untracked(),
            action: action.get_untracked(),
            pattern: pattern.get_untracked(),
            note: note.get_untracked(),
        });
    };
    view! {
        <form class="rule-editor" on:submit=submit>
            <label>
                "Tool"
                <select on:change=move |ev| tool.set(event_target_value(&ev)) prop:value=tool>
                    <option value="" disabled>"Choose a tool…"</option>
                    <option value="*">"* (every tool)"</option>
                    {tools
                        .into_iter()
                        .map(|t| view! { <option value=t.name.clone()>{t.name.clone()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Action"
                <select on:change=move |ev| action.set(event_target_value(&ev)) prop:value=action>
                    {Action::ALL
                        .iter()
                        .map(|action| view! { <option value=action.as_str()>{action.as_str()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="grow">
                "Pattern"
                <input class="mono" bind:value=pattern placeholder="e.g. npm * (empty: any input)"
                    aria-invalid=move || pattern_error().is_some().to_string() />
            </label>
            <label class="grow">"Note" <input bind:value=note /></label>
            <button type="submit" disabled=move || pattern_error().is_some() || tool.with(String::is_empty)>
                {submit_label}
            </button>
            <Show when=move || tool.with(String::is_empty)>
                <p class="hint">"Choose the tool this rule is for (or * for every tool) to save it."</p>
            </Show>
            {move || pattern_error().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            {move || {
                draft_warnings()
                    .into_iter()
                    .map(|warning| view! { <p class="warning" role="note">{warning}</p> })
                    .collect_view()
            }}
        </form>
    }
    .into_any()
}

/// What a new rule starts as: an enforced rule overrides everything after
/// it, so it starts as a denial; elsewhere a new rule starts by asking.
/// Either way the person picks the action before saving.
fn new_rule_action(layer: Layer) -> &'static str {
    match layer {
        Layer::Enforced => "deny",
        Layer::Agent | Layer::Workspace => "ask",
    }
}

/// The id of the rule a warning says decides instead, if any.
fn warned_by(warning: &Warning) -> Option<&str> {
    match &warning.kind {
        WarningKind::Shadowed { by, .. } | WarningKind::OverriddenByEnforced { by } => {
            Some(by.rule_id.as_str())
        }
        _ => None,
    }
}

/// A warning about another rule that the draft would decide before, said
/// from the draft's side: which rule it takes over.
fn overridden_text(warning: &Warning, lookup: RuleLookup<'_>) -> Option<String> {
    let rule = lookup(&warning.rule.rule_id)?;
    let other = format!(
        "{} rule #{} ({})",
        warning.rule.layer.as_str(),
        warning.rule.position,
        rule_label(&rule)
    );
    Some(match &warning.kind {
        WarningKind::Shadowed {
            same_action: true, ..
        } => format!("Makes {other} redundant: this rule decides the same, first."),
        _ => {
            format!("Overrides {other}: this rule decides first for everything that rule matches.")
        }
    })
}
