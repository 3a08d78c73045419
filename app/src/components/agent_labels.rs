//! How agent properties read to people.

use leptos::prelude::*;

use crate::api::agents::AccessView;

pub const EXECUTION_MODES: [(&str, &str, &str); 4] = [
    (
        "restricted",
        "Restricted",
        "Read-only tools run; everything else asks for approval.",
    ),
    (
        "read_write",
        "Read & write",
        "Reading and writing files run; shell, network, email and deletion ask.",
    ),
    (
        "open",
        "Open",
        "Everything runs unless a rule says otherwise.",
    ),
    ("locked", "Locked", "Nothing runs unless a rule allows it."),
];

pub const CREDENTIAL_MODELS: [(&str, &str, &str); 2] = [
    (
        "fixed",
        "Fixed service account (Claw)",
        "Acts as a dedicated service account whose secrets editors store: for shared automation, schedules and events.",
    ),
    (
        "user",
        "The user's own accounts (Assistant)",
        "Acts as whoever starts the run, with the accounts they connected: for agents that work on each person's behalf.",
    ),
];

/// A choice of execution mode, bound to `mode`.
#[component]
pub fn ModeSelect(mode: RwSignal<String>) -> impl IntoView {
    view! {
        <select on:change=move |ev| mode.set(event_target_value(&ev)) prop:value=mode>
            {EXECUTION_MODES
                .into_iter()
                .map(|(key, label, _)| view! { <option value=key>{label}</option> })
                .collect_view()}
        </select>
    }
}

pub fn mode_label(mode: &str) -> String {
    EXECUTION_MODES
        .iter()
        .find(|(key, _, _)| *key == mode)
        .map(|(_, label, _)| format!("Mode: {label}"))
        .unwrap_or_else(|| format!("Mode: {mode}"))
}

/// "Restricted — Read-only tools run; …": the mode and what it does.
pub fn mode_description(mode: &str) -> String {
    EXECUTION_MODES
        .iter()
        .find(|(key, _, _)| *key == mode)
        .map(|(_, label, help)| format!("{label} — {help}"))
        .unwrap_or_else(|| mode.to_owned())
}

pub fn credential_label(model: &str) -> &'static str {
    match model {
        "user" => "Acts as the user",
        _ => "Acts as a service account",
    }
}

/// "Edit" / "Run" … with where it comes from.
pub fn access_text(access: &AccessView) -> String {
    let level = match access.level.as_str() {
        "edit" => "Edit",
        "clone" => "Clone",
        "run" => "Run",
        _ => "No",
    };
    let source = match access.source.as_str() {
        "owner" => "you own it",
        "admin" => "you are a workspace admin",
        "user_grant" => "shared with you",
        "workspace_grant" => "shared with the whole workspace",
        _ => "not shared with you",
    };
    format!("{level} access ({source})")
}

#[component]
pub fn AccessBadge(access: AccessView) -> impl IntoView {
    let class = format!("badge access-{}", access.level);
    view! { <span class=class>{access_text(&access)}</span> }
}
