//! The agents list (the start page): mine, shared with me, or all I can
//! see, filtered by name.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

use crate::api::agents::{AgentSummary, list_agents};
use crate::components::agent_labels::{AccessBadge, credential_label, mode_label};
use crate::components::empty::EmptyState;
use crate::components::errors::ErrorNotice;

const VIEWS: [(&str, &str); 3] = [
    ("all", "All"),
    ("mine", "Mine"),
    ("shared", "Shared with me"),
];

#[component]
pub fn AgentsPage() -> impl IntoView {
    let query = use_query_map();
    let view = move || {
        query
            .with(|q| q.get("view"))
            .unwrap_or_else(|| "all".into())
    };
    let name = move || query.with(|q| q.get("q")).unwrap_or_default();
    let agents = Resource::new(
        move || (view(), name()),
        |(view, name)| list_agents(view, name),
    );
    view! {
        <Title text="Agents" />
        <div class="page-head">
            <h1>"Agents"</h1>
            <A href="/agents/new" attr:class="button">"New agent"</A>
        </div>
        <div class="toolbar">
            <nav class="tabs" aria-label="Which agents">
                {VIEWS
                    .into_iter()
                    .map(|(key, label)| {
                        view! {
                            <a
                                href=move || format!("/agents?view={key}&q={}", urlencoding::encode(&name()))
                                aria-current=move || (view() == key).then_some("page")
                            >
                                {label}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <Form method="GET" action="/agents" attr:class="inline" attr:role="search">
                <input type="hidden" name="view" prop:value=view />
                <label>
                    "Filter by name" <input type="search" name="q" prop:value=name placeholder="e.g. release" />
                </label>
                <button type="submit" class="secondary">"Filter"</button>
            </Form>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match agents.await {
                    Ok(agents) if agents.is_empty() => view! { <NoAgents /> }.into_any(),
                    Ok(agents) => view! { <AgentCards agents /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AgentCards(agents: Vec<AgentSummary>) -> impl IntoView {
    view! {
        <ul class="cards" aria-label="Agents">
            {agents
                .into_iter()
                .map(|agent| {
                    view! {
                        <li class="card agent-card">
                            <h2>
                                <a href=format!("/agents/{}", agent.agent.id)>{agent.agent.name}</a>
                            </h2>
                            <p class="muted">{agent.description}</p>
                            <p class="meta">
                                <AccessBadge access=agent.access />
                                <span>"Owner: " {agent.owner_name}</span>
                                <span>{mode_label(agent.execution_mode)}</span>
                                <span>{credential_label(agent.credential_model)}</span>
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn NoAgents() -> impl IntoView {
    view! {
        <EmptyState title="No agents here">
            <p>
                "Agents you own, agents shared with you and agents shared with the whole workspace appear here. "
                <a href="/agents/new">"Create an agent"</a>
                ", or ask a colleague to share one with you."
            </p>
        </EmptyState>
    }
}
