//! The frame of every page behind the login: navigation, the account menu
//! and the page itself.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::use_location;

use crate::api::auth::{Logout, Me, current_user};
use crate::api::inbox::pending_count;
use crate::components::errors::ErrorNotice;
use crate::components::push::provide_inbox_changes;

/// Renders the page only for a logged-in user; anyone else goes to the
/// login page (coming back here afterwards). The user is re-checked on
/// every navigation, so a deactivated account is thrown out at its next step.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let location = use_location();
    let me = Resource::new(move || location.pathname.get(), |_| current_user());
    let changes = provide_inbox_changes();
    let pending = Resource::new(
        move || (location.pathname.get(), changes.0.get()),
        |_| pending_count(),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        provide_context(me.clone());
                        view! {
                            <Navigation me pending />
                            <main id="main">
                                <Outlet />
                            </main>
                        }
                            .into_any()
                    }
                    Ok(None) => {
                        let here = location.pathname.get_untracked();
                        let path = if here == "/" {
                            "/login".to_owned()
                        } else {
                            format!("/login?next={}", urlencoding::encode(&here))
                        };
                        view! { <Redirect path /> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Navigation(me: Me, pending: Resource<Result<usize, crate::error::AppError>>) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Bosun"
            </a>
            <nav aria-label="Main">
                <A href="/agents">"Agents"</A>
                <A href="/inbox">
                    "Inbox"
                    <Transition>
                        {move || Suspend::new(async move {
                            pending
                                .await
                                .ok()
                                .filter(|count| *count > 0)
                                .map(|count| {
                                    view! {
                                        <span class="count" aria-label=format!("{count} waiting")>{count}</span>
                                    }
                                })
                        })}
                    </Transition>
                </A>
                <A href="/traces">"Traces"</A>
                <A href="/settings">"Settings"</A>
            </nav>
            <div class="account">
                <A href="/account" attr:title=me.email.clone()>
                    <span class="whoami">{me.name.clone()}</span>
                </A>
                <ActionForm action=logout>
                    <button type="submit" class="link">
                        "Log out"
                    </button>
                </ActionForm>
            </div>
        </header>
    }
}
