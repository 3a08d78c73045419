//! The store: one connection pool over SQLite (the embedded default) or
//! PostgreSQL, chosen by URL, with each dialect's migrations applied at start,
//! and the write transactions that tell waiters what changed once they commit.
//!
//! Queries are written once with `$n` placeholders through `sqlx::Any`;
//! instants are `BIGINT` milliseconds and flags are nullable timestamps, so
//! the same statements read and write the same values on both dialects.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor as _};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard};

use crate::Result;
use crate::notify::Notifier;

pub(crate) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The dialect a connection speaks.
    pub fn of(connection: &sqlx::AnyConnection) -> Self {
        if connection.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    options: AnyConnectOptions,
    backend: Backend,
    url: String,
    /// This process's SQLite writers take turns here.
    writer: Arc<Mutex<()>>,
    /// Wakes waiters when a write they care about commits.
    notifier: Notifier,
    /// SQLite's background checkpointer, stopped with the last handle.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// Pages of SQLite's write-ahead log after which a committing connection
/// copies the log into the database itself (64 MiB of 4 KiB pages). The
/// background checkpointer keeps the log far shorter; this bounds it
/// should the checkpointer fall behind.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// How long the background checkpointer rests after each checkpoint, so
/// that under load one checkpoint copies the commits of that time together.
/// Measured with the runtime bench (64 connections): 250 ms made the
/// decisions' p99 42–46 ms, 100 ms 31 ms, 50 ms 24–26 ms, 20 ms and less
/// 18–19 ms, at the same throughput.
const CHECKPOINT_REST: Duration = Duration::from_millis(20);

/// Aborts a background task once nothing holds it any more.
#[derive(Debug)]
struct StopOnDrop(tokio::task::AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Checkpoints SQLite's write-ahead log from a pooled connection, on that
/// connection's own thread, after write transactions commit. Left to
/// SQLite, the commit that fills the log copies it into the database and
/// waits for the disk: the decision writer's commits did, every thousand
/// pages, while every caller waited on them. A passive checkpoint never
/// blocks a writer or a reader. Writes made outside [`WriteTransaction`]
/// are copied with the next one's, or by SQLite at the bound above; an idle
/// store is left alone.
#[derive(Debug)]
struct Checkpointer {
    written: Arc<Notify>,
    _task: StopOnDrop,
}

impl Checkpointer {
    fn start(pool: AnyPool) -> Self {
        let written = Arc::new(Notify::new());
        let wake = Arc::clone(&written);
        let task = tokio::spawn(async move {
            loop {
                // A commit while this one runs leaves a permit: not lost.
                wake.notified().await;
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(%error, "could not checkpoint SQLite's write-ahead log");
                }
                tokio::time::sleep(CHECKPOINT_REST).await;
            }
        });
        Self {
            written,
            _task: StopOnDrop(task.abort_handle()),
        }
    }
}

/// A transaction opened by [`Db::begin_write`]; rolled back if dropped
/// uncommitted.
pub struct WriteTransaction<'c> {
    transaction: sqlx::Transaction<'c, sqlx::Any>,
    _turn: Option<OwnedMutexGuard<()>>,
    backend: Backend,
    notifier: Notifier,
    /// What to tell this process's waiters once the transaction commits.
    topics: Vec<String>,
    /// SQLite's checkpointer, told of the commit.
    checkpointer: Option<Arc<Checkpointer>>,
}

impl WriteTransaction<'_> {
    /// Tells waiters on `topic` to look again once this transaction
    /// commits, and nobody if it does not: other processes through
    /// PostgreSQL's NOTIFY (which it delivers at commit), this one right
    /// after [`WriteTransaction::commit`].
    pub async fn notify_on_commit(&mut self, topic: String) -> Result<()> {
        if self.topics.contains(&topic) {
            return Ok(());
        }
        Notifier::on_commit(&mut self.transaction, self.backend, &topic).await?;
        self.topics.push(topic);
        Ok(())
    }

    /// [`WriteTransaction::notify_on_commit`] for each of `topics`.
    pub async fn notify_all_on_commit(
        &mut self,
        topics: impl IntoIterator<Item = String>,
    ) -> Result<()> {
        for topic in topics {
            self.notify_on_commit(topic).await?;
        }
        Ok(())
    }

    /// Commits, then wakes this process's waiters on the topics noted.
    pub async fn commit(self) -> Result<()> {
        self.transaction.commit().await?;
        self.notifier.local_all(&self.topics);
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.written.notify_one();
        }
        Ok(())
    }
}

impl Deref for WriteTransaction<'_> {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.transaction
    }
}

impl DerefMut for WriteTransaction<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.transaction
    }
}

/// The name of the SQLite file Bosun keeps in its data directory.
pub const SQLITE_FILE: &str = "bosun.db";

