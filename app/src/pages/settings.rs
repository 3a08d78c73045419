//! Workspace settings: the index of the admins' pages (members, tools,
//! security, integrations), the Members page with its password section,
//! and the Tools page everyone may read. Security and integrations have
//! pages of their own.

use bosun_wire::vocabulary::{ArgKind, RiskLevel, ToolCategory, Vocabulary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::members::{AddMember, ChangeRole, MemberView, SetMemberActive, list_members};
use crate::api::passwords::{CreatePasswordLink, PasswordLink, ResetMemberPassword};
use crate::api::tools::{AddTool, Tool, list_tools};
use crate::components::choices::{arg_kind_label, category_label, options, risk_label};
use crate::components::confirm::ConfirmButton;
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::layout::{AdminsManage, AdminsOnly, SignedInUser, for_admins};
use crate::components::resource_table::ColumnHeads;
use crate::dates::Precision;
use crate::error::AppError;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <h1>"Settings"</h1>
        <AdminsOnly fallback=|| {
                view! {
                    <p class="notice">
                        "Workspace settings are managed by its admins. Your own tokens are under "
                        <A href="/account">"My account"</A> ". The workspace's "
                        <A href="/settings/tools">"tools"</A> " are listed for everyone."
                    </p>
                }
            }
        >
            <ul class="settings-index">
                <li>
                    <A href="/settings/members">"Members"</A>
                    " — who belongs to this workspace, and who administers it."
                </li>
                <li>
                    <A href="/settings/tools">"Tools"</A>
                    " — the catalog of tools agents may be given."
                </li>
                <li>
                    <A href="/settings/security">"Security"</A>
                    " — enforced and workspace rules, and the mode new agents start in."
                </li>
                <li>
                    <A href="/settings/integrations">"Integrations"</A>
                    " — the OAuth providers people connect their accounts with, and sign in with."
                </li>
            </ul>
        </AdminsOnly>
    }
}

/// Where the Members page says how its latest action went.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Above the table, for a row's buttons.
    Table,
    /// Under the add form.
    AddForm,
    /// Under the password form.
    Password,
}

