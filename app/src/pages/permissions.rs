//! Rule pages: an agent's permissions in context (enforced rules above its
//! own, workspace rules below, the mode last, and a test panel), and the
//! workspace's Settings → Security.

use std::sync::Arc;

use bosun_policy::{CompiledPolicy, ExecutionMode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::rules::{
    AgentPolicyView, ListRef, WorkspacePolicyView, agent_policy, workspace_policy,
};
use crate::api::workspace::{
    SetApprovalSettings, SetDefaultMode, WorkspaceSettings, get_workspace_settings,
};
use crate::components::agent_labels::{ModeSelect, mode_description};
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::layout::{AdminsManage, AdminsOnly, for_admins};
use crate::components::rules::{DeletedRule, MovedRule, RuleList, RulesContext};
use crate::components::test_call::{MODE, TestCall};

#[component]
pub fn AgentPermissionsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let changed = RwSignal::new(0_usize);
    let deleted = RwSignal::new(None::<DeletedRule>);
    MovedRule::provide();
    let policy = Resource::new(move || (id(), changed.get()), |(id, _)| agent_policy(id));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match policy.await {
                    Ok(view) => view! { <AgentPermissions agent_id=id() view changed deleted /> }.into_any(),
                    Err(error) => view! { <Title text="Permissions" /> <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AgentPermissions(
    agent_id: String,
    view: AgentPolicyView,
    changed: RwSignal<usize>,
    deleted: RwSignal<Option<DeletedRule>>,
) -> impl IntoView {
    let decided = RwSignal::new(None::<String>);
    let rules = RulesContext::build(
        &view.enforced,
        &view.agent,
        &view.workspace,
        &view.tools,
        decided.into(),
        changed,
        deleted,
    );
    let compiled = Arc::new(CompiledPolicy::compile(
        &rules.layers,
        view.mode,
        &rules.catalog,
    ));
    let context = StoredValue::new(rules);
    // The test panel offers the tools the agent was given, nothing else.
    let agent_tools_in_catalog = view
        .tools
        .iter()
        .filter(|tool| view.agent_tools.contains(&tool.name))
        .cloned()
        .collect::<Vec<_>>();
    let mode_text = mode_description(view.mode);
    let read_only_note = (!view.can_edit).then(|| {
        view! {
            <p class="notice read-only" role="note">
                "You are viewing these rules read-only: only the agent's editors change its rules, "
                "and only workspace admins change enforced and workspace rules."
            </p>
        }
    });
    view! {
        <Title text=format!("Permissions · {}", view.agent_name) />
        <div class="page-head">
            <h1>{format!("Permissions: {}", view.agent_name)}</h1>
            <A href=format!("/agents/{agent_id}")>"Back to the agent"</A>
        </div>
        <p>"Rules are checked from top to bottom; the first that matches decides. When none matches, the mode decides."</p>
        {read_only_note}
        <div class="permissions">
            <div class="lists">
                <RuleList list=ListRef::workspace(true) rules=view.enforced.clone() editable=false context
                    title="1. Enforced rules"
                    explanation="Workspace guardrails, checked first. Set by admins under Settings → Security; agent rules cannot override them." />
                <RuleList list=ListRef::agent(agent_id.clone()) rules=view.agent.clone() editable=view.can_edit context
                    title="2. This agent's rules"
                    explanation="Checked after the enforced rules." />
                <RuleList list=ListRef::workspace(false) rules=view.workspace.clone() editable=false context
                    title="3. Workspace rules"
                    explanation="Checked last; they apply to every agent of the workspace." />
                <section class="card" aria-label="Mode">
                    <h2>"4. Execution mode"</h2>
                    <p class:decided=move || decided.get().as_deref() == Some(MODE)>{mode_text}</p>
                    <p class="hint">"Change the mode on the agent's page."</p>
                </section>
            </div>
            <TestCall
                policy=Signal::stored(compiled)
                tools=agent_tools_in_catalog
                agent_tools=view.agent_tools.clone()
                context
                decided
            />
        </div>
    }
    .into_any()
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let changed = RwSignal::new(0_usize);
    let deleted = RwSignal::new(None::<DeletedRule>);
    MovedRule::provide();
    let set_mode = ServerAction::<SetDefaultMode>::new();
    let policy = Resource::new(
        move || (changed.get(), set_mode.version().get()),
        |_| for_admins(workspace_policy()),
    );
    let settings = Resource::new(
        move || set_mode.version().get(),
        |_| get_workspace_settings(),
    );
    view! {
        <Title text="Security" />
        <h1>"Security"</h1>
        <AdminsOnly fallback=|| view! {
            <AdminsManage what="Security holds the workspace's guardrails: the enforced rules checked before every agent's own, the workspace rules checked after them, the mode new agents start in, and how long approval requests wait.">
                <p>"An agent's own rules are on its Permissions page, for those who may edit it."</p>
            </AdminsManage>
        }>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (policy.await, settings.await) {
                    (Ok(view), Ok(settings)) => {
                        view! { <WorkspaceRules view settings changed deleted set_mode /> }.into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
        </AdminsOnly>
    }
}

#[component]
fn WorkspaceRules(
    view: WorkspacePolicyView,
    settings: WorkspaceSettings,
    changed: RwSignal<usize>,
    deleted: RwSignal<Option<DeletedRule>>,
    set_mode: ServerAction<SetDefaultMode>,
) -> impl IntoView {
    let decided = RwSignal::new(None::<String>);
    let rules = RulesContext::build(
        &view.enforced,
        &[],
        &view.workspace,
        &view.tools,
        decided.into(),
        changed,
        deleted,
    );
    // The test panel decides with no agent's own rules between the two
    // lists, in the mode it is set to (new agents' mode at first).
    let default_mode = settings.default_execution_mode.as_str();
    let test_mode = RwSignal::new(default_mode.to_owned());
    let compiled = {
        let (layers, catalog) = (rules.layers.clone(), rules.catalog.clone());
        Memo::new_with_compare(
            move |_| {
                let mode: ExecutionMode = test_mode.get().parse().unwrap_or(ExecutionMode::Locked);
                Arc::new(CompiledPolicy::compile(&layers, mode, &catalog))
            },
            // A recompiled policy is always news: policies are not compared.
            |previous, next| !matches!((previous, next), (Some(a), Some(b)) if Arc::ptr_eq(a, b)),
        )
    };
    let context = StoredValue::new(rules);
    let mode = RwSignal::new(default_mode.to_owned());
    view! {
        <section class="card" aria-label="Default execution mode">
            <h2>"Default execution mode"</h2>
            <form class="inline" on:submit=move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                set_mode.dispatch(SetDefaultMode { mode: mode.get_untracked() });
            }>
                <label>
                    "New agents start in"
                    <ModeSelect mode />
                </label>
                <button type="submit">"Save"</button>
            </form>
            <ActionError result=set_mode.value() />
        </section>
        <ApprovalSettings ttl=settings.approval_ttl_seconds self_approval=settings.self_approval />
        <div class="permissions">
            <div class="lists">
                <RuleList list=ListRef::workspace(true) rules=view.enforced.clone() editable=true context
                    title="Enforced rules"
                    explanation="Guardrails checked before every agent's own rules; agent editors cannot override them." />
                <RuleList list=ListRef::workspace(false) rules=view.workspace.clone() editable=true context
                    title="Workspace rules"
                    explanation="Checked after each agent's own rules, for every agent." />
            </div>
            <div>
                <TestCall policy=compiled mode_choice=test_mode tools=view.tools.clone() context decided />
                <p class="hint">
                    "Each agent's own rules come between these two lists: test a call of one agent on its Permissions page."
                </p>
            </div>
        </div>
    }
    .into_any()
}

/// How long approval requests wait, and whether reviewers may decide their
/// own runs' requests; the server checks the values and says what is wrong.
#[component]
fn ApprovalSettings(ttl: i64, self_approval: bool) -> impl IntoView {
    let save = ServerAction::<SetApprovalSettings>::new();
    let ttl = RwSignal::new(ttl.to_string());
    let self_approval = RwSignal::new(self_approval);
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    view! {
        <section class="card" aria-label="Approvals">
            <h2>"Approvals"</h2>
            <form on:submit=move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                save.dispatch(SetApprovalSettings {
                    approval_ttl_seconds: ttl.get_untracked(),
                    self_approval: self_approval.get_untracked(),
                });
            }>
                <label>
                    "Requests expire after (seconds)"
                    <input
                        type="text"
                        inputmode="numeric"
                        name="approval_ttl_seconds"
                        prop:value=ttl
                        on:input=move |ev| ttl.set(event_target_value(&ev))
                    />
                </label>
                <p class="hint">"From 1 second to 30 days (2592000). An expired request is a denial."</p>
                <label class="checkbox">
                    <input
                        type="checkbox"
                        name="self_approval"
                        prop:checked=self_approval
                        on:change=move |ev| self_approval.set(event_target_checked(&ev))
                    />
                    "Reviewers may decide requests of runs they started (or that a runtime key they created started)"
                </label>
                <button type="submit">"Save"</button>
                <Show when=saved>
                    <span class="saved" role="status">"Saved"</span>
                </Show>
            </form>
            <ActionError result=save.value() />
        </section>
    }
}