impl Db {
    /// The URL of the SQLite file Bosun keeps in `data_dir`.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join(SQLITE_FILE).display())
    }

    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(crate::Error::invalid(
                "DATABASE_URL",
                "must start with sqlite: or postgres:",
            ));
        };
        let options = AnyConnectOptions::from_str(url)
            .with_context(|| format!("DATABASE_URL is not a valid {backend:?} URL"))?;
        let pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            Backend::Sqlite => {
                pool_options
                    .max_connections(8)
                    .after_connect(|conn, _| Box::pin(configure_sqlite(conn)))
                    .connect_with(options.clone())
                    .await
            }
            Backend::Postgres => {
                pool_options
                    .max_connections(16)
                    .connect_with(options.clone())
                    .await
            }
        }
        .context("connecting to the database")?;

        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        let checkpointer =
            (backend == Backend::Sqlite).then(|| Arc::new(Checkpointer::start(pool.clone())));
        Ok(Self {
            pool,
            options,
            backend,
            url: url.to_owned(),
            writer: Arc::new(Mutex::new(())),
            notifier: Notifier::default(),
            checkpointer,
        })
    }

    /// A connection of its own, outside the pool, for a writer that keeps
    /// one busy (made in the caller's runtime, which drives its I/O).
    pub async fn connect_one(&self) -> Result<sqlx::AnyConnection> {
        let mut connection = sqlx::ConnectOptions::connect(&self.options).await?;
        if self.backend == Backend::Sqlite {
            configure_sqlite(&mut connection).await?;
        }
        Ok(connection)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Wakes waiters when writes commit (see
    /// [`WriteTransaction::notify_on_commit`]).
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// The URL this store was opened with (for components that need a
    /// dialect-specific pool of their own, such as the session store).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts a transaction that will write.
    ///
    /// SQLite has one writer at a time. Writers of this process queue on an
    /// async lock instead of on SQLite's busy handler, which sleeps in steps
    /// of up to 100 ms; the transaction then takes the write lock up front
    /// (`BEGIN IMMEDIATE`), since one that read first and then tried to write
    /// could fail instead of waiting its turn.
    pub async fn begin_write(&self) -> Result<WriteTransaction<'static>> {
        let turn = self.writers_turn().await;
        let transaction = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTransaction {
            transaction,
            _turn: turn,
            backend: self.backend,
            notifier: self.notifier.clone(),
            topics: Vec::new(),
            checkpointer: self.checkpointer.clone(),
        })
    }

    /// [`Db::begin_write`] on a connection the caller keeps, for a writer
    /// too busy to queue for one from the pool each time.
    pub async fn begin_write_on<'c>(
        &self,
        connection: &'c mut sqlx::AnyConnection,
    ) -> Result<WriteTransaction<'c>> {
        let turn = self.writers_turn().await;
        let transaction = match self.backend {
            Backend::Sqlite => sqlx::Connection::begin_with(connection, "BEGIN IMMEDIATE").await?,
            Backend::Postgres => sqlx::Connection::begin(connection).await?,
        };
        Ok(WriteTransaction {
            transaction,
            _turn: turn,
            backend: self.backend,
            notifier: self.notifier.clone(),
            topics: Vec::new(),
            checkpointer: self.checkpointer.clone(),
        })
    }

    async fn writers_turn(&self) -> Option<OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(Arc::clone(&self.writer).lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// WAL lets readers run beside the one writer; the busy timeout makes
/// writers queue instead of failing. Statement journals (a multi-row insert
/// keeps one to undo just itself) stay in memory rather than in a temporary
/// file made and removed for each statement. Checkpoints are the background
/// checkpointer's ([`Checkpointer`]).
async fn configure_sqlite(connection: &mut sqlx::AnyConnection) -> sqlx::Result<()> {
    connection
        .execute(
            format!(
                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                 PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};"
            )
            .as_str(),
        )
        .await?;
    Ok(())
}

