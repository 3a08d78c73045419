//! The store: the SQL of every resource, one module per table family, as
//! small functions that take the pool or a connection (a
//! [`crate::WriteTransaction`] derefs to one) and answer the service's own
//! types. The use cases keep validation, the access checks, events and
//! notification, and call these for reading and writing rows.
//!
//! Statements are written once with `$n` placeholders through `sqlx::Any`
//! (see [`crate::db`], the connection pool and write transactions these run
//! on); where a dialect must differ, both statements sit side by side in
//! the function that needs them.
//!
//! Nothing outside the store speaks SQL: the test at the end of this file
//! fails when a file outside it names `sqlx`, but for the store's plumbing
//! that lives beside it ([`crate::db`], [`crate::notify`], [`crate::error`]
//! and, for tests, `testing`).

pub(crate) mod agents;
pub(crate) mod approvals;
pub(crate) mod credentials;
pub(crate) mod events;
pub(crate) mod grants;
pub(crate) mod input_column;
pub(crate) mod login_failures;
pub(crate) mod mcp_servers;
pub(crate) mod notifications;
pub(crate) mod oauth_connections;
pub(crate) mod oauth_providers;
pub(crate) mod password_links;
pub(crate) mod remote_mcp;
pub(crate) mod rules;
pub(crate) mod run_allowances;
pub(crate) mod run_issued_credentials;
pub(crate) mod runs;
pub(crate) mod runtime_keys;
pub(crate) mod sessions;
pub(crate) mod tokens;
pub(crate) mod tool_calls;
pub(crate) mod tools;
pub(crate) mod traces;
pub(crate) mod users;
pub(crate) mod webhooks;
pub(crate) mod workspaces;

use crate::Result;

/// A connection to the store, on its own or inside a transaction.
pub type Connection = sqlx::AnyConnection;

/// Where one statement can run: the pool, or a connection.
pub(crate) trait Executor<'c>: sqlx::Executor<'c, Database = sqlx::Any> {}

impl<'c, T> Executor<'c> for T where T: sqlx::Executor<'c, Database = sqlx::Any> {}

/// The outcome of an insert that a unique key may refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub(crate) enum Insert {
    Done,
    /// A row with the same unique key exists.
    Taken,
}

impl Insert {
    /// Reads an insert's result, telling a unique key's refusal from other
    /// failures (which stay errors).
    fn of<T>(result: sqlx::Result<T>) -> Result<Self> {
        match result {
            Ok(_) => Ok(Self::Done),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(Self::Taken),
            Err(error) => Err(error.into()),
        }
    }
}

/// Whether an `UPDATE` or `DELETE` found a row.
fn touched(result: &sqlx::any::AnyQueryResult) -> bool {
    result.rows_affected() > 0
}

