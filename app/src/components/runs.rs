//! An agent's runs (start one, watch their status), one run's standing
//! (what it waits for, what was allowed for it, cancelling it) and, for
//! the agent's owner and workspace admins, the runtime keys its worker
//! uses.

use leptos::prelude::*;

use crate::api::runs::{
    CancelRun, CreateKey, KeyView, RevokeKey, RunDetails, RunView, StartRun, list_keys, list_runs,
    run_overview,
};
use crate::components::confirm::ConfirmButton;
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::push::{ClientOnly, InboxChanges, changes_of};
use crate::components::resource_table::ResourceTable;
use crate::dates::{Precision, minute_or_never};

/// What a run's input may look like, shown beside the field.
const RUN_INPUT_EXAMPLE: &str =
    r#"{"task": "Summarize the open issues labelled bug", "repository": "acme/api"}"#;

#[component]
pub fn RunsPanel(agent_id: String) -> impl IntoView {
    let start = ServerAction::<StartRun>::new();
    // The server says when a run was queued, claimed or finished.
    let changed = changes_of(format!("/events/agents/{agent_id}/runs"), "runs");
    let agent = StoredValue::new(agent_id);
    // Fetched by the browser only: the list changes by itself, so there is
    // nothing to gain from rendering it on the server.
    let runs = LocalResource::new(move || {
        let (agent_id, _, _) = (agent.get_value(), start.version().get(), changed.get());
        list_runs(agent_id)
    });
    let input = RwSignal::new(String::new());
    view! {
        <section class="card" aria-label="Runs">
            <h2>"Runs"</h2>
            <form class="stack" on:submit=move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                start.dispatch(StartRun { agent_id: agent.get_value(), input: input.get_untracked() });
            }>
                <label>
                    "Input (JSON)"
                    <textarea class="mono" rows="4" bind:value=input aria-describedby="run-input-hint"
                        placeholder=RUN_INPUT_EXAMPLE></textarea>
                </label>
                <p class="hint" id="run-input-hint">
                    "What this run should work on, as a JSON value: the worker that claims the run receives it with the agent's definition. Leave it empty to start with "
                    <code>"{}"</code> ". For example: " <code>{RUN_INPUT_EXAMPLE}</code>
                </p>
                <div><button type="submit">"Start run"</button></div>
            </form>
            <ActionError result=start.value() />
            <ClientOnly>
            <ResourceTable
                load=move || async move { runs.await }
                class="runs"
                keep_while_reloading=true
                columns=vec!["Run", "Status", "Started by", "Started", "Finished"]
                empty="No runs yet."
                row=move |RunView { run, starter }: RunView| view! {
                    <tr data-run-id=run.id.clone()>
                        <td><a class="mono" href=format!("/traces/{}", run.id) aria-label=format!("Trace of run {}", run.id)>
                            {run.id.get(run.id.len().saturating_sub(8)..).unwrap_or_default().to_owned()}
                        </a>
                        {run.interactive.then(|| view! {
                            " " <span class="badge" data-testid="run-interactive"
                                title="Started by its user's own agent under their token">"interactive"</span>
                            " " <span class="mono">{
                                // A Claude Code session says which session and where;
                                // any other client, its own id for the run.
                                run.claude_code_session().or_else(|| run.external_id.clone()).unwrap_or_default()
                            }</span>
                        })}
                        </td>
                        <td><span class=format!("badge status-{}", run.status) data-testid="run-status">{run.status.as_str()}</span></td>
                        <td data-testid="run-starter">{starter}</td>
                        <td>{run.created_at.format(Precision::Second)}</td>
                        <td>{run.finished_at.map(|at| at.format(Precision::Second)).unwrap_or_default()}</td>
                    </tr>
                }
            />
            </ClientOnly>
        </section>
    }
    .into_any()
}

