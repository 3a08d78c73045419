//! Browser sessions: tower-sessions over the same database as everything
//! else, so sessions survive restarts and are shared by every Bosun process
//! on one PostgreSQL.
//!
//! A row is keyed by the SHA-256 of its session id, never by the id itself:
//! someone who can read the database (a backup, a replica, a stolen file)
//! finds no id to put in a cookie, as with personal access tokens and
//! runtime keys. The rows are the service's
//! ([`bosun_service::identity::sessions`]); this is the session layer's
//! adapter to them.

use std::time::Duration;

use async_trait::async_trait;
use bosun_service::Db;
use bosun_service::identity::sessions::{SessionRows, StoredSession};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "bosun_session";

/// Sessions in the `sessions` table, keyed by the hash of their id.
#[derive(Clone, Debug)]
pub struct SqlSessionStore {
    rows: SessionRows,
}

impl SqlSessionStore {
    /// The store over Bosun's own database (its table comes with the
    /// migrations).
    pub fn new(db: &Db) -> Self {
        Self {
            rows: SessionRows::new(db),
        }
    }

    /// The layer that loads and saves sessions around each request.
    pub fn layer(self, idle_timeout: Duration, secure: bool) -> SessionManagerLayer<Self> {
        let idle = time::Duration::try_from(idle_timeout).unwrap_or(time::Duration::hours(8));
        SessionManagerLayer::new(self)
            .with_name(COOKIE_NAME)
            .with_http_only(true)
            // Lax lets a person follow a link into Bosun while logged in;
            // cross-site writes are refused by the same-origin check.
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_expiry(Expiry::OnInactivity(idle))
    }

    /// Deletes expired sessions every `period`, for as long as the server runs.
    pub fn spawn_cleanup(&self, period: Duration) {
        let store = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                interval.tick().await;
                if let Err(error) = store.delete_expired().await {
                    tracing::warn!(%error, "could not delete expired sessions");
                }
            }
        });
    }

    /// Writes the record under its id's hash: inserted only when no row has
    /// that key yet (`replace` false), or inserted or overwritten.
    async fn write(&self, record: &Record, replace: bool) -> session_store::Result<bool> {
        let session = StoredSession {
            data: serde_json::to_string(&record.data)
                .map_err(|error| session_store::Error::Encode(error.to_string()))?,
            expires_at: unix_millis(record.expiry_date),
        };
        self.rows
            .write(&id_hash(&record.id), &session, replace)
            .await
            .map_err(backend)
    }
}

/// The row key of a session: SHA-256 of the id as the cookie carries it,
/// in hex.
pub fn id_hash(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn unix_millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn now_millis() -> i64 {
    unix_millis(OffsetDateTime::now_utc())
}

fn backend(error: bosun_service::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id colliding with a live one is all but impossible; should
        // it happen, another is drawn rather than taking over that session.
        while !self.write(record, false).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, true).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(session) = self
            .rows
            .live(&id_hash(id), now_millis())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&session.data)
            .map_err(|error| session_store::Error::Decode(error.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(session.expires_at) * 1_000_000)
                .map_err(|error| session_store::Error::Decode(error.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.rows.delete(&id_hash(id)).await.map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for SqlSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.rows
            .delete_expired(now_millis())
            .await
            .map_err(backend)
    }
}
