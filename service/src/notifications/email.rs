//! Email to the people who may decide a request, through the SMTP server
//! `BOSUN_SMTP_URL` names, from `BOSUN_MAIL_FROM`. Each person may turn
//! these emails off under My account; they are on by default.
//!
//! The SMTP password lives only in the process's environment and memory:
//! it is never stored, and [`SmtpSettings`] never prints it.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use url::Url;
use zeroize::Zeroizing;

use crate::store::users;
use crate::{Bosun, Error, Principal, Result};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// No TLS (`smtp://`): for a relay on the same host or network.
    Plain,
    /// Upgraded with STARTTLS (`smtp://…?tls=starttls`); refused without it.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Tls,
}

/// Where and as whom Bosun sends email.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    user: Option<String>,
    password: Option<Zeroizing<String>>,
    pub from: Mailbox,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpSettings {
    /// Reads `smtp://[user:password@]host:port[?tls=starttls]` or
    /// `smtps://[user:password@]host:port` and the sender's address.
    /// Errors name the setting, never repeat its value.
    pub fn parse(url: &str, from: &str) -> Result<Self> {
        const FIELD: &str = "BOSUN_SMTP_URL";
        let url = Url::parse(url.trim()).map_err(|_| {
            Error::invalid(
                FIELD,
                "must be smtp://[user:password@]host:port[?tls=starttls] or smtps://…",
            )
        })?;
        let mut security = match url.scheme() {
            "smtp" => SmtpSecurity::Plain,
            "smtps" => SmtpSecurity::Tls,
            _ => return Err(Error::invalid(FIELD, "must start with smtp:// or smtps://")),
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), security) {
                ("tls", "starttls", SmtpSecurity::Plain) => security = SmtpSecurity::StartTls,
                ("tls", "starttls" | "tls", SmtpSecurity::Tls) => {}
                _ => {
                    return Err(Error::invalid(
                        FIELD,
                        "accepts only ?tls=starttls (with smtp://) as an option",
                    ));
                }
            }
        }
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| Error::invalid(FIELD, "must name a host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url.port().unwrap_or(match security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Plain => 25,
        });
        let decode = |text: &str| {
            percent_decode(text).ok_or_else(|| {
                Error::invalid(
                    FIELD,
                    "holds a user name or password that is not valid UTF-8",
                )
            })
        };
        let user = (!url.username().is_empty())
            .then(|| decode(url.username()))
            .transpose()?;
        let password = url
            .password()
            .map(|password| decode(password).map(Zeroizing::new))
            .transpose()?;
        if password.is_some() && user.is_none() {
            return Err(Error::invalid(FIELD, "has a password without a user name"));
        }
        let from: Mailbox = from.trim().parse().map_err(|_| {
            Error::invalid(
                "BOSUN_MAIL_FROM",
                "must be an email address, optionally with a name: Bosun <bosun@example.com>",
            )
        })?;
        Ok(Self {
            host,
            port,
            security,
            user,
            password,
            from,
        })
    }

    fn transport(&self) -> std::result::Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let builder = match self.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)
                    .map_err(|error| format!("the SMTP server's name is unusable: {error}"))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host)
                .map_err(|error| format!("the SMTP server's name is unusable: {error}"))?,
        };
        let mut builder = builder.port(self.port).timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &self.user {
            let password = self.password.as_deref().map_or("", String::as_str);
            builder = builder.credentials(Credentials::new(user.clone(), password.to_owned()));
        }
        Ok(builder.build())
    }

    /// Sends one plain-text email. A failure says what went wrong in the
    /// SMTP conversation, never the password.
    pub(super) async fn send(
        &self,
        to: &str,
        subject: &str,
        text: &str,
    ) -> std::result::Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| "the recipient's address is not valid".to_owned())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(subject))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .map_err(|error| format!("the email could not be written: {error}"))?;
        self.transport()?
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| format!("SMTP: {error}"))
    }
}

/// Percent-decoding of a URL's user name or password.
fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// A subject line: control characters (line breaks) become spaces, and it
/// stays short.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    super::shortened(&line, 150)
}

impl Bosun {
    /// Whether the principal gets an email when a request waits for them.
    pub async fn email_notifications(&self, principal: &Principal) -> Result<bool> {
        users::email_notifications(self.db().pool(), &principal.user_id).await
    }

    /// Turns the principal's own request emails on or off.
    pub async fn set_email_notifications(&self, principal: &Principal, on: bool) -> Result<bool> {
        let mut tx = self.db().begin_write().await?;
        users::set_email_notifications(&mut tx, &principal.user_id, on).await?;
        tx.commit().await?;
        Ok(on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smtp_url_names_server_protection_and_login() {
        let plain =
            SmtpSettings::parse("smtp://mail.example.com:2525", "bosun@example.com").unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port),
            ("mail.example.com", 2525)
        );
        assert_eq!(plain.security, SmtpSecurity::Plain);
        assert!(plain.user.is_none());

        let starttls = SmtpSettings::parse(
            "smtp://bosun%40example.com:p%40ss@mail.example.com?tls=starttls",
            "Bosun <bosun@example.com>",
        )
        .unwrap();
        assert_eq!(starttls.security, SmtpSecurity::StartTls);
        assert_eq!(starttls.port, 587);
        assert_eq!(starttls.user.as_deref(), Some("bosun@example.com"));
        assert_eq!(
            starttls.password.as_deref().map(String::as_str),
            Some("p@ss")
        );

        let tls = SmtpSettings::parse("smtps://u:pw@mail.example.com", "b@example.com").unwrap();
        assert_eq!((tls.security, tls.port), (SmtpSecurity::Tls, 465));
    }

    #[test]
    fn a_bad_smtp_setting_is_named_without_repeating_the_password() {
        for (url, from) in [
            ("http://u:hunter22@mail.example.com", "b@example.com"),
            (
                "smtp://u:hunter22@mail.example.com?tls=maybe",
                "b@example.com",
            ),
            ("smtp://:hunter22@mail.example.com", "b@example.com"),
            ("smtp://u:hunter22@mail.example.com", "not an address"),
        ] {
            let error = SmtpSettings::parse(url, from).unwrap_err().to_string();
            assert!(error.starts_with("BOSUN_"), "{error}");
            assert!(!error.contains("hunter22"), "{error}");
        }
        let settings = SmtpSettings::parse("smtp://u:hunter22@mail.example.com", "b@example.com");
        assert!(!format!("{settings:?}").contains("hunter22"));
    }
}
