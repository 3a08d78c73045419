//! Identifiers: opaque strings on the wire, distinct types in the code.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Wraps an id that came from the store or from a request.
            pub fn from_string(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A workspace (an organization).
    WorkspaceId
);
id_type!(
    /// A person who logs in.
    UserId
);
id_type!(
    /// A personal access token (its id, never its value).
    TokenId
);
id_type!(
    /// An agent.
    AgentId
);
id_type!(
    /// A grant of access to an agent.
    GrantId
);
id_type!(
    /// A permission rule.
    RuleId
);
id_type!(
    /// One version of an agent's named secret.
    CredentialId
);
id_type!(
    /// A runtime key of an agent's worker (its id, never its value).
    RuntimeKeyId
);
id_type!(
    /// One invocation of an agent.
    RunId
);
id_type!(
    /// One tool call an agent asked about.
    ToolCallId
);
id_type!(
    /// A paused tool call waiting for a reviewer.
    ApprovalId
);
id_type!(
    /// Something a reviewer allowed for the rest of one run.
    RunAllowanceId
);
id_type!(
    /// An OAuth provider set up by an admin.
    OAuthProviderId
);
id_type!(
    /// One person's connected account at an OAuth provider.
    ConnectionId
);
id_type!(
    /// A URL an admin registered to hear of events.
    WebhookId
);
id_type!(
    /// An upstream MCP server an admin registered, reached over Streamable
    /// HTTP.
    RemoteMcpServerId
);
