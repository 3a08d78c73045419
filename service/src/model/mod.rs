//! The typed domain: the values the store reads and writes and the use
//! cases act on, one module per resource, with what can be said of them
//! without the store (the access rule, an event's place in the hash chain).
//!
//! The layers, each using only those before it: the model (with the
//! foundation beside it: [`crate::ids`], [`crate::clock`], [`crate::error`],
//! [`crate::validate`], [`crate::vault`] and the wire vocabularies); the
//! store ([`crate::store`], all SQL); [`crate::access`], which proves what a
//! principal may do; and the use cases (every other module), which the
//! adapters call through [`crate::Bosun`]. The use-case modules re-export
//! the model's types they answer with, so callers name them by resource. A
//! test in `store/mod.rs` fails when the model or the store imports a use
//! case.

pub mod access;
pub mod agents;
pub mod events;
pub mod identity;
pub mod integrations;
pub mod notifications;
pub mod oauth;
pub mod rules;
pub mod runs;
pub mod tools;
pub mod traces;
pub mod workspaces;
