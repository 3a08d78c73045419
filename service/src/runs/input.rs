//! A tool call's input: a string, or a JSON object checked against the
//! tool's schema and judged by its subject. What is kept of it (in the
//! tool call's row, its approval request and the trace) is redacted first
//! ([`crate::redact`]): secret-looking keys, and every credential value
//! issued to the run, which are kept sealed for that purpose.

use serde_json::Value;
use zeroize::Zeroizing;

use crate::clock::to_millis;
use crate::ids::{RunId, WorkspaceId};
use crate::redact::IssuedValue;
use crate::store;
use crate::vault;
use crate::{Bosun, Error, Result};

/// The most an input may take, as JSON text for an object.
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Checks an input's shape and size, and an object against its tool's
/// schema: a 400 naming the field. Whether the object's subject can be
/// found is the rules' business (they deny what they cannot judge).
pub(crate) async fn check(
    bosun: &Bosun,
    workspace: &WorkspaceId,
    tool: &str,
    input: &Value,
) -> Result<()> {
    match input {
        Value::String(text) if text.len() > MAX_INPUT_BYTES => {
            Err(Error::invalid("input", "must be at most 64 KiB"))
        }
        Value::String(_) => Ok(()),
        Value::Object(_) => {
            if input.to_string().len() > MAX_INPUT_BYTES {
                return Err(Error::invalid("input", "must be at most 64 KiB of JSON"));
            }
            let tools = crate::tools::load_tools(bosun.db(), workspace).await?;
            match tools.iter().find(|t| t.name == tool) {
                Some(info) => info.check_input(input),
                None => Ok(()),
            }
        }
        _ => Err(Error::invalid("input", "must be a string or a JSON object")),
    }
}

/// The most a client's own tool input may take, as JSON text (a file
/// Claude Code writes whole is in it).
pub(crate) const MAX_CLIENT_INPUT_BYTES: usize = 1024 * 1024;

/// Checks a client's own tool input (see
/// [`super::tool_calls::ClientCall`]): a JSON object of at most
/// [`MAX_CLIENT_INPUT_BYTES`], not held to the catalog tool's schema.
pub(crate) fn check_client(input: &Value) -> Result<()> {
    match input {
        Value::Object(_) if input.to_string().len() > MAX_CLIENT_INPUT_BYTES => Err(
            Error::invalid("tool_input", "must be at most 1 MiB of JSON"),
        ),
        Value::Object(_) => Ok(()),
        _ => Err(Error::invalid("tool_input", "must be a JSON object")),
    }
}

/// Whether any string of the input (or key of an object) holds a NUL
/// character, which no tool takes.
pub(crate) fn holds_nul(input: &Value) -> bool {
    match input {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// An input in one line, for a sentence or a message: its subject (every
/// element of an array subject, comma-separated) by the workspace's
/// catalog, or the input itself as text when it has none.
pub(crate) async fn subject_line(
    bosun: &Bosun,
    workspace: &WorkspaceId,
    tool: &str,
    input: &Value,
) -> String {
    let catalog = bosun.catalog(workspace).await.ok();
    let tool = catalog.as_ref().and_then(|catalog| catalog.get(tool));
    match bosun_policy::structured::subjects(tool, input) {
        Ok(subjects) => subjects.join(", "),
        Err(_) => input.to_string(),
    }
}

/// What sealed issued credential values are bound to: a copy in another
/// run's row does not open.
fn issued_context(run: &str, name: &str) -> String {
    format!("bosun issued credential v1\u{1f}{run}\u{1f}{name}")
}

/// Keeps the value of a credential handed to a run, sealed, in the
/// issuance's transaction: later inputs of the run are redacted against it.
/// A value the run already holds is kept once, so asking again and again
/// does not make every later call open more seals.
pub(crate) async fn remember_issued(
    bosun: &Bosun,
    conn: &mut store::Connection,
    run: &RunId,
    name: &str,
    value: &str,
) -> Result<()> {
    // Read on the issuance's own connection: a second one from the pool,
    // taken while this transaction holds one, could wait for ever when
    // many runs ask at once.
    let known = issued_on(bosun, &mut *conn, run).await?;
    if known
        .iter()
        .any(|v| v.name == name && v.value.as_str() == value)
    {
        return Ok(());
    }
    let sealed = vault::seal(
        bosun.master_key()?,
        &issued_context(run.as_str(), name),
        value.as_bytes(),
    )?;
    store::run_issued_credentials::insert(
        conn,
        run,
        name,
        &sealed.to_text(),
        to_millis(bosun.now()),
    )
    .await
}

impl Bosun {
    /// The credential values handed to a run so far. One that no longer
    /// opens fails the caller: redacting without it could leak it.
    pub(crate) async fn issued_values(&self, run: &RunId) -> Result<Vec<IssuedValue>> {
        let mut conn = self.db().pool().acquire().await?;
        issued_on(self, &mut conn, run).await
    }
}

/// [`Bosun::issued_values`] on a given connection.
async fn issued_on(
    bosun: &Bosun,
    conn: &mut store::Connection,
    run: &RunId,
) -> Result<Vec<IssuedValue>> {
    let rows = store::run_issued_credentials::of_run(conn, run).await?;
    let mut values: Vec<IssuedValue> = Vec::with_capacity(rows.len());
    for (name, sealed) in rows {
        let sealed = vault::Sealed::from_text(&sealed)
            .ok_or_else(|| Error::internal("an issued credential's seal does not parse"))?;
        let opened = vault::open(
            bosun.master_key()?,
            &issued_context(run.as_str(), &name),
            &sealed,
        )?;
        let value = Zeroizing::new(
            String::from_utf8(opened.to_vec())
                .map_err(|_| Error::internal("an issued credential is not text"))?,
        );
        if !values.iter().any(|v| v.name == name && *v.value == *value) {
            values.push(IssuedValue { name, value });
        }
    }
    // Longer values first, so one that contains another is redacted whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.value.len()));
    Ok(values)
}
