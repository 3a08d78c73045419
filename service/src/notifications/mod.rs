//! Telling people where they are: webhooks and email about approval
//! requests and finished runs.
//!
//! Nothing here runs on the decision path. The event log already records
//! every request, decision and run end in the transaction that makes it;
//! a background pass ([`Bosun::queue_notifications`]) reads the log past a
//! shared cursor and queues one delivery per event and webhook (and per
//! person to email) in the database, and another
//! ([`Bosun::deliver_due_notifications`]) sends what is due. So a receiver
//! that is down or slow delays nothing but its own deliveries, and what is
//! queued survives restarts.
//!
//! Several processes may share one PostgreSQL database: the cursor is
//! advanced under a row lock (SQLite has one writer anyway) and unique keys
//! allow one delivery per event and webhook or recipient; a process sending
//! a delivery holds a lease on it (claimed with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), so no two send it at once. A failed attempt is retried
//! with a doubling delay for up to an hour after the event.

pub mod email;
pub mod webhooks;

use std::error::Error as _;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use url::Url;

use crate::clock::{from_millis, to_millis};
use crate::ids::{ApprovalId, WorkspaceId};
use crate::store::notifications::{
    self as queue, ApprovalFacts, Claimed, DeliveryInsert, Failure, LoggedEvent,
};
use crate::store::webhooks::{self as hooks_store, Order};
use crate::store::{self, users};
use crate::{Bosun, Result};
pub use email::SmtpSettings;

/// Events read from the log per transaction.
const QUEUE_BATCH: i64 = 500;
/// Deliveries one process sends at once.
const SEND_BATCH: i64 = 16;
/// How long a process that took a delivery keeps others off it: longer
/// than any attempt may take.
const LEASE: Duration = Duration::from_secs(120);
/// How long a webhook receiver has to answer.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(600);
/// After this long since the event, a delivery that still fails is given up.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3600);
/// How long the log keeps a delivery that was sent or given up.
const KEEP_DELIVERIES: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest input subject a notification repeats.
const SUBJECT_CHARS: usize = 500;

/// `text`, cut to at most `max` characters with an ellipsis.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// What a notification says about an event: the link to it in Bosun and
/// the facts a receiver needs, never a secret.
struct Facts {
    link: String,
    data: Value,
    /// For a new request: whom to email.
    approval: Option<ApprovalId>,
    /// The email's subject and text, for a new request.
    email: Option<(String, String)>,
}

/// How an attempt went: the receiver's HTTP status, or why it failed.
struct Attempt {
    status: Option<i64>,
    error: Option<String>,
}

fn person(id: Option<&String>, name: Option<&String>) -> Value {
    id.map_or(Value::Null, |id| json!({ "id": id, "name": name }))
}

impl Bosun {
    /// Reads the event log past the shared cursor and queues a delivery
    /// for each event a webhook wants, and an email to each person who may
    /// decide a new request (with SMTP configured and their emails on).
    /// `links` is where Bosun's pages are (the public URL). Answers how many
    /// deliveries it queued.
    pub async fn queue_notifications(&self, links: &Url) -> Result<usize> {
        let mut queued = 0;
        loop {
            let (cursor, head) = queue::cursor_and_head(self.db().pool()).await?;
            if head <= cursor {
                return Ok(queued);
            }
            let mut tx = self.db().begin_write().await?;
            let cursor = queue::lock_cursor(&mut tx, self.db().backend()).await?;
            let head = queue::head(&mut tx).await?;
            let upto = head.min(cursor + QUEUE_BATCH);
            if upto <= cursor {
                continue;
            }
            let events = queue::events_between(&mut tx, cursor, upto).await?;
            for event in &events {
                queued += self.queue_event(&mut tx, links, event).await?;
            }
            queue::advance_cursor(&mut tx, upto).await?;
            tx.commit().await?;
        }
    }

