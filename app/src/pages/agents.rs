//! The agents list (the start page).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty::EmptyState;

#[component]
pub fn AgentsPage() -> impl IntoView {
    view! {
        <Title text="Agents" />
        <h1>"Agents"</h1>
        <EmptyState title="No agents yet">
            <p>
                "Agents you own, agents shared with you and the workspace's agents will be listed here, "
                "with what each may do and how it authenticates."
            </p>
        </EmptyState>
    }
}