/// The outcome of the page's latest action, in people's words.
type Outcome = (Place, Result<String, AppError>);

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
        |_| for_admins(list_members()),
    );
    // One message for the whole page: the latest action's, so that an
    // earlier failure does not stay up beside a later success.
    let outcome = RwSignal::new(None::<Outcome>);
    let add_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(result) = add.value().get() {
            if result.is_ok()
                && let Some(form) = add_form.get_untracked()
            {
                form.reset();
            }
            let said = result.map(|member| {
                format!(
                    "Added {} ({}). They can log in now.",
                    member.name, member.email
                )
            });
            outcome.set(Some((Place::AddForm, said)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = change_role.value().get() {
            let said = result.map(|member| {
                format!(
                    "{} is now {}.",
                    member.name,
                    if member.role == "admin" {
                        "an admin"
                    } else {
                        "a member"
                    }
                )
            });
            outcome.set(Some((Place::Table, said)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = set_active.value().get() {
            let said = result.map(|member| {
                if member.active {
                    format!("{} is active again.", member.name)
                } else {
                    format!("{} is deactivated and signed out everywhere.", member.name)
                }
            });
            outcome.set(Some((Place::Table, said)));
        }
    });
    let reset = ServerAction::<ResetMemberPassword>::new();
    let link = ServerAction::<CreatePasswordLink>::new();
    // A new link is shown once, until the page's next action.
    let shown_link = RwSignal::new(None::<PasswordLink>);
    Effect::new(move |_| {
        if let Some(result) = reset.value().get() {
            shown_link.set(None);
            let said = result.map(|()| {
                "The password is set, and they are signed out everywhere. Tell them the new one in person or over a channel you trust.".to_owned()
            });
            outcome.set(Some((Place::Password, said)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = link.value().get() {
            shown_link.set(result.as_ref().ok().cloned());
            let said = result.map(|_| {
                "Send them this link over a channel you trust. It works once, until it expires, and is not shown again.".to_owned()
            });
            outcome.set(Some((Place::Password, said)));
        }
    });
    let said_at = move |place: Place| {
        move || {
            outcome
                .get()
                .filter(|(at, _)| *at == place)
                .map(|(_, result)| match result {
                    Ok(message) => {
                        view! { <p class="notice" role="status">{message}</p> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })
        }
    };
    view! {
        <Title text="Members" />
        <h1>"Members"</h1>
        <AdminsOnly fallback=|| view! {
            <AdminsManage what="Members are the people of this workspace: admins add them, set their role and password, and deactivate them." />
        }>
        {said_at(Place::Table)}
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(members) => view! { <MemberTable members change_role set_active /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                // Your own password is changed with the current one, under My account.
                let me = SignedInUser::get().await.map(|me| me.id).unwrap_or_default();
                members.await.ok().map(|members| {
                    let members: Vec<MemberView> =
                        members.into_iter().filter(|member| member.id != me).collect();
                    view! {
                        <PasswordSection members reset link said=said_at(Place::Password) outcome shown_link />
                    }
                })
            })}
        </Suspense>
        <section class="card">
            <h2>"Add a member"</h2>
            <ActionForm action=add node_ref=add_form attr:class="stack">
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
                {said_at(Place::AddForm)}
                <button type="submit">"Add member"</button>
            </ActionForm>
        </section>
        </AdminsOnly>
    }
}

/// An admin sets a member's password, or makes them a one-time link to set
/// it themselves.
#[component]
fn PasswordSection(
    members: Vec<MemberView>,
    reset: ServerAction<ResetMemberPassword>,
    link: ServerAction<CreatePasswordLink>,
    said: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
    outcome: RwSignal<Option<Outcome>>,
    shown_link: RwSignal<Option<PasswordLink>>,
) -> impl IntoView {
    let user_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let options = members
        .into_iter()
        .filter(|member| member.active)
        .map(|member| {
            let label = format!("{} ({})", member.name, member.email);
            view! { <option value=member.id>{label}</option> }
        })
        .collect_view();
    // The link is shown only while it is the page's latest outcome.
    let new_link = move || {
        shown_link
            .get()
            .filter(|_| outcome.with(|latest| matches!(latest, Some((Place::Password, Ok(_))))))
    };
    let chosen = move || !user_id.get().is_empty();
    view! {
        <section class="card" aria-labelledby="password-reset">
            <h2 id="password-reset">"Reset a member's password"</h2>
            <p>"Set a new password for them, or make a link with which they set one themselves. Either way they are signed out everywhere. Your own password is under My account."</p>
            <form class="stack" on:submit=move |event| {
                event.prevent_default();
                reset.dispatch(ResetMemberPassword { user_id: user_id.get(), password: password.get() });
                password.set(String::new());
            }>
                <label>
                    "Member"
                    <select name="user_id" required
                        on:change=move |event| user_id.set(event_target_value(&event))
                        prop:value=move || user_id.get()>
                        <option value="">"Choose a member…"</option>
                        {options}
                    </select>
                </label>
                <label>
                    "New password"
                    <input type="password" name="password" autocomplete="new-password" minlength="8" required
                        on:input=move |event| password.set(event_target_value(&event))
                        prop:value=move || password.get() />
                </label>
                {said}
                {move || new_link().map(|created: PasswordLink| {
                    let url = if created.url.starts_with('/') {
                        format!("{}{}", window().location().origin().unwrap_or_default(), created.url)
                    } else {
                        created.url
                    };
                    view! {
                        <p>
                            <code class="secret" data-testid="password-link">{url}</code>
                            " Expires " {created.expires_at.format(Precision::Minute)} "."
                        </p>
                    }
                })}
                <div class="actions">
                    <button type="submit" disabled=move || reset.pending().get()>"Set password"</button>
                    <button type="button" class="secondary"
                        disabled=move || !chosen() || link.pending().get()
                        on:click=move |_| {
                            link.dispatch(CreatePasswordLink { user_id: user_id.get() });
                        }>
                        "Make a set-password link"
                    </button>
                </div>
            </form>
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
            let role_form_id = member.id.clone();
            let other_role = if member.role == "admin" { "member" } else { "admin" };
            let role_label = if other_role == "admin" { "Make admin" } else { "Make member" };
            let user_id = member.id.clone();
            let toggle = if member.active {
                let who = format!("{} ({})", member.name, member.email);
                view! {
                    <ConfirmButton
                        label="Deactivate"
                        name=format!("Deactivate {}", member.email)
                        question=format!(
                            "Deactivate {who}? They are signed out everywhere, their tokens and runtime keys stop working and their runs' pending requests are withdrawn."
                        )
                        confirm=format!("Deactivate {}", member.name)
                        on_confirm=Callback::new(move |()| {
                            set_active.dispatch(SetMemberActive { user_id: user_id.clone(), active: false });
                        })
                    />
                }
                .into_any()
            } else {
                view! {
                    <button
                        type="button"
                        class="secondary"
                        aria-label=format!("Reactivate {}", member.email)
                        on:click=move |_| {
                            set_active.dispatch(SetMemberActive { user_id: user_id.clone(), active: true });
                        }
                    >
                        "Reactivate"
                    </button>
                }
                .into_any()
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
                        {toggle}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="members" aria-label="Members">
            <ColumnHeads columns=vec!["Name", "Email", "Role", "Status", ""] />
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Settings → Tools: the catalog agents pick their tools from.
#[component]
pub fn ToolsPage() -> impl IntoView {
    let add = ServerAction::<AddTool>::new();
    let tools = Resource::new(move || add.version().get(), |_| list_tools());
    view! {
        <Title text="Tools" />
        <h1>"Tools"</h1>
        <p>"The tools agents in this workspace may be given. Built-in tools come with Bosun; admins add their own."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tools.await {
                    Ok(tools) => view! { <ToolTable tools /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
        <AdminsOnly>
            <section class="card">
                <h2>"Add a tool"</h2>
                <ActionForm action=add attr:class="stack">
                    <label>"Name" <input name="name" required placeholder="deploy_service" /></label>
                    <label>"Description" <input name="description" /></label>
                    <label>
                        "Argument"
                        <select name="argument_kind">
                            {options(ArgKind::ALL.iter().copied(), arg_kind_label, Some(ArgKind::Text))}
                        </select>
                    </label>
                    <label>
                        "What it does"
                        <select name="category">
                            {options(ToolCategory::ALL.iter().copied(), category_label, Some(ToolCategory::Other))}
                        </select>
                    </label>
                    <label>
                        "Default risk"
                        <select name="default_risk">
                            // An admin knows what their tool does: "unknown" is the
                            // engine's word for what it could not assess.
                            {options(
                                RiskLevel::ALL.iter().copied().filter(|risk| *risk != RiskLevel::Unknown),
                                risk_label,
                                Some(RiskLevel::Caution),
                            )}
                        </select>
                    </label>
                    <label>
                        "Subject of an object input (JSON pointer; optional)"
                        <input name="subject" class="mono" placeholder="/service" />
                    </label>
                    <label>
                        "Input schema (JSON Schema for object inputs; optional, needs a subject)"
                        <textarea name="input_schema" class="mono" rows="4"
                            placeholder=r#"{"type": "object", "properties": {"service": {"type": "string"}}, "required": ["service"]}"#></textarea>
                    </label>
                    <ActionError result=add.value() />
                    <button type="submit">"Add tool"</button>
                </ActionForm>
            </section>
        </AdminsOnly>
    }
}

#[component]
fn ToolTable(tools: Vec<Tool>) -> impl IntoView {
    // Focusable: on a phone it scrolls sideways, and holds no control
    // that a keyboard could scroll it with.
    view! {
        <table aria-label="Tools" tabindex="0">
            <ColumnHeads columns=vec!["Tool", "Argument", "Does", "Default risk", "Origin"] />
            <tbody>
                {tools
                    .into_iter()
                    .map(|tool| {
                        view! {
                            <tr>
                                <td><code>{tool.name}</code> " " <span class="muted">{tool.description}</span></td>
                                <td>
                                    {tool.argument_kind.as_str()}
                                    {tool.subject.map(|subject| view! { " " <span class="muted">"objects by " <code>{subject}</code></span> })}
                                </td>
                                <td>{if tool.read_only { "read-only".to_owned() } else { tool.category.as_str().replace('_', " ") }}</td>
                                <td><span class=format!("badge risk-{}", tool.default_risk)>{tool.default_risk.as_str()}</span></td>
                                <td>{if tool.builtin { "built-in" } else { "custom" }}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
