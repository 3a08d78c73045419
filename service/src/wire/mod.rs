//! The service's domain types as the shapes of [`bosun_wire`], which the
//! REST API and the server functions both answer with: each converts here,
//! once, so that both speak the same JSON. One file per resource, as in the
//! wire crate.

mod agents;
mod approvals;
mod credentials;
mod keys;
mod mcp;
mod mcp_servers;
mod members;
mod oauth;
mod rules;
mod runs;
mod sharing;
mod tokens;
mod tools;
mod traces;
mod webhooks;
mod workspace;

/// An agent by id and name, as every resource that names agents lists it.
fn agent_ref(id: &crate::ids::AgentId, name: String) -> bosun_wire::agents::AgentRef {
    bosun_wire::agents::AgentRef {
        id: id.to_string(),
        name,
    }
}
