//! The secrets a fixed agent acts with, for its editors: what exists,
//! which version, when it was rotated and last used — never a value — and
//! a form to write a new one or a new version.

use leptos::prelude::*;

use crate::api::credentials::{DeleteCredential, WriteCredential, list_credentials};
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::push::ClientOnly;

#[component]
pub fn CredentialsPanel(agent_id: String, credential_model: String) -> impl IntoView {
    let write = ServerAction::<WriteCredential>::new();
    let delete = ServerAction::<DeleteCredential>::new();
    let agent = StoredValue::new(agent_id);
    // Browser-only: the panel is built inside the agent page's `Suspend`.
    let credentials = LocalResource::new(move || {
        let _ = (write.version().get(), delete.version().get());
        list_credentials(agent.get_value())
    });
    let (name, account, value) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    // A stored secret must not linger in the form.
    Effect::new(move |_| {
        if matches!(write.value().get(), Some(Ok(()))) {
            value.set(String::new());
        }
    });
    let acts_as_user = credential_model == "user";
    view! {
        <section class="card" aria-label="Credentials">
            <h2>"Credentials"</h2>
            <p class="hint">
                {if acts_as_user {
                    "This agent acts as whoever starts a run, with their own accounts; secrets stored here are not handed to its runs."
                } else {
                    "Secrets of the service account this agent acts as. Its runs ask for one by name; the value is never shown again, and every hand-over is in the trace."
                }}
            </p>
            <ClientOnly>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match credentials.await {
                            Ok(items) if items.is_empty() => view! { <p class="muted">"No secrets yet."</p> }.into_any(),
                            Ok(items) => view! {
                                <table aria-label="Secrets">
                                    <thead><tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Service account"</th>
                                        <th scope="col">"Version"</th>
                                        <th scope="col">"Rotated"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {items.into_iter().map(|item| {
                                            let name = item.name.clone();
                                            view! {
                                                <tr>
                                                    <td class="mono">{item.name.clone()}</td>
                                                    <td>{item.service_account.clone().unwrap_or_default()}</td>
                                                    <td>{item.version.map(|v| v.to_string()).unwrap_or_default()}</td>
                                                    <td>{item.rotated.clone().or(item.created.clone()).unwrap_or_default()}</td>
                                                    <td>{item.last_used.clone().unwrap_or_else(|| "never".into())}</td>
                                                    <td>
                                                        <button type="button" class="secondary" aria-label=format!("Delete secret {}", item.name)
                                                            on:click=move |_| { delete.dispatch(DeleteCredential { agent_id: agent.get_value(), name: name.clone() }); }>
                                                            "Delete"
                                                        </button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </ClientOnly>
            <ActionError result=delete.value() />
            <form class="inline" on:submit=move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                write.dispatch(WriteCredential {
                    agent_id: agent.get_value(),
                    name: name.get_untracked(),
                    service_account: account.get_untracked(),
                    value: value.get_untracked(),
                });
            }>
                <label>"Secret name" <input bind:value=name required placeholder="github_token" /></label>
                <label>"Service account" <input bind:value=account required placeholder="release-bot" /></label>
                <label>"Value" <input type="password" autocomplete="off" bind:value=value required /></label>
                <button type="submit" class="secondary">"Store secret"</button>
            </form>
            <ActionError result=write.value() />
            <Show when=move || matches!(write.value().get(), Some(Ok(())))>
                <p class="notice" role="status">"Stored. The value will not be shown again."</p>
            </Show>
        </section>
    }
    .into_any()
}