/// A pattern for `LIKE … ESCAPE '\'` matching text that contains `words`
/// as they are, their `%`, `_` and `\` included.
pub(crate) fn containing(words: &str) -> String {
    let escaped = words
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// How stale `last_used_at` may get before a use writes it again; saves a
/// write per request for busy secrets.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// Notes the use of the hashed secret `hash` in `table` (its hash in
/// `hash_column`), unless its `last_used_at` is fresher than
/// [`LAST_USED_RESOLUTION_MS`]. For personal access tokens and runtime keys.
///
/// Whether the note is due is read first, so that most uses, which come
/// within the resolution of the last, do not queue for the writer.
pub(crate) async fn note_use(
    db: &crate::Db,
    now: i64,
    table: &'static str,
    hash_column: &'static str,
    hash: &str,
) -> crate::Result<()> {
    let stale = format!("{hash_column} = $1 AND (last_used_at IS NULL OR last_used_at < $2)");
    let due: Option<String> =
        sqlx::query_scalar(&format!("SELECT {hash_column} FROM {table} WHERE {stale}"))
            .bind(hash)
            .bind(now - LAST_USED_RESOLUTION_MS)
            .fetch_optional(db.pool())
            .await?;
    if due.is_none() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    sqlx::query(&format!(
        "UPDATE {table} SET last_used_at = $3 WHERE {stale}"
    ))
    .bind(hash)
    .bind(now - LAST_USED_RESOLUTION_MS)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Plumbing that is part of the store though it lives beside it:
    /// [`crate::db`] (the pool, write transactions and dialect helpers),
    /// [`crate::notify`] (PostgreSQL's NOTIFY and LISTEN), [`crate::error`]
    /// (the one mapping of store failures to errors) and [`crate::testing`]
    /// (template databases for tests, and plain statements for unit tests'
    /// rows).
    const STORE_PLUMBING: &[&str] = &["db.rs", "error.rs", "notify.rs", "testing.rs"];

    fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }

    /// The foundation every layer may use: ids, time, errors, validation,
    /// sealing secrets, and the crate root's names for the errors.
    const FOUNDATION: &[&str] = &[
        "ids", "clock", "error", "validate", "vault", "model", "Error", "Result", "Code",
    ];

    /// The store's plumbing (see [`STORE_PLUMBING`]) and its root names.
    const STORE_LAYER: &[&str] = &["store", "db", "notify", "Backend", "Db", "WriteTransaction"];

    /// `code` without its unit tests (a trailing `#[cfg(test)] mod tests`)
    /// and without its comment lines.
    fn without_tests_and_comments(code: &str) -> String {
        let code = code
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        code.lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The first names of the paths of a `{…}` group: `a, b::{c, d}, e`
    /// names `a`, `b` and `e`.
    fn group_names(group: &str, names: &mut Vec<String>) {
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars().chain([',']) {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    let name: String = item
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        names.push(name);
                    }
                    item.clear();
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
    }

    /// The first name of every `crate::` path in `code`, outside comment
    /// lines and unit tests: `crate::a::b` names `a`, `crate::{a, b::{c}}`
    /// (on any number of lines) names `a` and `b`. A path that reaches the
    /// crate root another way (`super::super::`, `use crate as …`) is
    /// named `super` or `crate`, which no layer allows.
    fn crate_names(code: &str) -> Vec<String> {
        let code = without_tests_and_comments(code);
        let mut names = Vec::new();
        let mut rest = code.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            match rest.strip_prefix('{') {
                Some(group) => {
                    let mut depth = 1;
                    let end = group
                        .char_indices()
                        .find(|(_, c)| {
                            depth += match c {
                                '{' => 1,
                                '}' => -1,
                                _ => 0,
                            };
                            depth == 0
                        })
                        .map_or(group.len(), |(end, _)| end);
                    group_names(&group[..end], &mut names);
                }
                None => group_names(
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or_default(),
                    &mut names,
                ),
            }
        }
        if code.contains("super::super") {
            names.push("super".to_owned());
        }
        if code.contains("use crate as") || code.contains("crate::{self") {
            names.push("crate".to_owned());
        }
        names
    }

    /// Checks each Rust file of `layer` (a folder, or one file) against the
    /// names it may use, adding what it should not to `offenders`.
    fn check_layer(src: &Path, layer: &str, allowed: &[&str], offenders: &mut Vec<String>) {
        let path = src.join(layer);
        let mut files = Vec::new();
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path);
        }
        for file in files {
            let code = std::fs::read_to_string(&file).unwrap();
            let in_mod_rs = file.file_name().is_some_and(|name| name == "mod.rs");
            let mut names = crate_names(&code);
            // In a folder's `mod.rs`, one `super::` is already the root.
            if in_mod_rs && without_tests_and_comments(&code).contains("super::") {
                names.push("super".to_owned());
            }
            for name in names {
                if !allowed.contains(&name.as_str()) {
                    offenders.push(format!("{} uses crate::{name}", file.display()));
                }
            }
        }
    }

    /// The foundation uses only itself, the model only the foundation, and
    /// the store only the model, the foundation and its plumbing: none
    /// reaches a use case, so no import goes round in a circle.
    #[test]
    fn the_model_and_the_store_use_no_use_case() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let store = [FOUNDATION, STORE_LAYER].concat();
        let mut offenders = Vec::new();
        for file in ["ids.rs", "clock.rs", "error.rs", "validate.rs", "vault.rs"] {
            check_layer(&src, file, FOUNDATION, &mut offenders);
        }
        check_layer(&src, "model", FOUNDATION, &mut offenders);
        for plumbing in ["db.rs", "notify.rs"] {
            check_layer(&src, plumbing, &store, &mut offenders);
        }
        check_layer(&src, "store", &store, &mut offenders);
        assert!(offenders.is_empty(), "{offenders:#?}");
    }

    #[test]
    fn crate_paths_are_read_whole_and_in_groups() {
        let code = "use crate::runs::Run;\nuse crate::{\n    Error,\n    ids::{A, B},\n    agents::x,\n};\n\
                    // crate::traces in a comment\nlet a = crate::clock::now();\n\
                    #[cfg(test)]\nmod tests {\n    use crate::events;\n}";
        assert_eq!(
            crate_names(code),
            ["runs", "Error", "ids", "agents", "clock"]
        );
        assert_eq!(crate_names("use super::super::runs::Run;"), ["super"]);
        assert_eq!(crate_names("use crate as root;"), ["crate"]);
    }

    /// Nothing outside the store and its plumbing names `sqlx`.
    #[test]
    fn only_the_store_speaks_sql() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut offenders = Vec::new();
        for file in files {
            let relative = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if relative.starts_with("store/") || STORE_PLUMBING.contains(&relative.as_str()) {
                continue;
            }
            if std::fs::read_to_string(&file).unwrap().contains("sqlx") {
                offenders.push(relative);
            }
        }
        assert!(
            offenders.is_empty(),
            "these files name sqlx outside the store; move their SQL into store/: {offenders:?}"
        );
    }
}
