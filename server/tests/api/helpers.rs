//! `spawn_app()` and the requests tests make.

use std::path::Path;
use std::sync::Arc;

use bosun_server::{Application, Config};
use bosun_service::Bosun;
use bosun_service::clock::{Clock, ManualClock, SystemClock};
use bosun_service::identity::passwords::PasswordHashing;
use bosun_service::identity::{NewUser, Role};
use reqwest::header::HeaderMap;
use reqwest::{Client, Response};
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub bosun: Bosun,
    pub config: Config,
    pub data_dir: tempfile::TempDir,
    pub clock: Option<Arc<ManualClock>>,
}

/// The application on port 0 over a fresh database, with an admin
/// (`admin@example.com`) already created.
pub async fn spawn_app() -> TestApp {
    spawn(None).await
}

/// Like [`spawn_app`], with a clock the test moves by hand.
pub async fn spawn_app_with_manual_clock() -> TestApp {
    spawn(Some(Arc::new(ManualClock::new(chrono::Utc::now())))).await
}

/// Like [`spawn_app`], with the configuration changed first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_configured(None, configure).await
}

async fn spawn(clock: Option<Arc<ManualClock>>) -> TestApp {
    spawn_configured(clock, |_| {}).await
}

async fn spawn_configured(
    clock: Option<Arc<ManualClock>>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = Config::new(data_dir.path().to_path_buf());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.site_root = data_dir.path().join("site");
    config.bootstrap_admin = Some(bosun_server::config::BootstrapAdmin {
        email: "admin@example.com".into(),
        password: PASSWORD.into(),
    });
    // The tests' OpenID provider and stand-ins listen on loopback.
    config.service.allow_private_urls = true;
    // Nearly every test makes users and signs in; the production parameters
    // have tests of their own (`identity::passwords` in the service).
    config.service.password_hashing = PasswordHashing::cheap_for_tests();
    configure(&mut config);
    if config.database_url.is_none() {
        config.database_url = if config.data_dir == data_dir.path() {
            fresh_database_url(data_dir.path()).await
        } else {
            // A test that picks a data directory of its own sees Bosun make
            // the store from nothing, as a new installation would.
            bosun_service::testing::empty_store().await
        };
    }
    let app = start(&config, clock.clone()).await;
    TestApp {
        address: app.0,
        bosun: app.1,
        config,
        data_dir,
        clock,
    }
}

/// Starts (another) server process-equivalent over the given configuration.
pub async fn start(config: &Config, clock: Option<Arc<ManualClock>>) -> (String, Bosun) {
    let clock: Arc<dyn Clock> = match clock {
        Some(clock) => clock,
        None => Arc::new(SystemClock),
    };
    let application = Application::build_with_clock(config.clone(), clock)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let bosun = application.bosun().clone();
    tokio::spawn(application.run_until_stopped());
    (address, bosun)
}

/// A migrated store of the test's own, copied from a template: the SQLite
/// file in `data_dir` (and `None`, the default URL), or a new PostgreSQL
/// database when the run targets PostgreSQL.
pub async fn fresh_database_url(data_dir: &Path) -> Option<String> {
    bosun_service::testing::migrated_store(data_dir).await
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A browser-like client: keeps cookies, follows no redirects.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn create_user(&self, email: &str, role: Role) -> bosun_service::ids::UserId {
        let workspace = self.bosun.default_workspace().await.unwrap();
        let new_user = NewUser {
            email: email.into(),
            name: None,
            password: PASSWORD.into(),
            role,
        };
        self.bosun
            .create_user_as_operator(&workspace, new_user)
            .await
            .unwrap()
    }

    /// Calls a server function as a page of this site would.
    pub async fn call(&self, client: &Client, function: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/fn/{function}")))
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Submits the login form.
    pub async fn attempt_login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.call(client, "login", &[("email", email), ("password", password)])
            .await
    }

    /// A client logged in as `email` (with the shared test password).
    pub async fn logged_in(&self, email: &str) -> Client {
        let client = self.browser();
        let response = self
            .call(
                &client,
                "login",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert!(
            response.status().is_success(),
            "login failed: {}",
            response.status()
        );
        client
    }

    /// The logged-in user's email as the app sees it, or `None`.
    pub async fn whoami(&self, client: &Client) -> Option<String> {
        let response = self.call(client, "me", &[]).await;
        assert!(
            response.status().is_success(),
            "me failed: {}",
            response.status()
        );
        let me: Value = response.json().await.unwrap();
        me.get("email").and_then(Value::as_str).map(str::to_owned)
    }

    /// A personal access token for `email`.
    pub async fn token_for(&self, email: &str) -> String {
        let user = self.bosun.user_by_email(email).await.unwrap();
        self.bosun.create_token(&user, "test").await.unwrap().token
    }

    /// The JSON body of a successful API GET.
    pub async fn api_json(&self, path: &str, token: &str) -> Value {
        let response = self.api_get(path, Some(token)).await;
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// The OpenAPI document the server publishes (no sign-in needed).
    pub async fn openapi_document(&self) -> Value {
        let response = self.api_get("/api/v1/openapi.json", None).await;
        assert_eq!(response.status(), 200, "GET /api/v1/openapi.json");
        response.json().await.unwrap()
    }

    pub async fn api_get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = reqwest::Client::new().get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }
}

/// The `Set-Cookie` value of the session cookie, if the response sets it.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("bosun_session="))
        .map(str::to_owned)
}

/// Asserts the error shape of DESIGN.md and returns the code.
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.expect("a JSON error body");
    let message = body["error"]["message"].as_str().expect("error.message");
    assert!(!message.is_empty());
    body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned()
}

/// A REST call with a bearer token; a null body sends none.
pub async fn api_request(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Response {
    let mut request = Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// [`api_request`], answered as status and JSON body (null when none).
pub async fn api_call(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (reqwest::StatusCode, Value) {
    let response = api_request(base, token, method, path, body).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// How often `needle` occurs in the store's raw bytes: the SQLite file and
/// its write-ahead log, or a `pg_dump` of the PostgreSQL database.
pub fn occurrences_in_store(app: &TestApp, needle: &str) -> usize {
    let count = |bytes: &[u8]| {
        bytes
            .windows(needle.len())
            .filter(|w| *w == needle.as_bytes())
            .count()
    };
    match &app.config.database_url {
        None => ["bosun.db", "bosun.db-wal"]
            .iter()
            .filter_map(|file| std::fs::read(app.data_dir.path().join(file)).ok())
            .map(|bytes| count(&bytes))
            .sum(),
        Some(url) => {
            let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
                .expect("PostgreSQL's programs are installed")
                .filter_map(|entry| Some(entry.ok()?.path().join("bin/pg_dump")))
                .filter(|path| path.exists())
                .max()
                .expect("pg_dump is installed");
            let dump = std::process::Command::new(pg_dump)
                .args(["--data-only", "--dbname", url])
                .output()
                .expect("pg_dump runs");
            assert!(dump.status.success(), "pg_dump failed");
            count(&dump.stdout)
        }
    }
}
