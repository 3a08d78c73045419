//! Settings → Integrations (admins): the OAuth providers people connect
//! their accounts with, and sign in with; the remote MCP servers agents may
//! use through Bosun; the webhooks Bosun notifies.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::oauth::{DeleteProvider, OAuthProvider, SaveProvider, list_providers};
use crate::components::errors::ActionError;
use crate::components::layout::{AdminsManage, AdminsOnly, for_admins};
use crate::components::notifications::WebhooksSection;
use crate::components::remote_mcp::RemoteMcpServersSection;
use crate::components::resource_table::ResourceTable;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let save = ServerAction::<SaveProvider>::new();
    let delete = ServerAction::<DeleteProvider>::new();
    let providers = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| for_admins(list_providers()),
    );
    // The provider being changed; `None` while adding one.
    let editing = RwSignal::new(None::<OAuthProvider>);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            editing.set(None);
        }
    });
    view! {
        <Title text="Integrations" />
        <h1>"Integrations"</h1>
        <AdminsOnly fallback=|| view! {
            <AdminsManage what="Integrations are the outside services Bosun works with: the OAuth providers people connect their own accounts at (and may sign in with), and the webhooks Bosun notifies when something happens.">
                <p>
                    "To connect your own account at one of the providers, for agents that act as you, go to "
                    <a href="/account#connections">"My account → Connections"</a> "."
                </p>
            </AdminsManage>
        }>
            <section class="card">
                <h2>"OAuth providers"</h2>
                <p class="hint">
                    "People connect their own accounts at these providers (My account → Connections); agents that act as their user get those accounts' tokens. An OpenID Connect provider can also sign people in to Bosun. Register "
                    <code>"/oauth/callback"</code> " on this site's address as the redirect URI."
                </p>
                <ActionError result=delete.value() />
                <ResourceTable
                    load=move || async move { providers.await }
                    label="OAuth providers"
                    columns=vec!["Name", "Client id", "Scopes", "Sign-in", ""]
                    empty="No providers yet."
                    row=move |provider: OAuthProvider| {
                        let (name, for_edit) = (provider.name.clone(), provider.clone());
                        view! {
                            <tr data-testid=format!("provider-{}", provider.name)>
                                <td>{provider.display_name.clone()} " " <span class="mono muted">{provider.name.clone()}</span></td>
                                <td class="mono">{provider.client_id.clone()}</td>
                                <td class="mono">{provider.scopes.join(" ")}</td>
                                <td>{if provider.login_enabled { "yes" } else { "no" }}</td>
                                <td class="row-actions">
                                    <button type="button" class="secondary" aria-label=format!("Edit {}", provider.display_name)
                                        on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                                    <button type="button" class="secondary" aria-label=format!("Delete {}", provider.display_name)
                                        on:click=move |_| { delete.dispatch(DeleteProvider { name: name.clone() }); }>"Delete"</button>
                                </td>
                            </tr>
                        }
                    }
                />
            </section>
            {move || view! { <ProviderForm save editing=editing.get() on_cancel=move || editing.set(None) /> }}
            <RemoteMcpServersSection />
            <WebhooksSection />
        </AdminsOnly>
    }
}

/// Adds a provider, or changes `editing`.
#[component]
fn ProviderForm(
    save: ServerAction<SaveProvider>,
    editing: Option<OAuthProvider>,
    on_cancel: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let is_edit = editing.is_some();
    let p = editing.map(ProviderFormValues::from).unwrap_or_default();
    view! {
        <section class="card">
            <h2>{if is_edit { format!("Edit {}", p.display_name) } else { "Add a provider".into() }}</h2>
            <ActionForm action=save attr:class="stack" attr:aria-label="Provider">
                <input type="hidden" name="fields[existing]" value=if is_edit { p.name.clone() } else { String::new() } />
                <label>"Name (what agents ask for)"
                    <input name="fields[name]" required placeholder="google" value=p.name.clone() readonly=is_edit />
                </label>
                <label>"Display name" <input name="fields[display_name]" placeholder="Google" value=p.display_name.clone() /></label>
                <label>"OpenID Connect issuer (fills in the endpoints)"
                    <input name="fields[issuer]" type="url" placeholder="https://accounts.google.com" value=p.issuer />
                </label>
                <label>"Authorize URL" <input name="fields[authorize_url]" type="url" value=p.authorize_url.clone() /></label>
                <label>"Token URL" <input name="fields[token_url]" type="url" value=p.token_url.clone() /></label>
                <label>"Revocation URL" <input name="fields[revocation_url]" type="url" value=p.revocation_url /></label>
                <label>"Client id" <input name="fields[client_id]" required value=p.client_id.clone() /></label>
                <label>{if is_edit { "Client secret (leave empty to keep)" } else { "Client secret" }}
                    <input name="fields[client_secret]" type="password" autocomplete="off" required=!is_edit />
                </label>
                <label>"Scopes (space-separated)" <input name="fields[scopes]" placeholder="openid email" value=p.scopes /></label>
                <label class="check">
                    <input type="checkbox" name="fields[login_enabled]" value="on" checked=p.login_enabled />
                    " People may sign in to Bosun with it"
                </label>
                <label class="check">
                    <input type="checkbox" name="fields[login_creates_users]" value="on" checked=p.login_creates_users />
                    " Signing in creates an account for someone new (with an email the provider has verified)"
                </label>
                <ActionError result=save.value() />
                <div class="row-actions">
                    <button type="submit">{if is_edit { "Save provider" } else { "Add provider" }}</button>
                    {is_edit.then(|| view! { <button type="button" class="secondary" on:click=move |_| on_cancel()>"Cancel"</button> })}
                </div>
            </ActionForm>
        </section>
    }
}

/// What the provider form starts from: the provider being changed, or
/// nothing.
#[derive(Default)]
struct ProviderFormValues {
    name: String,
    display_name: String,
    issuer: String,
    authorize_url: String,
    token_url: String,
    revocation_url: String,
    client_id: String,
    scopes: String,
    login_enabled: bool,
    login_creates_users: bool,
}

impl From<OAuthProvider> for ProviderFormValues {
    fn from(provider: OAuthProvider) -> Self {
        Self {
            name: provider.name,
            display_name: provider.display_name,
            issuer: provider.issuer.unwrap_or_default(),
            authorize_url: provider.authorize_url,
            token_url: provider.token_url,
            revocation_url: provider.revocation_url.unwrap_or_default(),
            client_id: provider.client_id,
            scopes: provider.scopes.join(" "),
            login_enabled: provider.login_enabled,
            login_creates_users: provider.login_creates_users,
        }
    }
}
