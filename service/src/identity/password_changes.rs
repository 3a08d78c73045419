//! Changing passwords: one's own (the current one required), an admin
//! setting a member's, an admin's one-time set-password link, and the
//! operator's reset from the command line. Each change ends the person's
//! other browser sessions and is recorded in the event log, never with the
//! password.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{Principal, passwords};
use crate::clock::{from_millis, to_millis};
use crate::events::{self, EventKind, NewEvent};
use crate::hashed_secrets::{NewSecret, PASSWORD_LINK, random_secret};
use crate::ids::{UserId, WorkspaceId};
use crate::store::password_links::{self, LinkInsert, UsableLink};
use crate::store::users;
use crate::{Bosun, Error, Result, validate};
use bosun_wire::events::{Account, PasswordLinkCreated};

/// How long a set-password link works.
pub const PASSWORD_LINK_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// A set-password link's token, shown once to the admin who made it.
#[derive(Clone, Debug)]
pub struct CreatedPasswordLink {
    /// The secret part of the link; only its hash is kept.
    pub token: String,
    /// The page that uses it: under `BOSUN_PUBLIC_URL` when that is set,
    /// otherwise a path on this server. The token travels in the fragment,
    /// which browsers never send to a server or in a `Referer`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// Who a set-password link is for, as its page shows them.
#[derive(Clone, Debug)]
pub struct PasswordLinkTarget {
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// The characters a generated password is made of, and how many.
const GENERATED_PASSWORD_CHARS: usize = 24;

/// A fresh random password for the operator's reset (about 142 bits).
pub fn generate_password() -> String {
    random_secret(GENERATED_PASSWORD_CHARS)
}

impl Bosun {
    /// The principal changes their own password. The current password is
    /// checked with the same throttle as logging in (counted against their
    /// email and the client's address), so a stolen session or token cannot
    /// be used to guess it faster than the login form allows. Sessions
    /// that began up to the change stop counting; answers the first instant
    /// a session may carry to count again, which the caller stamps on its
    /// own session so that it carries on.
    pub async fn change_own_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
        client: std::net::IpAddr,
    ) -> Result<DateTime<Utc>> {
        if current.is_empty() {
            return Err(Error::invalid("current_password", "is required"));
        }
        validate::new_password("new_password", new)?;
        let email = principal.email.clone();
        let address = super::login::throttled_network(client);
        self.count_login_attempt(&email, &address, self.now())
            .await?;
        let stored = users::password_hash(self.db().pool(), &principal.user_id).await?;
        if !passwords::verify(current, stored).await? {
            tracing::info!(user = %principal.user_id, "wrong current password on a password change");
            return Err(Error::invalid(
                "current_password",
                "is not your current password",
            ));
        }
        self.forgive_login_failures(&email, &address).await?;
        let event = NewEvent::audit(
            EventKind::UserPasswordChanged,
            principal,
            None,
            events::data_of(&Account {
                user_id: principal.user_id.to_string(),
                email: principal.email.clone(),
            })?,
        );
        let changed_at = self.store_password(&principal.user_id, new, event).await?;
        Ok(changed_at + chrono::Duration::milliseconds(1))
    }

    /// An admin sets a member's password (any member of their workspace,
    /// admins included, themselves excepted: they change their own with the
    /// current one). The member's sessions end.
    pub async fn reset_member_password(
        &self,
        actor: &Principal,
        id: &UserId,
        new: &str,
    ) -> Result<()> {
        actor.require_admin()?;
        let email = self.password_target(actor, id).await?;
        validate::new_password("password", new)?;
        let event = NewEvent::audit(
            EventKind::MemberPasswordReset,
            actor,
            None,
            events::data_of(&Account {
                user_id: id.to_string(),
                email,
            })?,
        );
        self.store_password(id, new, event).await?;
        tracing::info!(user = %id, by = %actor.user_id, "reset a member's password");
        Ok(())
    }

    /// An admin makes a one-time link with which a member sets their own
    /// password. Only the token's hash is stored; it works once, for
    /// [`PASSWORD_LINK_LIFETIME`], and replaces any earlier link for them.
    pub async fn create_password_link(
        &self,
        actor: &Principal,
        id: &UserId,
    ) -> Result<CreatedPasswordLink> {
        actor.require_admin()?;
        let email = self.password_target(actor, id).await?;
        let NewSecret {
            value: token,
            hash: token_hash,
        } = PASSWORD_LINK.generate();
        let now = self.now();
        let expires_at = now + PASSWORD_LINK_LIFETIME;
        let mut tx = self.db().begin_write().await?;
        let link = LinkInsert {
            user: id,
            token_hash,
            created_by: &actor.user_id,
            created_at: to_millis(now),
            expires_at: to_millis(expires_at),
        };
        password_links::replace(&mut tx, link).await?;
        events::append(
            &mut tx,
            now,
            NewEvent::audit(
                EventKind::MemberPasswordLinkCreated,
                actor,
                None,
                events::data_of(&PasswordLinkCreated {
                    user_id: id.to_string(),
                    email,
                    // As chrono encodes a `DateTime<Utc>` in JSON.
                    expires_at: expires_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                })?,
            ),
        )
        .await?;
        tx.commit().await?;
        let path = format!("/set-password#{token}");
        let url = match &self.settings().public_url {
            Some(public) => format!("{}{path}", public.as_str().trim_end_matches('/')),
            None => path,
        };
        Ok(CreatedPasswordLink {
            token,
            url,
            expires_at,
        })
    }

