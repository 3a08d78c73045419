//! Pieces shared by several pages.

pub mod empty;
pub mod errors;
pub mod layout;
