//! Showing a failed server call to the person who caused it.

use leptos::prelude::*;

use crate::error::AppError;

/// A visible, announced error message. When the failure is a lost session
/// (expired, logged out elsewhere, account deactivated) it sends the person
/// to the login page instead.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    if error.is_unauthenticated() {
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| navigate("/login?expired=1", Default::default()));
    }
    // Missing accounts are fixed on another page: say where.
    let connect = matches!(
        error.code.as_str(),
        "connection_required" | "reconnect_needed"
    );
    view! {
        <p class="error" role="alert">
            {error.message}
            {connect.then(|| view! { " " <a href="/account#connections">"Go to your connections"</a> })}
        </p>
    }
}

/// The error of the latest submission of a form, if it failed.
#[component]
pub fn ActionError<T>(#[prop(into)] result: Signal<Option<Result<T, AppError>>>) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    // `try_with`: a streamed page can still be rendering when the browser
    // leaves and the page's reactive owner, the signal's with it, is disposed;
    // there is nothing left to show then, and reading would panic.
    move || {
        result
            .try_with(|latest| match latest {
                Some(Err(error)) => Some(error.clone()),
                _ => None,
            })
            .flatten()
            .map(|error| view! { <ErrorNotice error /> })
    }
}
