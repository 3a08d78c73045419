//! Connected accounts: the signed-in person's own (My account) and the ones
//! a `user` agent needs from whoever runs it (agent page).

use bosun_wire::vocabulary::ConnectionStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::oauth::{
    Connection, Disconnect, SetNeed, list_connections, list_needs, provider_choices,
};
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::push::ClientOnly;
use crate::components::resource_table::ResourceTable;
use crate::dates::minute_or_never;

/// My account → Connections: each provider, connected or not, with
/// Connect (a form post that goes to the provider) and Disconnect.
#[component]
pub fn ConnectionsSection() -> impl IntoView {
    let disconnect = ServerAction::<Disconnect>::new();
    let connections = Resource::new(move || disconnect.version().get(), |_| list_connections());
    let query = use_query_map();
    let connected = move || query.with(|q| q.get("connected"));
    let failed = move || query.with(|q| q.get("connection_error"));
    view! {
        <section class="card" id="connections" aria-label="Connections">
            <h2>"Connections"</h2>
            <p class="hint">
                "Agents that act as you use these accounts, with the scopes they declare, and only in runs you start yourself (never in runs a runtime key starts). Bosun keeps the tokens encrypted, refreshes them, and hands each run only yours."
            </p>
            {move || connected().map(|provider| view! {
                <p class="notice" role="status">{format!("Connected your {provider} account.")}</p>
            })}
            {move || failed().map(|message| view! {
                <p class="error" role="alert">{format!("The connection did not go through: {message}")}</p>
            })}
            <ActionError result=disconnect.value() />
            <ResourceTable
                load=move || async move { connections.await }
                label="Connected accounts"
                columns=vec!["Provider", "Status", "Scopes", "Used by", "Last used", ""]
                empty="No providers are set up yet; admins add them under Settings → Integrations."
                row=move |item: Connection| view! { <ConnectionRow item disconnect /> }
            />
        </section>
    }
    .into_any()
}

#[component]
fn ConnectionRow(item: Connection, disconnect: ServerAction<Disconnect>) -> impl IntoView {
    let (status, verb) = match item.status {
        ConnectionStatus::Active => ("connected", "Reconnect"),
        ConnectionStatus::ReconnectNeeded => ("reconnect needed", "Reconnect"),
        ConnectionStatus::NotConnected => ("not connected", "Connect"),
    };
    let provider = item.provider.clone();
    let connected = item.status != ConnectionStatus::NotConnected;
    view! {
        <tr data-testid=format!("connection-{}", item.provider)>
            <td>{item.display_name.clone()}</td>
            <td><span class=format!("badge connection-{}", item.status) data-testid="connection-status">{status}</span></td>
            <td class="mono">{item.scopes.join(" ")}</td>
            <td data-testid="connection-agents">
                {if item.agents.is_empty() {
                    "no agent you can run".to_owned()
                } else {
                    let names: Vec<&str> = item.agents.iter().map(|agent| agent.name.as_str()).collect();
                    names.join(", ")
                }}
            </td>
            <td>{minute_or_never(item.last_used_at.as_ref())}</td>
            <td class="row-actions">
                // A plain form: the server answers with a redirect to the provider.
                <form method="post" action=format!("/oauth/connect/{}", item.provider)>
                    <button type="submit" class="secondary"
                        aria-label=format!("{verb} {}", item.display_name)>{verb}</button>
                </form>
                {connected.then(|| view! {
                    <button type="button" class="secondary" aria-label=format!("Disconnect {}", item.display_name)
                        on:click=move |_| { disconnect.dispatch(Disconnect { provider: provider.clone() }); }>
                        "Disconnect"
                    </button>
                })}
            </td>
        </tr>
    }
}

/// Agent page, for agents that act as their user: the accounts (and
/// scopes) a run needs from whoever starts it. Editors change the list.
#[component]
pub fn NeedsPanel(agent_id: String, can_edit: bool) -> impl IntoView {
    let set = ServerAction::<SetNeed>::new();
    let agent = StoredValue::new(agent_id);
    // Browser-only: the panel is built inside the agent page's `Suspend`.
    let needs = LocalResource::new(move || {
        let _ = set.version().get();
        list_needs(agent.get_value())
    });
    let providers = LocalResource::new(move || async move {
        if can_edit {
            provider_choices().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let (provider, scopes) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    view! {
        <section class="card" aria-label="Accounts it needs">
            <h2>"Accounts it needs"</h2>
            <p class="hint">
                "This agent acts as whoever starts a run, with their own accounts. Runs start only for people who have connected these (under My account → Connections); each run gets only its starter's token."
            </p>
            <ClientOnly>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match needs.await {
                            Ok(items) if items.is_empty() => view! { <p class="muted">"No accounts declared."</p> }.into_any(),
                            Ok(items) => view! {
                                <ul class="needs">
                                    {items.into_iter().map(|need| {
                                        let name = need.provider.clone();
                                        view! {
                                            <li data-testid=format!("need-{}", need.provider)>
                                                <strong>{need.display_name.clone()}</strong>
                                                " " <span class="mono">{need.scopes.join(" ")}</span>
                                                {can_edit.then(|| view! {
                                                    " " <button type="button" class="secondary"
                                                        aria-label=format!("Remove {}", need.display_name)
                                                        on:click=move |_| {
                                                            set.dispatch(SetNeed { agent_id: agent.get_value(), provider: name.clone(), scopes: String::new(), remove: true });
                                                        }>"Remove"</button>
                                                })}
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
            <Show when=move || can_edit>
                <form class="inline" on:submit=move |event: leptos::ev::SubmitEvent| {
                    event.prevent_default();
                    set.dispatch(SetNeed {
                        agent_id: agent.get_value(),
                        provider: provider.get_untracked(),
                        scopes: scopes.get_untracked(),
                        remove: false,
                    });
                }>
                    <label>"Provider"
                        <select bind:value=provider required>
                            <option value="">"Choose…"</option>
                            <Transition>
                                {move || Suspend::new(async move {
                                    providers.await.into_iter().map(|p| view! {
                                        <option value=p.name.clone()>{p.display_name.clone()}</option>
                                    }).collect_view()
                                })}
                            </Transition>
                        </select>
                    </label>
                    <label>"Scopes" <input bind:value=scopes placeholder="mail.read" /></label>
                    <button type="submit" class="secondary">"Add account"</button>
                </form>
                <ActionError result=set.value() />
            </Show>
        </section>
    }
    .into_any()
}
