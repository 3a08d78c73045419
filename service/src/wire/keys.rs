use bosun_wire::keys::{CreatedRuntimeKey, RuntimeKey};

use crate::runs::keys::{CreatedKey, KeyInfo};

impl From<KeyInfo> for RuntimeKey {
    fn from(key: KeyInfo) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name,
            created_by: key.created_by.to_string(),
            created_at: key.created_at.into(),
            last_used_at: key.last_used_at.map(Into::into),
            active: key.active,
        }
    }
}

impl From<CreatedKey> for CreatedRuntimeKey {
    fn from(created: CreatedKey) -> Self {
        Self {
            id: created.id.to_string(),
            key: created.key,
        }
    }
}
