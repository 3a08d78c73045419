//! The `events` table, the head of its hash chain (`event_chain_head`)
//! and SQLite's full-text index of it (`events_fts`): what
//! [`crate::events`] appends, numbered and hashed, and walks to check the
//! chain. Searching and exporting events is [`super::traces`]'s.

use super::{Connection, Executor};
use crate::Result;
use crate::db::{Backend, INSERT_CHUNK, nul_escaped, value_rows};
use crate::ids::AgentId;
use crate::model::events::{Event, ExportedEvent, PreparedEvent};

/// Locks the head of the chain until the transaction ends, so that no
/// event is appended meanwhile: what the decision writer holds while it
/// checks that nothing its batch was decided on has changed (see
/// [`crate::runs::decision_log`]). PostgreSQL only; SQLite's writer holds
/// the whole store already.
pub(crate) async fn lock_head(conn: &mut Connection) -> Result<()> {
    sqlx::query("SELECT seq FROM event_chain_head WHERE id = 1 FOR UPDATE")
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the next `count` numbers of the chain: answers the last of them
/// and the hash of the event before the first. Taking the numbers locks
/// the head row until commit, so appenders queue and the sequence has no
/// gaps.
pub(crate) async fn take_numbers(conn: &mut Connection, count: i64) -> Result<(i64, String)> {
    Ok(sqlx::query_as(
        "UPDATE event_chain_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
    )
    .bind(count)
    .fetch_one(conn)
    .await?)
}

/// An event with its place in the chain, as it is inserted.
pub(crate) struct ChainedEvent<'a> {
    pub seq: i64,
    pub prepared: &'a PreparedEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// Inserts chained events, [`INSERT_CHUNK`] rows to a statement, and on
/// SQLite then feeds them to the full-text index in the same transaction.
/// The rows are consecutive in the chain, as [`crate::events`] numbers them.
pub(crate) async fn insert(conn: &mut Connection, rows: &[ChainedEvent<'_>]) -> Result<()> {
    let backend = Backend::of(conn);
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO events (seq, at, kind, workspace_id, agent_id, run_id, actor, on_behalf_of, data, \
             prev_hash, hash, tool, decision) VALUES {}",
            value_rows(backend, chunk.len(), 13)
        );
        let mut insert = sqlx::query(&sql);
        for row in chunk {
            let prepared = row.prepared;
            let event = &prepared.event;
            insert = insert
                .bind(row.seq)
                .bind(prepared.at)
                .bind(event.kind.as_str())
                .bind(event.workspace_id.as_str())
                .bind(event.agent_id.as_ref().map(AgentId::as_str))
                .bind(event.run_id.as_deref())
                .bind(event.actor.as_deref())
                .bind(event.on_behalf_of.as_deref())
                .bind(prepared.data.as_str())
                .bind(row.prev_hash.as_str())
                .bind(row.hash.as_str())
                // A tool name holding NUL is still searchable, in the
                // form the column can take.
                .bind(
                    prepared
                        .tool
                        .as_deref()
                        .map(|tool| nul_escaped(tool).into_owned()),
                )
                .bind(prepared.decision);
        }
        insert.execute(&mut *conn).await?;
    }
    if let (Backend::Sqlite, Some(first), Some(last)) = (backend, rows.first(), rows.last()) {
        debug_assert_eq!(last.seq - first.seq + 1, rows.len() as i64);
        feed_text_index(conn, first.seq, last.seq).await?;
    }
    Ok(())
}

