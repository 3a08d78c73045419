//! The store's own ceiling, measured in the same run as Bosun: decisions'
//! records — a tool-call row and its two events, shaped like Bosun's —
//! inserted straight into a freshly migrated schema, in transactions of
//! the decision writer's largest batch (and, for the way Bosun feeds the
//! index, of the largest batch 64 connections can make) and multi-row
//! statements of its size, with no HTTP, JSON or rules in the way. Each
//! way of keeping the full-text index is measured on a store of its own,
//! so that the figures say what the index costs and how much of that is
//! how it is fed.

use std::time::{Duration, Instant};

use bosun_service::{Backend, Db};
use serde_json::json;

/// Decisions per transaction, as the decision writer batches them at most.
const BATCH: usize = 256;
/// Decisions per transaction when each of the benchmark's 64 connections
/// has one call waiting: the most a batch of Bosun's can hold under it.
const CONNECTIONS_BATCH: usize = 64;
/// Rows per multi-row insert, as Bosun writes them.
const CHUNK: usize = 64;

/// How a variant keeps its full-text index.
#[derive(Clone, Copy)]
enum Text {
    /// SQLite's FTS5 table fed by an `AFTER INSERT` trigger per row.
    Trigger,
    /// SQLite's FTS5 table fed by one statement after the batch's events,
    /// in the same transaction.
    Direct,
    /// PostgreSQL's GIN index over an expression of `data`.
    Expression,
    /// PostgreSQL's GIN index over a generated, stored `tsvector` column.
    Generated,
    /// PostgreSQL's GIN index over a `tsvector` column the insert computes.
    Computed,
    /// No full-text index at all (the search indexes stay).
    None,
}

/// What the variants measured, for the caller to print.
pub struct Figure {
    pub name: &'static str,
    pub per_event: Duration,
    pub decisions_per_second: f64,
}

