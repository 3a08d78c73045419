//! Password hashing with argon2id, off the async threads.

use anyhow::Context as _;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};

use crate::Result;

/// The argon2id parameters new password hashes are made with: the crate's
/// recommended ones (19 MiB, two passes, one lane) in every build a user
/// runs. Each stored hash is a PHC string naming its own parameters, and
/// verification reads them from there, so a hash made with one set verifies
/// whatever set is current.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordHashing {
    params: Params,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        Self {
            params: Params::DEFAULT,
        }
    }
}

impl PasswordHashing {
    /// The smallest parameters argon2 accepts (8 KiB, one pass), for tests
    /// that create users and log in by the hundred. Only builds with the
    /// `testing` feature (the test harnesses) have this constructor, so no
    /// setting, flag or variable of a shipped binary can weaken hashing.
    #[cfg(any(test, feature = "testing"))]
    pub fn cheap_for_tests() -> Self {
        Self {
            params: Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None)
                .expect("argon2's minimum parameters are valid"),
        }
    }

    fn hasher(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }
}

/// Hashes a password into a PHC string (argon2id with `hashing`'s
/// parameters).
pub(crate) async fn hash(hashing: &PasswordHashing, password: &str) -> Result<String> {
    let password = password.to_owned();
    let hasher = hashing.hasher();
    let phc = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))
    })
    .await
    .context("password hashing task")??;
    Ok(phc)
}

/// Checks a password against a stored hash, with the parameters the hash
/// names. Without a stored hash it still spends the time of one
/// verification, so timing does not reveal which emails have accounts.
pub(crate) async fn verify(password: &str, stored: Option<String>) -> Result<bool> {
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && stored != DUMMY_HASH
    })
    .await
    .context("password verification task")?;
    Ok(matches)
}

/// The argon2id hash of a random password nobody knows, with the default
/// parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W2R6m1Bd8lCPkCq3OxNq7nLxS3Ww+p1NfJ6Q0Qv6b1M";

#[cfg(test)]
mod tests {
    use super::{PasswordHashing, hash, verify};

    /// "correct horse battery" hashed with the production parameters.
    const PRODUCTION_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ozsMkVbC0faSHMGJXe0tTw$YPV1vW1OUIy3xM6QxFVuhaaI9Vj8ErbhfIn8NuwcdAg";

    #[test]
    fn the_default_parameters_are_argon2s_recommended_ones() {
        let production = PasswordHashing::default();
        assert_eq!(production.params.m_cost(), 19 * 1024);
        assert_eq!(production.params.t_cost(), 2);
        assert_eq!(production.params.p_cost(), 1);
        assert_ne!(production, PasswordHashing::cheap_for_tests());
    }

    #[tokio::test]
    async fn a_hash_names_the_parameters_it_was_made_with() {
        let production = hash(&PasswordHashing::default(), "correct horse battery")
            .await
            .unwrap();
        assert!(
            production.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{production}"
        );
        let cheap = hash(&PasswordHashing::cheap_for_tests(), "correct horse battery")
            .await
            .unwrap();
        assert!(cheap.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{cheap}");
    }

    #[tokio::test]
    async fn hashes_verify_with_their_own_parameters_whichever_set_is_current() {
        let cheap = hash(&PasswordHashing::cheap_for_tests(), "correct horse battery")
            .await
            .unwrap();
        for stored in [PRODUCTION_HASH.to_owned(), cheap] {
            assert!(
                verify("correct horse battery", Some(stored.clone()))
                    .await
                    .unwrap(),
                "{stored}"
            );
            assert!(
                !verify("correct horse battery!", Some(stored.clone()))
                    .await
                    .unwrap(),
                "{stored}"
            );
        }
        assert!(!verify("anything", None).await.unwrap());
    }
}
