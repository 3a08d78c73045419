//! Stores for tests (built only for tests and with the `testing` feature):
//! a database migrated once and copied for each test, so that every test
//! gets a store of its own without running the migrations again.
//!
//! A SQLite template is a file in the temporary directory; a PostgreSQL
//! template is a database on the test server, and each test's database is
//! made from it with `CREATE DATABASE … TEMPLATE`. Both are named by a hash
//! of the migrations built into this crate, so a changed or added migration
//! gets a template of its own. Test processes (nextest runs each test in
//! one) that find no template build one under a unique name and publish it
//! by a rename, which is atomic: a test never copies a half-migrated
//! template, and of two processes building at once one simply wins.
//!
//! Unit tests of what sits over the store also set up and read back rows
//! with plain statements here ([`execute_all`], [`count`]).

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use sqlx::Connection as _;
use tokio::sync::OnceCell;

use crate::Db;
use crate::db::{POSTGRES_MIGRATIONS, SQLITE_FILE, SQLITE_MIGRATIONS};

/// The PostgreSQL server the tests run against (`BOSUN_TEST_POSTGRES_URL`,
/// without a database name) when `BOSUN_TEST_DATABASE=postgres`, or `None`
/// for SQLite.
pub fn postgres_server() -> Option<String> {
    if std::env::var("BOSUN_TEST_DATABASE").as_deref() != Ok("postgres") {
        return None;
    }
    let server = std::env::var("BOSUN_TEST_POSTGRES_URL")
        .expect("BOSUN_TEST_POSTGRES_URL is set when BOSUN_TEST_DATABASE=postgres");
    Some(server.trim_end_matches('/').to_owned())
}

/// A migrated store of the test's own, on the dialect under test: `None`
/// when it is the SQLite file Bosun keeps in `data_dir` (copied there from
/// the template), or the URL of a new PostgreSQL database.
pub async fn migrated_store(data_dir: &Path) -> Option<String> {
    match postgres_server() {
        Some(server) => Some(migrated_postgres(&server).await),
        None => {
            copy_migrated_sqlite(&data_dir.join(SQLITE_FILE)).await;
            None
        }
    }
}

/// An empty, unmigrated store on the dialect under test, for tests of what
/// happens while the schema is made: `None` for the (absent) SQLite file in
/// the data directory, or the URL of a new, empty PostgreSQL database.
pub async fn empty_store() -> Option<String> {
    let server = postgres_server()?;
    let name = unique_name("bosun_test");
    execute_on_server(&server, &format!("CREATE DATABASE {name}")).await;
    Some(format!("{server}/{name}"))
}

/// Copies the migrated SQLite template to `file`, which must not exist.
pub async fn copy_migrated_sqlite(file: &Path) {
    let template = sqlite_template().await;
    std::fs::copy(template, file).unwrap_or_else(|error| {
        panic!("copying the SQLite template to {}: {error}", file.display())
    });
}

/// A new PostgreSQL database on `server`, copied from the migrated
/// template; answers its URL.
pub async fn migrated_postgres(server: &str) -> String {
    let template = postgres_template(server).await;
    let name = unique_name("bosun_test");
    execute_on_server(
        server,
        &format!("CREATE DATABASE {name} TEMPLATE {template}"),
    )
    .await;
    format!("{server}/{name}")
}

/// A hash of both dialects' migrations (versions and sqlx's checksums of
/// their text), which names the templates.
pub fn migrations_hash() -> String {
    let mut hasher = Sha256::new();
    for (dialect, migrator) in [
        ("sqlite", &SQLITE_MIGRATIONS),
        ("postgres", &POSTGRES_MIGRATIONS),
    ] {
        hasher.update(dialect.as_bytes());
        for migration in migrator.iter() {
            hasher.update(migration.version.to_be_bytes());
            hasher.update(&migration.checksum);
        }
    }
    hex::encode(&hasher.finalize()[..8])
}

/// The migrated SQLite template, built by this process if no process has.
async fn sqlite_template() -> PathBuf {
    static TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let template =
                std::env::temp_dir().join(format!("bosun-template-{}.db", migrations_hash()));
            if !template.exists() {
                build_sqlite_template(&template).await;
            }
            template
        })
        .await
        .clone()
}

async fn build_sqlite_template(template: &Path) {
    let building = template.with_extension(format!("{}.db", unique_name("building")));
    let db = Db::connect(&format!("sqlite://{}?mode=rwc", building.display()))
        .await
        .expect("the SQLite template migrates");
    // Everything into the main file, so that the file alone is the store.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(db.pool())
        .await
        .expect("the SQLite template's log is checkpointed");
    db.pool().close().await;
    std::fs::rename(&building, template).expect("the SQLite template is published");
    for suffix in ["-wal", "-shm"] {
        let mut leftover = building.clone().into_os_string();
        leftover.push(suffix);
        let _ = std::fs::remove_file(leftover);
    }
}

/// The name of the migrated PostgreSQL template on `server` (a URL without
/// a database name), built by this process if no process has.
pub async fn postgres_template(server: &str) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let template = format!("bosun_template_{}", migrations_hash());
            let mut admin = server_connection(server).await;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&template)
                    .fetch_one(&mut admin)
                    .await
                    .expect("the test PostgreSQL server lists its databases");
            if !exists {
                build_postgres_template(server, &mut admin, &template).await;
            }
            template
        })
        .await
        .clone()
}

async fn build_postgres_template(server: &str, admin: &mut sqlx::PgConnection, template: &str) {
    let building = unique_name("bosun_building");
    sqlx::raw_sql(&format!("CREATE DATABASE {building}"))
        .execute(&mut *admin)
        .await
        .expect("a database for the template can be created");
    let db = Db::connect(&format!("{server}/{building}"))
        .await
        .expect("the PostgreSQL template migrates");
    db.pool().close().await;
    // PostgreSQL waits (up to five seconds) for the closed connections'
    // backends to leave before renaming.
    let renamed = sqlx::raw_sql(&format!("ALTER DATABASE {building} RENAME TO {template}"))
        .execute(&mut *admin)
        .await;
    match renamed {
        Ok(_) => {}
        // Another process published the template first: PostgreSQL says
        // so as "already exists", or, when both renames race, as a
        // duplicate in its catalog.
        Err(sqlx::Error::Database(error))
            if matches!(error.code().as_deref(), Some("42P04" | "23505")) =>
        {
            sqlx::raw_sql(&format!("DROP DATABASE {building}"))
                .execute(&mut *admin)
                .await
                .expect("the redundant template is dropped");
        }
        Err(error) => panic!("publishing the PostgreSQL template: {error}"),
    }
}

async fn server_connection(server: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("the test PostgreSQL server answers")
}

async fn execute_on_server(server: &str, statement: &str) {
    let mut admin = server_connection(server).await;
    sqlx::raw_sql(statement)
        .execute(&mut admin)
        .await
        .unwrap_or_else(|error| panic!("{statement}: {error}"));
    let _ = admin.close().await;
}

/// Runs each statement on `db`, in order: rows a unit test needs that the
/// use cases which make them would take a whole application to reach.
pub async fn execute_all(db: &Db, statements: &[&str]) {
    for statement in statements {
        sqlx::query(statement)
            .execute(db.pool())
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    }
}

/// The count `query` (a `SELECT COUNT(*) …`) answers on `db`.
pub async fn count(db: &Db, query: &str) -> i64 {
    sqlx::query_scalar(query)
        .fetch_one(db.pool())
        .await
        .unwrap_or_else(|error| panic!("{query}: {error}"))
}

/// `prefix` and a new UUID's digits: a database or file name no other test
/// process picks.
fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}
