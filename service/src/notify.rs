//! Wake-ups: a long-polling agent or an open inbox learns at once that
//! something changed, in this process or, through PostgreSQL's
//! LISTEN/NOTIFY, in any other sharing the database.
//!
//! A notification only says "look again": waiters always re-read the store,
//! and also look again every second on their own, so a lost notification
//! costs latency, never correctness.

use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::{Backend, Db, Result};

/// The PostgreSQL channel Bosun processes tell each other on.
const CHANNEL: &str = "bosun";

/// How long a waiter sleeps at most before looking again anyway.
const RECHECK: Duration = Duration::from_secs(1);

/// Topics are plain strings: `runs:<agent>`, `tool_call:<id>`, `inbox:<workspace>`.
#[derive(Clone, Debug)]
pub struct Notifier {
    local: broadcast::Sender<String>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self {
            local: broadcast::channel(4096).0,
        }
    }
}

impl Notifier {
    /// Tells waiters in this process.
    pub fn local(&self, topic: &str) {
        let _ = self.local.send(topic.to_owned());
    }

    /// Within a transaction: tells other processes once it commits. (This
    /// process is told by [`Notifier::local`] after the commit.)
    pub async fn on_commit(
        conn: &mut sqlx::AnyConnection,
        backend: Backend,
        topic: &str,
    ) -> Result<()> {
        if backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(topic)
                .execute(conn)
                .await?;
        }
        Ok(())
    }

    /// [`Notifier::local`] for each of `topics`.
    pub fn local_all(&self, topics: &[String]) {
        for topic in topics {
            self.local(topic);
        }
    }

    pub fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.local.subscribe(),
        }
    }

    /// Forwards other processes' notifications to this one's waiters, for
    /// as long as the process runs (PostgreSQL only).
    pub fn listen(&self, db: &Db) {
        if db.backend() != Backend::Postgres {
            return;
        }
        let (url, local) = (db.url().to_owned(), self.local.clone());
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if listener.listen(CHANNEL).await.is_ok() {
                            while let Ok(notification) = listener.recv().await {
                                let _ = local.send(notification.payload().to_owned());
                            }
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot listen for notifications; retrying")
                    }
                }
                tokio::time::sleep(RECHECK).await;
            }
        });
    }
}

pub struct Subscription {
    receiver: broadcast::Receiver<String>,
}

impl Subscription {
    /// Waits until `topic` is notified, a second passes, or `deadline`
    /// comes, whichever is first. Returns false once the deadline passed.
    pub async fn wait(&mut self, topic: &str, deadline: Instant) -> bool {
        let until = deadline.min(Instant::now() + RECHECK);
        loop {
            match tokio::time::timeout_at(until, self.receiver.recv()).await {
                Ok(Ok(notified)) if notified == topic => break,
                Ok(Ok(_)) => {}
                // Missed some: look again to be safe.
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => break,
                Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => break,
            }
        }
        Instant::now() < deadline
    }

    /// The next notification of any topic (for server push to pages).
    /// An empty topic means some notifications were missed.
    pub async fn next(&mut self) -> Option<String> {
        match self.receiver.recv().await {
            Ok(topic) => Some(topic),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(String::new()),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}
