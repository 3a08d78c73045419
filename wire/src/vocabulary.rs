//! The domain's closed sets of names: roles, access levels, credential
//! models, run and approval statuses, MCP transports… each an enum declared
//! once, with its names, `Display`, `FromStr` (whose error lists the
//! accepted names), serde in the same spelling and, with the `openapi`
//! feature, a schema listing them. The stored values in the database are
//! the same words.
//!
//! The policy engine's own vocabularies (rule actions, execution modes,
//! rule layers, risk levels, tool categories and argument kinds) live in
//! `bosun-policy` and are re-exported here, so that this module is the one
//! place to look for every name the API speaks.

use serde::{Deserialize, Serialize};

pub use bosun_policy::vocabulary::{UnknownName, Vocabulary};
pub use bosun_policy::{Action, ArgKind, ExecutionMode, Layer, RiskLevel, ToolCategory};

/// A user's role in their workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Manages members, workspace rules, tools and settings.
    Admin,
    /// Uses the agents shared with them.
    Member,
}

bosun_policy::vocabulary!(Role { Admin => "admin", Member => "member" });

/// A level of access granted on an agent, ordered `Run < Clone < Edit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AccessLevel {
    /// Start runs, see one's own runs, read the definition.
    Run,
    /// Everything `Run` can, plus copy the agent into one's own.
    Clone,
    /// Everything `Clone` can, plus change the definition, rules and credentials.
    Edit,
}

bosun_policy::vocabulary!(AccessLevel { Run => "run", Clone => "clone", Edit => "edit" });

/// Why a principal has the access they have to an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AccessSource {
    Owner,
    Admin,
    UserGrant,
    WorkspaceGrant,
}

bosun_policy::vocabulary!(AccessSource {
    Owner => "owner",
    Admin => "admin",
    UserGrant => "user_grant",
    WorkspaceGrant => "workspace_grant",
});

/// How an agent authenticates to the services it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CredentialModel {
    /// A dedicated service account whose secrets editors store ("Claw").
    Fixed,
    /// The user who started the run, through their own connected accounts ("Assistant").
    User,
}

bosun_policy::vocabulary!(CredentialModel { Fixed => "fixed", User => "user" });

/// Which agents a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AgentListView {
    /// Every agent the principal can see.
    #[default]
    All,
    /// Agents the principal owns.
    Mine,
    /// Agents others shared with the principal or with the whole workspace.
    Shared,
}

bosun_policy::vocabulary!(AgentListView { All => "all", Mine => "mine", Shared => "shared" });

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RunStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

bosun_policy::vocabulary!(RunStatus {
    Queued => "queued",
    Running => "running",
    Succeeded => "succeeded",
    Failed => "failed",
    Cancelled => "cancelled",
});

/// Where a request for approval stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApprovalStatus {
    /// Waiting for a reviewer.
    Pending,
    Approved,
    Denied,
    /// Nobody decided in time: a denial.
    Expired,
    /// Whoever the run acts for lost access to the agent before a decision.
    Withdrawn,
    Cancelled,
}

bosun_policy::vocabulary!(ApprovalStatus {
    Pending => "pending",
    Approved => "approved",
    Denied => "denied",
    Expired => "expired",
    Withdrawn => "withdrawn",
    Cancelled => "cancelled",
});

/// What a reviewer decides about a request for approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReviewChoice {
    /// This call only.
    AllowOnce,
    /// This call, and a rule that allows its like from now on.
    AlwaysAllow,
    /// This call and every later call of the tool with the same subject in
    /// the same run.
    AllowForRun,
    /// An edited input instead of the requested one.
    Edit,
    Deny,
}

bosun_policy::vocabulary!(ReviewChoice {
    AllowOnce => "allow_once",
    AlwaysAllow => "always_allow",
    AllowForRun => "allow_for_run",
    Edit => "edit",
    Deny => "deny",
});

