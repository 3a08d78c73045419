//! Group commit for tool-call decisions.
//!
//! Deciding is cheap; writing each decision in its own transaction is not
//! (one writer at a time, a commit each). Every decision is handed to one
//! writer task instead, which writes whatever has queued up while the
//! previous batch committed — the call, its approval request if any, and
//! its events — in a single transaction, and only then answers each
//! caller. No call is answered before its record is committed, and the
//! wait is never longer than one batch's commit (no timer holds a batch
//! open). Should a batch fail, its calls are written again one by one, so
//! a row at fault fails only its own caller.
//!
//! Decisions are made on what their callers read before they queued, which
//! may be kept between calls ([`super::hot_runs`]). The writer checks it
//! inside the batch's transaction, once it holds the head of the event
//! chain: when the store's access version is still the one a decision read
//! at, nothing it relied on has changed; otherwise its run is read again
//! there, and a call whose run now reads differently (its key revoked, its
//! run cancelled, whoever it acts for gone, its rules changed) is not
//! recorded but sent back to be read and decided again. A revocation is
//! thus either seen by a batch or has its event after all of the batch's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::clock::to_millis;
use crate::db::{Backend, Db};
use crate::events;
use crate::ids::WorkspaceId;
pub(crate) use crate::model::runs::{NewApproval, NewToolCall};
use crate::runs::{ActiveRun, Runner};
use crate::store::{self, Connection};
use crate::{Error, Result};

/// Most decisions one transaction carries.
const MAX_BATCH: usize = 256;

/// The run a call was decided on, as its caller read it, and who may read
/// it again.
pub(crate) struct AccessCheck {
    pub runner: Runner,
    pub run: Arc<ActiveRun>,
}

/// A decided call handed to the log: what is stored of it, and what the
/// decision was made on, which the writer checks is still so.
pub(crate) struct Decided {
    pub call: NewToolCall,
    pub access: AccessCheck,
}

/// What became of a call handed to the log.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Recorded {
    Stored,
    /// Another call of the run with the same idempotency key was stored
    /// first; nothing of this one was.
    DuplicateIdempotencyKey,
    /// What the decision was made on changed before it could be stored;
    /// nothing of it was, and it is to be decided again.
    Changed,
}

type Entry = (Decided, oneshot::Sender<Result<Recorded>>);

/// The handle callers queue their decisions on.
pub(crate) struct DecisionLog {
    queue: mpsc::UnboundedSender<Entry>,
}

impl DecisionLog {
    /// Starts the writer; it stops once the log is dropped.
    ///
    /// The writer is the one thing every decision waits for, so it runs on
    /// a thread of its own with its own connection: between statements it
    /// is not queued behind the requests on the shared runtime.
    /// Should it fail to start, the queue is closed and every decision is
    /// refused (fail closed).
    /// The writer notes the newest access version it sees in `newest`.
    pub(crate) fn start(db: Db, newest: Arc<AtomicI64>) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        let writer = move || match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(write_batches(db, newest, receiver)),
            Err(error) => tracing::error!(%error, "the decision log's runtime did not start"),
        };
        if let Err(error) = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(writer)
        {
            tracing::error!(%error, "the decision log's thread did not start");
        }
        Self { queue }
    }

    /// Stores the call and its events, answering once they are committed.
    pub(crate) async fn record(&self, call: Decided) -> Result<Recorded> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send((call, answer))
            .map_err(|_| Error::internal("the decision log has stopped"))?;
        answered
            .await
            .map_err(|_| Error::internal("the decision log dropped a decision"))?
    }
}

async fn write_batches(
    db: Db,
    newest: Arc<AtomicI64>,
    mut receiver: mpsc::UnboundedReceiver<Entry>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut connection = None;
    let writer = Writer {
        db: &db,
        newest: &newest,
    };
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (calls, answers): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        match writer.write_and_notify(&mut connection, &calls).await {
            Ok(outcomes) => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Err(error) if calls.len() == 1 => {
                tracing::error!(%error, "could not record a tool-call decision");
                if let Some(answer) = answers.into_iter().next() {
                    let _ = answer.send(Err(answer_for(error)));
                }
            }
            Err(error) => {
                // One bad row fails its whole transaction. Each call is
                // tried again on its own, so only the one at fault fails.
                tracing::warn!(%error, calls = calls.len(), "a batch of tool-call decisions failed; writing them one by one");
                for (call, answer) in calls.iter().zip(answers) {
                    let alone = writer
                        .write_and_notify(&mut connection, std::slice::from_ref(call))
                        .await
                        .and_then(|mut outcomes| {
                            outcomes
                                .pop()
                                .ok_or_else(|| Error::internal("a written call had no outcome"))
                        });
                    if let Err(error) = &alone {
                        tracing::error!(%error, "could not record a tool-call decision");
                    }
                    let _ = answer.send(alone.map_err(answer_for));
                }
            }
        }
    }
}

