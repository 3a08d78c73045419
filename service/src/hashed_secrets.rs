//! Bearer secrets Bosun hands out once and keeps only as a hash: personal
//! access tokens, runtime keys and password links. Each kind has a prefix
//! (so a leaked one is easy to recognize and to scan for) and a length;
//! generation, hashing of a presented value and comparison live here, once
//! (the note of a use is the store's: [`crate::store::note_use`]).

use rand::Rng as _;
use rand::distributions::Alphanumeric;
use sha2::{Digest as _, Sha256};

/// A kind of bearer secret: its prefix and how many random characters
/// follow it.
pub(crate) struct SecretKind {
    prefix: &'static str,
    random_chars: usize,
}

/// Personal access tokens (190 bits).
pub(crate) const PERSONAL_ACCESS_TOKEN: SecretKind = SecretKind {
    prefix: "bosun_pat_",
    random_chars: 32,
};

/// Runtime keys (238 bits).
pub(crate) const RUNTIME_KEY: SecretKind = SecretKind {
    prefix: "bosun_rk_",
    random_chars: 40,
};

/// Password links (238 bits).
pub(crate) const PASSWORD_LINK: SecretKind = SecretKind {
    prefix: "bosun_pwl_",
    random_chars: 40,
};

/// A secret just made: the value to show once and the hash to store.
pub(crate) struct NewSecret {
    pub value: String,
    pub hash: String,
}

impl SecretKind {
    /// A fresh secret of this kind.
    pub(crate) fn generate(&self) -> NewSecret {
        let value = format!("{}{}", self.prefix, random_secret(self.random_chars));
        let hash = hash(&value);
        NewSecret { value, hash }
    }

    /// Whether a presented bearer value looks like a secret of this kind.
    pub(crate) fn looks_like(&self, presented: &str) -> bool {
        presented.starts_with(self.prefix)
    }

    /// The hash a presented value is looked up by, or `None` when it is
    /// not of this kind (and so matches nothing).
    pub(crate) fn presented_hash(&self, presented: &str) -> Option<String> {
        self.looks_like(presented).then(|| hash(presented))
    }
}

/// These secrets carry 190 bits of randomness or more, so a fast hash is
/// enough: nobody can guess one to test against it. Looking a hash up in
/// the store leaks nothing about the secret, since the presenter cannot
/// steer the hash.
fn hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// `chars` random letters and digits (about 5.95 bits each).
pub(crate) fn random_secret(chars: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(chars)
        .map(char::from)
        .collect()
}

/// Compares two secrets without leaking where they differ: what is
/// compared are their hashes.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_found_by_its_presented_hash_and_only_by_its_kind() {
        let made = PERSONAL_ACCESS_TOKEN.generate();
        assert!(made.value.starts_with("bosun_pat_"));
        assert_eq!(made.value.len(), "bosun_pat_".len() + 32);
        assert_ne!(made.hash, made.value);
        assert_eq!(
            PERSONAL_ACCESS_TOKEN.presented_hash(&made.value),
            Some(made.hash)
        );
        assert_eq!(RUNTIME_KEY.presented_hash(&made.value), None);
        assert_ne!(RUNTIME_KEY.generate().value, RUNTIME_KEY.generate().value);
    }

    #[test]
    fn same_secret_tells_equal_from_different() {
        assert!(same_secret("state-1", "state-1"));
        assert!(!same_secret("state-1", "state-2"));
    }
}