/// Measures each way of keeping the index for this backend, `decisions`
/// decisions each; `database_url` is the server's, or none for SQLite.
pub async fn measure(database_url: Option<&str>, decisions: usize) -> Vec<Figure> {
    let variants: &[(&'static str, Text, usize)] = match database_url {
        None => &[
            (
                "SQLite, FTS5 fed by the per-row trigger",
                Text::Trigger,
                BATCH,
            ),
            ("SQLite, FTS5 fed in the batch", Text::Direct, BATCH),
            (
                "SQLite, FTS5 fed in the batch, 64 decisions a batch",
                Text::Direct,
                CONNECTIONS_BATCH,
            ),
            ("SQLite, no full-text index", Text::None, BATCH),
        ],
        Some(_) => &[
            (
                "PostgreSQL, GIN over an expression",
                Text::Expression,
                BATCH,
            ),
            (
                "PostgreSQL, GIN over an expression, 64 decisions a batch",
                Text::Expression,
                CONNECTIONS_BATCH,
            ),
            (
                "PostgreSQL, GIN over a generated column",
                Text::Generated,
                BATCH,
            ),
            (
                "PostgreSQL, GIN over a column computed in the insert",
                Text::Computed,
                BATCH,
            ),
            ("PostgreSQL, no full-text index", Text::None, BATCH),
        ],
    };
    let mut figures = Vec::new();
    for (name, text, batch) in variants {
        let store = Store::new(database_url).await;
        prepare(&store.db, *text).await;
        let elapsed = insert_decisions(&store.db, *text, *batch, decisions).await;
        figures.push(Figure {
            name,
            per_event: elapsed / u32::try_from(decisions * 2).unwrap(),
            decisions_per_second: decisions as f64 / elapsed.as_secs_f64(),
        });
        store.drop().await;
    }
    figures
}

/// A store of the variant's own, copied from the migrated template: a
/// SQLite file in a temporary directory, or a new PostgreSQL database on
/// the server of `DATABASE_URL`.
struct Store {
    db: Db,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Store {
    async fn new(database_url: Option<&str>) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (url, postgres) = match database_url {
            None => {
                let file = dir.path().join(bosun_service::db::SQLITE_FILE);
                bosun_service::testing::copy_migrated_sqlite(&file).await;
                (Db::sqlite_url(dir.path()), None)
            }
            Some(server) => {
                let mut admin = url::Url::parse(server).expect("DATABASE_URL is a URL");
                admin.set_path("");
                let template =
                    bosun_service::testing::postgres_template(admin.as_str().trim_end_matches('/'))
                        .await;
                admin.set_path("/postgres");
                let name = format!("bosun_ceiling_{}", std::process::id());
                run_on(admin.as_str(), &format!("DROP DATABASE IF EXISTS {name}")).await;
                run_on(
                    admin.as_str(),
                    &format!("CREATE DATABASE {name} TEMPLATE {template}"),
                )
                .await;
                let mut url = admin.clone();
                url.set_path(&format!("/{name}"));
                (url.to_string(), Some((admin.to_string(), name)))
            }
        };
        let db = Db::connect(&url).await.expect("the scratch store opens");
        Self {
            db,
            _dir: dir,
            postgres,
        }
    }

    async fn drop(self) {
        self.db.pool().close().await;
        if let Some((admin, name)) = self.postgres {
            run_on(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

async fn run_on(url: &str, statement: &str) {
    // The scratch database is made before Bosun (which installs them) starts.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url)
        .await
        .expect("the server answers");
    sqlx::query(statement).execute(&pool).await.unwrap();
    pool.close().await;
}

/// Brings the migrated schema to the variant, and adds the rows a tool
/// call refers to.
async fn prepare(db: &Db, text: Text) {
    let schema: &[&str] = match text {
        // Migration 0005's trigger, which 0021 dropped.
        Text::Trigger => &[
            "CREATE TRIGGER IF NOT EXISTS events_fts_append AFTER INSERT ON events BEGIN \
             INSERT INTO events_fts (rowid, data) VALUES (new.seq, new.data); END",
        ],
        Text::Direct | Text::Expression => &[],
        Text::None => match db.backend() {
            Backend::Sqlite => &["DROP TABLE events_fts"],
            Backend::Postgres => &["DROP INDEX IF EXISTS events_text"],
        },
        Text::Generated => &[
            "DROP INDEX IF EXISTS events_text",
            "ALTER TABLE events ADD COLUMN words tsvector GENERATED ALWAYS AS \
             (to_tsvector('simple', regexp_replace(data, '[^[:alnum:]]+', ' ', 'g'))) STORED",
            "CREATE INDEX events_words ON events USING GIN (words)",
        ],
        Text::Computed => &[
            "DROP INDEX IF EXISTS events_text",
            "ALTER TABLE events ADD COLUMN words tsvector",
            "CREATE INDEX events_words ON events USING GIN (words)",
        ],
    };
    for statement in schema.iter().chain([
        &"INSERT INTO workspaces (id, name, created_at) VALUES ('w', 'W', 0)",
        &"INSERT INTO users (id, workspace_id, email, name, role, created_at) \
          VALUES ('u', 'w', 'u@example.com', 'U', 'admin', 0)",
        &"INSERT INTO agents (id, workspace_id, owner_id, name, execution_mode, credential_model, \
          created_at, updated_at) VALUES ('a', 'w', 'u', 'A', 'restricted', 'fixed', 0, 0)",
        &"INSERT INTO runs (id, workspace_id, agent_id, status, input, created_at) \
          VALUES ('r', 'w', 'a', 'running', '{}', 0)",
    ]) {
        sqlx::query(statement).execute(db.pool()).await.unwrap();
    }
}

/// One decision's records as Bosun writes them.
struct Record {
    call_id: String,
    input: String,
    reason: String,
    risk: String,
    /// `tool_call.requested`, then `policy.decision`.
    events: [(&'static str, String); 2],
}

fn record(i: usize) -> Record {
    let call_id = format!("tc_{i:012}");
    let input = format!("git log -n {i}");
    let reason = json!({ "kind": "rule", "layer": "agent", "position": 101, "rule_id": "ru_0000000000000101" });
    let risk = json!({ "level": "safe", "reasons": [] });
    let requested = json!({ "tool_call_id": call_id, "tool": "system_shell", "input": input,
                            "working_dir": null });
    let decided = json!({ "tool_call_id": call_id, "tool": "system_shell", "decision": "allow",
        "reason": reason, "risk": risk,
        "rule": { "id": "ru_0000000000000101", "tool": "system_shell", "action": "allow", "pattern": "git *", "note": "" },
        "commands": [{ "program": "git", "words": ["git", "log", "-n", i.to_string()], "decision": "allow" }] });
    Record {
        call_id,
        input,
        reason: reason.to_string(),
        risk: risk.to_string(),
        events: [
            ("tool_call.requested", requested.to_string()),
            ("policy.decision", decided.to_string()),
        ],
    }
}

/// Writes `decisions` decisions' records, `per_batch` of them per
/// transaction; answers the time spent writing them (their encoding is
/// made before the clock starts).
async fn insert_decisions(db: &Db, text: Text, per_batch: usize, decisions: usize) -> Duration {
    let backend = db.backend();
    let records: Vec<Record> = (0..decisions).map(record).collect();
    let hash = "0".repeat(64);
    let mut seq = 0_i64;
    let started = Instant::now();
    for batch in records.chunks(per_batch) {
        let mut tx = db.begin_write().await.unwrap();
        for chunk in batch.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO tool_calls (id, run_id, tool, input, decision, outcome, reason, risk, \
                 created_at, decided_at) VALUES {}",
                values(backend, chunk.len(), 10, None)
            );
            let mut insert = sqlx::query(&sql);
            for record in chunk {
                insert = insert
                    .bind(record.call_id.as_str())
                    .bind("r")
                    .bind("system_shell")
                    .bind(record.input.as_str())
                    .bind("allow")
                    .bind("allow")
                    .bind(record.reason.as_str())
                    .bind(record.risk.as_str())
                    .bind(0_i64)
                    .bind(0_i64);
            }
            insert.execute(&mut *tx).await.unwrap();
        }
        let events: Vec<(i64, &(&'static str, String))> = batch
            .iter()
            .flat_map(|record| record.events.iter())
            .map(|event| {
                seq += 1;
                (seq, event)
            })
            .collect();
        for chunk in events.chunks(CHUNK) {
            let computed = matches!(text, Text::Computed).then_some(
                "to_tsvector('simple', regexp_replace(${data}, '[^[:alnum:]]+', ' ', 'g'))",
            );
            let sql = format!(
                "INSERT INTO events (seq, at, kind, workspace_id, agent_id, run_id, actor, on_behalf_of, \
                 data, prev_hash, hash, tool, decision{}) VALUES {}",
                if computed.is_some() { ", words" } else { "" },
                values(backend, chunk.len(), 13, computed)
            );
            let mut insert = sqlx::query(&sql);
            for (seq, (kind, data)) in chunk {
                insert = insert
                    .bind(*seq)
                    .bind(0_i64)
                    .bind(*kind)
                    .bind("w")
                    .bind("a")
                    .bind("r")
                    .bind("key:rk_0000000000000001")
                    .bind("u")
                    .bind(data.as_str())
                    .bind(hash.as_str())
                    .bind(hash.as_str())
                    .bind("system_shell")
                    .bind((*kind == "policy.decision").then_some("allow"));
            }
            insert.execute(&mut *tx).await.unwrap();
        }
        if let (Text::Direct, Some((first, _)), Some((last, _))) =
            (text, events.first(), events.last())
        {
            sqlx::query(
                "INSERT INTO events_fts (rowid, data) SELECT seq, data FROM events \
                 WHERE seq BETWEEN $1 AND $2",
            )
            .bind(first)
            .bind(last)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    started.elapsed()
}

/// The `VALUES` list of a multi-row insert, as Bosun writes it; with
/// `computed`, each row adds that expression of its ninth parameter (the
/// event's data, named `{data}` in it).
fn values(backend: Backend, rows: usize, columns: usize, computed: Option<&str>) -> String {
    let mut sql = Vec::with_capacity(rows);
    for row in 0..rows {
        let mut row_sql: Vec<String> = (0..columns)
            .map(|column| match backend {
                Backend::Sqlite => "?".to_owned(),
                Backend::Postgres => format!("${}", row * columns + column + 1),
            })
            .collect();
        if let Some(expression) = computed {
            row_sql.push(expression.replace("{data}", &(row * columns + 9).to_string()));
        }
        sql.push(format!("({})", row_sql.join(", ")));
    }
    sql.join(", ")
}
