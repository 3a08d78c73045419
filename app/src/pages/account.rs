//! My account: the logged-in user's password, connected accounts, request
//! emails and personal access tokens.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::passwords::ChangePassword;
use crate::api::tokens::{CreateToken, RevokeToken, Token, list_tokens};
use crate::components::connections::ConnectionsSection;
use crate::components::errors::ActionError;
use crate::components::layout::SignedInUser;
use crate::components::notifications::EmailNotificationsSection;
use crate::components::resource_table::ResourceTable;
use crate::dates::{Precision, minute_or_never};

#[component]
pub fn AccountPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let created = move || create.value().get().and_then(Result::ok);
    view! {
        <Title text="My account" />
        <h1>"My account"</h1>
        <Suspense>
            {Suspend::new(async move {
                SignedInUser::get().await.map(|me| view! { <p>{me.name} " · " {me.email}</p> })
            })}
        </Suspense>
        <PasswordSection />
        <ConnectionsSection />
        <EmailNotificationsSection />
        <section class="card">
            <h2>"Personal access tokens"</h2>
            <p>"Tokens let scripts and agents call Bosun's REST API as you. Send one as "
                <code>"Authorization: Bearer …"</code> "."</p>
            <ActionForm action=create attr:class="inline">
                <label>"Token name" <input name="name" required placeholder="ci-script" /></label>
                <button type="submit">"Create token"</button>
            </ActionForm>
            <ActionError result=create.value() />
            {move || created().map(|new| view! {
                <div class="notice" role="status">
                    <p>"Copy your new token now; it will not be shown again."</p>
                    <code class="secret" data-testid="new-token">{new.token}</code>
                </div>
            })}
            <ActionError result=revoke.value() />
            <ResourceTable
                load=move || async move { tokens.await }
                columns=vec!["Name", "Created", "Last used", "Limited to", "Expires", ""]
                empty="You have no tokens."
                row=move |token: Token| view! {
                    <tr>
                        <td>{token.name.clone()}</td>
                        <td>{token.created_at.format(Precision::Minute)}</td>
                        <td>{minute_or_never(token.last_used_at.as_ref())}</td>
                        <td data-testid="token-scope">{token.agent_name.map_or_else(
                            || "everything you may do".to_owned(),
                            |agent| format!("interactive runs of {agent}"),
                        )}</td>
                        <td>{minute_or_never(token.expires_at.as_ref())}</td>
                        <td>
                            <ActionForm action=revoke>
                                <input type="hidden" name="id" value=token.id />
                                <button type="submit" class="secondary"
                                    aria-label=format!("Revoke {}", token.name)>"Revoke"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }
            />
        </section>
    }
}

/// Changing one's own password: the current one, then the new one.
#[component]
fn PasswordSection() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get()
            && let Some(form) = form.get_untracked()
        {
            form.reset();
        }
    });
    let changed = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <section class="card">
            <h2>"Password"</h2>
            <ActionForm action=change node_ref=form attr:class="stack">
                <label>
                    "Current password"
                    <input type="password" name="current_password" autocomplete="current-password" required />
                </label>
                <label>
                    "New password"
                    <input type="password" name="new_password" autocomplete="new-password" required minlength="8" />
                </label>
                <ActionError result=change.value() />
                <Show when=changed>
                    <p class="notice" role="status">
                        "Your password is changed. You stay signed in here; your other sessions are signed out."
                    </p>
                </Show>
                <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}
