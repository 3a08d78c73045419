//! Webhooks and request emails, delivered to a real HTTP receiver and a
//! real SMTP server (Python's aiosmtpd) that the tests start: signed,
//! shaped as documented, retried, never in the way of a decision, and
//! sent once however many servers share the database.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bosun_service::identity::Role;
use hmac::{Hmac, Mac as _};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{
    TestApp, api_call as call, error_code, occurrences_in_store, spawn_app, spawn_app_with,
};
use crate::runtime::{Setup, setup};

/// One request the receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Clone, Default)]
struct ReceiverState {
    received: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<AtomicUsize>,
    /// Answer only after this long.
    delay: Arc<Mutex<Duration>>,
}

/// A real HTTP server on loopback that records what webhooks post to it.
pub(crate) struct Receiver {
    pub url: String,
    state: ReceiverState,
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let delay = *state.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    state
        .received
        .lock()
        .unwrap()
        .push(Received { headers, body });
    let failing = state
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

impl Receiver {
    pub(crate) async fn start() -> Self {
        let state = ReceiverState::default();
        let router = axum::Router::new()
            .route("/hooks/{*rest}", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/hooks/team-alerts",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, state }
    }

    fn fail_first(&self, times: usize) {
        self.state.fail_first.store(times, Ordering::SeqCst);
    }

    fn answer_after(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// The bodies of the requests for `event`, parsed.
    pub(crate) fn events(&self, event: &str) -> Vec<Value> {
        self.received()
            .iter()
            .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
            .filter(|body| body["event"] == event)
            .collect()
    }

    /// Waits until `event` has come `count` times.
    pub(crate) async fn wait_for(&self, event: &str, count: usize) -> Vec<Value> {
        wait_until(&format!("{count} × {event}"), || {
            let events = self.events(event);
            (events.len() >= count).then_some(events)
        })
        .await
    }
}

/// Polls `check` until it answers, for at most 20 seconds.
pub(crate) async fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    wait_for_async(what, || std::future::ready(check())).await
}

/// [`wait_until`] for a check that makes requests.
pub(crate) async fn wait_for_async<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "waited 20 s for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a receiver computes to check a delivery, by the README's recipe.
fn expected_signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn add_webhook(s: &Setup, url: &str, events: &[&str]) -> Value {
    let (status, webhook) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({ "url": url, "events": events }),
    )
    .await;
    assert_eq!(status, 201, "{webhook}");
    webhook
}

/// A second admin, to decide the first admin's runs' requests.
async fn reviewer(app: &TestApp) -> String {
    app.create_user("rev@example.com", Role::Admin).await;
    app.token_for("rev@example.com").await
}

async fn deliveries(s: &Setup, webhook: &str) -> Vec<Value> {
    s.app
        .api_json(&format!("/api/v1/webhooks/{webhook}/deliveries"), &s.admin)
        .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_webhook_hears_of_a_request_its_decision_and_the_runs_end_signed_with_its_secret() {
    let s = setup(spawn_app().await).await;
    let reviewer = reviewer(&s.app).await;
    let receiver = Receiver::start().await;
    let webhook = add_webhook(
        &s,
        &receiver.url,
        &[
            "approval.requested",
            "approval.resolved",
            "run.finished",
            "run.failed",
        ],
    )
    .await;
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32, "a generated secret is long: {secret}");

    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "system_shell", "make deploy").await;
    assert_eq!(asked["decision"], "pending");
    let approval = asked["approval_id"].as_str().unwrap();

