use bosun_wire::members::{MemberSummary, PasswordLink};

use crate::identity::{self, CreatedPasswordLink};

impl From<CreatedPasswordLink> for PasswordLink {
    fn from(link: CreatedPasswordLink) -> Self {
        Self {
            url: link.url,
            expires_at: link.expires_at.into(),
        }
    }
}

impl From<identity::MemberSummary> for MemberSummary {
    fn from(member: identity::MemberSummary) -> Self {
        Self {
            id: member.id.to_string(),
            name: member.name,
            email: member.email,
        }
    }
}
