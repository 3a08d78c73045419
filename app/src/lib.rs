//! Bosun's web interface: the pages, the pieces they share, and the server
//! functions behind them. Built twice: with `ssr` into the server, with
//! `hydrate` into the browser bundle.

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
pub mod policy_view;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::SignedInLayout;
use crate::pages::{
    account, agent, agents, inbox, integrations, login, not_found, permissions, set_password,
    settings, traces,
};

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/bosun.css" />
        <Title formatter=|page: String| page_title(&page) />
        // Pages behind the login wait for their data before the response
        // starts, so that a visitor who must log in gets a real redirect.
        <Router>
            <Routes fallback=not_found::NotFoundPage>
                <Route path=path!("/login") view=login::LoginPage />
                <Route path=path!("/set-password") view=set_password::SetPasswordPage />
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=agents::AgentsPage ssr=SsrMode::Async />
                    <Route path=path!("/agents") view=agents::AgentsPage ssr=SsrMode::Async />
                    <Route path=path!("/agents/new") view=agent::NewAgentPage ssr=SsrMode::Async />
                    <Route path=path!("/agents/:id") view=agent::AgentPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/agents/:id/permissions")
                        view=permissions::AgentPermissionsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/inbox") view=inbox::InboxPage ssr=SsrMode::Async />
                    <Route path=path!("/traces") view=traces::TracesPage ssr=SsrMode::Async />
                    <Route path=path!("/traces/:run") view=traces::RunTimelinePage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=settings::SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/members") view=settings::MembersPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/tools") view=settings::ToolsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/security") view=permissions::SecurityPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/integrations") view=integrations::IntegrationsPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The document title of a page, for every page at once: page titles hold
/// stored text (an agent's name), and on the server leptos_meta writes the
/// title into the HTML as it is given, so it is escaped here. In the browser
/// the title is set as text (`document.title`) and must not be.
fn page_title(page: &str) -> String {
    let title = format!("{page} · Bosun");
    #[cfg(feature = "ssr")]
    let title = escape_html_text(&title);
    title
}

/// `text` made safe to place between tags.
#[cfg(feature = "ssr")]
fn escape_html_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Marks the document once the browser bundle has taken over, so that
/// end-to-end tests (and curious people) can tell a hydrated page from a
/// server-rendered one.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::page_title;

    #[test]
    fn a_stored_name_in_the_title_stays_text() {
        assert_eq!(
            page_title("x</title><script>alert(1)</script>"),
            "x&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Bosun"
        );
        assert_eq!(
            page_title("Fish & \"chips\""),
            "Fish &amp; &quot;chips&quot; · Bosun"
        );
    }
}
