//! The agent page's "MCP servers" panel: the servers `bosun mcp proxy`
//! (or the remote gateway) relayed for this agent, and each server's tools
//! as added, discovered or denied.

use leptos::prelude::*;

use bosun_wire::vocabulary::McpToolStatus;

use crate::api::mcp::mcp_servers;
use crate::components::errors::ErrorNotice;
use crate::components::resource_table::ColumnHeads;
use crate::dates::Precision;

/// What a tool's status means, in a word a reader of the page knows.
fn status_label(status: McpToolStatus) -> &'static str {
    match status {
        McpToolStatus::Added => "added — shown, its calls go to the rules",
        McpToolStatus::Discovered => {
            "discovered — not one of this agent's tools: hidden and denied"
        }
        McpToolStatus::Denied => "denied — a rule denies every call: hidden",
        McpToolStatus::Unnamed => "no usable name: hidden",
    }
}

#[component]
pub fn McpServersPanel(agent_id: String) -> impl IntoView {
    let servers = Resource::new(move || agent_id.clone(), mcp_servers);
    view! {
        <section class="card mcp-servers" aria-label="MCP servers">
            <h2>"MCP servers"</h2>
            <p>
                "Servers put behind this agent with " <code>"bosun mcp proxy --agent …"</code>
                ": the client sees only the tools listed as added, and each call asks the rules first. "
                "Resources and prompts are not relayed."
            </p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match servers.await {
                        Ok(servers) if servers.is_empty() => view! {
                            <p class="empty">"No MCP server has been put behind this agent yet."</p>
                        }.into_any(),
                        Ok(servers) => servers.into_iter().map(|server| view! {
                            <div class="mcp-server">
                                <h3><code>{server.name.clone()}</code></h3>
                                <dl>
                                    <dt>"Transport"</dt><dd>{server.transport.as_str()}</dd>
                                    <dt>"Origin"</dt><dd><code class="mono">{server.origin.clone()}</code></dd>
                                    <dt>"Last seen"</dt><dd>{server.last_seen_at.format(Precision::Minute)}</dd>
                                </dl>
                                <table class="mcp-tools" aria-label=format!("Tools of {}", server.name) tabindex="0">
                                    <ColumnHeads columns=vec!["Tool", "Catalog tool", "Status"] />
                                    <tbody>
                                        {server.tools.iter().map(|tool| view! {
                                            <tr data-status=tool.status.as_str()>
                                                <td><code>{tool.name.clone()}</code></td>
                                                <td><code>{tool.tool.clone()}</code></td>
                                                <td>{status_label(tool.status)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }).collect_view().into_any(),
                        Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