    /// Whom a set-password link is for, while it still works.
    pub async fn password_link_target(&self, token: &str) -> Result<PasswordLinkTarget> {
        let UsableLink {
            email, expires_at, ..
        } = self.usable_link(token).await?;
        Ok(PasswordLinkTarget {
            email,
            expires_at: from_millis(expires_at),
        })
    }

    /// Sets a password with a set-password link, using the link up. Anyone
    /// holding the link may do this once, before it expires.
    pub async fn set_password_with_link(&self, token: &str, new: &str) -> Result<()> {
        validate::new_password("password", new)?;
        let UsableLink {
            user_id,
            workspace_id,
            email,
            ..
        } = self.usable_link(token).await?;
        let now = self.now();
        let hash = passwords::hash(&self.settings().password_hashing, new).await?;
        let mut tx = self.db().begin_write().await?;
        // Marking the link used is the claim: of two uses at once, one wins.
        let token_hash = PASSWORD_LINK.presented_hash(token);
        if !password_links::claim(&mut tx, token_hash, to_millis(now)).await? {
            return Err(link_unusable());
        }
        let event = NewEvent {
            kind: EventKind::UserPasswordSetWithLink,
            workspace_id: WorkspaceId::from_string(workspace_id),
            agent_id: None,
            run_id: None,
            actor: Some(user_id.clone()),
            on_behalf_of: None,
            data: events::data_of(&Account {
                user_id: user_id.clone(),
                email,
            })?,
        };
        users::write_password(&mut tx, &user_id, &hash, now).await?;
        events::append(&mut tx, now, event).await?;
        tx.commit().await?;
        tracing::info!(user = %user_id, "set a password with a link");
        Ok(())
    }

    /// The operator sets a user's password from the command line; without
    /// one, a generated password is set and answered.
    pub async fn reset_password_as_operator(
        &self,
        email: &str,
        password: Option<String>,
    ) -> Result<String> {
        let email = validate::email("email", email)?;
        let password = password.unwrap_or_else(generate_password);
        validate::new_password("password", &password)?;
        let row = users::by_email(self.db().pool(), &email).await?;
        let (id, workspace_id) = row.ok_or(Error::NotFound("user with that email"))?;
        let event = NewEvent {
            kind: EventKind::UserPasswordResetByOperator,
            workspace_id: WorkspaceId::from_string(workspace_id),
            agent_id: None,
            run_id: None,
            actor: None,
            on_behalf_of: None,
            data: events::data_of(&Account {
                user_id: id.clone(),
                email,
            })?,
        };
        self.store_password(&UserId::from_string(id), &password, event)
            .await?;
        Ok(password)
    }

    /// Hashes and stores a password with its audit event, in one
    /// transaction; answers the instant of the change.
    async fn store_password(
        &self,
        id: &UserId,
        new: &str,
        event: NewEvent,
    ) -> Result<DateTime<Utc>> {
        let hash = passwords::hash(&self.settings().password_hashing, new).await?;
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        users::write_password(&mut tx, id.as_str(), &hash, now).await?;
        password_links::delete_unused(&mut tx, id.as_str()).await?;
        events::append(&mut tx, now, event).await?;
        tx.commit().await?;
        Ok(now)
    }

    /// The email of the member of the admin's workspace whose password they
    /// may set: not their own (that takes the current password).
    async fn password_target(&self, actor: &Principal, id: &UserId) -> Result<String> {
        if *id == actor.user_id {
            return Err(Error::invalid(
                "user_id",
                "change your own password under My account, with your current one",
            ));
        }
        users::email_in(self.db().pool(), &actor.workspace_id, id)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    /// The user, workspace, email and expiry of an unused, unexpired link
    /// for an active user.
    async fn usable_link(&self, token: &str) -> Result<UsableLink> {
        let Some(hash) = PASSWORD_LINK.presented_hash(token) else {
            return Err(link_unusable());
        };
        password_links::usable(self.db().pool(), &hash, to_millis(self.now()))
            .await?
            .ok_or_else(link_unusable)
    }
}

fn link_unusable() -> Error {
    Error::Refused {
        code: crate::Code::PasswordLinkUnusable,
        message: "this set-password link has been used, has expired or was replaced; ask an admin for a new one".into(),
    }
}
