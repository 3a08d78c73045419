//! The pages the browser loads only when one is first shown: the heavy,
//! rarely visited ones (the rule editors with the policy engine, traces,
//! the workspace's settings, integrations, one's own account), so that the
//! inbox (where a reviewer lands to decide) comes alive after the bundle's
//! main part alone. The inbox, the agents and an agent's own pages (the new
//! agent form included) stay in the main part: they are where people work
//! every day, and with only the pages below lazily loaded the inbox's cold
//! load is already under half a megabyte (the README's "The web"). Each
//! page's code (and what only it uses) goes into a part of its own when
//! `scripts/build` splits the bundle; on the server they render as any
//! page.
//!
//! A page rendered on the server names the parts its code is in
//! (`<link rel="preload">` in its head, from [`LazyParts`]), so the browser
//! fetches them beside the main part instead of after it has run.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages::{account, integrations, permissions, settings, traces};

/// Declares `$route`, a lazily loaded route that shows `$page`.
macro_rules! lazy_page {
    ($($(#[$doc:meta])* $route:ident => $page:path;)*) => {$(
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                #[cfg(feature = "ssr")]
                preload_parts();
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    /// An agent's rules and the test panel, with the policy engine.
    AgentPermissionsRoute => permissions::AgentPermissionsPage;
    /// Trace search.
    TracesRoute => traces::TracesPage;
    /// One run's timeline.
    RunTimelineRoute => traces::RunTimelinePage;
    /// Workspace settings.
    SettingsRoute => settings::SettingsPage;
    /// Members of the workspace.
    MembersRoute => settings::MembersPage;
    /// The tool catalog.
    ToolsRoute => settings::ToolsPage;
    /// Workspace rules and guardrails.
    SecurityRoute => permissions::SecurityPage;
    /// Identity providers, OAuth and MCP servers.
    IntegrationsRoute => integrations::IntegrationsPage;
    /// The user's own account.
    AccountRoute => account::AccountPage;
}

/// Which parts of the split bundle each lazily loaded page needs, as the
/// server read them from the site (`scripts/site-assets.mjs` writes them):
/// provided to every page the server renders.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default)]
pub struct LazyParts {
    /// The parts' loader, `/pkg/__wasm_split.<hash>.js`.
    pub loader: String,
    /// Lazily loaded function (leptos's name for it) → the paths of the
    /// parts it needs, `/pkg/<part>.<hash>.wasm`, shared ones first.
    pub needs: std::sync::Arc<std::collections::HashMap<String, Vec<String>>>,
}

/// Asks the browser, from the head of the page being rendered, to fetch
/// the parts of the lazily loaded page: leptos notes the page's lazily
/// loaded function in `PrefetchLazyFn` as the route renders (before this
/// is called), and the links are registered with the page's own meta
/// context, from within the page's reactive owner. (Leptos 0.8.23 adds
/// such links itself after rendering, but outside the page's owner, with
/// whichever owner the thread last had: on a thread that renders several
/// pages at once they went to another page, or nowhere. The server
/// therefore does not list the parts where leptos would find them.)
#[cfg(feature = "ssr")]
fn preload_parts() {
    use leptos::PrefetchLazyFn;
    use leptos_meta::Link;

    let (Some(parts), Some(prefetched)) =
        (use_context::<LazyParts>(), use_context::<PrefetchLazyFn>())
    else {
        return;
    };
    let wanted: Vec<&str> = prefetched
        .0
        .with_value(|names| names.iter().copied().collect());
    let mut any = false;
    for href in wanted
        .into_iter()
        .filter_map(|name| parts.needs.get(name))
        .flatten()
    {
        any = true;
        // Rendering a leptos_meta tag on the server registers it with the
        // page's head rather than writing it here. `crossorigin` makes the
        // preload's request the loader's `fetch`, so the browser uses it.
        let _ = view! {
            <Link rel="preload" href=href.clone() as_="fetch" type_="application/wasm" crossorigin="" />
        }
        .to_html();
    }
    if any {
        let _ = view! { <Link rel="modulepreload" href=parts.loader.clone() /> }.to_html();
    }
}
