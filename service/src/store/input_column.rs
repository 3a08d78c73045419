//! How a tool call's input is kept in a `text` column (the tool call's
//! row, its approval request's edit): a string as it is, an object as JSON
//! text, with a flag saying which.

use serde_json::Value;

use crate::db::nul_escaped;

/// An input as a `text` column keeps it, and whether that is JSON text: a
/// string as it is (NUL-escaped for PostgreSQL), an object as JSON.
pub(crate) fn encode(input: &Value) -> (String, bool) {
    match input {
        Value::String(text) => (nul_escaped(text).into_owned(), false),
        other => (other.to_string(), true),
    }
}

/// The inverse of [`encode`].
pub(crate) fn decode(text: &str, json: i64) -> Value {
    if json != 0 {
        serde_json::from_str(text).unwrap_or(Value::Null)
    } else {
        Value::String(text.to_owned())
    }
}