    let requested = receiver.wait_for("approval.requested", 1).await;
    let body = &requested[0];
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 6, "{body}");
    for key in ["id", "event", "at", "workspace_id", "url", "data"] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    assert!(chrono::DateTime::parse_from_rfc3339(body["at"].as_str().unwrap()).is_ok());
    assert_eq!(
        body["url"],
        format!("{}/inbox?request={approval}", s.app.address)
    );
    assert_eq!(body["data"]["approval_id"], approval);
    assert_eq!(body["data"]["run_id"], run.as_str());
    assert_eq!(body["data"]["agent"]["name"], "Janitor");
    assert_eq!(body["data"]["tool"], "system_shell");
    assert_eq!(body["data"]["input"], "make deploy");
    assert!(body["data"]["risk"]["level"].is_string());

    // The receiver checks the signature with the secret it was shown.
    let delivery = receiver.received().remove(0);
    let timestamp = delivery.headers["x-bosun-timestamp"].to_str().unwrap();
    let sent_at: i64 = timestamp.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    assert_eq!(
        delivery.headers["x-bosun-signature"].to_str().unwrap(),
        expected_signature(&secret, timestamp, &delivery.body)
    );
    assert_eq!(delivery.headers["content-type"], "application/json");
    assert!(!delivery.body.contains(&secret));
    assert!(
        !expected_signature("another secret", timestamp, &delivery.body)
            .eq(delivery.headers["x-bosun-signature"].to_str().unwrap())
    );

    let (status, _) = call(
        s.base(),
        &reviewer,
        Method::POST,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "deny", "message": "not today"}),
    )
    .await;
    assert_eq!(status, 200);
    let resolved = receiver.wait_for("approval.resolved", 1).await;
    assert_eq!(resolved[0]["data"]["decision"], "deny");
    assert_eq!(resolved[0]["data"]["outcome"], "deny");
    assert_eq!(resolved[0]["data"]["reviewer"]["name"], "rev");
    assert_eq!(resolved[0]["data"]["message"], "not today");

    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({"status": "failed", "output": {"error": "denied"}}),
    )
    .await;
    assert_eq!(status, 200);
    let finished = receiver.wait_for("run.finished", 1).await;
    let failed = receiver.wait_for("run.failed", 1).await;
    assert_eq!(finished[0]["data"]["status"], "failed");
    assert_eq!(failed[0]["data"]["run_id"], run.as_str());
    assert_eq!(
        finished[0]["url"],
        format!("{}/traces/{run}", s.app.address)
    );
    assert_ne!(finished[0]["id"], failed[0]["id"]);

    // The receiver may have answered before the answer was recorded.
    let log = wait_for_async("four deliveries recorded as delivered", || async {
        let log = deliveries(&s, webhook["id"].as_str().unwrap()).await;
        log.iter()
            .all(|delivery| delivery["status"] == "delivered")
            .then_some(log)
    })
    .await;
    assert_eq!(log.len(), 4, "{log:?}");
    for delivery in &log {
        assert_eq!(delivery["status"], "delivered", "{delivery}");
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["last_status"], 204);
    }
    // Each event was sent once.
    assert_eq!(receiver.received().len(), 4);
}

#[tokio::test]
async fn an_expired_request_is_announced_as_approval_expired() {
    let s = setup(spawn_app().await).await;
    let receiver = Receiver::start().await;
    add_webhook(
        &s,
        &receiver.url,
        &["approval.expired", "approval.resolved"],
    )
    .await;
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        "/api/v1/workspace",
        json!({"approval_ttl_seconds": 1}),
    )
    .await;
    assert_eq!(status, 200);
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "system_shell", "make deploy").await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    s.app.bosun.expire_due_approvals().await.unwrap();
    let expired = receiver.wait_for("approval.expired", 1).await;
    assert_eq!(expired[0]["data"]["approval_id"], asked["approval_id"]);
    assert_eq!(expired[0]["data"]["decision"], "expired");
    assert!(expired[0]["data"]["reviewer"].is_null());
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(receiver.events("approval.resolved").is_empty());
}

#[tokio::test]
async fn a_receiver_that_fails_first_gets_the_same_delivery_again_until_it_answers() {
    let app = spawn_app_with(|config| {
        config.service.delivery_retry = Duration::from_millis(300);
    })
    .await;
    let s = setup(app).await;
    let receiver = Receiver::start().await;
    receiver.fail_first(2);
    let webhook = add_webhook(&s, &receiver.url, &["approval.requested"]).await;
    let webhook = webhook["id"].as_str().unwrap();

    let run = s.running(&s.admin).await;
    s.ask(&run, "system_shell", "make deploy").await;

    let tries = receiver.wait_for("approval.requested", 3).await;
    assert_eq!(tries.len(), 3);
    assert!(
        tries.iter().all(|body| body == &tries[0]),
        "a retry sends the same body, with the same id"
    );
    let log = wait_for_async("the delivery to be recorded as delivered", || async {
        let log = deliveries(&s, webhook).await;
        (log[0]["status"] == "delivered").then_some(log)
    })
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["last_status"], 204);
}

