//! Password hashing with argon2id, off the async threads.

use anyhow::Context as _;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordVerifier};

use crate::Result;

/// Hashes a password into a PHC string (argon2id, the crate's recommended
/// parameters).
pub(crate) async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    let phc = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))
    })
    .await
    .context("password hashing task")??;
    Ok(phc)
}

/// Checks a password against a stored hash. Without a stored hash it still
/// spends the time of one verification, so timing does not reveal which
/// emails have accounts.
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
