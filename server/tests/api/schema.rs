//! The two dialects' migrations make the same schema: tables, columns (with
//! normalized types and nullability), primary keys, unique constraints,
//! foreign keys and indexes, compared fact by fact between a SQLite and a
//! PostgreSQL database each migrated from nothing. What may differ is
//! listed below with the reason; anything else is drift.
//!
//! It needs both stores, so it runs in the PostgreSQL pass of the suite
//! (`BOSUN_TEST_DATABASE=postgres`).

use std::collections::{BTreeMap, BTreeSet};

use bosun_service::Db;
use sqlx::Row as _;

/// Tables only SQLite has (with every fact about them, and about tables
/// named after them plus `_`), each with why.
const ONLY_SQLITE_TABLES: &[(&str, &str)] = &[(
    "events_fts",
    "the FTS5 index of events' text and the shadow tables FTS5 keeps for it; \
     PostgreSQL indexes the same words with the GIN index events_text",
)];
/// Facts only PostgreSQL has, each with why.
const ONLY_POSTGRES: &[(&str, &str)] = &[(
    "index events_text on events(<expression>)",
    "the GIN index over the words of `data` that stands for SQLite's events_fts",
)];

/// The table a fact is about.
fn table_of(fact: &str) -> &str {
    let subject = [
        "table ",
        "column ",
        "primary key ",
        "unique ",
        "foreign key ",
    ]
    .iter()
    .find_map(|kind| fact.strip_prefix(kind))
    .or_else(|| Some(fact.strip_prefix("index ")?.split_once(" on ")?.1))
    .unwrap_or(fact);
    subject.split(['.', '(', ' ']).next().unwrap_or(subject)
}

