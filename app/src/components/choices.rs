//! Choices among a closed set of names, and how the tool catalog's names
//! read to people.

use bosun_wire::vocabulary::{ArgKind, RiskLevel, ToolCategory, Vocabulary};
use leptos::prelude::*;

/// The `<option>`s of a `<select>` over `choices`, each valued by its name
/// and shown by `label`; `selected` is chosen at first.
pub fn options<T: Vocabulary>(
    choices: impl IntoIterator<Item = T>,
    label: fn(T) -> &'static str,
    selected: Option<T>,
) -> impl IntoView {
    choices
        .into_iter()
        .map(|choice| {
            view! {
                <option value=choice.name() selected=selected == Some(choice)>
                    {label(choice)}
                </option>
            }
        })
        .collect_view()
}

/// A risk level as the inbox and the tool form name it.
pub fn risk_label(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::Safe => "Safe",
        RiskLevel::Caution => "Caution",
        RiskLevel::Unknown => "Unknown",
        RiskLevel::Dangerous => "Dangerous",
    }
}

/// What a tool's argument is, in words.
pub fn arg_kind_label(kind: ArgKind) -> &'static str {
    match kind {
        ArgKind::Command => "A shell command",
        ArgKind::Path => "A file path",
        ArgKind::Url => "A URL",
        ArgKind::Text => "Text",
    }
}

/// What a tool does, in words.
pub fn category_label(category: ToolCategory) -> &'static str {
    match category {
        ToolCategory::Read => "Only reads (read-only)",
        ToolCategory::FileWrite => "Writes files",
        ToolCategory::FileDelete => "Deletes files",
        ToolCategory::Shell => "Runs commands",
        ToolCategory::Network => "Talks to the network",
        ToolCategory::Message => "Sends messages to people",
        ToolCategory::Other => "Something else",
    }
}
