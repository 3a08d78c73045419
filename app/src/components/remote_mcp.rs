//! Remote MCP servers on the pages: the admins' register of them (Settings
//! → Integrations) and, on an agent's page, the ones it may use with the
//! address MCP clients connect to, which its editors choose.

use leptos::prelude::*;

use crate::api::mcp_servers::{
    AgentRemoteServer, AttachRemoteServer, DeleteRemoteServer, DetachRemoteServer,
    RegisterRemoteServer, RemoteServer, agent_remote_servers, list_remote_servers,
};
use crate::components::confirm::ConfirmButton;
use crate::components::errors::ActionError;
use crate::components::push::ClientOnly;
use crate::components::resource_table::ResourceTable;

/// Settings → Integrations: the registered servers, and a form to add one.
#[component]
pub fn RemoteMcpServersSection() -> impl IntoView {
    let register = ServerAction::<RegisterRemoteServer>::new();
    let delete = ServerAction::<DeleteRemoteServer>::new();
    let servers = Resource::new(
        move || (register.version().get(), delete.version().get()),
        |_| list_remote_servers(),
    );
    let kind = RwSignal::new("header".to_owned());
    view! {
        <section class="card" aria-label="Remote MCP servers">
            <h2>"Remote MCP servers"</h2>
            <p class="hint">
                "MCP servers reachable over Streamable HTTP that agents may use through Bosun, at "
                <code>"/mcp/<agent id>/<name>"</code>
                ". Bosun adds the credential itself; clients hold only a Bosun token. An agent's editors choose which of these it may use on its page."
            </p>
            <ActionError result=delete.value() />
            <ResourceTable
                load=move || async move { servers.await }
                label="Remote MCP servers"
                columns=vec!["Name", "URL", "Authentication", "Agents", ""]
                empty="No remote MCP servers yet."
                row=move |server: RemoteServer| {
                    let name = server.name.clone();
                    view! {
                        <tr data-testid=format!("mcp-server-{}", server.name)>
                            <td><span class="mono">{server.name.clone()}</span> " " <span class="muted">{server.description.clone()}</span></td>
                            <td class="mono">{server.url.clone()}</td>
                            <td>{server.auth.in_words()}</td>
                            <td>{agent_names(&server)}</td>
                            <td>
                                <ConfirmButton
                                    label="Delete"
                                    name=format!("Delete the MCP server {}", server.name)
                                    question=format!("Delete {}? No agent will reach it through Bosun any more.", server.name)
                                    confirm=format!("Delete {}", server.name)
                                    on_confirm=Callback::new(move |()| {
                                        delete.dispatch(DeleteRemoteServer { name: name.clone() });
                                    })
                                />
                            </td>
                        </tr>
                    }
                }
            />
            <h3>"Add a server"</h3>
            <ActionForm action=register attr:class="stack" attr:aria-label="Remote MCP server">
                <label>"Name (part of its tools' names, mcp__<name>__<tool>)"
                    <input name="fields[name]" required placeholder="docs" />
                </label>
                <label>"Description" <input name="fields[description]" /></label>
                <label>"Streamable HTTP URL" <input name="fields[url]" type="url" required placeholder="https://mcp.example.com/mcp" /></label>
                <label>"How Bosun authenticates to it"
                    <select name="fields[auth_kind]" on:change=move |event| kind.set(event_target_value(&event))>
                        <option value="header" selected=true>"A secret sent as a header"</option>
                        <option value="oauth">"Each person's account at an OAuth provider"</option>
                        <option value="none">"None"</option>
                    </select>
                </label>
                <Show when=move || kind.get() == "header">
                    <label>"Header" <input name="fields[header]" placeholder="Authorization" /></label>
                    <label>"Value (never shown again)"
                        <input name="fields[value]" type="password" autocomplete="off" placeholder="Bearer …" />
                    </label>
                </Show>
                <Show when=move || kind.get() == "oauth">
                    <label>"OAuth provider (its name)" <input name="fields[provider]" placeholder="github" /></label>
                </Show>
                <label>"Time limit per request, in seconds (30 unless set)"
                    <input name="fields[timeout_seconds]" type="number" min="1" max="600" />
                </label>
                <ActionError result=register.value() />
                <div class="row-actions"><button type="submit">"Add server"</button></div>
            </ActionForm>
        </section>
    }
}

/// An agent's remote MCP servers: where clients connect, and for editors
/// which registered servers it may use.
#[component]
pub fn AgentRemoteMcpPanel(agent_id: String, can_edit: bool) -> impl IntoView {
    let attach = ServerAction::<AttachRemoteServer>::new();
    let detach = ServerAction::<DetachRemoteServer>::new();
    let agent = StoredValue::new(agent_id);
    // Browser-only: the panel is built inside the agent page's `Suspend`.
    let attached = LocalResource::new(move || {
        let _ = (attach.version().get(), detach.version().get());
        agent_remote_servers(agent.get_value())
    });
    let registered = LocalResource::new(move || {
        let _ = attach.version().get();
        list_remote_servers()
    });
    let choice = RwSignal::new(String::new());
    view! {
        <section class="card" aria-label="Remote MCP servers">
            <h2>"Remote MCP servers"</h2>
            <p class="hint">
                "MCP clients reach these through Bosun with a token for this agent; each call is judged by the agent's rules, and Bosun adds the server's credential itself."
            </p>
            <ClientOnly>
                <ResourceTable
                    load=move || async move { attached.await }
                    label="The agent's remote MCP servers"
                    keep_while_reloading=true
                    columns={
                        let mut columns = vec!["Name", "Connect to (on this site)", "Authentication"];
                        if can_edit {
                            columns.push("");
                        }
                        columns
                    }
                    empty="None yet."
                    row=move |server: AgentRemoteServer| {
                        let name = server.name.clone();
                        view! {
                            <tr>
                                <td><span class="mono">{server.name.clone()}</span> " " <span class="muted">{server.description.clone()}</span></td>
                                <td class="mono">{server.path.clone()}</td>
                                <td>{server.auth.in_words()}</td>
                                {can_edit.then(|| view! {
                                    <td>
                                        <button type="button" class="secondary" aria-label=format!("Stop using {}", server.name)
                                            on:click=move |_| { detach.dispatch(DetachRemoteServer { agent_id: agent.get_value(), name: name.clone() }); }>
                                            "Stop using"
                                        </button>
                                    </td>
                                })}
                            </tr>
                        }
                    }
                />
                {can_edit.then(|| view! {
                    <form class="inline" on:submit=move |event: leptos::ev::SubmitEvent| {
                        event.prevent_default();
                        attach.dispatch(AttachRemoteServer { agent_id: agent.get_value(), name: choice.get_untracked() });
                    }>
                        <label>"Use a registered server"
                            <select on:change=move |event| choice.set(event_target_value(&event))>
                                <option value="">"Choose…"</option>
                                {move || registered.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|server| {
                                    view! { <option value=server.name.clone()>{server.name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="secondary">"Use it"</button>
                    </form>
                })}
            </ClientOnly>
            <ActionError result=attach.value() />
            <ActionError result=detach.value() />
        </section>
    }
}

/// The names of the agents using a server, or "none yet".
fn agent_names(server: &RemoteServer) -> String {
    if server.agents.is_empty() {
        return "none yet".to_owned();
    }
    let names: Vec<&str> = server
        .agents
        .iter()
        .map(|agent| agent.name.as_str())
        .collect();
    names.join(", ")
}