/// How a request for approval was resolved: a reviewer's choice, or why
/// it closed without one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApprovalDecision {
    AllowOnce,
    AlwaysAllow,
    AllowForRun,
    Edit,
    Deny,
    /// Nobody decided in time.
    Expired,
    /// Whoever the run acts for lost access to the agent first.
    Withdrawn,
    /// Its run was cancelled or ended first.
    Cancelled,
}

bosun_policy::vocabulary!(ApprovalDecision {
    AllowOnce => "allow_once",
    AlwaysAllow => "always_allow",
    AllowForRun => "allow_for_run",
    Edit => "edit",
    Deny => "deny",
    Expired => "expired",
    Withdrawn => "withdrawn",
    Cancelled => "cancelled",
});

/// How an MCP server is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Transport {
    /// A command the local proxy starts, speaking over its stdin and stdout.
    Stdio,
    /// A URL, over Streamable HTTP.
    Http,
}

bosun_policy::vocabulary!(Transport { Stdio => "stdio", Http => "http" });

/// Where one of an MCP server's tools stands for the agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum McpToolStatus {
    /// One of the agent's tools: shown, and its calls go to the rules.
    Added,
    /// In the catalog but not one of the agent's tools (seen by someone
    /// who may not edit the agent, or removed by an editor): hidden, and
    /// denied until an editor adds it.
    Discovered,
    /// One of the agent's tools, but a rule without pattern denies every
    /// call of it: hidden.
    Denied,
    /// Its name makes no catalog name (too long, nothing usable, or the
    /// same as another tool's of the server): hidden, and never called.
    Unnamed,
}

bosun_policy::vocabulary!(McpToolStatus {
    Added => "added",
    Discovered => "discovered",
    Denied => "denied",
    Unnamed => "unnamed",
});

/// Where someone's connection to an OAuth provider stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ConnectionStatus {
    /// Connected: its token is issued to the agents that need it.
    Active,
    /// The provider refused to renew the token for good; connecting again
    /// mends it.
    ReconnectNeeded,
    /// Never connected, or disconnected.
    NotConnected,
}

bosun_policy::vocabulary!(ConnectionStatus {
    Active => "active",
    ReconnectNeeded => "reconnect_needed",
    NotConnected => "not_connected",
});

/// How Bosun authenticates to a remote MCP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RemoteAuthKind {
    /// Not at all.
    None,
    /// With a secret in a header of every request.
    Header,
    /// With the OAuth account of whoever runs the agent.
    Oauth,
}

bosun_policy::vocabulary!(RemoteAuthKind { None => "none", Header => "header", Oauth => "oauth" });

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name parses back to its value, and serde spells it the same.
    fn agrees<T: Vocabulary + Serialize + serde::de::DeserializeOwned + std::fmt::Debug>() {
        assert_eq!(T::ALL.len(), T::NAMES.len());
        for (value, name) in T::ALL.iter().zip(T::NAMES) {
            assert_eq!(value.to_string(), *name);
            assert_eq!(name.parse::<T>().ok(), Some(*value));
            assert_eq!(serde_json::to_value(value).unwrap(), *name);
            assert_eq!(serde_json::from_value::<T>((*name).into()).unwrap(), *value);
        }
    }

    #[test]
    fn every_vocabulary_spells_its_names_as_serde_does() {
        agrees::<Role>();
        agrees::<AccessLevel>();
        agrees::<AccessSource>();
        agrees::<CredentialModel>();
        agrees::<AgentListView>();
        agrees::<RunStatus>();
        agrees::<ApprovalStatus>();
        agrees::<ReviewChoice>();
        agrees::<ApprovalDecision>();
        agrees::<Transport>();
        agrees::<McpToolStatus>();
        agrees::<ConnectionStatus>();
        agrees::<RemoteAuthKind>();
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_accepted_ones() {
        let error = "owner".parse::<Role>().unwrap_err();
        assert_eq!(error.to_string(), "must be one of: admin, member");
        assert!("Admin".parse::<Role>().is_err());
    }

    #[test]
    fn access_levels_are_ordered_run_clone_edit() {
        assert!(AccessLevel::Run < AccessLevel::Clone && AccessLevel::Clone < AccessLevel::Edit);
    }
}
