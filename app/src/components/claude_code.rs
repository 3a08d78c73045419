//! The agent page's "Claude Code" panel: the hooks that put a developer's
//! Claude Code under this agent, with a copy button, the command that
//! writes them into a project, and how each of Claude Code's tools is
//! judged.

use leptos::prelude::*;

use crate::api::integrations::claude_code_setup;
use crate::components::copy::CopyButton;
use crate::components::errors::ErrorNotice;
use crate::components::resource_table::ColumnHeads;

#[component]
pub fn ClaudeCodePanel(agent_id: String) -> impl IntoView {
    let setup = Resource::new(move || agent_id.clone(), claude_code_setup);
    view! {
        <section class="card claude-code" aria-label="Claude Code">
            <h2>"Claude Code"</h2>
            <p>
                "Every tool call of a Claude Code session asks this agent's rules first: it runs, is denied "
                "with the rule's reason, or waits in the inbox. Put these hooks in the project's "
                <code>".claude/settings.json"</code>
                " (or in managed settings for the whole organization) and start Claude Code with "
                <code>"BOSUN_TOKEN"</code>
                " set to a token of yours; the token never goes in the file. While Bosun cannot be "
                "reached, tool calls are blocked."
            </p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(setup) => view! {
                            <p>"Or, in the project: " <code class="mono">{setup.command.clone()}</code></p>
                            <CopyableBlock label="Hooks for .claude/settings.json" text=setup.settings.clone() />
                            <h3>"How Claude Code's tools are judged"</h3>
                            // Focusable, so that a keyboard can scroll it on a phone.
                            <table class="tool-mapping" aria-label="How Claude Code's tools are judged" tabindex="0">
                                <ColumnHeads columns=vec!["Claude Code tool", "Judged as", "Subject"] />
                                <tbody>
                                    {setup.mapping.iter().map(|(client, catalog, field, cwd)| view! {
                                        <tr>
                                            <td><code>{client.clone()}</code></td>
                                            <td><code>{catalog.clone()}</code></td>
                                            <td>
                                                <code>{field.clone()}</code>
                                                {cwd.then_some(" (the session's directory when absent)")}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                    <tr>
                                        <td><code>"mcp__server__tool"</code></td>
                                        <td>"the catalog tool of that name"</td>
                                        <td>"that tool's subject"</td>
                                    </tr>
                                </tbody>
                            </table>
                            <p>
                                "Allowed unless a rule says otherwise (they change only Claude Code's own state): "
                                {setup.internal.join(", ")}
                                ". Any other tool is judged as the catalog tool of its own name, lower-cased "
                                "(" <code>"CronCreate"</code> " → " <code>"cron_create"</code> "), and is denied "
                                "until it is one of this agent's tools. A call whose subject is missing is denied."
                            </p>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A read-only block of text with a button that copies it.
#[component]
fn CopyableBlock(label: &'static str, text: String) -> impl IntoView {
    let rows = text.lines().count().clamp(4, 24);
    view! {
        <label class="stack">
            {label}
            <textarea class="mono" readonly rows=rows>{text.clone()}</textarea>
        </label>
        <div class="row">
            <CopyButton text=text />
        </div>
    }
}