#[component]
pub fn KeysPanel(agent_id: String) -> impl IntoView {
    let create = ServerAction::<CreateKey>::new();
    let revoke = ServerAction::<RevokeKey>::new();
    let agent = StoredValue::new(agent_id);
    // Browser-only, like the runs: this panel is built inside the agent
    // page's `Suspend`, which server rendering may run more than once.
    let keys = LocalResource::new(move || {
        let _ = (create.version().get(), revoke.version().get());
        list_keys(agent.get_value())
    });
    let name = RwSignal::new(String::from("worker"));
    view! {
        <section class="card" aria-label="Runtime keys">
            <h2>"Runtime keys"</h2>
            <p class="hint">
                "The agent's worker uses a runtime key to claim runs and ask before each tool call. "
                "Runs a key starts count as its creator's; a key stops working when its creator no longer owns the agent or administers the workspace."
            </p>
            <form class="inline" on:submit=move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                create.dispatch(CreateKey { agent_id: agent.get_value(), name: name.get_untracked() });
            }>
                <label>"Key name" <input bind:value=name required /></label>
                <button type="submit" class="secondary">"Create key"</button>
            </form>
            <ActionError result=create.value() />
            {move || create.value().get().and_then(Result::ok).map(|created| view! {
                <div class="notice" role="status">
                    <p>"Copy the key now; it will not be shown again."</p>
                    <code class="secret" data-testid="new-key">{created.key}</code>
                </div>
            })}
            <ActionError result=revoke.value() />
            <ClientOnly>
            <Transition>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(keys) => view! {
                            <ul class="keys">
                                {keys.into_iter().map(|KeyView { key, created_by_name }| {
                                    let key_id = key.id.clone();
                                    view! {
                                        <li data-testid="runtime-key">
                                            <strong>{key.name.clone()}</strong>
                                            " created by " <span data-testid="key-creator">{created_by_name}</span>
                                            " on " {key.created_at.format(Precision::Minute)}
                                            " · last used " {minute_or_never(key.last_used_at.as_ref())}
                                            {(!key.active).then(|| view! {
                                                " " <span class="badge status-failed">"inactive: its creator lost their rights"</span>
                                            })}
                                            " "
                                            <ConfirmButton
                                                label="Revoke"
                                                name=format!("Revoke key {}", key.name)
                                                question=format!(
                                                    "Revoke the key {}? Its worker is refused at once, and the runs it started stop with it.",
                                                    key.name
                                                )
                                                confirm=format!("Revoke {}", key.name)
                                                on_confirm=Callback::new(move |()| {
                                                    revoke.dispatch(RevokeKey { agent_id: agent.get_value(), key_id: key_id.clone() });
                                                })
                                            />
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            </ClientOnly>
        </section>
    }
    .into_any()
}

/// A run's standing on its page: its status, what it waits for and who
/// can decide that (or that nobody can, and which setting changes it),
/// what reviewers allowed for the rest of it, and a way to cancel it.
/// Refetched whenever the inbox changes, since that is where its requests
/// come and go, and whenever `changed` (the run's own push stream) ticks.
#[component]
pub fn RunStatusPanel(
    run_id: Signal<String>,
    cancel: ServerAction<CancelRun>,
    changed: RwSignal<usize>,
) -> impl IntoView {
    let changes = use_context::<InboxChanges>()
        .map(|c| c.0)
        .unwrap_or_else(|| RwSignal::new(0));
    let overview = Resource::new(
        move || {
            (
                run_id.get(),
                changes.get(),
                changed.get(),
                cancel.version().get(),
            )
        },
        |(run, _, _, _)| run_overview(run),
    );
    let confirming = RwSignal::new(false);
    view! {
        <ActionError result=cancel.value() />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(RunDetails { run, may_cancel, waiting, allowed_for_run }) => {
                        let agent = StoredValue::new(run.agent_id.clone());
                        view! {
                            <section class="card" aria-label="Run status">
                                <p>
                                    "Status: "
                                    <span class=format!("badge status-{}", run.status) data-testid="run-status">
                                        {run.status.as_str()}
                                    </span>
                                </p>
                                {waiting.into_iter().map(|waiting| view! {
                                    <p data-testid="waiting">{waiting.summary}</p>
                                    {waiting.nobody_can_decide.then(|| view! {
                                        <p class="hint">
                                            "An admin can let reviewers decide their own runs' requests under "
                                            <a href="/settings/security">"Settings → Security"</a>
                                            ", or share the agent for editing with someone who can."
                                        </p>
                                    })}
                                }).collect_view()}
                                {(!allowed_for_run.is_empty()).then(|| view! {
                                    <div aria-label="Allowed for this run">
                                        <p>"Allowed for this run:"</p>
                                        <ul>
                                            {allowed_for_run.into_iter().map(|allowed| view! {
                                                <li data-testid="run-allowance">
                                                    <code>{allowed.tool}</code> " " <code>{allowed.subject}</code>
                                                    {format!(" — by {}, {}", allowed.granted_by_name, allowed.granted_at.format(Precision::Second))}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    </div>
                                })}
                                {may_cancel.then(|| view! {
                                    <Show
                                        when=move || confirming.get()
                                        fallback=move || view! {
                                            <button type="button" class="danger" on:click=move |_| confirming.set(true)>
                                                "Cancel run…"
                                            </button>
                                        }
                                    >
                                        <div class="warning" role="alert">
                                            <p>"Cancel this run? Its waiting calls are denied and its worker stops."</p>
                                            <div class="inline">
                                                <button type="button" class="danger" on:click=move |_| {
                                                    confirming.set(false);
                                                    cancel.dispatch(CancelRun {
                                                        agent_id: agent.get_value(),
                                                        run_id: run_id.get_untracked(),
                                                    });
                                                }>"Yes, cancel the run"</button>
                                                <button type="button" class="secondary" on:click=move |_| confirming.set(false)>
                                                    "Keep it running"
                                                </button>
                                            </div>
                                        </div>
                                    </Show>
                                })}
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}
