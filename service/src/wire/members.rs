use bosun_wire::members::PasswordLink;

use crate::identity::CreatedPasswordLink;

impl From<CreatedPasswordLink> for PasswordLink {
    fn from(link: CreatedPasswordLink) -> Self {
        Self {
            url: link.url,
            expires_at: link.expires_at.into(),
        }
    }
}
