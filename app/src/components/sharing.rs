//! The sharing dialog of an agent: who has access, at which level and why;
//! add a member or the whole workspace, change a level, revoke.

use bosun_wire::vocabulary::{AccessLevel, AccessSource, Vocabulary};
use leptos::prelude::*;

use crate::api::sharing::{
    AccessEntry, MemberSummary, RevokeGrant, ShareAgent, access_overview, search_members,
};
use crate::components::agent_labels::level_label;
use crate::components::choices::options;
use crate::components::confirm::ConfirmButton;
use crate::components::errors::{ActionError, ErrorNotice};

/// The levels' choices, lowest first.
fn level_options() -> impl IntoView {
    options(AccessLevel::ALL.iter().copied(), level_label, None)
}

#[component]
pub fn SharingPanel(agent_id: String, agent_name: String) -> impl IntoView {
    let share = ServerAction::<ShareAgent>::new();
    let revoke = ServerAction::<RevokeGrant>::new();
    // Browser-only: the dialog opens on a click, and this panel is built
    // inside the agent page's `Suspend`, which server rendering may run more
    // than once (a server resource here would be created twice).
    let overview = LocalResource::new({
        let agent_id = agent_id.clone();
        move || {
            let _ = (share.version().get(), revoke.version().get());
            access_overview(agent_id.clone())
        }
    });
    let open = RwSignal::new(false);
    let not_chosen = RwSignal::new(false);
    let label = format!("Share {agent_name}");
    let agent_id = StoredValue::new(agent_id);
    view! {
        <section class="card" aria-label="Sharing">
            <div class="page-head">
                <h2>"Sharing"</h2>
                <button type="button" class="secondary" on:click=move |_| open.update(|o| *o = !*o)
                    aria-expanded=move || open.get().to_string()>
                    {move || if open.get() { "Close" } else { "Share…" }}
                </button>
            </div>
            <Show when=move || open.get()>
                {view! {
                <div role="dialog" aria-label=label.clone() class="dialog">
                    <AddGrant agent_id=agent_id.get_value() share not_chosen />
                    <Show when=move || not_chosen.get()>
                        <p class="error" role="alert">"Choose who to share with."</p>
                    </Show>
                    <ActionError result=share.value() />
                    <ActionError result=revoke.value() />
                    <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                        {
                            move || {
                                let agent_id = agent_id.get_value();
                                Suspend::new(async move {
                                    match overview.await {
                                        Ok(entries) => view! { <AccessTable agent_id entries share revoke /> }.into_any(),
                                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                                    }
                                })
                            }
                        }
                    </Suspense>
                    <p class="hint">"Workspace admins can always see, edit and share every agent."</p>
                </div>
                }.into_any()}
            </Show>
        </section>
    }
    // Erasing the type here keeps the agent page's view type within the
    // compiler's depth limits.
    .into_any()
}

/// The "Share with" choice that stands for the whole workspace; member ids
/// never take this form.
const EVERYONE: &str = "everyone";

/// Adds a grant. Nobody is chosen until someone is picked, so a click on
/// Share never reaches the whole workspace by default.
#[component]
fn AddGrant(
    agent_id: String,
    share: ServerAction<ShareAgent>,
    not_chosen: RwSignal<bool>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let level = RwSignal::new("run".to_owned());
    let matches = Resource::new(
        move || query.get(),
        |query| async move {
            if query.trim().is_empty() {
                Ok(Vec::new())
            } else {
                search_members(query).await
            }
        },
    );
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let chosen = target.get_untracked();
        not_chosen.set(chosen.is_empty());
        if chosen.is_empty() {
            return;
        }
        share.dispatch(ShareAgent {
            agent_id: agent_id.clone(),
            // The server function's way of naming the whole workspace.
            user_id: if chosen == EVERYONE {
                String::new()
            } else {
                chosen
            },
            level: level.get_untracked(),
        });
    };
    // Each option says whether it is the chosen one, so that options
    // replaced by a new search keep the choice on screen.
    let option = move |value: String, label: String| {
        let selected = {
            let value = value.clone();
            move || target.with(|chosen| *chosen == value)
        };
        view! { <option value=value prop:selected=selected>{label}</option> }
    };
    view! {
        <form class="stack" on:submit=submit>
            <label>
                "Find a member"
                <input type="search" placeholder="name or email" bind:value=query />
            </label>
            <label>
                "Share with"
                <select
                    on:change=move |ev| {
                        target.set(event_target_value(&ev));
                        not_chosen.set(false);
                    }
                    prop:value=target
                >
                    {option(String::new(), "Choose who…".into())}
                    {option(EVERYONE.into(), "Everyone in the workspace".into())}
                    <Transition>
                        {move || Suspend::new(async move {
                            matches
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|member| {
                                    let label = member_label(&member);
                                    option(member.id, label)
                                })
                                .collect_view()
                        })}
                    </Transition>
                </select>
            </label>
            <Transition>
                {move || Suspend::new(async move {
                    let found = matches.await.map(|found| found.len()).unwrap_or_default();
                    let typed = query.get_untracked();
                    (found == 0 && !typed.trim().is_empty()).then(|| {
                        view! { <p class="hint">{format!("No member matches “{}”.", typed.trim())}</p> }
                    })
                })}
            </Transition>
            <label>
                "Access"
                <LevelSelect level />
            </label>
            <div><button type="submit">"Share"</button></div>
        </form>
    }
    .into_any()
}

