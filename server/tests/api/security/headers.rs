//! Every response carries the security headers; every page a
//! `Content-Security-Policy` whose nonce is fresh each time and is the one
//! its inline scripts carry.

use reqwest::Client;
use reqwest::header::HeaderMap;
use serde_json::json;

use super::admin_creates_agent;
use crate::helpers::{TestApp, api_call, spawn_app};

/// Every page of the site, with an agent and a run to show.
async fn page_routes(app: &TestApp) -> Vec<String> {
    let agent = admin_creates_agent(app, json!({"name": "Pages", "tools": ["read_file"]})).await;
    let token = app.token_for("admin@example.com").await;
    let agent = agent["id"].as_str().unwrap().to_owned();
    let (status, run) = api_call(
        &app.address,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/agents/{agent}/runs"),
        json!({"input": {}}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let run = run["id"].as_str().unwrap();
    [
        "/".to_owned(),
        "/agents".to_owned(),
        "/agents/new".to_owned(),
        format!("/agents/{agent}"),
        format!("/agents/{agent}/permissions"),
        "/inbox".to_owned(),
        "/traces".to_owned(),
        format!("/traces/{run}"),
        "/settings".to_owned(),
        "/settings/members".to_owned(),
        "/settings/tools".to_owned(),
        "/settings/security".to_owned(),
        "/settings/integrations".to_owned(),
        "/account".to_owned(),
        "/no/such/page".to_owned(),
    ]
    .into()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn assert_common_headers(headers: &HeaderMap, what: &str) {
    assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(headers, "referrer-policy"), "same-origin", "{what}");
    let policy = header(headers, "content-security-policy");
    for directive in ["frame-ancestors 'none'", "base-uri 'none'"] {
        assert!(
            policy.contains(directive),
            "{what}: {directive} in {policy}"
        );
    }
    assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
    assert!(!policy.contains("'unsafe-eval'"), "{what}: {policy}");
}

/// The page's policy, checked, and the nonce it names.
fn page_nonce(headers: &HeaderMap, what: &str) -> String {
    assert_common_headers(headers, what);
    let policy = header(headers, "content-security-policy");
    assert!(policy.contains("object-src 'none'"), "{what}: {policy}");
    let script_src: Vec<&str> = policy
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("script-src "))
        .unwrap_or_else(|| panic!("{what}: no script-src in {policy}"))
        .split_whitespace()
        .collect();
    let nonces: Vec<&str> = script_src
        .iter()
        .filter_map(|source| source.strip_prefix("'nonce-")?.strip_suffix('\''))
        .collect();
    assert_eq!(nonces.len(), 1, "{what}: {policy}");
    for source in &script_src {
        assert!(
            source.starts_with("'nonce-") || ["'self'", "'wasm-unsafe-eval'"].contains(source),
            "{what}: script-src allows {source}"
        );
    }
    assert!(nonces[0].len() >= 22, "{what}: a nonce of 128 bits");
    nonces[0].to_owned()
}

/// Every `<script` tag of the page with its attributes.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .map(|(start, _)| {
            let end = html[start..]
                .find('>')
                .map_or(html.len(), |end| start + end);
            &html[start..=end.min(html.len() - 1)]
        })
        .collect()
}

async fn get(client: &Client, app: &TestApp, path: &str) -> (u16, HeaderMap, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn every_page_has_a_fresh_nonce_policy_that_its_own_scripts_carry() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    let visitor = app.browser();
    let mut pages: Vec<(&Client, String)> = page_routes(&app)
        .await
        .into_iter()
        .map(|path| (&admin, path))
        .collect();
    pages.push((&visitor, "/login".to_owned()));
    for (client, path) in &pages {
        let (client, path) = (*client, path.as_str());
        let (status, headers, html) = get(client, &app, path).await;
        let expected = if path == "/no/such/page" { 404 } else { 200 };
        assert_eq!(status, expected, "GET {path}");
        assert!(
            header(&headers, "content-type").starts_with("text/html"),
            "GET {path}"
        );
        let nonce = page_nonce(&headers, path);
        let scripts = script_tags(&html);
        assert!(!scripts.is_empty(), "GET {path} loads the bundle");
        for tag in scripts {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "GET {path}: {tag} lacks the nonce {nonce}"
            );
        }
        let (_, again, _) = get(client, &app, path).await;
        assert_ne!(page_nonce(&again, path), nonce, "GET {path}: nonce reused");
    }
}

#[tokio::test]
async fn the_api_and_static_files_carry_the_headers_too() {
    let app = spawn_app().await;
    let pkg = app.config.site_root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("bosun.css"), "body { margin: 0 }").unwrap();
    let token = app.token_for("admin@example.com").await;
    for (path, with_token) in [
        ("/api/v1/me", true),
        ("/api/v1/me", false),
        ("/api/v1/openapi.json", false),
        ("/api/v1/traces/export?format=jsonl", true),
        ("/healthz", false),
        ("/pkg/bosun.css", false),
    ] {
        let response = app
            .api_get(path, with_token.then_some(token.as_str()))
            .await;
        let what = format!("GET {path} (token: {with_token})");
        assert_common_headers(response.headers(), &what);
        let policy = header(response.headers(), "content-security-policy");
        assert!(policy.starts_with("default-src 'none'"), "{what}: {policy}");
    }
}

#[tokio::test]
async fn exports_are_downloads_a_browser_will_not_sniff_as_html() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let admin = app.logged_in("admin@example.com").await;
    for format in ["json", "jsonl", "otlp"] {
        for (response, how) in [
            (
                app.api_get(
                    &format!("/api/v1/traces/export?format={format}"),
                    Some(&token),
                )
                .await,
                "api",
            ),
            (
                admin
                    .get(app.url(&format!("/traces/export?format={format}")))
                    .send()
                    .await
                    .unwrap(),
                "page",
            ),
        ] {
            let what = format!("{how} export as {format}");
            assert_eq!(response.status(), 200, "{what}");
            let headers = response.headers();
            let content_type = header(headers, "content-type");
            assert!(
                content_type.starts_with("application/"),
                "{what}: {content_type}"
            );
            assert!(
                header(headers, "content-disposition").starts_with("attachment;"),
                "{what}"
            );
            assert_eq!(
                header(headers, "x-content-type-options"),
                "nosniff",
                "{what}"
            );
        }
    }
}