/// Free text from outside (a tool's input or error) for a `text` column.
/// PostgreSQL's `text` cannot hold NUL, so NUL is written as the six
/// characters `\u0000`; everything else is kept. Such columns are working
/// copies: the trace event recording the same text holds it exactly, as
/// JSON (whose own `\u0000` escape both dialects store as plain text).
pub(crate) fn nul_escaped(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains('\0') {
        std::borrow::Cow::Owned(value.replace('\0', "\\u0000"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// `$first, $first+1, …`: the placeholders of `columns` in an `INSERT`'s
/// `VALUES`, for a statement that binds them in that order.
pub(crate) fn placeholders(columns: &[&str], first: usize) -> String {
    (first..first + columns.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a = $first, b = $first+1, …`: the same columns as an `UPDATE`'s `SET`
/// list, bound in the same order, so that an insert and an update of one
/// row kind share one column list.
pub(crate) fn assignments(columns: &[&str], first: usize) -> String {
    columns
        .iter()
        .zip(first..)
        .map(|(column, n)| format!("{column} = ${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row `INSERT`.
pub(crate) const INSERT_CHUNK: usize = 64;

/// The `VALUES` list of a multi-row insert of `rows` rows of `columns`
/// parameters each: `($1, $2, …), ($n+1, …), …` on PostgreSQL, and
/// `(?, ?, …), …` on SQLite, which binds anonymous parameters in order but
/// finds each numbered one by a linear scan (quadratic in a statement's
/// parameters).
pub(crate) fn value_rows(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(row * columns + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// A statement assembled at run time (a search with optional filters),
/// with its parameters numbered as they are bound.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

#[derive(Clone, Debug)]
enum Arg {
    Text(String),
    Int(i64),
}

impl Sql {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Binds a text parameter and answers its placeholder.
    pub(crate) fn bind(&mut self, value: impl Into<String>) -> String {
        self.args.push(Arg::Text(value.into()));
        format!("${}", self.args.len())
    }

    /// Binds an integer parameter and answers its placeholder.
    pub(crate) fn bind_int(&mut self, value: i64) -> String {
        self.args.push(Arg::Int(value));
        format!("${}", self.args.len())
    }

    pub(crate) fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Runs `query` — a statement around [`Sql::text`] — with the bound
    /// parameters.
    pub(crate) async fn fetch_all<T>(&self, pool: &AnyPool, query: &str) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        // Not kept prepared: PostgreSQL would soon plan a kept statement
        // once for any parameters, and a search's best plan depends on which
        // filter it carries and how selective that filter is.
        let mut statement = sqlx::query_as::<_, T>(query).persistent(false);
        for arg in &self.args {
            statement = match arg {
                Arg::Text(value) => statement.bind(value.as_str()),
                Arg::Int(value) => statement.bind(*value),
            };
        }
        Ok(statement.fetch_all(pool).await?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn value_rows_number_parameters_across_rows() {
        use super::{Backend, value_rows};
        assert_eq!(
            value_rows(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(value_rows(Backend::Postgres, 1, 1), "($1)");
        assert_eq!(value_rows(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    /// A commit far short of SQLite's own checkpoint threshold still
    /// reaches the database file soon: the background checkpointer, told of
    /// the commit, copied it.
    #[test]
    fn sqlite_log_is_checkpointed_in_the_background() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = std::env::temp_dir().join(format!("bosun-checkpoint-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(super::SQLITE_FILE);
        runtime.block_on(async {
            let db = super::Db::connect(&super::Db::sqlite_url(&dir))
                .await
                .unwrap();
            let before = std::fs::metadata(&file).unwrap().len();
            let mut tx = db.begin_write().await.unwrap();
            // About a hundred pages: a tenth of SQLite's own threshold.
            sqlx::query("CREATE TABLE filler (data BLOB)")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("INSERT INTO filler (data) VALUES (zeroblob(400000))")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut grew = false;
            for _ in 0..40 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                if std::fs::metadata(&file).unwrap().len() >= before + 400_000 {
                    grew = true;
                    break;
                }
            }
            db.pool().close().await;
            assert!(grew, "the committed pages never reached the database file");
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_insert_and_an_update_number_one_column_list_alike() {
        use super::{assignments, placeholders};
        let columns = ["name", "url"];
        assert_eq!(placeholders(&columns, 3), "$3, $4");
        assert_eq!(assignments(&columns, 1), "name = $1, url = $2");
    }

    #[tokio::test]
    async fn waiters_are_told_of_a_write_once_it_commits_and_never_of_one_rolled_back() {
        use std::time::Duration;
        use tokio::time::Instant;

        let file = std::env::temp_dir().join(format!("bosun-notify-{}.db", uuid::Uuid::now_v7()));
        let db = super::Db::connect(&format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .unwrap();
        let mut subscription = db.notifier().subscribe();
        // `wait` answers true as soon as it is told, and false once the
        // deadline passed without a word.
        let soon = || Instant::now() + Duration::from_millis(300);

        let mut rolled_back = db.begin_write().await.unwrap();
        rolled_back
            .notify_on_commit("runs:a".to_owned())
            .await
            .unwrap();
        drop(rolled_back);
        assert!(
            !subscription.wait("runs:a", soon()).await,
            "a transaction rolled back tells nobody"
        );

        let mut committed = db.begin_write().await.unwrap();
        committed
            .notify_all_on_commit(["runs:a".to_owned(), "runs:a".to_owned()])
            .await
            .unwrap();
        assert!(
            !subscription.wait("runs:a", soon()).await,
            "nobody is told before the commit"
        );
        committed.commit().await.unwrap();
        assert_eq!(subscription.next().await.as_deref(), Some("runs:a"));
        assert!(
            !subscription.wait("runs:a", soon()).await,
            "a topic noted twice is told once"
        );
        let _ = std::fs::remove_file(&file);
    }
}