/// What a caller is told when its decision could not be stored: the input
/// at fault is the caller's to fix; anything else is ours.
fn answer_for(error: Error) -> Error {
    match error {
        Error::InvalidInput { .. } => error,
        _ => Error::internal("the decision could not be recorded"),
    }
}

/// What the writer's task works with.
struct Writer<'a> {
    db: &'a Db,
    /// The newest access version seen, for [`super::hot_runs`].
    newest: &'a AtomicI64,
}

impl Writer<'_> {
    /// Writes one batch in one transaction, which wakes the inboxes it
    /// filled as it commits.
    async fn write_and_notify(
        &self,
        connection: &mut Option<Connection>,
        calls: &[Decided],
    ) -> Result<Vec<Recorded>> {
        let db = self.db;
        let inboxes: HashSet<WorkspaceId> = calls
            .iter()
            .filter_map(|decided| decided.call.approval.as_ref())
            .map(|approval| approval.workspace_id.clone())
            .collect();
        let written = async {
            let open = match &mut *connection {
                Some(open) => open,
                none => none.insert(db.connect_one().await?),
            };
            write_batch(db, self.newest, open, calls, &inboxes).await
        }
        .await;
        // The connection may be what failed; the next write opens another.
        if written.is_err() {
            *connection = None;
        }
        written
    }
}

