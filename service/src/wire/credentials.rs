use bosun_wire::credentials::Credential;

use crate::credentials::CredentialInfo;

impl From<CredentialInfo> for Credential {
    fn from(info: CredentialInfo) -> Self {
        Self {
            name: info.name,
            version: info.version,
            service_account: info.service_account,
            created_at: info.created_at.map(Into::into),
            rotated_at: info.rotated_at.map(Into::into),
            last_used_at: info.last_used_at.map(Into::into),
        }
    }
}
