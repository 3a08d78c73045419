//! One module per page.

pub mod account;
pub mod agent;
pub mod agents;
pub mod inbox;
pub mod integrations;
pub mod login;
pub mod not_found;
pub mod permissions;
pub mod set_password;
pub mod settings;
pub mod traces;