#[tokio::test]
async fn sqlite_and_postgresql_migrations_make_the_same_schema() {
    let Some(server) = bosun_service::testing::postgres_server() else {
        eprintln!("skipped: needs BOSUN_TEST_DATABASE=postgres and BOSUN_TEST_POSTGRES_URL");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    let postgres_url = bosun_service::testing::empty_store()
        .await
        .expect("a PostgreSQL database");
    assert!(postgres_url.starts_with(&server));
    let postgres = Db::connect(&postgres_url).await.unwrap();

    let sqlite_facts = sqlite_schema(&sqlite).await;
    let postgres_facts = postgres_schema(&postgres).await;
    assert!(
        sqlite_facts
            .iter()
            .any(|fact| fact.starts_with("table agents")),
        "the SQLite schema was read: {sqlite_facts:?}"
    );

    let differences = drift(&sqlite_facts, &postgres_facts);
    assert!(
        differences.is_empty(),
        "the dialects' schemas differ:\n{}",
        differences.join("\n")
    );
    // Every allowed difference still exists, so the list stays true.
    for (table, _) in ONLY_SQLITE_TABLES {
        let fact = format!("table {table}");
        assert!(sqlite_facts.contains(&fact), "no longer in SQLite: {fact}");
    }
    for (fact, _) in ONLY_POSTGRES {
        assert!(
            postgres_facts.contains(*fact),
            "no longer in PostgreSQL: {fact}"
        );
    }

    // The comparison sees a change on one side only, such as a migration
    // adding a column to one dialect or an index to the other.
    sqlx::query("ALTER TABLE agents ADD COLUMN drifted TEXT")
        .execute(sqlite.pool())
        .await
        .unwrap();
    sqlx::query("CREATE INDEX agents_drifted ON agents (name)")
        .execute(postgres.pool())
        .await
        .unwrap();
    assert_eq!(
        drift(
            &sqlite_schema(&sqlite).await,
            &postgres_schema(&postgres).await
        ),
        [
            "only in SQLite:     column agents.drifted text null",
            "only in PostgreSQL: index agents_drifted on agents(name)",
        ]
    );
}

/// The differences between the dialects' facts that are not allowed.
fn drift(sqlite_facts: &BTreeSet<String>, postgres_facts: &BTreeSet<String>) -> Vec<String> {
    let allowed_sqlite = |fact: &str| {
        let table = table_of(fact);
        ONLY_SQLITE_TABLES.iter().any(|(allowed, _)| {
            table == *allowed
                || table
                    .strip_prefix(allowed)
                    .is_some_and(|rest| rest.starts_with('_'))
        })
    };
    let allowed_postgres = |fact: &str| ONLY_POSTGRES.iter().any(|(allowed, _)| fact == *allowed);
    sqlite_facts
        .difference(postgres_facts)
        .filter(|fact| !allowed_sqlite(fact))
        .map(|fact| format!("only in SQLite:     {fact}"))
        .chain(
            postgres_facts
                .difference(sqlite_facts)
                .filter(|fact| !allowed_postgres(fact))
                .map(|fact| format!("only in PostgreSQL: {fact}")),
        )
        .collect()
}

/// A column type's family, the same word for both dialects' spellings.
fn type_family(declared: &str) -> String {
    let declared = declared.to_ascii_lowercase();
    let family = if declared.contains("int") {
        "integer"
    } else if declared.contains("char") || declared.contains("text") || declared.contains("clob") {
        "text"
    } else if declared.contains("blob") || declared == "bytea" {
        "bytes"
    } else if declared.contains("real") || declared.contains("double") || declared.contains("float")
    {
        "real"
    } else if declared.contains("bool") {
        "boolean"
    } else {
        return declared;
    };
    family.to_owned()
}

/// An index's `WHERE` clause with PostgreSQL's parentheses and casts and
/// either dialect's spacing and case taken out.
fn predicate(text: &str) -> String {
    let text = text
        .replace("::text", "")
        .replace(['(', ')'], "")
        .to_ascii_lowercase();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn on_delete(action: &str) -> String {
    match action {
        "a" | "NO ACTION" => "no action",
        "r" | "RESTRICT" => "restrict",
        "c" | "CASCADE" => "cascade",
        "n" | "SET NULL" => "set null",
        "d" | "SET DEFAULT" => "set default",
        other => other,
    }
    .to_owned()
}

fn table_facts(
    facts: &mut BTreeSet<String>,
    table: &str,
    columns: &[(String, String, bool)],
    primary_key: &[String],
) {
    facts.insert(format!("table {table}"));
    for (name, declared, not_null) in columns {
        // A primary key is never null, whether or not the column says so
        // (SQLite lets a TEXT PRIMARY KEY hold NULL unless told).
        let nullability = if *not_null || primary_key.contains(name) {
            "not null"
        } else {
            "null"
        };
        facts.insert(format!(
            "column {table}.{name} {} {nullability}",
            type_family(declared)
        ));
    }
    if !primary_key.is_empty() {
        facts.insert(format!("primary key {table}({})", primary_key.join(", ")));
    }
}

async fn sqlite_schema(db: &Db) -> BTreeSet<String> {
    let pool = db.pool();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut facts = BTreeSet::new();
    for table in &tables {
        let rows = sqlx::query(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap();
        let columns: Vec<(String, String, bool)> = rows
            .iter()
            .map(|row| {
                (
                    row.get::<String, _>(0),
                    row.get::<String, _>(1),
                    row.get::<i64, _>(2) != 0,
                )
            })
            .collect();
        let mut key: Vec<(i64, String)> = rows
            .iter()
            .filter(|row| row.get::<i64, _>(3) > 0)
            .map(|row| (row.get::<i64, _>(3), row.get::<String, _>(0)))
            .collect();
        key.sort();
        let primary_key: Vec<String> = key.into_iter().map(|(_, name)| name).collect();
        table_facts(&mut facts, table, &columns, &primary_key);

        let indexes = sqlx::query(
            "SELECT l.name, l.\"unique\", l.origin, l.partial, m.sql \
             FROM pragma_index_list($1) AS l LEFT JOIN sqlite_master AS m \
             ON m.type = 'index' AND m.name = l.name",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap();
        for index in indexes {
            let name: String = index.get(0);
            let unique = index.get::<i64, _>(1) != 0;
            let origin: String = index.get(2);
            if origin == "pk" {
                continue;
            }
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            let columns = columns
                .into_iter()
                .map(|column| column.unwrap_or_else(|| "<expression>".into()))
                .collect::<Vec<_>>()
                .join(", ");
            if origin == "u" {
                facts.insert(format!("unique {table}({columns})"));
                continue;
            }
            let mut fact = format!("index {name} on {table}({columns})");
            if unique {
                fact.push_str(" unique");
            }
            if index.get::<i64, _>(3) != 0 {
                let sql: String = index.get(4);
                let (_, clause) = sql
                    .split_once(" WHERE ")
                    .expect("a partial index's SQL has a WHERE clause");
                fact.push_str(&format!(" where {}", predicate(clause)));
            }
            facts.insert(fact);
        }

        let keys = sqlx::query(
            "SELECT id, \"table\", \"from\", \"to\", on_delete \
             FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap();
        let mut by_id: BTreeMap<i64, SqliteForeignKey> = BTreeMap::new();
        for key in keys {
            let entry = by_id.entry(key.get(0)).or_insert_with(|| {
                (
                    key.get(1),
                    Vec::new(),
                    Vec::new(),
                    on_delete(&key.get::<String, _>(4)),
                )
            });
            entry.1.push(key.get(2));
            entry.2.push(key.get(3));
        }
        for (_, (referenced, from, to, action)) in by_id {
            // `REFERENCES t` without columns means t's primary key.
            let to = if to.iter().all(Option::is_none) {
                sqlite_primary_key(db, &referenced).await
            } else {
                to.into_iter().map(Option::unwrap_or_default).collect()
            };
            facts.insert(format!(
                "foreign key {table}({}) references {referenced}({}) on delete {action}",
                from.join(", "),
                to.join(", ")
            ));
        }
    }
    facts
}

/// A SQLite foreign key as its rows list it: the referenced table, the
/// columns on each side (the referenced ones unnamed when it refers to the
/// primary key) and what deleting does.
type SqliteForeignKey = (String, Vec<String>, Vec<Option<String>>, String);

async fn sqlite_primary_key(db: &Db, table: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk")
        .bind(table)
        .fetch_all(db.pool())
        .await
        .unwrap()
}

async fn postgres_schema(db: &Db) -> BTreeSet<String> {
    let pool = db.pool();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
         AND tablename NOT LIKE '\\_sqlx\\_%' ORDER BY tablename",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut facts = BTreeSet::new();
    for table in &tables {
        let columns: Vec<(String, String, bool)> = sqlx::query(
            "SELECT column_name::text, data_type::text, (is_nullable = 'NO')::int::int8 \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get::<i64, _>(2) != 0))
        .collect();
        let primary_key: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index x \
             CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum \
             WHERE x.indrelid = ('public.' || $1)::regclass AND x.indisprimary ORDER BY k.ord",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap();
        table_facts(&mut facts, table, &columns, &primary_key);
    }

    let indexes = sqlx::query(
        "SELECT t.relname::text, i.relname::text, x.indisunique::int::int8, \
                COALESCE(pg_get_expr(x.indpred, x.indrelid), ''), \
                (EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid \
                         AND c.contype = 'u'))::int::int8, \
                (SELECT string_agg(COALESCE(a.attname::text, '<expression>'), ', ' ORDER BY k.ord) \
                 FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                 LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum \
                 AND k.attnum > 0) \
         FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND NOT x.indisprimary AND t.relname NOT LIKE '\\_sqlx\\_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for index in indexes {
        let (table, name): (String, String) = (index.get(0), index.get(1));
        let columns: String = index.get(5);
        if index.get::<i64, _>(4) != 0 {
            facts.insert(format!("unique {table}({columns})"));
            continue;
        }
        let mut fact = format!("index {name} on {table}({columns})");
        if index.get::<i64, _>(2) != 0 {
            fact.push_str(" unique");
        }
        let clause: String = index.get(3);
        if !clause.is_empty() {
            fact.push_str(&format!(" where {}", predicate(&clause)));
        }
        facts.insert(fact);
    }

    let keys = sqlx::query(
        "SELECT t.relname::text, r.relname::text, c.confdeltype::text, \
                (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) \
                 FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), \
                (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) \
                 FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for key in keys {
        let (table, referenced, action, from, to): (String, String, String, String, String) =
            (key.get(0), key.get(1), key.get(2), key.get(3), key.get(4));
        facts.insert(format!(
            "foreign key {table}({from}) references {referenced}({to}) on delete {}",
            on_delete(&action)
        ));
    }
    facts
}
