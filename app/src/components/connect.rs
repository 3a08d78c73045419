//! "Connect an agent": an agent token for one's own agent (a coding agent,
//! an MCP client, a script) to run this agent interactively, shown once
//! with a way to copy it.

use leptos::prelude::*;

use crate::api::tokens::CreateAgentToken;
use crate::components::copy::CopyButton;
use crate::components::errors::ActionError;

#[component]
pub fn ConnectPanel(agent_id: String) -> impl IntoView {
    let create = ServerAction::<CreateAgentToken>::new();
    let agent = StoredValue::new(agent_id);
    let days = RwSignal::new(String::from("30"));
    view! {
        <section class="card" aria-label="Connect an agent">
            <h2>"Connect an agent"</h2>
            <p class="hint">
                "Your own agent — a coding agent on your machine, an MCP client, a script — runs this agent "
                "interactively under an agent token: the token starts your interactive runs of this agent and "
                "makes their calls, and opens nothing else. It stops working when you lose access to the agent."
            </p>
            <form class="inline" on:submit=move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                create.dispatch(CreateAgentToken {
                    agent_id: agent.get_value(),
                    expires_in_days: Some(days.get_untracked()),
                });
            }>
                <label>"Expires in (days, empty for never)"
                    <input type="number" min="1" max="366" bind:value=days />
                </label>
                <button type="submit" class="secondary">"Create agent token"</button>
            </form>
            <ActionError result=create.value() />
            {move || create.value().get().and_then(Result::ok).map(|created| view! {
                <div class="notice" role="status">
                    <p>"Copy the token now; it will not be shown again. Give it to your agent as BOSUN_TOKEN."</p>
                    <code class="secret" data-testid="new-agent-token">{created.token.clone()}</code>
                    " "
                    <CopyButton text=created.token class="secondary" />
                </div>
            })}
        </section>
    }
}
