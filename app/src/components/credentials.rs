//! The secrets a fixed agent acts with, for its editors: what exists,
//! which version, when it was rotated and last used — never a value — and
//! a form to write a new one or a new version.

use bosun_wire::vocabulary::CredentialModel;
use leptos::prelude::*;

use crate::api::credentials::{Credential, DeleteCredential, WriteCredential, list_credentials};
use crate::components::confirm::ConfirmButton;
use crate::components::errors::ActionError;
use crate::components::push::ClientOnly;
use crate::components::resource_table::ResourceTable;
use crate::dates::{Precision, minute_or_never};

#[component]
pub fn CredentialsPanel(agent_id: String, credential_model: CredentialModel) -> impl IntoView {
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
    // Writing a name that exists rotates that secret: a new version, for
    // the same service account (the server refuses another).
    // `try_`: a view that outlives its owner (the page was left while it
    // rendered) reads nothing rather than panicking.
    let rotating = move || {
        let typed = name.try_with(|name| name.trim().to_owned())?;
        credentials
            .try_get()
            .flatten()
            .and_then(Result::ok)
            .and_then(|items| items.into_iter().find(|item| item.name == typed))
    };
    Effect::new(move |_| {
        if let Some(current) = rotating().and_then(|item| item.service_account) {
            account.set(current);
        }
    });
    let acts_as_user = credential_model == CredentialModel::User;
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
                <ResourceTable
                    load=move || async move { credentials.await }
                    label="Secrets"
                    keep_while_reloading=true
                    columns=vec!["Name", "Service account", "Version", "Rotated", "Last used", ""]
                    empty="No secrets yet."
                    row=move |item: Credential| {
                        let name = item.name.clone();
                        view! {
                            <tr>
                                <td class="mono">{item.name.clone()}</td>
                                <td>{item.service_account.clone().unwrap_or_default()}</td>
                                <td>{item.version.map(|v| v.to_string()).unwrap_or_default()}</td>
                                <td>{item.rotated_at.as_ref().or(item.created_at.as_ref()).map(|at| at.format(Precision::Minute)).unwrap_or_default()}</td>
                                <td>{minute_or_never(item.last_used_at.as_ref())}</td>
                                <td>
                                    <ConfirmButton
                                        label="Delete"
                                        name=format!("Delete secret {}", item.name)
                                        question=deletion_question(&item)
                                        confirm=format!("Delete {}", item.name)
                                        on_confirm=Callback::new(move |()| {
                                            delete.dispatch(DeleteCredential { agent_id: agent.get_value(), name: name.clone() });
                                        })
                                    />
                                </td>
                            </tr>
                        }
                    }
                />
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
                <label>
                    "Service account"
                    <input bind:value=account required placeholder="release-bot" readonly=move || rotating().is_some() />
                </label>
                <label>"Value" <input type="password" autocomplete="off" bind:value=value required /></label>
                <button type="submit" class="secondary">"Store secret"</button>
            </form>
            {move || rotating().map(|item| view! {
                <p class="hint">
                    {format!(
                        "Stores version {} of {} for the service account {}. To act as another account, use another name.",
                        item.version.unwrap_or(0) + 1,
                        item.name,
                        item.service_account.unwrap_or_default(),
                    )}
                </p>
            })}
            <ActionError result=write.value() />
            <Show when=move || matches!(write.value().get(), Some(Ok(())))>
                <p class="notice" role="status">"Stored. The value will not be shown again."</p>
            </Show>
        </section>
    }
    .into_any()
}

/// "Delete the secret github and its 3 versions? …"
fn deletion_question(item: &Credential) -> String {
    let versions = match item.version {
        Some(1) | None => "its only version".to_owned(),
        Some(versions) => format!("all {versions} of its versions"),
    };
    format!(
        "Delete the secret {} and {versions}? Runs can no longer ask for it.",
        item.name
    )
}
