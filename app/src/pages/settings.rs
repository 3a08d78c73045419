//! Workspace settings: members now; security, tools and integrations as
//! they arrive.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::auth::Me;
use crate::api::members::{AddMember, ChangeRole, MemberView, SetMemberActive, list_members};
use crate::components::empty::EmptyState;
use crate::components::errors::{ActionError, ErrorNotice};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let is_admin = use_context::<Me>().is_some_and(|me| me.is_admin);
    view! {
        <Title text="Settings" />
        <h1>"Settings"</h1>
        <Show
            when=move || is_admin
            fallback=|| {
                view! {
                    <p class="notice">
                        "Workspace settings are managed by its admins. Your own tokens are under "
                        <A href="/account">"My account"</A> "."
                    </p>
                }
            }
        >
            <ul class="settings-index">
                <li>
                    <A href="/settings/members">"Members"</A>
                    " — who belongs to this workspace, and who administers it."
                </li>
            </ul>
            <EmptyState title="Security, tools and integrations">
                <p>
                    "The workspace's rules and default execution mode, its tool catalog and its "
                    "OAuth providers will be set here."
                </p>
            </EmptyState>
        </Show>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let add = ServerAction::<AddMember>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_active = ServerAction::<SetMemberActive>::new();
    let members = Resource::new(
        move || {
            (
                add.version().get(),
                change_role.version().get(),
                set_active.version().get(),
            )
        },
        |_| list_members(),
    );
    view! {
        <Title text="Members" />
        <h1>"Members"</h1>
        <ActionError result=change_role.value() />
        <ActionError result=set_active.value() />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(members) => view! { <MemberTable members change_role set_active /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card">
            <h2>"Add a member"</h2>
            <ActionForm action=add attr:class="stack">
                <label>"Name" <input name="name" required /></label>
                <label>"Email" <input type="email" name="email" required /></label>
                <label>
                    "Initial password"
                    <input type="password" name="password" autocomplete="new-password" required minlength="8" />
                </label>
                <label>
                    "Role"
                    <select name="role">
                        <option value="member" selected>"Member"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                </label>
                <ActionError result=add.value() />
                <button type="submit">"Add member"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn MemberTable(
    members: Vec<MemberView>,
    change_role: ServerAction<ChangeRole>,
    set_active: ServerAction<SetMemberActive>,
) -> impl IntoView {
    let rows = members
        .into_iter()
        .map(|member| {
            let (role_form_id, active_form_id) = (member.id.clone(), member.id.clone());
            let other_role = if member.role == "admin" { "member" } else { "admin" };
            let role_label = if other_role == "admin" { "Make admin" } else { "Make member" };
            let (toggle_label, toggle_to) = if member.active {
                ("Deactivate", "false")
            } else {
                ("Reactivate", "true")
            };
            view! {
                <tr class:inactive=!member.active>
                    <td>{member.name.clone()}</td>
                    <td>{member.email.clone()}</td>
                    <td>{member.role.clone()}</td>
                    <td>{if member.active { "active" } else { "deactivated" }}</td>
                    <td class="actions">
                        <ActionForm action=change_role>
                            <input type="hidden" name="user_id" value=role_form_id />
                            <input type="hidden" name="role" value=other_role />
                            <button type="submit" class="secondary">{role_label}</button>
                        </ActionForm>
                        <ActionForm action=set_active>
                            <input type="hidden" name="user_id" value=active_form_id />
                            <input type="hidden" name="active" value=toggle_to />
                            <button type="submit" class="secondary" aria-label=format!("{toggle_label} {}", member.email)>
                                {toggle_label}
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="members">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
