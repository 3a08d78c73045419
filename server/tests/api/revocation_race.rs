//! What a tool call's decision reads before it is made (the run, its key,
//! who it acts for) is kept between calls, and a revocation still stops the
//! very next call: a flood of calls on a run races each way of taking the
//! run away, and the log — whose order is the order of commits — holds no
//! allowed decision of the run after the revocation's own event.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bosun_service::identity::Role;
use bosun_service::ids::UserId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};
use crate::runtime::{Setup, setup};

#[derive(Clone, Copy, Debug)]
enum Revocation {
    KeyRevoked,
    GrantRevoked,
    RunCancelled,
    MemberDeactivated,
}

impl Revocation {
    /// The event the revocation records in its transaction.
    fn kind(self) -> &'static str {
        match self {
            Self::KeyRevoked => "runtime_key.revoked",
            Self::GrantRevoked => "grant.revoked",
            Self::RunCancelled => "run.finished",
            Self::MemberDeactivated => "member.deactivated",
        }
    }
}

/// Workers flooding a member's run with calls the rules allow, until told
/// to stop; each counts its allowed calls and its refusals.
fn flood(s: &Setup, run: &str, stop: &Arc<AtomicBool>) -> Vec<tokio::task::JoinHandle<(u32, u32)>> {
    (0..16)
        .map(|worker| {
            let (base, key, run, stop) = (
                s.base().to_owned(),
                s.key.clone(),
                run.to_owned(),
                Arc::clone(stop),
            );
            tokio::spawn(async move {
                let (mut allowed, mut refused) = (0, 0);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let (status, body) = call(
                        &base,
                        &key,
                        Method::POST,
                        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
                        json!({"tool": "system_shell", "input": format!("ls -la /srv/{worker}/{n}")}),
                    )
                    .await;
                    match status.as_u16() {
                        200 => {
                            assert_eq!(body["decision"], "allow", "{body}");
                            allowed += 1;
                        }
                        401 | 403 | 409 => refused += 1,
                        other => panic!("a call answered {other}: {body}"),
                    }
                }
                (allowed, refused)
            })
        })
        .collect()
}

async fn race(revocation: Revocation) {
    let s = setup(spawn_app().await).await;
    let bea_id = s.app.create_user("bea@example.com", Role::Member).await;
    let bea = s.app.token_for("bea@example.com").await;
    let (status, grant) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({"user_id": bea_id.as_str(), "level": "run"}),
    )
    .await;
    assert_eq!(status, 201, "{grant}");
    let run = s.running(&bea).await;

    let stop = Arc::new(AtomicBool::new(false));
    let workers = flood(&s, &run, &stop);
    tokio::time::sleep(Duration::from_millis(300)).await;
    revoke(&s, revocation, &run, &bea_id, grant["id"].as_str().unwrap()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut allowed, mut refused) = (0, 0);
    for worker in workers {
        let (a, r) = worker.await.unwrap();
        allowed += a;
        refused += r;
    }
    assert!(
        allowed > 0 && refused > 0,
        "{revocation:?}: the flood straddles the revocation ({allowed} allowed, {refused} refused)"
    );

    let events: Vec<(i64, String, Option<String>, String)> =
        sqlx::query_as("SELECT seq, kind, run_id, data FROM events ORDER BY seq")
            .fetch_all(s.app.bosun.db().pool())
            .await
            .unwrap();
    let revoked_at = events
        .iter()
        .filter(|(_, kind, run_id, _)| {
            *kind == revocation.kind()
                && (revocation.kind() != "run.finished" || run_id.as_deref() == Some(run.as_str()))
        })
        .map(|(seq, ..)| *seq)
        .next()
        .unwrap_or_else(|| panic!("{revocation:?} recorded {}", revocation.kind()));
    let allowed_after: Vec<i64> = events
        .iter()
        .filter(|(seq, kind, run_id, data)| {
            *seq > revoked_at
                && kind == "policy.decision"
                && run_id.as_deref() == Some(run.as_str())
                && serde_json::from_str::<Value>(data).unwrap()["decision"] == "allow"
        })
        .map(|(seq, ..)| *seq)
        .collect();
    assert!(
        allowed_after.is_empty(),
        "{revocation:?} at event {revoked_at}, yet calls were allowed at events {allowed_after:?}"
    );
    let recorded_allowed = events
        .iter()
        .filter(|(_, kind, run_id, data)| {
            kind == "policy.decision"
                && run_id.as_deref() == Some(run.as_str())
                && serde_json::from_str::<Value>(data).unwrap()["decision"] == "allow"
        })
        .count();
    assert_eq!(
        recorded_allowed, allowed as usize,
        "every allowed answer is recorded, and nothing else"
    );
    assert_eq!(
        s.app.bosun.verify_chain().await.unwrap(),
        Ok(events.len() as i64)
    );
}

async fn revoke(s: &Setup, revocation: Revocation, run: &str, bea: &UserId, grant: &str) {
    let agent = &s.agent;
    let (status, body) = match revocation {
        Revocation::KeyRevoked => {
            let (_, keys) = call(
                s.base(),
                &s.admin,
                Method::GET,
                &format!("/api/v1/agents/{agent}/keys"),
                Value::Null,
            )
            .await;
            let key = keys["items"][0]["id"].as_str().unwrap().to_owned();
            call(
                s.base(),
                &s.admin,
                Method::DELETE,
                &format!("/api/v1/agents/{agent}/keys/{key}"),
                Value::Null,
            )
            .await
        }
        Revocation::GrantRevoked => {
            call(
                s.base(),
                &s.admin,
                Method::DELETE,
                &format!("/api/v1/agents/{agent}/grants/{grant}"),
                Value::Null,
            )
            .await
        }
        Revocation::RunCancelled => {
            call(
                s.base(),
                &s.admin,
                Method::POST,
                &format!("/api/v1/agents/{agent}/runs/{run}/cancel"),
                Value::Null,
            )
            .await
        }
        Revocation::MemberDeactivated => {
            let admin = s
                .app
                .bosun
                .user_by_email("admin@example.com")
                .await
                .unwrap();
            s.app
                .bosun
                .set_member_active(&admin, bea, false)
                .await
                .unwrap();
            return;
        }
    };
    assert!(status.is_success(), "{revocation:?}: {status} {body}");
}

#[tokio::test]
async fn no_call_is_allowed_after_its_key_was_revoked() {
    race(Revocation::KeyRevoked).await;
}

#[tokio::test]
async fn no_call_is_allowed_after_the_grant_it_ran_on_was_revoked() {
    race(Revocation::GrantRevoked).await;
}

#[tokio::test]
async fn no_call_is_allowed_after_its_run_was_cancelled() {
    race(Revocation::RunCancelled).await;
}

#[tokio::test]
async fn no_call_is_allowed_after_the_member_it_acts_for_was_deactivated() {
    race(Revocation::MemberDeactivated).await;
}
