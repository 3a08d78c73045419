//! Redirect targets that come from a request stay on this site and never
//! carry a control character into a `Location` header.

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// Logs in as the admin with `next` and answers the status and `Location`.
async fn login_going_to(app: &TestApp, next: &str) -> (u16, Option<String>) {
    let client = app.browser();
    let response = app
        .call(
            &client,
            "login",
            &[
                ("email", "admin@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ],
        )
        .await;
    let location = response.headers().get("location").map(|value| {
        value
            .to_str()
            .expect("a Location header of visible ASCII")
            .to_owned()
    });
    (response.status().as_u16(), location)
}

/// `next` values that lead off the site or into the header, in the
/// spellings a browser would turn into another origin or a header would
/// break on.
const HOSTILE: &[&str] = &[
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "/%5Cevil.example/",
    "/%5cevil.example/",
    "/%2F/evil.example/",
    "/%2f%2fevil.example/",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "%2F%2Fevil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\n/evil.example",
    "/%0A/evil.example",
    "/%0a/evil.example",
    "/\r/evil.example",
    "/%0D/evil.example",
    "/\r\nSet-Cookie: bosun_session=planted",
    "/%0D%0ASet-Cookie:%20bosun_session=planted",
    "/\0/evil.example",
    "/%00/evil.example",
    "/\u{1b}[31m",
    "/%1B",
    "/\u{7f}",
    "/%7F",
];

#[tokio::test]
async fn login_never_redirects_off_the_site_or_with_control_characters() {
    let app = spawn_app().await;
    for next in HOSTILE {
        let (status, location) = login_going_to(&app, next).await;
        assert_eq!(status, 200, "login with next={next:?}");
        assert_eq!(location.as_deref(), Some("/"), "login with next={next:?}");
    }
}

#[tokio::test]
async fn login_follows_paths_on_this_site() {
    let app = spawn_app().await;
    for (next, location) in [
        ("/agents", "/agents"),
        ("/agents/abc/permissions", "/agents/abc/permissions"),
        (
            "/traces?agent=a&q=rm%20-rf#results",
            "/traces?agent=a&q=rm%20-rf#results",
        ),
        ("/traces?q=café", "/traces?q=caf%C3%A9"),
        ("/traces?q=two words", "/traces?q=two%20words"),
    ] {
        assert_eq!(
            login_going_to(&app, next).await,
            (200, Some(location.to_owned())),
            "login with next={next:?}"
        );
    }
}

#[tokio::test]
async fn a_plain_form_login_redirects_only_on_the_site() {
    let app = spawn_app().await;
    for next in [
        "/%09/evil.example",
        "/\t/evil.example",
        "/%0A/x",
        "//evil.example",
    ] {
        let response = app
            .browser()
            .post(app.url("/fn/login"))
            .header("origin", &app.address)
            .header("sec-fetch-site", "same-origin")
            .header("accept", "text/html")
            .form(&[
                ("email", "admin@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302, "next={next:?}");
        assert_eq!(response.headers()["location"], "/", "next={next:?}");
    }
}

#[tokio::test]
async fn a_visitor_sent_to_log_in_keeps_the_path_encoded() {
    let app = spawn_app().await;
    for path in [
        "/agents/%0D%0ASet-Cookie:%20x=y",
        "/agents/%09%2F%2Fevil.example",
        "/traces?q=%3Cscript%3E",
        "/agents/caf%C3%A9",
    ] {
        let response = app
            .browser()
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let location = response
            .headers()
            .get("location")
            .unwrap_or_else(|| panic!("GET {path}: {} without a Location", response.status()))
            .to_str()
            .unwrap();
        let next = location
            .strip_prefix("/login?next=")
            .unwrap_or_else(|| panic!("GET {path}: to {location}"));
        assert!(
            next.starts_with("%2F") && !next.contains(['/', '\\', '\t', '\r', '\n', '<']),
            "GET {path}: next={next}"
        );
    }
}
