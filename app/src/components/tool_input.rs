//! A tool call's whole input, as a reviewer needs to read it: the command
//! and where it runs, a file write's content as lines added to nothing, an
//! edit's old and new text, an HTTP request's method, headers and body, an
//! email's recipients, subject and body. Shown on the inbox card and the
//! run's timeline. Secrets were redacted before the input was kept.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the input is, by the fields it has (so custom tools of the same
/// shape read the same way).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputShape {
    /// A string input, as given.
    Text {
        text: String,
    },
    Command {
        command: String,
    },
    Path {
        path: String,
    },
    FileWrite {
        path: String,
        content: String,
    },
    FileEdit {
        path: String,
        old: String,
        new: String,
    },
    Http {
        method: String,
        url: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
    },
    Email {
        to: Vec<String>,
        subject: String,
        body: String,
    },
    /// Any other object, as indented JSON.
    Other {
        json: String,
    },
}

/// A call's input and where it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallInput {
    pub shape: InputShape,
    pub working_dir: Option<String>,
}

/// Text of a JSON value: a string as it is, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

impl CallInput {
    /// Reads an input (a string, or an object) for display.
    pub fn new(input: &Value, working_dir: Option<String>) -> Self {
        let field = |name: &str| input.get(name).filter(|v| !v.is_null());
        let string = |name: &str| field(name).map(text_of);
        let edit = ["old_string", "old_text", "old"]
            .iter()
            .zip(["new_string", "new_text", "new"])
            .find_map(|(old, new)| Some((string(old)?, string(new)?)));
        let shape = match input {
            Value::String(text) => InputShape::Text { text: text.clone() },
            // Claude Code names a file `file_path` (`notebook_path` for a
            // notebook).
            Value::Object(_) => match (
                string("command"),
                string("path")
                    .or_else(|| string("file_path"))
                    .or_else(|| string("notebook_path")),
                string("url"),
            ) {
                (Some(command), _, _) => InputShape::Command { command },
                (None, Some(path), _) => match (string("content"), edit) {
                    (Some(content), _) => InputShape::FileWrite { path, content },
                    (None, Some((old, new))) => InputShape::FileEdit { path, old, new },
                    (None, None) => InputShape::Path { path },
                },
                (None, None, Some(url)) => InputShape::Http {
                    method: string("method").unwrap_or_else(|| "GET".into()),
                    url,
                    headers: field("headers")
                        .and_then(Value::as_object)
                        .map(|headers| {
                            headers
                                .iter()
                                .map(|(name, value)| (name.clone(), text_of(value)))
                                .collect()
                        })
                        .unwrap_or_default(),
                    body: string("body"),
                },
                (None, None, None) if field("to").is_some() => InputShape::Email {
                    to: match field("to") {
                        Some(Value::Array(to)) => to.iter().map(text_of).collect(),
                        Some(to) => vec![text_of(to)],
                        None => Vec::new(),
                    },
                    subject: string("subject").unwrap_or_default(),
                    body: string("body").unwrap_or_default(),
                },
                _ => InputShape::Other {
                    json: text_of(input),
                },
            },
            other => InputShape::Other {
                json: text_of(other),
            },
        };
        Self { shape, working_dir }
    }

    /// One line for labels: the command, path, URL or recipients.
    pub fn headline(&self) -> String {
        match &self.shape {
            InputShape::Text { text } => text.clone(),
            InputShape::Command { command } => command.clone(),
            InputShape::Path { path }
            | InputShape::FileWrite { path, .. }
            | InputShape::FileEdit { path, .. } => path.clone(),
            InputShape::Http { method, url, .. } => format!("{method} {url}"),
            InputShape::Email { to, .. } => to.join(", "),
            InputShape::Other { json } => json.clone(),
        }
    }
}

