//! Search over everything agents did.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty::EmptyState;

#[component]
pub fn TracesPage() -> impl IntoView {
    view! {
        <Title text="Traces" />
        <h1>"Traces"</h1>
        <EmptyState title="No runs recorded yet">
            <p>
                "Every run of every agent you may see will be searchable here: each tool call, "
                "the rule that decided it, who approved it and what came back."
            </p>
        </EmptyState>
    }
}
