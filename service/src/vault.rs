//! Envelope encryption for secrets at rest.
//!
//! Each secret is sealed with its own random data key (XChaCha20-Poly1305,
//! random 192-bit nonces), and the data key is sealed with the master key.
//! Both seals carry the same associated data — what the secret belongs to
//! (workspace, agent, name, version) — so a ciphertext copied into another
//! row, or a key from one row paired with another's secret, fails to open.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The key every data key is sealed with. Never printed.
#[derive(Clone)]
pub struct MasterKey(Arc<Zeroizing<[u8; 32]>>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self::from_bytes(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Arc::new(Zeroizing::new(bytes)))
    }

    /// A key written as base64 (as `BOSUN_MASTER_KEY` holds it).
    pub fn from_base64(text: &str) -> Result<Self> {
        let bytes = Zeroizing::new(
            BASE64
                .decode(text.trim())
                .map_err(|_| Error::invalid("BOSUN_MASTER_KEY", "must be 32 bytes in base64"))?,
        );
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::invalid("BOSUN_MASTER_KEY", "must be 32 bytes in base64"))?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(self.0.as_slice()))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(self.0.as_slice()))
    }
}

/// A secret as stored: every part base64, none of it readable without the
/// master key and the right associated data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: String,
    pub nonce: String,
    pub wrapped_key: String,
    pub key_nonce: String,
}

impl Sealed {
    /// One string holding all four parts, for columns that keep a sealed
    /// value in a single field (OAuth client secrets and tokens).
    pub fn to_text(&self) -> String {
        format!(
            "v1.{}.{}.{}.{}",
            self.nonce, self.ciphertext, self.key_nonce, self.wrapped_key
        )
    }

    /// The inverse of [`Sealed::to_text`]; `None` for anything else.
    pub fn from_text(text: &str) -> Option<Self> {
        let mut parts = text.split('.');
        let (Some("v1"), Some(nonce), Some(ciphertext), Some(key_nonce), Some(wrapped_key), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some(Self {
            ciphertext: ciphertext.into(),
            nonce: nonce.into(),
            wrapped_key: wrapped_key.into(),
            key_nonce: key_nonce.into(),
        })
    }
}

/// Seals `secret` for the owner `context` names.
pub fn seal(master: &MasterKey, context: &str, secret: &[u8]) -> Result<Sealed> {
    let data_key: Zeroizing<[u8; 32]> =
        Zeroizing::new(XChaCha20Poly1305::generate_key(&mut OsRng).into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = XChaCha20Poly1305::new(Key::from_slice(data_key.as_slice()))
        .encrypt(
            &nonce,
            Payload {
                msg: secret,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| Error::internal("sealing a secret failed"))?;
    let key_nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let wrapped_key = master
        .cipher()
        .encrypt(
            &key_nonce,
            Payload {
                msg: data_key.as_slice(),
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| Error::internal("sealing a data key failed"))?;
    Ok(Sealed {
        ciphertext: BASE64.encode(ciphertext),
        nonce: BASE64.encode(nonce),
        wrapped_key: BASE64.encode(wrapped_key),
        key_nonce: BASE64.encode(key_nonce),
    })
}

/// Seals a text secret into its one-column form ([`Sealed::to_text`]).
pub(crate) fn seal_text(master: &MasterKey, context: &str, secret: &str) -> Result<String> {
    Ok(seal(master, context, secret.as_bytes())?.to_text())
}

/// Opens what [`seal_text`] sealed for the same context; one that does
/// not open is [`unreadable`] with `what` and `remedy`.
pub(crate) fn open_text(
    master: &MasterKey,
    context: &str,
    text: &str,
    what: &str,
    remedy: &str,
) -> Result<Zeroizing<String>> {
    let unreadable = || unreadable(what, remedy);
    let sealed = Sealed::from_text(text).ok_or_else(unreadable)?;
    let bytes = open(master, context, &sealed).map_err(|_| unreadable())?;
    String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| unreadable())
}

/// The answer for a stored secret that no longer opens, wherever it is
/// kept: `what` is the secret, `remedy` who sets it again.
pub(crate) fn unreadable(what: &str, remedy: &str) -> Error {
    Error::Refused {
        code: crate::Code::CredentialUnreadable,
        message: format!(
            "{what} does not open (it was altered, moved, or sealed under another master key); \
             {remedy}"
        ),
    }
}

/// Opens what [`seal`] sealed for the same `context`; anything else —
/// another owner's context, a changed byte, another master key — fails.
pub fn open(master: &MasterKey, context: &str, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>> {
    let broken = || {
        Error::internal(
            "a stored secret does not open: it was altered, moved, or sealed under another master key",
        )
    };
    let decode = |text: &str| BASE64.decode(text).map_err(|_| broken());
    let nonce = |text: &str| -> Result<XNonce> {
        let bytes = decode(text)?;
        (bytes.len() == 24)
            .then(|| *XNonce::from_slice(&bytes))
            .ok_or_else(broken)
    };
    let data_key = Zeroizing::new(
        master
            .cipher()
            .decrypt(
                &nonce(&sealed.key_nonce)?,
                Payload {
                    msg: &decode(&sealed.wrapped_key)?,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| broken())?,
    );
    if data_key.len() != 32 {
        return Err(broken());
    }
    let secret = XChaCha20Poly1305::new(Key::from_slice(&data_key))
        .decrypt(
            &nonce(&sealed.nonce)?,
            Payload {
                msg: &decode(&sealed.ciphertext)?,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| broken())?;
    Ok(Zeroizing::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_owner_and_key() {
        let master = MasterKey::generate();
        let sealed = seal(&master, "ws|agent-a|token|1", b"s3cret").unwrap();
        assert_eq!(
            open(&master, "ws|agent-a|token|1", &sealed)
                .unwrap()
                .as_slice(),
            b"s3cret"
        );
        assert!(!sealed.ciphertext.contains("s3cret"));
        assert!(
            open(&master, "ws|agent-b|token|1", &sealed).is_err(),
            "moved to another agent"
        );
        assert!(
            open(&master, "ws|agent-a|token|2", &sealed).is_err(),
            "passed off as another version"
        );
        assert!(open(&MasterKey::generate(), "ws|agent-a|token|1", &sealed).is_err());
        let mut altered = sealed.clone();
        altered.ciphertext = BASE64.encode([0_u8; 22]);
        assert!(open(&master, "ws|agent-a|token|1", &altered).is_err());
    }

    #[test]
    fn the_text_form_round_trips_and_rejects_anything_else() {
        let master = MasterKey::generate();
        let sealed = seal(&master, "c", b"token").unwrap();
        let again = Sealed::from_text(&sealed.to_text()).unwrap();
        assert_eq!(open(&master, "c", &again).unwrap().as_slice(), b"token");
        assert_eq!(Sealed::from_text("v2.a.b.c.d"), None);
        assert_eq!(Sealed::from_text("v1.a.b.c"), None);
        assert_eq!(Sealed::from_text("v1.a.b.c.d.e"), None);
    }

    #[test]
    fn master_keys_round_trip_through_base64_and_reject_bad_lengths() {
        let master = MasterKey::generate();
        let again = MasterKey::from_base64(&master.to_base64()).unwrap();
        let sealed = seal(&master, "c", b"x").unwrap();
        assert_eq!(open(&again, "c", &sealed).unwrap().as_slice(), b"x");
        let error = MasterKey::from_base64("c2hvcnQ=").unwrap_err();
        assert!(error.to_string().contains("BOSUN_MASTER_KEY"), "{error}");
        assert!(format!("{master:?}").contains('…'));
    }
}