    /// Queues what one event calls for; answers how many deliveries.
    async fn queue_event(
        &self,
        conn: &mut store::Connection,
        links: &Url,
        event: &LoggedEvent,
    ) -> Result<usize> {
        let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
        let names: &[&str] = match (event.kind.as_str(), &data) {
            ("approval.requested", _) => &["approval.requested"],
            ("approval.resolved", data) if data["decision"] == "expired" => &["approval.expired"],
            ("approval.resolved", _) => &["approval.resolved"],
            ("run.finished", data) if data["status"] == "failed" => &["run.finished", "run.failed"],
            ("run.finished", _) => &["run.finished"],
            _ => return Ok(0),
        };
        let hooks = hooks_store::of_workspace(&mut *conn, &event.workspace_id, Order::Id).await?;
        let emailing = event.kind == "approval.requested" && self.settings().smtp.is_some();
        if !emailing && !hooks.iter().any(|hook| names.iter().any(|n| hook.wants(n))) {
            return Ok(0);
        }
        // What the event is about may be gone (an agent deleted since).
        let Some(facts) = self.facts(conn, links, event, &data).await? else {
            return Ok(0);
        };
        let now = to_millis(self.now());
        let at = rfc3339(from_millis(event.at));
        let mut queued = 0;
        for name in names {
            for hook in hooks.iter().filter(|hook| hook.wants(name)) {
                let id = uuid::Uuid::now_v7().to_string();
                let payload = match hook.kind.as_str() {
                    "slack" => webhooks::slack_message(name, &facts.link, &facts.data),
                    _ => json!({
                        "id": id, "event": name, "at": at, "workspace_id": event.workspace_id,
                        "url": facts.link, "data": facts.data,
                    }),
                };
                let delivery = DeliveryInsert {
                    id: &id,
                    event,
                    channel: "webhook",
                    webhook: Some(&hook.id),
                    recipient: None,
                    name,
                    payload: &payload,
                    now,
                };
                queued += queue::insert_delivery(conn, delivery).await?;
            }
        }
        if let (true, Some(approval), Some((subject, text))) =
            (emailing, &facts.approval, &facts.email)
        {
            let workspace = WorkspaceId::from_string(event.workspace_id.clone());
            let opted_out = users::opted_out_of_email(conn, &event.workspace_id).await?;
            for decider in self.approval_deciders(&workspace, approval).await? {
                if opted_out.contains(&decider.user_id) {
                    continue;
                }
                let id = uuid::Uuid::now_v7().to_string();
                let payload = json!({ "to": decider.email, "subject": subject, "text": text });
                let delivery = DeliveryInsert {
                    id: &id,
                    event,
                    channel: "email",
                    webhook: None,
                    recipient: Some(&decider.user_id),
                    name: "approval.requested",
                    payload: &payload,
                    now,
                };
                queued += queue::insert_delivery(conn, delivery).await?;
            }
        }
        Ok(queued)
    }