/// Lines of `text`, each marked as added (`+`) or removed (`-`).
fn diff_lines(text: &str, mark: &'static str) -> impl IntoView + use<> {
    let class = if mark == "+" { "added" } else { "removed" };
    text.lines()
        .map(|line| view! { <span class=class>{format!("{mark} {line}")}"\n"</span> })
        .collect_view()
}

/// The input, laid out by its shape.
#[component]
pub fn CallInputView(call: CallInput) -> impl IntoView {
    let working_dir = call.working_dir.clone().map(|dir| {
        view! { <p class="meta" data-testid="working-dir">"In " <code>{dir}</code></p> }
    });
    let body = match call.shape {
        InputShape::Text { text } => {
            view! { <pre class="mono request-input">{text}</pre> }.into_any()
        }
        InputShape::Command { command } => view! {
            <p class="hint">"Command"</p>
            <pre class="mono request-input">{command}</pre>
        }
        .into_any(),
        InputShape::Path { path } => {
            view! { <pre class="mono request-input">{path}</pre> }.into_any()
        }
        InputShape::FileWrite { path, content } => view! {
            <p>"Writes " <code>{path}</code> {format!(" ({} lines)", content.lines().count())}</p>
            <pre class="mono diff" aria-label="Content" data-testid="content">{diff_lines(&content, "+")}</pre>
        }
        .into_any(),
        InputShape::FileEdit { path, old, new } => view! {
            <p>"Edits " <code>{path}</code></p>
            <pre class="mono diff" aria-label="Change" data-testid="content">
                {diff_lines(&old, "-")}{diff_lines(&new, "+")}
            </pre>
        }
        .into_any(),
        InputShape::Http {
            method,
            url,
            headers,
            body,
        } => view! {
            <pre class="mono request-input">{format!("{method} {url}")}</pre>
            {(!headers.is_empty()).then(|| view! {
                <table class="headers" aria-label="Headers">
                    <tbody>
                        {headers.into_iter().map(|(name, value)| view! {
                            <tr><th class="mono">{name}</th><td class="mono">{value}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {body.map(|body| view! { <pre class="mono request-input" aria-label="Body">{body}</pre> })}
        }
        .into_any(),
        InputShape::Email { to, subject, body } => view! {
            <dl class="email">
                <dt>"To"</dt><dd class="mono">{to.join(", ")}</dd>
                <dt>"Subject"</dt><dd>{subject}</dd>
            </dl>
            <pre class="mono request-input" aria-label="Body">{body}</pre>
        }
        .into_any(),
        InputShape::Other { json } => {
            view! { <pre class="mono request-input">{json}</pre> }.into_any()
        }
    };
    view! { <div class="call-input">{body}{working_dir}</div> }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn inputs_are_read_by_their_fields() {
        let shape = |input: Value| CallInput::new(&input, None).shape;
        assert_eq!(
            shape(json!({"path": "/a", "content": "x"})),
            InputShape::FileWrite {
                path: "/a".into(),
                content: "x".into()
            }
        );
        assert_eq!(
            shape(json!({"path": "/a", "old_string": "x", "new_string": "y"})),
            InputShape::FileEdit {
                path: "/a".into(),
                old: "x".into(),
                new: "y".into()
            }
        );
        assert_eq!(
            shape(json!({"to": ["a@x", "b@x"], "subject": "s", "body": "b"})),
            InputShape::Email {
                to: vec!["a@x".into(), "b@x".into()],
                subject: "s".into(),
                body: "b".into()
            }
        );
        assert_eq!(
            shape(
                json!({"url": "https://x", "headers": {"Authorization": "[redacted]"}, "body": {"a": 1}})
            ),
            InputShape::Http {
                method: "GET".into(),
                url: "https://x".into(),
                headers: vec![("Authorization".into(), "[redacted]".into())],
                body: Some("{\n  \"a\": 1\n}".into()),
            }
        );
        assert_eq!(shape(json!("ls")), InputShape::Text { text: "ls".into() });
    }
}