#[component]
fn LevelSelect(level: RwSignal<String>) -> impl IntoView {
    view! {
        <select on:change=move |ev| level.set(event_target_value(&ev)) prop:value=level>
            {level_options()}
        </select>
    }
}

#[component]
fn AccessTable(
    agent_id: String,
    entries: Vec<AccessEntry>,
    share: ServerAction<ShareAgent>,
    revoke: ServerAction<RevokeGrant>,
) -> impl IntoView {
    let rows = entries
        .into_iter()
        .map(|entry| {
            let who = entry
                .member
                .as_ref()
                .map_or_else(|| "Everyone in the workspace".to_owned(), member_label);
            let why = match (entry.source, entry.own_grant) {
                (AccessSource::Owner, _) => "Owner".to_owned(),
                (AccessSource::WorkspaceGrant, Some(own)) => {
                    format!("Through the workspace grant (own grant: {own})")
                }
                (AccessSource::WorkspaceGrant, None) => "Workspace grant".to_owned(),
                _ => "Own grant".to_owned(),
            };
            // What the line's own grant is: the member's, even where the
            // workspace's outranks it.
            let granted = entry.own_grant.unwrap_or(entry.level);
            let controls = entry.grant_id.clone().map(|grant_id| {
                let level = RwSignal::new(granted.as_str().to_owned());
                let user_id = entry
                    .member
                    .as_ref()
                    .map(|member| member.id.clone())
                    .unwrap_or_default();
                let (change_agent, revoke_agent) = (agent_id.clone(), agent_id.clone());
                view! {
                    <select
                        aria-label=format!("Access for {who}")
                        prop:value=level
                        on:change=move |ev| {
                            level.set(event_target_value(&ev));
                            share.dispatch(ShareAgent {
                                agent_id: change_agent.clone(),
                                user_id: user_id.clone(),
                                level: level.get_untracked(),
                            });
                        }
                    >
                        {level_options()}
                    </select>
                    <ConfirmButton
                        label="Revoke"
                        name=format!("Revoke access for {who}")
                        question=format!(
                            "Revoke the {} access of {who}? It ends at their next request, in runs already going too.",
                            level_label(granted),
                        )
                        confirm="Revoke access"
                        on_confirm=Callback::new(move |()| {
                            revoke.dispatch(RevokeGrant { agent_id: revoke_agent.clone(), grant_id: grant_id.clone() });
                        })
                    />
                }
            });
            view! {
                <tr>
                    <td>{who}</td>
                    <td class="level">{level_label(entry.level)}</td>
                    <td>{why}</td>
                    <td class="actions">{controls}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="access">
            <caption class="visually-hidden">"Who has access"</caption>
            <thead>
                <tr>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Effective access"</th>
                    <th scope="col">"Because"</th>
                    <th scope="col"><span class="visually-hidden">"Change"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// "Ada Lovelace (ada@example.com)": a member as the dialog names them.
fn member_label(member: &MemberSummary) -> String {
    format!("{} ({})", member.name, member.email)
}
