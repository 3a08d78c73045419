//! Redaction of tool inputs before anything is stored, shown, traced or
//! exported: the value under a secret-looking key, at any depth, becomes
//! `[redacted]`, and every occurrence of a credential value issued to the
//! run becomes `[redacted: <credential name>]`.
//!
//! Rules decide on the input as the agent sent it; only what is kept is
//! redacted. An agent that gets a reviewer's edit back fills the markers in
//! from its own input with [`restore`].

use bosun_policy::{Reason, Risk};
use serde_json::Value;
use zeroize::Zeroizing;

/// What a value under a secret-looking key becomes.
pub const REDACTED: &str = "[redacted]";

/// The words of a key that mark its value as secret: `Authorization`,
/// `Set-Cookie`, `db_password`, `accessToken`, `x-amz-security-token`,
/// `client_secret`, `credentials`, …
const SECRET_WORDS: &[&str] = &[
    "authorization",
    "auth",
    "bearer",
    "cookie",
    "password",
    "passwd",
    "passphrase",
    "token",
    "secret",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
];

/// Pairs of adjacent words that mark a value as secret: `api_key`,
/// `X-Api-Key`, `privateKey`, `aws_access_key_id`, `ssh-key`.
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("private", "key"),
    ("access", "key"),
    ("ssh", "key"),
    ("signing", "key"),
    ("encryption", "key"),
    ("session", "id"),
];

/// Credential values shorter than this are redacted only where a whole
/// string equals them: a substring that short would blot out ordinary text
/// and say nothing about where the secret went.
const MIN_CONTAINED_LEN: usize = 8;

/// A credential value handed to a run, with its name.
pub struct IssuedValue {
    pub name: String,
    pub value: Zeroizing<String>,
}

/// The lowercase words of a key: split at anything but letters and digits,
/// and where a lowercase letter meets an uppercase one (`accessToken`).
fn words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether the value under `key` must not be kept.
pub fn is_secret_key(key: &str) -> bool {
    let words = words(key);
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|pair| SECRET_PAIRS.contains(&(pair[0].as_str(), pair[1].as_str())))
}

/// Redacts `input` in place: values under secret-looking keys at any depth,
/// and credential values issued to the run wherever they occur in a string
/// (a string input included).
pub fn redact(input: &mut Value, issued: &[IssuedValue]) {
    walk(input, issued, true);
}

/// Redacts only the credential values issued to the run: for what a tool
/// reported, whose keys are the tool's own (`max_tokens`, `token_count`).
pub fn redact_issued(value: &mut Value, issued: &[IssuedValue]) {
    if !issued.is_empty() {
        walk(value, issued, false);
    }
}

