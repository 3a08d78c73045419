//! The login page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::api::oauth::sign_in_methods;
use crate::components::errors::ActionError;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let expired = move || query.with(|q| q.get("expired").is_some());
    // Why a sign-in with a provider did not go through, from the callback.
    let failed = move || query.with(|q| q.get("error"));
    let methods = Resource::new(|| (), |_| sign_in_methods());
    view! {
        <Title text="Log in" />
        <main id="main" class="login">
            <h1>"Log in to Bosun"</h1>
            <Show when=expired>
                <p class="notice" role="status">
                    "Your session has ended. Please log in again."
                </p>
            </Show>
            {move || failed().map(|message| view! {
                <p class="error" role="alert">{format!("Signing in did not go through: {message}")}</p>
            })}
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
            <Suspense>
                {move || Suspend::new(async move {
                    let methods = methods.await.unwrap_or_default();
                    (!methods.is_empty()).then(|| view! {
                        <div class="card stack sign-in-methods">
                            {methods.into_iter().map(|method| view! {
                                // A plain form: the server answers with a redirect to the provider.
                                <form method="post" action=format!("/auth/sso/{}", method.name)>
                                    <button type="submit" class="secondary">{format!("Sign in with {}", method.display_name)}</button>
                                </form>
                            }).collect_view()}
                        </div>
                    })
                })}
            </Suspense>
        </main>
    }
}