#[tokio::test]
async fn a_receiver_that_is_down_or_slow_delays_no_decision() {
    let s = setup(spawn_app().await).await;
    let reviewer = reviewer(&s.app).await;
    let slow = Receiver::start().await;
    slow.answer_after(Duration::from_secs(30));
    add_webhook(&s, &slow.url, &["approval.requested", "approval.resolved"]).await;
    // Nothing listens on a port that was just freed.
    let closed = format!("http://127.0.0.1:{}/hooks/x", crate::restart::free_port());
    let down = add_webhook(&s, &closed, &["approval.requested"]).await;

    let run = s.running(&s.admin).await;
    for i in 0..3 {
        let started = Instant::now();
        let asked = s
            .ask(&run, "system_shell", &format!("make deploy-{i}"))
            .await;
        let approval = asked["approval_id"].as_str().unwrap().to_owned();
        // Let the deliveries start, so the slow one holds its connection.
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let deciding = Instant::now();
        let (status, _) = call(
            s.base(),
            &reviewer,
            Method::POST,
            &format!("/api/v1/approvals/{approval}/decision"),
            json!({"decision": "allow_once"}),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            deciding.elapsed() < Duration::from_secs(1),
            "deciding took {:?}",
            deciding.elapsed()
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }
    let log = wait_for_async("the closed port's failure to be recorded", || async {
        let log = deliveries(&s, down["id"].as_str().unwrap()).await;
        log.iter()
            .any(|d| d["last_error"].is_string())
            .then_some(log)
    })
    .await;
    let failed = log.iter().find(|d| d["last_error"].is_string()).unwrap();
    assert_eq!(failed["status"], "pending", "it is tried again later");
    let error = failed["last_error"].as_str().unwrap();
    assert!(error.starts_with("could not connect"), "{error}");
    assert!(!error.contains("/hooks/x"), "the URL stays out: {error}");
}

#[tokio::test]
async fn webhooks_to_internal_addresses_are_refused_unless_private_urls_are_allowed() {
    let app = spawn_app_with(|config| config.service.allow_private_urls = false).await;
    let admin = app.token_for("admin@example.com").await;
    let create = |url: &str, events: Value, kind: Value| {
        let (base, admin) = (app.address.clone(), admin.clone());
        let body = json!({ "url": url, "events": events, "kind": kind });
        async move { call(&base, &admin, Method::POST, "/api/v1/webhooks", body).await }
    };
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost:8080/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "https://user:pw@hooks.example.com/",
        "ftp://hooks.example.com/",
        "file:///etc/passwd",
        "not a url",
        "",
    ] {
        let (status, body) = create(url, json!(["approval.requested"]), Value::Null).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("url:"),
            "{url}: {body}"
        );
    }
    for (events, kind, field) in [
        (json!([]), Value::Null, "events:"),
        (
            json!(["approval.requested", "run.exploded"]),
            Value::Null,
            "events:",
        ),
        (json!(["run.finished"]), json!("teams"), "kind:"),
    ] {
        let (status, body) = create("https://hooks.example.com/x", events, kind).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{body}"
        );
    }
    let (status, body) = call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.example.com/x", "events": ["run.finished"], "secret": "short"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("secret:")
    );
    let (status, _) = call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.example.com/x", "events": ["run.finished"], "headers": {}}),
    )
    .await;
    assert_eq!(status, 400, "unknown fields are refused");

    // The same loopback receiver is fine where private URLs are allowed.
    let allowed = spawn_app().await;
    let admin = allowed.token_for("admin@example.com").await;
    let (status, _) = call(
        &allowed.address,
        &admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:8080/hook", "events": ["run.finished"]}),
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn members_may_not_see_add_or_remove_webhooks() {
    let app = spawn_app().await;
    let admin = app.token_for("admin@example.com").await;
    let (status, webhook) = call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:9/hook", "events": ["run.finished"]}),
    )
    .await;
    assert_eq!(status, 201);
    let id = webhook["id"].as_str().unwrap();
    app.create_user("member@example.com", Role::Member).await;
    let member = app.token_for("member@example.com").await;
    for (method, path, body) in [
        (Method::GET, "/api/v1/webhooks".to_owned(), Value::Null),
        (
            Method::POST,
            "/api/v1/webhooks".to_owned(),
            json!({"url": "http://127.0.0.1:9/mine", "events": ["run.finished"]}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/webhooks/{id}"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/webhooks/{id}/deliveries"),
            Value::Null,
        ),
    ] {
        let response =
            crate::helpers::api_request(&app.address, &member, method.clone(), &path, body).await;
        assert_eq!(response.status(), 403, "{method} {path}");
        assert_eq!(error_code(response).await, "forbidden");
    }
    let listed = app.api_json("/api/v1/webhooks", &admin).await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "nothing changed"
    );
    let (status, _) = call(
        &app.address,
        "not a token",
        Method::GET,
        "/api/v1/webhooks",
        Value::Null,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_webhooks_secret_and_the_secrets_in_its_url_are_shown_once_and_stored_sealed() {
    let s = setup(spawn_app().await).await;
    let receiver = Receiver::start().await;
    let path_secret = "T0PSECRET-path-9f8e7d";
    let query_secret = "qs-token-5a4b3c2d";
    let secret = "my-own-webhook-secret-0123456789";
    let url = format!("{}/{path_secret}?token={query_secret}", receiver.url);
    let (status, created) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": url, "events": ["approval.requested"], "secret": secret, "kind": "generic"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["secret"], secret);
    let origin = receiver.url.split("/hooks").next().unwrap();
    assert_eq!(created["url"], format!("{origin}/…"));

    let listed = s.app.api_json("/api/v1/webhooks", &s.admin).await;
    let text = listed.to_string();
    assert_eq!(listed["items"][0]["url"], format!("{origin}/…"));
    assert!(listed["items"][0].get("secret").is_none());
    for hidden in [secret, path_secret, query_secret] {
        assert!(!text.contains(hidden), "{hidden} listed: {text}");
    }

    // It still reaches the whole URL, and says nothing of it anywhere.
    let run = s.running(&s.admin).await;
    s.ask(&run, "system_shell", "make deploy").await;
    receiver.wait_for("approval.requested", 1).await;
    let trace = s
        .app
        .api_json("/api/v1/traces/export?format=json", &s.admin)
        .await
        .to_string();
    for hidden in [secret, path_secret, query_secret] {
        assert!(!trace.contains(hidden), "{hidden} in the trace");
        assert!(!receiver.received()[0].body.contains(hidden));
        assert_eq!(
            occurrences_in_store(&s.app, hidden),
            0,
            "{hidden} stored readable"
        );
    }
}

#[tokio::test]
async fn a_slack_webhook_gets_a_message_with_a_button_to_the_request() {
    let s = setup(spawn_app().await).await;
    let receiver = Receiver::start().await;
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": receiver.url, "events": ["approval.requested"], "kind": "slack"}),
    )
    .await;
    assert_eq!(status, 201);
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "system_shell", "make deploy <!channel>").await;
    let received = wait_until("the Slack message", || receiver.received().pop()).await;
    let message: Value = serde_json::from_str(&received.body).unwrap();
    let text = message["text"].as_str().unwrap();
    assert!(
        text.contains("Janitor") && text.contains("system_shell"),
        "{text}"
    );
    assert!(
        text.contains("make deploy &lt;!channel&gt;") && !text.contains("<!channel>"),
        "an input does not ping the channel: {text}"
    );
    assert_eq!(message["mrkdwn"], false);
    let button = &message["blocks"][1]["elements"][0];
    assert_eq!(button["type"], "button");
    assert_eq!(
        button["url"],
        format!(
            "{}/inbox?request={}",
            s.app.address,
            asked["approval_id"].as_str().unwrap()
        )
    );
}

