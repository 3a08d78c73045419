//! The login page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::components::errors::ActionError;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let expired = move || query.with(|q| q.get("expired").is_some());
    view! {
        <Title text="Log in" />
        <main id="main" class="login">
            <h1>"Log in to Bosun"</h1>
            <Show when=expired>
                <p class="notice" role="status">
                    "Your session has ended. Please log in again."
                </p>
            </Show>
            <ActionForm action=login attr:class="card stack">
                <input type="hidden" name="next" prop:value=next />
                <label>
                    "Email" <input type="email" name="email" autocomplete="username" required />
                </label>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                    />
                </label>
                <ActionError result=login.value() />
                <button type="submit" disabled=move || login.pending().get()>
                    "Log in"
                </button>
            </ActionForm>
        </main>
    }
}
