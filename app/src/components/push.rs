//! Listening to the server's push streams: counters that go up whenever
//! something changed, for pages to refetch on.

use leptos::prelude::*;

/// Bumped on every inbox change the server pushes.
#[derive(Clone, Copy)]
pub struct InboxChanges(pub RwSignal<usize>);

/// Opens the push stream once, in the browser, for the whole signed-in
/// layout, and provides [`InboxChanges`].
pub fn provide_inbox_changes() -> InboxChanges {
    let changes = InboxChanges(RwSignal::new(0));
    provide_context(changes);
    listen("/events/inbox".into(), "inbox", changes.0);
    changes
}

/// A counter bumped on every `event` the push stream at `url` sends, and
/// each time the stream opens, in the browser, for as long as the calling
/// component lives.
pub fn changes_of(url: String, event: &'static str) -> RwSignal<usize> {
    let counter = RwSignal::new(0);
    listen(url, event, counter);
    counter
}

fn listen(url: String, event: &'static str, counter: RwSignal<usize>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| subscribe(&url, event, counter));
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, event, counter);
}

#[cfg(feature = "hydrate")]
fn subscribe(url: &str, event: &str, counter: RwSignal<usize>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Ok(source) = web_sys::EventSource::new(url) else {
        return;
    };
    let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| counter.update(|n| *n += 1));
    let _ = source.add_event_listener_with_callback(event, on_change.as_ref().unchecked_ref());
    // The stream tells only of changes made while it is open: one made
    // between the page's rendering and the stream's opening (or while the
    // browser reconnected a dropped stream) would stay unseen until the next.
    // Each opening counts as a change, so the page fetches once more.
    let _ = source.add_event_listener_with_callback("open", on_change.as_ref().unchecked_ref());
    // The listener is left to the stream, which is closed with the
    // component that opened it (a few bytes kept per mount).
    on_change.forget();
    on_cleanup(move || source.close());
}

/// Milliseconds since the Unix epoch, in the browser or on the server.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default()
    }
}

/// Renders its children only in the browser, once the page has hydrated:
/// for parts that live on browser-side data (polling, local resources) and
/// have nothing to render on the server.
#[component]
pub fn ClientOnly(children: ChildrenFn) -> impl IntoView {
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    move || mounted.get().then(|| children())
}