/// Adds the events `first..=last`, just inserted, to SQLite's full-text
/// index (`events_fts`, external content over `events.data`), in the
/// transaction that inserted them, so that text search finds an event as
/// soon as it is committed. Every append passes here: the index has no
/// trigger of its own (one statement per row cost several times the whole
/// insert). PostgreSQL indexes the text itself.
///
/// One statement, after the events' own: FTS5 writes what it holds as a
/// new segment of the index at the start of every later statement that
/// may need undoing, so feeding it between the events' inserts cut each
/// batch into several segments, each written and later merged.
async fn feed_text_index(conn: &mut Connection, first: i64, last: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO events_fts (rowid, data) SELECT seq, data FROM events \
         WHERE seq BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes `hash` the head's, the hash of the last event appended.
pub(crate) async fn set_head_hash(conn: &mut Connection, hash: &str) -> Result<()> {
    sqlx::query("UPDATE event_chain_head SET hash = $1 WHERE id = 1")
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// An event's row, every column as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct StoredEvent {
    pub(crate) seq: i64,
    pub(crate) at: i64,
    pub(crate) kind: String,
    pub(crate) workspace_id: String,
    pub(crate) agent_id: Option<String>,
    pub(crate) run_id: Option<String>,
    pub(crate) actor: Option<String>,
    pub(crate) on_behalf_of: Option<String>,
    pub(crate) data: String,
    pub(crate) prev_hash: String,
    pub(crate) hash: String,
}

impl From<StoredEvent> for ExportedEvent {
    fn from(event: StoredEvent) -> Self {
        let data = serde_json::value::RawValue::from_string(event.data).unwrap_or_default();
        Event {
            seq: event.seq,
            hash: event.hash,
            prev_hash: event.prev_hash,
            at: crate::clock::from_millis(event.at),
            kind: event.kind,
            workspace_id: event.workspace_id,
            agent_id: event.agent_id,
            run_id: event.run_id,
            actor: event.actor,
            on_behalf_of: event.on_behalf_of,
            data,
        }
    }
}

impl From<StoredEvent> for Event {
    fn from(event: StoredEvent) -> Self {
        ExportedEvent::from(event).into()
    }
}

/// Up to `limit` events from number `from` on, in order: a page of the
/// chain as [`crate::Bosun::verify_chain`] walks it.
pub(crate) async fn page<'c>(
    db: impl Executor<'c>,
    from: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>> {
    Ok(sqlx::query_as(
        "SELECT seq, at, kind, workspace_id, agent_id, run_id, actor, on_behalf_of, data, prev_hash, hash \
         FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2",
    )
    .bind(from)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The head of the chain: how many events were appended, and the last
/// one's hash.
pub(crate) async fn head<'c>(db: impl Executor<'c>) -> Result<(i64, String)> {
    Ok(
        sqlx::query_as("SELECT seq, hash FROM event_chain_head WHERE id = 1")
            .fetch_one(db)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::events::{EventKind, NewEvent, append_all};
    use crate::ids::WorkspaceId;

    /// A store whose events the trigger of migration 0005 indexed keeps
    /// them findable once 0021 has the writer feed the index instead, and
    /// events appended since are found beside them: the index is exactly
    /// what rebuilding it from the events would make, however many
    /// statements a batch's events took.
    #[tokio::test]
    async fn the_text_index_keeps_what_the_trigger_fed_and_gains_what_the_writer_feeds() {
        let file = std::env::temp_dir().join(format!("bosun-fts-{}.db", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}?mode=rwc", file.display());
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../migrations/sqlite"
        )))
        .await
        .unwrap();
        before.migrations = before
            .migrations
            .iter()
            .filter(|migration| migration.version < 21)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before.run(&pool).await.unwrap();
        let event = |word: &str| {
            (
                Utc::now(),
                NewEvent {
                    kind: EventKind::AgentEvent,
                    workspace_id: WorkspaceId::from_string("w".to_owned()),
                    agent_id: None,
                    run_id: None,
                    actor: None,
                    on_behalf_of: None,
                    data: serde_json::json!({ "event": word }),
                },
            )
        };
        // Before 0021 the trigger indexes each row; the writer must not
        // index them a second time.
        let mut conn = pool.acquire().await.unwrap();
        sqlx::query(
            "INSERT INTO events (seq, at, kind, workspace_id, data, prev_hash, hash) \
             VALUES (1, 0, 'agent.event', 'w', '{\"event\":\"wombat\"}', '', '')",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query("UPDATE event_chain_head SET seq = 1 WHERE id = 1")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        pool.close().await;

        let db = crate::Db::connect(&url).await.unwrap();
        let mut conn = db.pool().acquire().await.unwrap();
        append_all(&mut conn, vec![event("numbat"), event("wombat numbat")])
            .await
            .unwrap();
        let found = |word: &'static str| {
            let pool = db.pool().clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "SELECT rowid FROM events_fts WHERE events_fts MATCH $1 ORDER BY rowid",
                )
                .bind(word)
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(found("wombat").await, [1, 3]);
        assert_eq!(found("numbat").await, [2, 3]);
        // A batch larger than one insert statement is indexed whole.
        let batch = 2 * crate::db::INSERT_CHUNK + 1;
        append_all(&mut conn, (0..batch).map(|_| event("quokka")).collect())
            .await
            .unwrap();
        assert_eq!(
            found("quokka").await,
            (4..4 + batch as i64).collect::<Vec<_>>()
        );
        sqlx::query("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)")
            .execute(db.pool())
            .await
            .expect("the index holds exactly the events' text");
        let _ = std::fs::remove_file(&file);
    }
}