fn walk(input: &mut Value, issued: &[IssuedValue], by_key: bool) {
    match input {
        Value::String(text) => redact_text(text, issued),
        Value::Array(items) => items.iter_mut().for_each(|item| walk(item, issued, by_key)),
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                if by_key && is_secret_key(key) && !matches!(value, Value::Null | Value::Bool(_)) {
                    *value = Value::String(REDACTED.to_owned());
                } else {
                    walk(value, issued, by_key);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Redacts the credential values issued to the run from what a decision
/// says in words: the reason's message and the risk's findings, which may
/// quote the input. Never its names (`kind`, `layer`, `mode`, `level`,
/// ids), which a credential that happens to be such a word must not turn
/// into something no longer a reason.
pub fn redact_decision(reason: &mut Reason, risk: &mut Risk, issued: &[IssuedValue]) {
    if issued.is_empty() {
        return;
    }
    if let Reason::InvalidInput { message } | Reason::Unanalysable { message } = reason {
        redact_text(message, issued);
    }
    for finding in &mut risk.reasons {
        redact_text(finding.to_mut(), issued);
    }
}

/// Replaces each credential value in `text` with its marker.
pub fn redact_text(text: &mut String, issued: &[IssuedValue]) {
    for credential in issued {
        let value = credential.value.as_str();
        if value.is_empty() {
            continue;
        }
        let marker = || format!("[redacted: {}]", credential.name);
        if text == value {
            *text = marker();
        } else if value.len() >= MIN_CONTAINED_LEN && text.contains(value) {
            *text = text.replace(value, &marker());
        }
    }
}

/// Whether a redacted input still says `[redacted…]` somewhere: what an
/// agent must fill in from its own input.
pub fn has_markers(input: &Value) -> bool {
    match input {
        Value::String(text) => text.contains("[redacted"),
        Value::Array(items) => items.iter().any(has_markers),
        Value::Object(fields) => fields.values().any(has_markers),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Whether every redaction marker of a reviewer's `edited` input stands
/// where the `original` (as kept, redacted) had it: in the string at the
/// same place, and no more often than there. What [`restore`] fills in is
/// then only what the agent itself meant to send at that place.
pub fn markers_in_place(edited: &Value, original: &Value) -> bool {
    match edited {
        Value::String(text) => {
            let wanted = markers_of(text);
            if wanted.is_empty() {
                return true;
            }
            let had = original.as_str().map(markers_of).unwrap_or_default();
            wanted
                .iter()
                .all(|(marker, count)| had.get(marker).is_some_and(|was| was >= count))
        }
        Value::Array(items) => items.iter().enumerate().all(|(index, item)| {
            markers_in_place(item, original.get(index).unwrap_or(&Value::Null))
        }),
        Value::Object(fields) => fields
            .iter()
            .all(|(key, value)| markers_in_place(value, original.get(key).unwrap_or(&Value::Null))),
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
    }
}

/// The redaction markers in a text (`[redacted]`, `[redacted: name]`) and
/// how often each occurs.
fn markers_of(text: &str) -> std::collections::BTreeMap<&str, usize> {
    let mut found = std::collections::BTreeMap::new();
    let mut rest = text;
    while let Some(start) = rest.find("[redacted") {
        let tail = &rest[start..];
        let Some(end) = tail.find(']') else { break };
        *found.entry(&tail[..=end]).or_insert(0) += 1;
        rest = &tail[end + 1..];
    }
    found
}

/// Fills a reviewer's edit of a redacted input back in from the agent's own
/// `original`: a `[redacted]` value takes the original's value at the same
/// place, and each `[redacted: name]` the value of the credential `name`
/// the agent holds. What the reviewer changed stays changed.
pub fn restore(edited: &mut Value, original: Option<&Value>, issued: &[IssuedValue]) {
    match edited {
        Value::String(text) if text == REDACTED => {
            if let Some(value) = original {
                *edited = value.clone();
            }
        }
        Value::String(text) => {
            for credential in issued {
                let marker = format!("[redacted: {}]", credential.name);
                if text.contains(&marker) {
                    *text = text.replace(&marker, &credential.value);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                restore(item, original.and_then(|o| o.get(index)), issued);
            }
        }
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                restore(value, original.and_then(|o| o.get(key)), issued);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn issued(name: &str, value: &str) -> IssuedValue {
        IssuedValue {
            name: name.into(),
            value: Zeroizing::new(value.into()),
        }
    }

    #[test]
    fn secret_looking_keys_are_recognized_in_any_spelling() {
        for key in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "Set-Cookie",
            "password",
            "db_password",
            "token",
            "accessToken",
            "X-Auth-Token",
            "x-amz-security-token",
            "client_secret",
            "api_key",
            "X-API-Key",
            "apiKey",
            "aws_access_key_id",
            "privateKey",
            "credentials",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "path",
            "content",
            "max_tokens",
            "author",
            "keyboard",
            "url",
            "monkey",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn values_under_secret_keys_and_issued_credentials_are_redacted_at_any_depth() {
        let mut input = json!({
            "url": "https://api.example/x?key=ghp_0123456789abcdef",
            "method": "POST",
            "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k", "Accept": "json"},
            "body": {"nested": [{"password": 42}], "note": "ghp_0123456789abcdef", "ok": null},
        });
        redact(&mut input, &[issued("github", "ghp_0123456789abcdef")]);
        assert_eq!(
            input,
            json!({
                "url": "https://api.example/x?key=[redacted: github]",
                "method": "POST",
                "headers": {"Authorization": "[redacted]", "X-Api-Key": "[redacted]", "Accept": "json"},
                "body": {"nested": [{"password": "[redacted]"}], "note": "[redacted: github]", "ok": null},
            })
        );
        let mut command = json!("curl -H 'Authorization: Bearer ghp_0123456789abcdef' x");
        redact(&mut command, &[issued("github", "ghp_0123456789abcdef")]);
        assert_eq!(
            command,
            json!("curl -H 'Authorization: Bearer [redacted: github]' x")
        );
    }

    #[test]
    fn a_short_credential_is_redacted_only_where_it_is_the_whole_value() {
        let mut input = json!({"a": "pin", "b": "spinning"});
        redact(&mut input, &[issued("pin", "pin")]);
        assert_eq!(input, json!({"a": "[redacted: pin]", "b": "spinning"}));
    }

    #[test]
    fn markers_may_stay_only_where_they_were() {
        let original = json!({"url": "https://api.example/x", "headers": {"Authorization": "[redacted]"},
                              "body": "key=[redacted: github]"});
        let kept = json!({"url": "https://api.example/y", "headers": {"Authorization": "[redacted]"},
                          "body": "key=[redacted: github]&more=1"});
        assert!(markers_in_place(&kept, &original));
        let moved = json!({"url": "https://api.example/x", "headers": {"Authorization": "x"},
                           "body": "[redacted]"});
        assert!(!markers_in_place(&moved, &original));
        let doubled = json!({"body": "key=[redacted: github]&again=[redacted: github]"});
        assert!(!markers_in_place(&doubled, &original));
        let added = json!({"headers": {"X-Copy": "[redacted: github]"}});
        assert!(!markers_in_place(&added, &original));
        assert!(markers_in_place(
            &json!({"body": "plain", "n": 1}),
            &original
        ));
    }

    #[test]
    fn restore_fills_markers_back_in_and_keeps_the_reviewers_changes() {
        let original = json!({"url": "https://x/?k=ghp_0123456789abcdef", "headers": {"Authorization": "Bearer s3cr3t"}, "body": "a"});
        let mut edited = json!({"url": "https://x/?k=[redacted: github]", "headers": {"Authorization": "[redacted]"}, "body": "b"});
        assert!(has_markers(&edited));
        restore(
            &mut edited,
            Some(&original),
            &[issued("github", "ghp_0123456789abcdef")],
        );
        assert_eq!(
            edited,
            json!({"url": "https://x/?k=ghp_0123456789abcdef", "headers": {"Authorization": "Bearer s3cr3t"}, "body": "b"})
        );
        assert!(!has_markers(&edited));
    }
}
