//! Bosun's wire vocabulary and shapes, shared by the service, the REST API,
//! the server functions and the browser bundle: each name the domain uses on
//! the wire, and each resource's JSON shape (one module per resource, e.g.
//! [`tokens`]), is defined here once. The crate has no server dependencies
//! so that the browser bundle can use it without pulling in the store; the
//! service converts its domain types into these shapes.

pub mod agents;
pub mod approvals;
pub mod credentials;
pub mod events;
pub mod keys;
pub mod list;
pub mod mcp;
pub mod mcp_servers;
pub mod members;
pub mod oauth;
pub mod rules;
pub mod runs;
#[cfg(feature = "openapi")]
pub mod schemas;
pub mod sharing;
pub mod time;
pub mod tokens;
pub mod tools;
pub mod traces;
pub mod vocabulary;
pub mod webhooks;
pub mod workspace;
