//! One agent: its page (read-only or editable, with sharing, cloning and
//! deletion) and the page that creates a new one.

use bosun_wire::vocabulary::CredentialModel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::agents::{
    Agent, AgentDetail, AgentForm, CloneAgent, CreateAgent, DeleteAgent, UpdateAgent, get_agent,
};
use crate::api::tools::list_tools;
use crate::api::workspace::get_workspace_settings;
use crate::components::agent_form::AgentEditor;
use crate::components::agent_labels::{
    AccessBadge, access_text, credential_text, mode_description,
};
use crate::components::claude_code::ClaudeCodePanel;
use crate::components::connect::ConnectPanel;
use crate::components::connections::NeedsPanel;
use crate::components::credentials::CredentialsPanel;
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::mcp_servers::McpServersPanel;
use crate::components::remote_mcp::AgentRemoteMcpPanel;
use crate::components::runs::{KeysPanel, RunsPanel};
use crate::components::sharing::SharingPanel;
use crate::dates::Precision;

#[component]
pub fn NewAgentPage() -> impl IntoView {
    let tools = Resource::new(|| (), |_| list_tools());
    let workspace = Resource::new(|| (), |_| get_workspace_settings());
    let create = ServerAction::<CreateAgent>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/agents/{id}"), Default::default());
        }
    });
    let initial = AgentForm {
        credential_model: "fixed".into(),
        ..AgentForm::default()
    };
    view! {
        <Title text="New agent" />
        <h1>"New agent"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let mut initial = initial.clone();
                Suspend::new(async move {
                    match (tools.await, workspace.await) {
                        (Ok(tools), Ok(workspace)) => {
                            let mode = workspace.default_execution_mode;
                            mode.as_str().clone_into(&mut initial.execution_mode);
                            view! {
                                <AgentEditor
                                    initial
                                    tools
                                    default_mode=mode
                                    submit_label="Create agent"
                                    pending=create.pending()
                                    on_submit=Callback::new(move |form| {
                                        create.dispatch(CreateAgent { form });
                                    })
                                />
                            }
                                .into_any()
                        }
                        (Err(error), _) | (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
        <ActionError result=create.value() />
    }
}

#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let update = ServerAction::<UpdateAgent>::new();
    let agent = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_agent(id),
    );
    let tools = Resource::new(|| (), |_| list_tools());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (agent.await, tools.await) {
                    (Ok(detail), Ok(tools)) => {
                        let AgentDetail { agent, access, .. } = &detail;
                        let editor = access
                            .can_edit
                            .then(|| {
                                let initial = form_of(agent);
                                let agent_id = agent.id.clone();
                                view! {
                                    <section class="card" aria-label="Definition">
                                        <h2>"Definition"</h2>
                                        <AgentEditor
                                            initial
                                            tools
                                            submit_label="Save changes"
                                            confirm_model_change=true
                                            pending=update.pending()
                                            on_submit=Callback::new(move |form| {
                                                update.dispatch(UpdateAgent { id: agent_id.clone(), form });
                                            })
                                        />
                                        <ActionError result=update.value() />
                                        <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                                            <p class="notice" role="status">"Saved."</p>
                                        </Show>
                                    </section>
                                }
                            });
                        view! {
                            <Title text=agent.name.clone() />
                            <AgentHeader detail=detail.clone() />
                            {match editor {
                                Some(editor) => editor.into_any(),
                                None => view! { <ReadOnlyDefinition detail=detail.clone() /> }.into_any(),
                            }}
                            <RunsPanel agent_id=agent.id.clone() />
                            <ConnectPanel agent_id=agent.id.clone() />
                            <ClaudeCodePanel agent_id=agent.id.clone() />
                            <AgentRemoteMcpPanel agent_id=agent.id.clone() can_edit=access.can_edit />
                            <McpServersPanel agent_id=agent.id.clone() />
                            {access.can_manage_keys.then(|| view! { <KeysPanel agent_id=agent.id.clone() /> })}
                            {(agent.credential_model == CredentialModel::User).then(|| view! {
                                <NeedsPanel agent_id=agent.id.clone() can_edit=access.can_edit />
                            })}
                            {access.can_edit.then(|| view! {
                                <CredentialsPanel agent_id=agent.id.clone() credential_model=agent.credential_model />
                            })}
                            {access
                                .can_manage_sharing
                                .then(|| {
                                    view! { <SharingPanel agent_id=agent.id.clone() agent_name=agent.name.clone() /> }
                                })}
                            <AgentActions detail=detail.clone() />
                        }
                            .into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => {
                        view! {
                            <Title text="Agent" />
                            <h1>"Agent"</h1>
                            <ErrorNotice error />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn form_of(agent: &Agent) -> AgentForm {
    AgentForm {
        name: agent.name.clone(),
        description: agent.description.clone(),
        instructions: agent.instructions.clone(),
        tools: agent.tools.clone(),
        execution_mode: agent.execution_mode.as_str().to_owned(),
        credential_model: agent.credential_model.as_str().to_owned(),
        settings: agent.settings_text(),
        approval_ttl_seconds: agent
            .approval_ttl_seconds
            .map(|ttl| ttl.to_string())
            .unwrap_or_default(),
    }
}

#[component]
fn AgentHeader(detail: AgentDetail) -> impl IntoView {
    let AgentDetail {
        agent,
        owner_name,
        access,
    } = detail;
    view! {
        <div class="page-head">
            <h1>{agent.name}</h1>
            <AccessBadge access />
        </div>
        <p class="muted">{agent.description}</p>
        <p class="meta">
            <span>"Owner: " {owner_name}</span>
            <span>"Updated " {agent.updated_at.format(Precision::Minute)}</span>
            <a href=format!("/agents/{}/permissions", agent.id)>"Permissions"</a>
        </p>
    }
}

/// The definition for those who may not change it, saying why.
#[component]
fn ReadOnlyDefinition(detail: AgentDetail) -> impl IntoView {
    let AgentDetail { agent, access, .. } = detail;
    let mode = mode_description(agent.execution_mode);
    let credentials = credential_text(agent.credential_model).0;
    let settings = agent.settings_text();
    let tools = if agent.tools.is_empty() {
        "none".to_owned()
    } else {
        agent.tools.join(", ")
    };
    view! {
        <p class="notice read-only" role="note">
            "You are viewing this agent read-only: you have " {access_text(&access)}
            ". Only its editors can change it."
        </p>
        <section class="card" aria-label="Definition">
            <h2>"Definition"</h2>
            <dl class="definition">
                <dt>"Instructions"</dt>
                <dd><pre class="mono">{agent.instructions}</pre></dd>
                <dt>"Tools"</dt>
                <dd>{tools}</dd>
                <dt>"Execution mode"</dt>
                <dd>{mode}</dd>
                <dt>"Authenticates as"</dt>
                <dd>{credentials}</dd>
                <dt>"Approval requests expire after"</dt>
                <dd>{match agent.approval_ttl_seconds {
                    Some(seconds) => format!("{seconds} seconds"),
                    None => "the workspace's time".to_owned(),
                }}</dd>
                <dt>"Settings"</dt>
                <dd><pre class="mono">{settings}</pre></dd>
            </dl>
        </section>
    }
}

/// Clone and delete, for those allowed.
#[component]
fn AgentActions(detail: AgentDetail) -> impl IntoView {
    let AgentDetail { agent, access, .. } = detail;
    let clone = ServerAction::<CloneAgent>::new();
    let delete = ServerAction::<DeleteAgent>::new();
    let confirming = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new({
        let navigate = navigate.clone();
        move |_| {
            if let Some(Ok(id)) = clone.value().get() {
                navigate(&format!("/agents/{id}"), Default::default());
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/agents", Default::default());
        }
    });
    let clone_name = RwSignal::new(format!("Copy of {}", agent.name));
    let clone_id = agent.id.clone();
    let delete_id = StoredValue::new(agent.id.clone());
    let clone_section = access.can_clone.then(|| {
        view! {
            <section class="card" aria-label="Clone">
                <h2>"Clone"</h2>
                <p class="hint">
                    "Copies the instructions, tools, settings, mode and rules into a new agent you own. "
                    "Credentials, sharing and runs are not copied."
                </p>
                <form class="inline" on:submit={
                    let clone_id = clone_id.clone();
                    move |event: leptos::ev::SubmitEvent| {
                        event.prevent_default();
                        clone.dispatch(CloneAgent { id: clone_id.clone(), name: clone_name.get_untracked() });
                    }
                }>
                    <label>"New name" <input bind:value=clone_name required /></label>
                    <button type="submit" class="secondary">"Clone agent"</button>
                </form>
                <ActionError result=clone.value() />
            </section>
        }
    });
    let delete_section = access.can_delete.then(|| {
        view! {
            <section class="card danger-zone" aria-label="Delete">
                <h2>"Delete"</h2>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Delete agent…"</button>
                    }
                >
                    <p role="alert">"Delete this agent and all its sharing? This cannot be undone."</p>
                    <div class="inline">
                        <button type="button" class="danger" on:click=move |_| {
                            delete.dispatch(DeleteAgent { id: delete_id.get_value() });
                        }>"Yes, delete it"</button>
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </div>
                </Show>
                <ActionError result=delete.value() />
            </section>
        }
    });
    view! {
        {clone_section}
        {delete_section}
    }
    .into_any()
}
