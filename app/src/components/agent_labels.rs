//! How agent properties read to people.

use bosun_wire::vocabulary::{
    AccessLevel, AccessSource, CredentialModel, ExecutionMode, Vocabulary,
};
use leptos::prelude::*;

use crate::api::agents::AgentAccess;
use crate::components::choices::options;

/// What a mode is called in the UI, and what it does.
pub fn mode_text(mode: ExecutionMode) -> (&'static str, &'static str) {
    match mode {
        ExecutionMode::Restricted => (
            "Restricted",
            "Read-only tools run; everything else asks for approval.",
        ),
        ExecutionMode::ReadWrite => (
            "Read & write",
            "Reading and writing files run; shell, network, email and deletion ask.",
        ),
        ExecutionMode::Open => ("Open", "Everything runs unless a rule says otherwise."),
        ExecutionMode::Locked => ("Locked", "Nothing runs unless a rule allows it."),
    }
}

/// What a credential model is called in the UI, and when to choose it.
pub fn credential_text(model: CredentialModel) -> (&'static str, &'static str) {
    match model {
        CredentialModel::Fixed => (
            "Fixed service account (Claw)",
            "Acts as a dedicated service account whose secrets editors store: for shared automation, schedules and events.",
        ),
        CredentialModel::User => (
            "The user's own accounts (Assistant)",
            "Acts as whoever starts the run, with the accounts they connected: for agents that work on each person's behalf.",
        ),
    }
}

/// A choice of execution mode, bound to `mode`.
#[component]
pub fn ModeSelect(mode: RwSignal<String>) -> impl IntoView {
    view! {
        <select on:change=move |ev| mode.set(event_target_value(&ev)) prop:value=mode>
            {options(ExecutionMode::ALL.iter().copied(), |mode| mode_text(mode).0, None)}
        </select>
    }
}

pub fn mode_label(mode: ExecutionMode) -> String {
    format!("Mode: {}", mode_text(mode).0)
}

/// "Restricted — Read-only tools run; …": the mode and what it does.
pub fn mode_description(mode: ExecutionMode) -> String {
    let (label, help) = mode_text(mode);
    format!("{label} — {help}")
}

pub fn credential_label(model: CredentialModel) -> &'static str {
    match model {
        CredentialModel::User => "Acts as the user",
        CredentialModel::Fixed => "Acts as a service account",
    }
}

/// What an access level is called in the UI.
pub fn level_label(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::Run => "Run",
        AccessLevel::Clone => "Clone",
        AccessLevel::Edit => "Edit",
    }
}

/// "Edit" / "Run" … with where it comes from.
pub fn access_text(access: &AgentAccess) -> String {
    let level = access.level.map_or("No", level_label);
    let source = match access.source {
        Some(AccessSource::Owner) => "you own it",
        Some(AccessSource::Admin) => "you are a workspace admin",
        Some(AccessSource::UserGrant) => "shared with you",
        Some(AccessSource::WorkspaceGrant) => "shared with the whole workspace",
        None => "not shared with you",
    };
    format!("{level} access ({source})")
}

#[component]
pub fn AccessBadge(access: AgentAccess) -> impl IntoView {
    let class = format!(
        "badge access-{}",
        access.level.map_or("", |level| level.as_str())
    );
    view! { <span class=class>{access_text(&access)}</span> }
}