/// One transaction: the calls (a retried idempotency key loses quietly),
/// then the approval requests and events of those that were stored.
async fn write_batch(
    db: &Db,
    newest: &AtomicI64,
    connection: &mut Connection,
    decided: &[Decided],
    inboxes: &HashSet<WorkspaceId>,
) -> Result<Vec<Recorded>> {
    let mut tx = db.begin_write_on(connection).await?;
    let backend = db.backend();
    let changed = changed_calls(&mut tx, backend, newest, decided).await?;
    let calls: Vec<&NewToolCall> = decided.iter().map(|decided| &decided.call).collect();
    // A call's id is new, so only one with an idempotency key can collide
    // (with a retry stored first); only those are asked which were stored.
    let (keyed, unkeyed): (Vec<&NewToolCall>, Vec<&NewToolCall>) = calls
        .iter()
        .copied()
        .filter(|call| !changed.contains(call.id.as_str()))
        .partition(|call| call.idempotency_key.is_some());
    let mut stored_keyed = HashSet::with_capacity(keyed.len());
    store::tool_calls::insert_decided(&mut tx, backend, &unkeyed).await?;
    store::tool_calls::insert_decided_keyed(&mut tx, backend, &keyed, &mut stored_keyed).await?;

    let mut outcomes = Vec::with_capacity(calls.len());
    let mut events = Vec::new();
    let mut stored_calls = Vec::new();
    for call in calls {
        if changed.contains(call.id.as_str()) {
            outcomes.push(Recorded::Changed);
            continue;
        }
        if call.idempotency_key.is_some() && !stored_keyed.contains(&call.id) {
            outcomes.push(Recorded::DuplicateIdempotencyKey);
            continue;
        }
        if let Some(approval) = &call.approval {
            store::approvals::insert_requested(&mut tx, call, approval).await?;
        }
        if let Some(key) = &call.key_id {
            stored_calls.push((key.as_str(), to_millis(call.at)));
        }
        events.extend(&call.events);
        outcomes.push(Recorded::Stored);
    }
    events::append_prepared(&mut tx, &events).await?;
    let mut last_use: HashMap<&str, i64> = HashMap::new();
    for call in &stored_calls {
        let at = last_use.entry(call.0).or_default();
        *at = (*at).max(call.1);
    }
    store::runtime_keys::note_batch_uses(&mut tx, backend, last_use).await?;
    tx.notify_all_on_commit(inboxes.iter().map(super::tool_calls::inbox_topic))
        .await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// The ids of the calls whose run reads differently now than when they
/// were decided. Inside the batch's transaction, once it holds the head of
/// the event chain (SQLite's writer holds the whole store): a change
/// committed before is seen here, and one committed after has its event
/// after the batch's.
async fn changed_calls<'c>(
    tx: &mut Connection,
    backend: Backend,
    newest: &AtomicI64,
    decided: &'c [Decided],
) -> Result<HashSet<&'c str>> {
    if backend == Backend::Postgres {
        store::events::lock_head(tx).await?;
    }
    let version = store::runs::access_version(tx).await?;
    newest.fetch_max(version, Ordering::AcqRel);
    let mut changed = HashSet::new();
    // Each run is read again once per batch, however many of its calls
    // were decided on an older read.
    let mut reread: HashMap<(&str, String), Option<ActiveRun>> = HashMap::new();
    for Decided { call, access } in decided {
        let read = &access.run;
        if read.access_version == version {
            continue;
        }
        let key = (call.run_id.as_str(), access.runner.actor());
        let now = match reread.get(&key) {
            Some(now) => now,
            None => {
                let now =
                    store::runs::active_of_runner(&mut *tx, &access.runner, &call.run_id).await?;
                reread.entry(key).or_insert(now)
            }
        };
        if !now.as_ref().is_some_and(|now| now.decides_as(read)) {
            changed.insert(call.id.as_str());
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn call(id: &str, run: &str) -> Decided {
        let call = NewToolCall {
            id: id.into(),
            key_id: Some("key".into()),
            run_id: run.into(),
            tool: "system_shell".into(),
            input: "ls".into(),
            input_json: false,
            working_dir: None,
            client_tool: None,
            idempotency_key: None,
            decision: "allow",
            outcome: Some("allow"),
            reason: "{}".into(),
            risk: "{}".into(),
            approval: None,
            at: Utc::now(),
            events: vec![],
        };
        Decided {
            call,
            access: AccessCheck {
                runner: Runner::Starter(crate::Principal {
                    user_id: crate::ids::UserId::from_string("u".to_owned()),
                    workspace_id: WorkspaceId::from_string("w".to_owned()),
                    email: "u@example.com".into(),
                    name: "U".into(),
                    role: crate::Role::Admin,
                    agent_scope: None,
                }),
                // Read at the store's first access version, which the
                // writer then finds unchanged.
                run: Arc::new(ActiveRun {
                    id: run.into(),
                    workspace_id: "w".into(),
                    agent_id: "a".into(),
                    status: "running".into(),
                    started_by: None,
                    entitled: 1,
                    tools: "[]".into(),
                    execution_mode: "open".into(),
                    credential_model: "fixed".into(),
                    agent_policy_version: 0,
                    workspace_policy_version: 0,
                    approval_ttl_seconds: 0,
                    has_allowances: 0,
                    interactive: 0,
                    issued_credentials: 0,
                    access_version: 0,
                }),
            },
        }
    }

    #[tokio::test]
    async fn a_row_at_fault_fails_alone_and_its_batch_mates_are_stored() {
        let file = std::env::temp_dir().join(format!("bosun-batch-{}.db", uuid::Uuid::now_v7()));
        crate::testing::copy_migrated_sqlite(&file).await;
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .unwrap();
        crate::testing::execute_all(
            &db,
            &[
            "INSERT INTO workspaces (id, name, created_at) VALUES ('w', 'W', 0)",
            "INSERT INTO users (id, workspace_id, email, name, role, created_at) \
             VALUES ('u', 'w', 'u@example.com', 'U', 'admin', 0)",
            "INSERT INTO agents (id, workspace_id, owner_id, name, execution_mode, credential_model, \
             created_at, updated_at) VALUES ('a', 'w', 'u', 'A', 'open', 'fixed', 0, 0)",
            "INSERT INTO runs (id, workspace_id, agent_id, status, input, created_at) \
             VALUES ('r', 'w', 'a', 'running', '{}', 0)",
            ],
        )
        .await;

        // The second call reuses the first one's id, so the batch's insert
        // fails as a whole; the third is unrelated to it.
        let (queue, receiver) = mpsc::unbounded_channel();
        let mut answers = vec![];
        for call in [call("c1", "r"), call("c1", "r"), call("c2", "r")] {
            let (answer, answered) = oneshot::channel();
            queue.send((call, answer)).unwrap();
            answers.push(answered);
        }
        drop(queue);
        write_batches(db.clone(), Arc::default(), receiver).await;

        let mut outcomes = vec![];
        for answered in answers {
            outcomes.push(answered.await.unwrap());
        }
        assert_eq!(outcomes[0].as_ref().unwrap(), &Recorded::Stored);
        assert!(outcomes[1].is_err(), "{:?}", outcomes[1]);
        assert_eq!(outcomes[2].as_ref().unwrap(), &Recorded::Stored);
        let stored = crate::testing::count(&db, "SELECT COUNT(*) FROM tool_calls").await;
        assert_eq!(stored, 2);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
}
