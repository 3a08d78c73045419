//! The one place that decides what a principal may do with an agent.
//!
//! The rule itself is [`crate::model::access`]: [`AgentAccess`] and the SQL
//! filters that say it inside the store's statements. The writing use cases
//! ask for it through the proof values ([`Editable`], [`Manageable`] …),
//! which only this module makes and which they obtain inside their write
//! transaction; reads ask through [`crate::Bosun::agent_for`].

mod proofs;

pub use proofs::{
    Admin, AgentProof, Copyable, Editable, Manageable, Reviewable, Runnable, Seal, Visible,
};

pub use crate::model::access::*;
