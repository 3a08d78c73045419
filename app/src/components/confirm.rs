//! A button for an action that takes something away (deleting a rule, a
//! secret, a key, a share; deactivating a member): the first click asks,
//! naming what goes, and only the confirming click carries it out.

use leptos::html;
use leptos::prelude::*;

#[component]
pub fn ConfirmButton(
    /// What the button says: "Delete", "Revoke", "Deactivate".
    label: &'static str,
    /// Its accessible name, naming the thing: "Delete the secret github".
    #[prop(into)]
    name: String,
    /// The question, naming what goes and what follows.
    #[prop(into)]
    question: String,
    /// What the confirming button says: "Delete github and its 3 versions".
    #[prop(into)]
    confirm: String,
    /// Carries the action out.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    // The question takes the focus on its Cancel, so that a second press
    // of the same key backs out instead of confirming.
    let cancel = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if asking.get()
            && let Some(button) = cancel.get()
        {
            let _ = button.focus();
        }
    });
    let name = StoredValue::new(name);
    view! {
        <Show
            when=move || asking.get()
            fallback=move || view! {
                <button type="button" class="secondary" aria-label=name.get_value() on:click=move |_| asking.set(true)>
                    {label}
                </button>
            }
        >
            <span class="confirm" role="group" aria-label=question.clone()>
                <span>{question.clone()}</span>
                " "
                <button type="button" class="danger" on:click=move |_| {
                    asking.set(false);
                    on_confirm.run(());
                }>{confirm.clone()}</button>
                " "
                <button type="button" class="secondary" node_ref=cancel on:click=move |_| asking.set(false)>
                    "Cancel"
                </button>
            </span>
        </Show>
    }
}
