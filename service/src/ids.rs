//! Identifiers: opaque strings on the wire, distinct types in the code.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Wraps an id that came from the store (or one already
            /// checked by [`Self::parse`]).
            pub fn from_string(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// Reads an id that came from a request (a path, a form). Every
            /// id is a UUID this service generated, so anything else names
            /// nothing: it is refused here as not found, naming what it
            /// was to be, before any query sees it.
            pub fn parse(id: &str) -> crate::Result<Self> {
                match uuid::Uuid::try_parse(id) {
                    Ok(parsed) if parsed.hyphenated().to_string() == id => Ok(Self(id.to_owned())),
                    _ => Err(crate::Error::NotFound($what)),
                }
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
    WorkspaceId,
    "workspace"
);
id_type!(
    /// A person who logs in.
    UserId,
    "user"
);
id_type!(
    /// A personal access token (its id, never its value).
    TokenId,
    "token"
);
id_type!(
    /// An agent.
    AgentId,
    "agent"
);
id_type!(
    /// A grant of access to an agent.
    GrantId,
    "grant"
);
id_type!(
    /// A permission rule.
    RuleId,
    "rule"
);
id_type!(
    /// One version of an agent's named secret.
    CredentialId,
    "credential"
);
id_type!(
    /// A runtime key of an agent's worker (its id, never its value).
    RuntimeKeyId,
    "runtime key"
);
id_type!(
    /// One invocation of an agent.
    RunId,
    "run"
);
id_type!(
    /// One tool call an agent asked about.
    ToolCallId,
    "tool call"
);
id_type!(
    /// A paused tool call waiting for a reviewer.
    ApprovalId,
    "approval"
);
id_type!(
    /// Something a reviewer allowed for the rest of one run.
    RunAllowanceId,
    "run allowance"
);
id_type!(
    /// An OAuth provider set up by an admin.
    OAuthProviderId,
    "oauth provider"
);
id_type!(
    /// One person's connected account at an OAuth provider.
    ConnectionId,
    "connection"
);
id_type!(
    /// A URL an admin registered to hear of events.
    WebhookId,
    "webhook"
);
id_type!(
    /// An upstream MCP server an admin registered, reached over Streamable
    /// HTTP.
    RemoteMcpServerId,
    "remote MCP server"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_from_a_request_is_read_only_in_the_form_ids_are_made() {
        let made = AgentId::generate();
        assert_eq!(AgentId::parse(made.as_str()).unwrap(), made);
        for malformed in [
            "",
            "agent-1",
            "' OR 1=1 --",
            "0192f0c8-3c1e-7d4a-9b2f-0a1b2c3d4e5",
            "0192f0c8-3c1e-7d4a-9b2f-0a1b2c3d4e5f0",
            // Another spelling of a UUID names nothing either: ids are
            // compared as text, as they were made.
            "0192F0C8-3C1E-7D4A-9B2F-0A1B2C3D4E5F",
            "0192f0c83c1e7d4a9b2f0a1b2c3d4e5f",
            "{0192f0c8-3c1e-7d4a-9b2f-0a1b2c3d4e5f}",
            "urn:uuid:0192f0c8-3c1e-7d4a-9b2f-0a1b2c3d4e5f",
        ] {
            let refused = AgentId::parse(malformed).unwrap_err();
            assert!(
                matches!(refused, crate::Error::NotFound("agent")),
                "{malformed:?}: {refused:?}"
            );
        }
        // Each kind of id names itself when refused.
        assert!(matches!(
            RunId::parse("x"),
            Err(crate::Error::NotFound("run"))
        ));
        assert!(matches!(
            ApprovalId::parse("x"),
            Err(crate::Error::NotFound("approval"))
        ));
        assert!(matches!(
            UserId::parse("x"),
            Err(crate::Error::NotFound("user"))
        ));
        assert!(matches!(
            RuntimeKeyId::parse("x"),
            Err(crate::Error::NotFound("runtime key"))
        ));
        assert!(matches!(
            WorkspaceId::parse("x"),
            Err(crate::Error::NotFound("workspace"))
        ));
    }
}
