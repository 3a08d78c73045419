//! Browser sessions' rows, for the web server's session layer: written,
//! read and deleted by the SHA-256 of their id (never the id itself, so
//! that someone who can read the database finds no id to put in a
//! cookie). Each write is a write transaction of its own, queued with the
//! other writers of this process on SQLite.

use crate::{Db, Result, store};

/// A session as stored: its data as JSON text, and when it expires.
pub struct StoredSession {
    pub data: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// The `sessions` table over Bosun's own database.
#[derive(Clone, Debug)]
pub struct SessionRows {
    db: Db,
}

impl SessionRows {
    pub fn new(db: &Db) -> Self {
        Self { db: db.clone() }
    }

    /// Writes a session under `id_hash`: only when no row has that key yet
    /// (`replace` false), or inserted or overwritten. Answers whether it
    /// was written.
    pub async fn write(
        &self,
        id_hash: &str,
        session: &StoredSession,
        replace: bool,
    ) -> Result<bool> {
        let mut tx = self.db.begin_write().await?;
        let written =
            store::sessions::write(&mut tx, id_hash, &session.data, session.expires_at, replace)
                .await?;
        tx.commit().await?;
        Ok(written)
    }

    /// The session under `id_hash`, unless it has expired by `now`
    /// (milliseconds).
    pub async fn live(&self, id_hash: &str, now: i64) -> Result<Option<StoredSession>> {
        let row = store::sessions::live(self.db.pool(), id_hash, now).await?;
        Ok(row.map(|(data, expires_at)| StoredSession { data, expires_at }))
    }

    pub async fn delete(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        store::sessions::delete(&mut tx, id_hash).await?;
        tx.commit().await
    }

    /// Deletes every session expired by `now` (milliseconds).
    pub async fn delete_expired(&self, now: i64) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        store::sessions::delete_expired(&mut tx, now).await?;
        tx.commit().await
    }
}
