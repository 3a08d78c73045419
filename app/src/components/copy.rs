//! A button that copies a text to the clipboard and says whether the
//! browser let it: a token or a settings block stays on the page to select
//! by hand when it did not.

use leptos::prelude::*;

#[component]
pub fn CopyButton(text: String, #[prop(optional)] class: &'static str) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let text = StoredValue::new(text);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let promise = window()
                .navigator()
                .clipboard()
                .write_text(&text.get_value());
            leptos::task::spawn_local(async move {
                status.set(match wasm_bindgen_futures::JsFuture::from(promise).await {
                    Ok(_) => "Copied.".into(),
                    Err(_) => {
                        "The browser did not allow copying; select the text and copy it.".into()
                    }
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (text, status);
    };
    view! {
        <button type="button" class=class on:click=copy>"Copy"</button>
        // Only once there is something to say: a page has one status
        // region at rest, its own.
        {move || {
            let said = status.get();
            (!said.is_empty()).then(|| view! { " " <span role="status">{said}</span> })
        }}
    }
}
