//! A page section with nothing in it yet, saying what will be there.

use leptos::prelude::*;

#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="empty card">
            <h2>{title}</h2>
            {children()}
        </section>
    }
}