    /// The link and facts of an event, read as they stand now.
    async fn facts(
        &self,
        conn: &mut store::Connection,
        links: &Url,
        event: &LoggedEvent,
        data: &Value,
    ) -> Result<Option<Facts>> {
        let base = links.as_str().trim_end_matches('/');
        if event.kind == "run.finished" {
            let Some(run_id) = &event.run_id else {
                return Ok(None);
            };
            let run = queue::run_facts(conn, run_id).await?;
            return Ok(run.map(|run| Facts {
                link: format!("{base}/traces/{}", run.id),
                data: json!({
                    "run_id": run.id,
                    "agent": { "id": run.agent_id, "name": run.agent_name },
                    "status": data["status"],
                    "started_by": person(run.started_by.as_ref(), run.started_by_name.as_ref()),
                }),
                approval: None,
                email: None,
            }));
        }
        let Some(approval_id) = data["approval_id"].as_str() else {
            return Ok(None);
        };
        let approval = queue::approval_facts(conn, approval_id).await?;
        let Some(approval) = approval else {
            return Ok(None);
        };
        let link = format!("{base}/inbox?request={}", approval.id);
        let risk: Value = serde_json::from_str(&approval.risk).unwrap_or(Value::Null);
        // What the request is about: its subject, as people read it.
        let subject = crate::runs::input::subject_line(
            self,
            &WorkspaceId::from_string(approval.workspace_id.clone()),
            &approval.tool,
            &crate::store::input_column::decode(&approval.input, approval.input_json),
        )
        .await;
        let input = shortened(&subject, SUBJECT_CHARS);
        let mut facts = json!({
            "approval_id": approval.id,
            "run_id": approval.run_id,
            "agent": { "id": approval.agent_id, "name": approval.agent_name },
            "tool": approval.tool,
            "input": input,
            "risk": { "level": risk["level"], "reasons": risk["reasons"] },
            "started_by": person(approval.started_by.as_ref(), approval.started_by_name.as_ref()),
        });
        if event.kind == "approval.requested" {
            facts["expires_at"] = json!(rfc3339(from_millis(approval.expires_at)));
            // A request decided before its turn in the queue came needs
            // nobody's decision any more; the webhooks still hear of it.
            let email = (approval.status == "pending")
                .then(|| request_email(&approval, &risk, &input, &link));
            return Ok(Some(Facts {
                link,
                data: facts,
                approval: Some(ApprovalId::from_string(approval.id.clone())),
                email,
            }));
        }
        let reviewer = match data["reviewer"].as_str() {
            Some(id) => {
                let name = users::name_of(conn, id).await?;
                json!({ "id": id, "name": name })
            }
            None => Value::Null,
        };
        facts["decision"] = data["decision"].clone();
        facts["outcome"] = data["outcome"].clone();
        facts["reviewer"] = reviewer;
        facts["message"] = data["message"].clone();
        Ok(Some(Facts {
            link,
            data: facts,
            approval: None,
            email: None,
        }))
    }

    /// Sends the deliveries that are due and records how each went.
    /// Answers how many it attempted.
    pub async fn deliver_due_notifications(&self) -> Result<usize> {
        let now = to_millis(self.now());
        let lease = now + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX);
        let mut tx = self.db().begin_write().await?;
        let claimed =
            queue::claim_due(&mut tx, self.db().backend(), lease, now, SEND_BATCH).await?;
        tx.commit().await?;
        let attempts =
            futures::future::join_all(claimed.iter().map(|delivery| self.attempt(delivery))).await;
        for (delivery, attempt) in claimed.iter().zip(attempts) {
            self.record_attempt(delivery, attempt).await?;
        }
        Ok(claimed.len())
    }

    /// Forgets deliveries sent or given up more than 30 days ago, so the
    /// queue does not grow with every event forever. Answers how many.
    pub async fn prune_deliveries(&self) -> Result<u64> {
        let before =
            to_millis(self.now()) - i64::try_from(KEEP_DELIVERIES.as_millis()).unwrap_or(0);
        let mut tx = self.db().begin_write().await?;
        let pruned = queue::prune(&mut tx, before).await?;
        tx.commit().await?;
        Ok(pruned)
    }

    async fn attempt(&self, delivery: &Claimed) -> Attempt {
        let failed = |error: String| Attempt {
            status: None,
            error: Some(error),
        };
        match delivery.channel.as_str() {
            "email" => {
                let Some(smtp) = &self.settings().smtp else {
                    return failed("email is not configured (BOSUN_SMTP_URL)".into());
                };
                let email: Value = serde_json::from_str(&delivery.payload).unwrap_or(Value::Null);
                let field = |key: &str| email[key].as_str().unwrap_or_default().to_owned();
                match smtp
                    .send(&field("to"), &field("subject"), &field("text"))
                    .await
                {
                    Ok(()) => Attempt {
                        status: None,
                        error: None,
                    },
                    Err(error) => failed(error),
                }
            }
            _ => match self.send_webhook(delivery).await {
                Ok(status) if (200..300).contains(&status) => Attempt {
                    status: Some(i64::from(status)),
                    error: None,
                },
                Ok(status) => Attempt {
                    status: Some(i64::from(status)),
                    error: Some(format!("the receiver answered HTTP {status}")),
                },
                Err(error) => failed(error),
            },
        }
    }

    /// Posts a delivery, signed, to its webhook's URL (checked again by the
    /// outbound guard); answers the HTTP status. The answer's body is never
    /// read.
    async fn send_webhook(&self, delivery: &Claimed) -> std::result::Result<u16, String> {
        let webhook = hooks_store::of_delivery(self.db().pool(), delivery.webhook_id.as_deref())
            .await
            .map_err(|error| format!("reading the webhook: {error}"))?;
        let webhook = webhook.ok_or("the webhook was deleted")?;
        let (url, secret) = self
            .webhook_target(&webhook)
            .map_err(|error| error.public_message())?;
        let timestamp = self.now().timestamp();
        let signature = webhooks::signature(secret.as_bytes(), timestamp, &delivery.payload);
        let request = self
            .http()
            .request("url", reqwest::Method::POST, &url)
            .map_err(|error| error.to_string())?
            .timeout(HTTP_TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::USER_AGENT, "Bosun-Webhooks/1")
            .header("X-Bosun-Event", &delivery.event)
            .header("X-Bosun-Delivery", &delivery.id)
            .header("X-Bosun-Timestamp", timestamp.to_string())
            .header("X-Bosun-Signature", signature)
            .body(delivery.payload.clone());
        match request.send().await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(error) => Err(describe(&error)),
        }
    }

    async fn record_attempt(&self, delivery: &Claimed, attempt: Attempt) -> Result<()> {
        let now = to_millis(self.now());
        let mut tx = self.db().begin_write().await?;
        match &attempt.error {
            None => {
                queue::record_delivered(&mut tx, delivery, attempt.status, now).await?;
            }
            Some(error) => {
                let next = now + self.retry_delay(delivery.attempts);
                let give_up_at =
                    delivery.created_at + i64::try_from(GIVE_UP_AFTER.as_millis()).unwrap_or(0);
                let status = if next > give_up_at {
                    "failed"
                } else {
                    "pending"
                };
                tracing::warn!(
                    delivery = %delivery.id,
                    channel = %delivery.channel,
                    webhook = delivery.webhook_id.as_deref().unwrap_or("-"),
                    attempts = delivery.attempts,
                    %error,
                    gave_up = status == "failed",
                    "a notification could not be delivered"
                );
                let failure = Failure {
                    status,
                    next_attempt_at: next,
                    last_status: attempt.status,
                    last_error: shortened(error, 500),
                };
                queue::record_failed(&mut tx, delivery, failure).await?;
            }
        }
        tx.commit().await
    }

    /// The wait after a delivery's `attempts`-th failure: the first retry
    /// delay, doubled each time, at most ten minutes.
    fn retry_delay(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        let delay = self
            .settings()
            .delivery_retry
            .saturating_mul(2_u32.saturating_pow(doublings))
            .min(MAX_RETRY_DELAY);
        i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)
    }
}

