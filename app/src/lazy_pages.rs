//! The pages the browser loads only when one is first shown: every
//! signed-in page but the inbox and the new agent form, so that the inbox
//! (where a reviewer lands to decide) comes alive after the bundle's main
//! part alone. The new agent form stays in the main part: reached from
//! another page and loaded lazily, its form was built twice, the second
//! time after its tool list arrived, losing what had been typed. Each page's
//! code (and what only it uses) goes into a part of its own when
//! `scripts/build` splits the bundle; on the server they render as any page.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages::{account, agent, agents, integrations, permissions, settings, traces};

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
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    /// The agents the user sees (also the home page).
    AgentsRoute => agents::AgentsPage;
    /// One agent's page.
    AgentRoute => agent::AgentPage;
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
