//! Bosun's wire vocabulary, shared by the service, the REST API, the server
//! functions and the browser bundle: each name the domain uses on the wire is
//! defined here once. The crate has no server dependencies so that the
//! browser bundle can use it without pulling in the store.

pub mod events;
pub mod list;
pub mod vocabulary;