/// The email to someone who may decide a new request.
fn request_email(
    approval: &ApprovalFacts,
    risk: &Value,
    input: &str,
    link: &str,
) -> (String, String) {
    let level = risk["level"].as_str().unwrap_or("unknown");
    let reasons: Vec<&str> = risk["reasons"]
        .as_array()
        .map(|reasons| reasons.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let subject = format!(
        "[Bosun] {} asks to use {} ({level} risk)",
        approval.agent_name, approval.tool
    );
    let started_by = approval
        .started_by_name
        .as_deref()
        .unwrap_or("a runtime key of the agent");
    let reasons = if reasons.is_empty() {
        String::new()
    } else {
        format!(" ({})", reasons.join("; "))
    };
    let text = format!(
        "{agent} asks to use {tool} and waits for a decision.\n\n\
         Agent: {agent}\nTool: {tool}\nInput: {input}\nRisk: {level}{reasons}\n\
         Run started by: {started_by}\nExpires: {expires}\n\n\
         Review it: {link}\n\n\
         You get this email because you may decide this request. You can turn these emails off \
         under My account in Bosun.\n",
        agent = approval.agent_name,
        tool = approval.tool,
        expires = from_millis(approval.expires_at).format("%Y-%m-%d %H:%M UTC"),
    );
    (subject, text)
}

/// What went wrong with a request, without its URL (which may hold a
/// secret) and without anything the other side said.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return format!(
            "the receiver did not answer within {} seconds",
            HTTP_TIMEOUT.as_secs()
        );
    }
    let mut message = String::from(if error.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    });
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
