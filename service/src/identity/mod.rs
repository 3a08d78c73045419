//! Who is asking: users, their roles, how they prove it (password, session,
//! personal access token), and the [`Principal`] every use case receives.

mod login;
mod members;
mod password_changes;
pub mod passwords;
pub mod sessions;
mod tokens;

pub use members::{Member, MemberSummary, NewUser};
pub use password_changes::{
    CreatedPasswordLink, PASSWORD_LINK_LIFETIME, PasswordLinkTarget, generate_password,
};
pub use tokens::{CreatedToken, MAX_TOKEN_LIFETIME, NewToken, TokenInfo};

pub use crate::model::identity::{AgentScope, Principal};
pub use bosun_wire::vocabulary::Role;

/// The address a request came from, as the HTTP layer worked it out: the
/// TCP peer, or the client a trusted reverse proxy forwarded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);
