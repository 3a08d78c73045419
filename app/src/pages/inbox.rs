//! The approval inbox.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty::EmptyState;

#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <EmptyState title="Nothing waits for you">
            <p>
                "When an agent asks to do something its rules say a person must approve, "
                "the request appears here with its risk, for you to allow, edit or deny."
            </p>
        </EmptyState>
    }
}
