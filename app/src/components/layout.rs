//! The frame of every page behind the login: navigation, the account menu
//! and the page itself.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::use_location;

use crate::api::auth::{Logout, Me, current_user};
use crate::api::inbox::pending_count;
use crate::components::errors::ErrorNotice;
use crate::components::push::provide_inbox_changes;
use crate::error::AppError;

/// The logged-in user as the layout loaded it, for pages that show or hide
/// parts by who is asking. Read it inside a `Suspense`.
#[derive(Clone, Copy)]
pub struct SignedInUser(Resource<Result<Option<Me>, AppError>>);

impl SignedInUser {
    pub async fn get() -> Option<Me> {
        let user = use_context::<SignedInUser>()?;
        user.0.await.ok().flatten()
    }
}

/// Frames the page for a logged-in user; anyone else goes to the login page
/// (coming back here afterwards). The user is re-checked on every
/// navigation, so a deactivated account is thrown out at its next step.
///
/// Every resource and `Suspense` of the frame is created up front, before
/// the page, and none inside a `Suspend`: they take hydration ids in the
/// order they are created, and a `Suspend` runs only once its data is in
/// (on the server, possibly more than once). Anything created inside one
/// would be numbered differently on the server and in the browser.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    // What a signed-in page shows is its user's alone: no cache, shared or
    // the browser's own, keeps a copy (one could outlive a logout).
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("private, no-store"),
        );
    }
    let location = use_location();
    let me = Resource::new(move || location.pathname.get(), |_| current_user());
    provide_context(SignedInUser(me));
    let changes = provide_inbox_changes();
    let pending = Resource::new(
        move || (location.pathname.get(), changes.0.get()),
        |_| pending_count(),
    );
    let logout = ServerAction::<Logout>::new();
    // On a phone the navigation and the account menu fold behind one
    // button; they fold again once a link is followed.
    let menu_open = RwSignal::new(false);
    let menu_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    let close_on_escape = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" && menu_open.get_untracked() {
            menu_open.set(false);
            if let Some(button) = menu_button.get_untracked() {
                let _ = button.focus();
            }
        }
    };
    view! {
        <header class="topbar" on:keydown=close_on_escape>
            <a class="brand" href="/">
                "Bosun"
            </a>
            <button
                type="button"
                class="menu-toggle"
                node_ref=menu_button
                aria-controls="site-menu"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|open| *open = !*open)
            >
                "Menu"
                // What waits in the inbox shows on the folded menu too.
                <Transition>{move || Suspend::new(async move { pending.await.ok().map(waiting_count) })}</Transition>
            </button>
            <div id="site-menu" class="menu" class:open=move || menu_open.get()>
                <nav aria-label="Main">
                    <A href="/agents">"Agents"</A>
                    <A href="/inbox">
                        "Inbox"
                        <Transition>
                            {move || Suspend::new(async move { pending.await.ok().map(waiting_count) })}
                        </Transition>
                    </A>
                    <A href="/traces">"Traces"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                <div class="account">
                    <Suspense>
                        {move || Suspend::new(async move {
                            match me.await {
                                Ok(Some(me)) => view! {
                                    <A href="/account" attr:title=me.email>
                                        <span class="whoami">{me.name}</span>
                                    </A>
                                }
                                    .into_any(),
                                Ok(None) => view! { <Redirect path=login_path(&location.pathname.get_untracked()) /> }
                                    .into_any(),
                                Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            }
                        })}
                    </Suspense>
                    <ActionForm action=logout>
                        <button type="submit" class="link">
                            "Log out"
                        </button>
                    </ActionForm>
                </div>
            </div>
        </header>
        <main id="main">
            <Outlet />
        </main>
    }
}

/// The number of approval requests waiting for the user, when there are any.
fn waiting_count(count: usize) -> Option<impl IntoView> {
    (count > 0)
        .then(|| view! { <span class="count" aria-label=format!("{count} waiting")>{count}</span> })
}

/// The login page, coming back to `here` afterwards.
fn login_path(here: &str) -> String {
    if here == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", urlencoding::encode(here))
    }
}

/// For a resource only admins may read: the server function's answer for
/// an admin, and an empty value, without asking the server, for anyone
/// else, who sees the page's explanation instead (see [`AdminsOnly`]). So
/// a member's page is rendered, not answered 403 by a refused call made
/// while rendering it.
pub async fn for_admins<T: Default>(
    fetch: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    if SignedInUser::get().await.is_some_and(|me| me.is_admin()) {
        fetch.await
    } else {
        Ok(T::default())
    }
}

/// Its children for admins, `fallback` for everyone else.
#[component]
pub fn AdminsOnly(#[prop(optional, into)] fallback: ViewFn, children: ChildrenFn) -> impl IntoView {
    view! {
        <Suspense>
            {move || {
                let (children, fallback) = (children.clone(), fallback.clone());
                Suspend::new(async move {
                    if SignedInUser::get().await.is_some_and(|me| me.is_admin()) {
                        children().into_any()
                    } else {
                        fallback.run()
                    }
                })
            }}
        </Suspense>
    }
}

/// What someone who is not an admin sees in place of a page (or part of
/// one) that only admins use: what it is for, and whom to ask, rather than
/// forms that would be refused.
#[component]
pub fn AdminsManage(
    /// What the page is for, as a sentence.
    what: &'static str,
    /// Whom to ask, and what one can do oneself instead.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="card admins-manage" data-testid="admins-manage">
            <p>{what}</p>
            <p>"Only the workspace's admins change this. If something here should change, ask one of them."</p>
            {children.map(|children| children())}
        </section>
    }
}