#[tokio::test]
async fn a_deleted_webhook_gets_nothing_more() {
    let s = setup(spawn_app().await).await;
    let receiver = Receiver::start().await;
    let webhook = add_webhook(&s, &receiver.url, &["approval.requested"]).await;
    let id = webhook["id"].as_str().unwrap();
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::DELETE,
        &format!("/api/v1/webhooks/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/webhooks/{id}/deliveries"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 404);
    let run = s.running(&s.admin).await;
    s.ask(&run, "system_shell", "make deploy").await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(receiver.received().is_empty());
}

/// A real SMTP server (Python's aiosmtpd) on loopback, keeping each message
/// it receives in a maildir.
pub(crate) struct SmtpServer {
    child: std::process::Child,
    maildir: tempfile::TempDir,
    pub port: u16,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    pub(crate) async fn start_on(port: u16) -> Self {
        let python = std::env::var("BOSUN_TEST_SMTP_PYTHON").expect(
            "BOSUN_TEST_SMTP_PYTHON names a Python with aiosmtpd: run the tests with scripts/test, \
             or install server/tests/smtp/requirements.txt into a virtualenv and point it there",
        );
        let maildir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = Self {
            child,
            maildir,
            port,
        };
        wait_for_async("the SMTP server to listen", || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(drop)
        })
        .await;
        server
    }

    pub(crate) async fn start() -> Self {
        Self::start_on(crate::restart::free_port()).await
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as text with quoted-printable undone.
    pub(crate) fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.path().join("mail/new")) else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
            .map(|raw| unquote(&raw))
            .collect()
    }

    /// Waits until `count` messages came.
    pub(crate) async fn wait_for(&self, count: usize) -> Vec<String> {
        wait_until(&format!("{count} emails"), || {
            let messages = self.messages();
            (messages.len() >= count).then_some(messages)
        })
        .await
    }
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes.
fn unquote(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(byte) = joined
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The address a message was sent to.
fn recipient(message: &str) -> String {
    message
        .lines()
        .find_map(|line| line.strip_prefix("To: "))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn with_smtp(url: String, retry: Duration) -> impl FnOnce(&mut bosun_server::Config) {
    move |config| {
        config.service.smtp = Some(
            bosun_service::notifications::SmtpSettings::parse(&url, "Bosun <bosun@example.com>")
                .unwrap(),
        );
        config.service.delivery_retry = retry;
    }
}

/// An agent `Deployer` of the admin's, edited by `editor@example.com` and
/// run by `requester@example.com`, who starts a run that waits for
/// approval of `make deploy`. Answers the approval's id.
async fn request_from_a_member(app: &TestApp) -> String {
    let admin = app.token_for("admin@example.com").await;
    let base = app.address.clone();
    let editor = app.create_user("editor@example.com", Role::Member).await;
    let requester = app.create_user("requester@example.com", Role::Member).await;
    app.create_user("bystander@example.com", Role::Member).await;
    let (status, agent) = call(
        &base,
        &admin,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Deployer", "tools": ["system_shell"], "execution_mode": "restricted"}),
    )
    .await;
    assert_eq!(status, 201);
    let agent = agent["id"].as_str().unwrap().to_owned();
    for (user, level) in [(editor, "edit"), (requester, "run")] {
        let (status, body) = call(
            &base,
            &admin,
            Method::POST,
            &format!("/api/v1/agents/{agent}/grants"),
            json!({"user_id": user, "level": level}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, key) = call(
        &base,
        &admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/keys"),
        json!({"name": "worker"}),
    )
    .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let requester = app.token_for("requester@example.com").await;
    let (status, run) = call(
        &base,
        &requester,
        Method::POST,
        &format!("/api/v1/agents/{agent}/runs"),
        json!({"input": {}}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let (status, _) = call(
        &base,
        &key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=2",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let run = run["id"].as_str().unwrap();
    let started = Instant::now();
    let (status, asked) = call(
        &base,
        &key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": "system_shell", "input": "make deploy"}),
    )
    .await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["decision"], "pending");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "asking took {:?}",
        started.elapsed()
    );
    asked["approval_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_people_who_may_decide_a_request_are_emailed_unless_they_opted_out() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(with_smtp(smtp.url(), Duration::from_secs(10))).await;
    app.create_user("quiet@example.com", Role::Admin).await;
    let quiet = app.token_for("quiet@example.com").await;
    let (status, settings) = call(
        &app.address,
        &quiet,
        Method::GET,
        "/api/v1/me/notifications",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status.as_u16(), settings),
        (200, json!({"email": true})),
        "on by default"
    );
    let (status, settings) = call(
        &app.address,
        &quiet,
        Method::PUT,
        "/api/v1/me/notifications",
        json!({"email": false}),
    )
    .await;
    assert_eq!((status.as_u16(), settings), (200, json!({"email": false})));
    let (status, _) = call(
        &app.address,
        &quiet,
        Method::PUT,
        "/api/v1/me/notifications",
        json!({"email": "no"}),
    )
    .await;
    assert_eq!(status, 400);

    let approval = request_from_a_member(&app).await;
    let messages = smtp.wait_for(2).await;
    // Give a third, wrong email time to arrive.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let messages = if smtp.messages().len() > messages.len() {
        smtp.messages()
    } else {
        messages
    };
    let mut recipients: Vec<String> = messages.iter().map(|m| recipient(m)).collect();
    recipients.sort();
    assert_eq!(
        recipients,
        ["admin@example.com", "editor@example.com"],
        "the admin and the agent's editor may decide; the one who opted out, the requester \
         (who may not decide) and a bystander get nothing"
    );
    for message in &messages {
        assert!(
            message.contains("From: Bosun <bosun@example.com>"),
            "{message}"
        );
        let subject = message
            .lines()
            .find(|l| l.starts_with("Subject: "))
            .unwrap();
        assert!(
            subject.contains("Deployer") && subject.contains("system_shell"),
            "{subject}"
        );
        for fact in [
            "Agent: Deployer",
            "Tool: system_shell",
            "Input: make deploy",
            "Risk: ",
            "Run started by: requester",
            &format!("{}/inbox?request={approval}", app.address),
        ] {
            assert!(message.contains(fact), "{fact} missing from {message}");
        }
    }
}

#[tokio::test]
async fn an_smtp_server_that_is_down_holds_up_nothing_and_gets_the_email_once_it_is_back() {
    let port = crate::restart::free_port();
    let app = spawn_app_with(with_smtp(
        format!("smtp://127.0.0.1:{port}"),
        Duration::from_millis(500),
    ))
    .await;
    // Asking answers at once (checked inside), with nobody listening.
    request_from_a_member(&app).await;
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let smtp = SmtpServer::start_on(port).await;
    // Both who may decide (the admin and the agent's editor), in whichever
    // order their retries come round.
    let messages = smtp.wait_for(2).await;
    let mut recipients: Vec<String> = messages.iter().map(|m| recipient(m)).collect();
    recipients.sort();
    assert_eq!(recipients, ["admin@example.com", "editor@example.com"]);
}

#[tokio::test]
async fn without_smtp_settings_no_email_is_queued() {
    let app = spawn_app().await;
    assert!(app.config.service.smtp.is_none());
    request_from_a_member(&app).await;
    let receiver = Receiver::start().await;
    let admin = app.token_for("admin@example.com").await;
    // A webhook added now hears of the next request: by then the first
    // has been through the queue.
    let (status, _) = call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": receiver.url, "events": ["run.finished"]}),
    )
    .await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let emails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE channel = 'email'")
        .fetch_one(app.bosun.db().pool())
        .await
        .unwrap();
    let cursor: i64 = sqlx::query_scalar("SELECT seq FROM notification_cursor")
        .fetch_one(app.bosun.db().pool())
        .await
        .unwrap();
    assert!(cursor > 0, "the request's event was read");
    assert_eq!(emails, 0);
}

/// Two real `bosun serve` processes on one database, each with the
/// environment `configure` adds, and an admin token.
async fn two_servers(
    data_dir: &std::path::Path,
    database_url: Option<&str>,
    configure: impl Fn(&mut std::process::Command),
) -> (crate::restart::Server, crate::restart::Server, String) {
    let start = |port| {
        crate::restart::serve_with(data_dir, database_url, port, |command| {
            command.env("BOSUN_ALLOW_PRIVATE_URLS", "1");
            configure(command);
        })
    };
    // One after the other: the first creates the admin and the key file.
    let first = start(crate::restart::free_port()).await;
    let second = start(crate::restart::free_port()).await;
    let admin = crate::restart::cli(
        data_dir,
        database_url,
        &["admin", "create-token", "--email", "admin@example.com"],
    );
    (first, second, admin)
}

/// An agent `name` with the `delete_file` tool, made through `base`, its
/// runtime key, and a run started through `run_base` and claimed with the
/// key there. Answers the key and the run's id.
async fn claimed_run(base: &str, run_base: &str, admin: &str, name: &str) -> (String, String) {
    let (status, agent) = call(
        base,
        admin,
        Method::POST,
        "/api/v1/agents",
        json!({"name": name, "tools": ["delete_file"]}),
    )
    .await;
    assert_eq!(status, 201, "{agent}");
    let agent = agent["id"].as_str().unwrap();
    let (_, key) = call(
        base,
        admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/keys"),
        json!({"name": "k"}),
    )
    .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let (_, run) = call(
        run_base,
        admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/runs"),
        json!({"input": {}}),
    )
    .await;
    let (status, _) = call(
        run_base,
        &key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=2",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    (key, run["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn two_servers_on_one_database_send_each_event_once() {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::fresh_database_url(data_dir.path()).await;
    let db = database_url.as_deref();
    let (first, second, admin) = two_servers(data_dir.path(), db, |_| {}).await;
    let receiver = Receiver::start().await;
    // A receiver slower than the servers' once-a-second look for due
    // deliveries keeps each one in flight while the other server looks.
    receiver.answer_after(Duration::from_millis(1_500));
    let (status, webhook) = call(
        &first.base,
        &admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": receiver.url, "events": ["approval.requested"]}),
    )
    .await;
    assert_eq!(status, 201, "{webhook}");
    let (key, run) = claimed_run(&first.base, &second.base, &admin, "Twin").await;
    let (key, run) = (key.as_str(), run.as_str());

    const REQUESTS: usize = 12;
    let mut approvals = Vec::new();
    for i in 0..REQUESTS {
        let server = if i % 2 == 0 { &first } else { &second };
        let (status, asked) = call(
            &server.base,
            key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/tool-calls"),
            json!({"tool": "delete_file", "input": format!("/work/{i}")}),
        )
        .await;
        assert_eq!(status, 200, "{asked}");
        approvals.push(asked["approval_id"].as_str().unwrap().to_owned());
    }
    receiver.wait_for("approval.requested", REQUESTS).await;
    // Time for a second copy of any of them to arrive.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut heard: Vec<String> = receiver
        .events("approval.requested")
        .iter()
        .map(|body| body["data"]["approval_id"].as_str().unwrap().to_owned())
        .collect();
    heard.sort();
    approvals.sort();
    assert_eq!(heard, approvals, "each request announced exactly once");
    let log = call(
        &second.base,
        &admin,
        Method::GET,
        &format!(
            "/api/v1/webhooks/{}/deliveries",
            webhook["id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await
    .1;
    let log = log["items"].as_array().unwrap();
    assert_eq!(log.len(), REQUESTS);
    assert!(
        log.iter()
            .all(|d| d["attempts"] == 1 && d["status"] == "delivered"),
        "{log:?}"
    );
}

#[tokio::test]
async fn the_smtp_password_never_reaches_the_log() {
    const PASSWORD: &str = "hunter2-smtp-password";
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::fresh_database_url(data_dir.path()).await;
    let db = database_url.as_deref();
    let log_path = data_dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let closed = crate::restart::free_port();
    let server = crate::restart::serve_with(
        data_dir.path(),
        db,
        crate::restart::free_port(),
        |command| {
            command
                .env(
                    "BOSUN_SMTP_URL",
                    format!("smtp://bosun:{PASSWORD}@127.0.0.1:{closed}"),
                )
                .env("BOSUN_MAIL_FROM", "bosun@example.com")
                .env("BOSUN_LOG", "debug")
                .stderr(log);
        },
    )
    .await;
    let admin = crate::restart::cli(
        data_dir.path(),
        db,
        &["admin", "create-token", "--email", "admin@example.com"],
    );
    crate::restart::cli(
        data_dir.path(),
        db,
        &[
            "admin",
            "create-user",
            "--email",
            "rev@example.com",
            "--password",
            crate::helpers::PASSWORD,
            "--admin",
        ],
    );
    let (key, run) = claimed_run(&server.base, &server.base, &admin, "Mailer").await;
    let (status, asked) = call(
        &server.base,
        &key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": "delete_file", "input": "/work/a"}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), asked["decision"].as_str()),
        (200, Some("pending"))
    );

    let logged = wait_until("the failed email to be logged", || {
        let text = without_colours(&String::from_utf8_lossy(
            &std::fs::read(&log_path).unwrap_or_default(),
        ));
        (text.contains("a notification could not be delivered")
            && text.contains("channel=email")
            && text.contains("Connection refused"))
        .then_some(text)
    })
    .await;
    assert!(!logged.contains(PASSWORD), "the SMTP password was logged");
    drop(server);
    for entry in std::fs::read_dir(data_dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(
            !bytes
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes()),
            "the SMTP password was written to the data directory"
        );
    }
}

/// Log text without the terminal colour codes the server writes.
fn without_colours(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| *c == 'm');
        } else {
            plain.push(c);
        }
    }
    plain
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_given_up_after_an_hour_and_forgotten_after_thirty_days() {
    let s = setup(crate::helpers::spawn_app_with_manual_clock().await).await;
    let clock = s.app.clock.clone().unwrap();
    let closed = format!("http://127.0.0.1:{}/hooks/x", crate::restart::free_port());
    let webhook = add_webhook(&s, &closed, &["approval.requested"]).await;
    let webhook = webhook["id"].as_str().unwrap();
    let run = s.running(&s.admin).await;
    s.ask(&run, "system_shell", "make deploy").await;
    let first = wait_for_async("the first failed attempt", || async {
        let log = deliveries(&s, webhook).await;
        log.first()
            .filter(|d| d["attempts"] == 1 && d["last_error"].is_string())
            .cloned()
    })
    .await;
    assert_eq!(first["status"], "pending");

    clock.advance(Duration::from_secs(61 * 60));
    let given_up = wait_for_async("the delivery to be given up", || async {
        let log = deliveries(&s, webhook).await;
        log.first().filter(|d| d["status"] == "failed").cloned()
    })
    .await;
    assert_eq!(given_up["attempts"], 2);
    assert!(given_up["next_attempt_at"].is_null());

    assert_eq!(
        s.app.bosun.prune_deliveries().await.unwrap(),
        0,
        "kept for 30 days"
    );
    clock.advance(Duration::from_secs(30 * 24 * 3600));
    assert_eq!(s.app.bosun.prune_deliveries().await.unwrap(), 1);
    assert!(deliveries(&s, webhook).await.is_empty());
}

#[tokio::test]
async fn the_outbound_guard_checks_a_webhooks_url_again_at_each_delivery() {
    // Bosun now refuses internal addresses; the webhook was saved while
    // they were allowed (or its name has since turned to point inside).
    let s = setup(spawn_app_with(|config| config.service.allow_private_urls = false).await).await;
    let receiver = Receiver::start().await;
    let mut settings = s.app.config.service.clone();
    settings.allow_private_urls = true;
    settings.master_key = Some(s.app.config.load_master_key().unwrap());
    let lenient = bosun_service::Bosun::new(
        s.app.bosun.db().clone(),
        std::sync::Arc::new(bosun_service::SystemClock),
        settings,
    );
    let admin = s
        .app
        .bosun
        .user_by_email("admin@example.com")
        .await
        .unwrap();
    let created = lenient
        .create_webhook(
            &admin,
            bosun_service::notifications::webhooks::NewWebhook {
                url: receiver.url.clone(),
                events: vec!["approval.requested".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let run = s.running(&s.admin).await;
    s.ask(&run, "system_shell", "make deploy").await;
    let refused = wait_for_async("the delivery to be refused", || async {
        let log = deliveries(&s, created.webhook.id.as_str()).await;
        log.first().filter(|d| d["last_error"].is_string()).cloned()
    })
    .await;
    let error = refused["last_error"].as_str().unwrap();
    assert!(error.contains("private"), "{error}");
    assert!(!error.contains("/hooks/"), "{error}");
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn the_openapi_document_describes_webhooks_and_request_emails() {
    let app = spawn_app().await;
    let document: Value = app.openapi_document().await;
    let paths = &document["paths"];
    for (path, methods) in [
        ("/api/v1/webhooks", &["get", "post"][..]),
        ("/api/v1/webhooks/{id}", &["delete"][..]),
        ("/api/v1/webhooks/{id}/deliveries", &["get"][..]),
        ("/api/v1/me/notifications", &["get", "put"][..]),
    ] {
        for method in methods {
            assert!(paths[path][method].is_object(), "{method} {path}");
        }
    }
    let created = &document["components"]["schemas"]["CreatedWebhook"];
    assert!(created.to_string().contains("secret"), "{created}");
}
