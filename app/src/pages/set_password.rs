//! Setting a password with a one-time link an admin made. The link's token
//! is in the URL's fragment, which the browser never sends to the server or
//! in a `Referer`; the page reads it once hydrated and posts it with the
//! new password.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;

use crate::api::passwords::{SetPasswordWithLink, password_link_email};
use crate::components::errors::{ActionError, ErrorNotice};

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let token = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let hash = window().location().hash().unwrap_or_default();
        token.set(Some(hash.trim_start_matches('#').to_owned()));
    });
    let target = LocalResource::new(move || async move {
        match token.get() {
            Some(token) => Some(password_link_email(token).await),
            None => None,
        }
    });
    let set = ServerAction::<SetPasswordWithLink>::new();
    let done = move || matches!(set.value().get(), Some(Ok(())));
    view! {
        <Title text="Set your password" />
        <Meta name="referrer" content="no-referrer" />
        <main id="main" class="login">
            <h1>"Set your password"</h1>
            <Show
                when=done
                fallback=move || view! {
                    <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                        {move || Suspend::new(async move {
                            match target.await {
                                None => view! { <p class="loading">"Checking the link…"</p> }.into_any(),
                                Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                                Some(Ok(email)) => view! {
                                    <ActionForm action=set attr:class="card stack">
                                        <input type="hidden" name="token" prop:value=move || token.get().unwrap_or_default() />
                                        <p>"For " <strong>{email.clone()}</strong></p>
                                        <input type="email" autocomplete="username" value=email hidden />
                                        <label>
                                            "New password"
                                            <input type="password" name="password" autocomplete="new-password" minlength="8" required />
                                        </label>
                                        <ActionError result=set.value() />
                                        <button type="submit" disabled=move || set.pending().get()>"Set password"</button>
                                    </ActionForm>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                }
            >
                <p class="notice" role="status">
                    "Your password is set. " <A href="/login">"Log in"</A> " with it."
                </p>
            </Show>
        </main>
    }
}
