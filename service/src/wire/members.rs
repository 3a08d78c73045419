use bosun_wire::members::{Me, MemberSummary, PasswordLink};

use crate::Principal;
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

impl From<&Principal> for Me {
    fn from(principal: &Principal) -> Self {
        Self {
            id: principal.user_id.to_string(),
            email: principal.email.clone(),
            name: principal.name.clone(),
            role: principal.role,
            workspace_id: principal.workspace_id.to_string(),
        }
    }
}
