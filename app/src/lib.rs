//! Bosun's web interface: the pages, the pieces they share, and the server
//! functions behind them. Built twice: with `ssr` into the server, with
//! `hydrate` into the browser bundle.

pub mod api;
pub mod components;
pub mod dates;
pub mod error;
pub mod lazy_pages;
pub mod pages;
pub mod policy_view;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::components::layout::SignedInLayout;
use crate::lazy_pages::{
    AccountRoute, AgentPermissionsRoute, IntegrationsRoute, MembersRoute, RunTimelineRoute,
    SecurityRoute, SettingsRoute, ToolsRoute, TracesRoute,
};
use crate::pages::{agent, agents, inbox, login, not_found, set_password};

/// Keeps what a person does before the page has come alive, and plays it
/// again once it has: until then the buttons have no handlers, a form
/// without an `action` of its own would be sent by the browser as a GET of
/// this very page (its fields, a secret or a password, in the address),
/// and coming alive sets every bound field back to what the server
/// rendered. So a press of a button (or a submission) is held, the field
/// values typed meanwhile are noted, and once the page is alive the values
/// are put back (announced with `input` and `change`, as typing would) and
/// the press is played again. Forms with an `action` (`ActionForm`, the
/// sign-in buttons) work without the bundle and go through untouched;
/// links are plain links. The held button shows it waits (`aria-busy`,
/// styled in main.css), and so does the page, through the missing
/// `data-hydrated` (set by `mark_hydrated`).
const HOLD_EARLY_INPUT: &str = r#"(() => {
  const root = document.documentElement;
  const alive = () => root.hasAttribute("data-hydrated");
  const typed = new Map();
  let replay = null;
  const release = () => document.querySelectorAll("[data-held]").forEach((held) => {
    held.removeAttribute("data-held");
    held.removeAttribute("aria-busy");
  });
  const hold = (event, control, again) => {
    event.preventDefault();
    event.stopImmediatePropagation();
    release();
    control.setAttribute("data-held", "");
    control.setAttribute("aria-busy", "true");
    replay = again;
  };
  const worksWithoutScript = (form) => form && form.hasAttribute("action");
  const note = (event) => {
    const field = event.target;
    if (alive() || !(field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement || field instanceof HTMLSelectElement)) return;
    typed.set(field, field.type === "checkbox" || field.type === "radio" ? field.checked : field.value);
  };
  document.addEventListener("input", note, true);
  document.addEventListener("change", note, true);
  document.addEventListener("click", (event) => {
    if (alive() || !(event.target instanceof Element)) return;
    const control = event.target.closest("button, input[type=submit], input[type=button], input[type=reset]");
    if (!control || control.disabled) return;
    if (control.type === "submit" && worksWithoutScript(control.form)) return;
    hold(event, control, () => control.click());
  }, true);
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (alive() || !(form instanceof HTMLFormElement) || worksWithoutScript(form)) return;
    const submitter = event.submitter;
    hold(event, submitter || form, () => form.requestSubmit(submitter || undefined));
  }, true);
  new MutationObserver((_, observer) => {
    if (!alive()) return;
    observer.disconnect();
    setTimeout(() => {
      for (const [field, value] of typed) {
        if (typeof value === "boolean") field.checked = value; else field.value = value;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
      release();
      if (replay) replay();
    }, 0);
  }).observe(root, { attributes: true, attributeFilter: ["data-hydrated"] });
})();"#;

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#1f5fbf" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="icon" href="/favicon.ico" sizes="32x32" />
                <link rel="apple-touch-icon" href="/icon-192.png" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <script nonce=leptos::nonce::use_nonce()>{HOLD_EARLY_INPUT}</script>
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

    view! {
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
                        view={Lazy::<AgentPermissionsRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/inbox") view=inbox::InboxPage ssr=SsrMode::Async />
                    <Route path=path!("/traces") view={Lazy::<TracesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/traces/:run") view={Lazy::<RunTimelineRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/members") view={Lazy::<MembersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/tools") view={Lazy::<ToolsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/security") view={Lazy::<SecurityRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=path!("/settings/integrations")
                        view={Lazy::<IntegrationsRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
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

/// Marks the document once the browser bundle has taken the whole page
/// over (the browser entry point calls it when hydration, a lazily loaded
/// page's part included, is done): the held early presses are played
/// again then, and end-to-end tests (and curious people) can tell a
/// hydrated page from a server-rendered one.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
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
