//! The browser entry point: hydrates the server-rendered pages.

/// Hydrates the page, waiting for the bundle's part that holds a lazily
/// loaded page (see `bosun_app::lazy_pages`) before hydrating it, and marks
/// the document alive only then: until that moment, presses held by the
/// page's early-input script stay held instead of being played again into
/// a page whose handlers are not there yet.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), bosun_app::App)
            .await
            .forget();
        bosun_app::mark_hydrated();
    });
}
