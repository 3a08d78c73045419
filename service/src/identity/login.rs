//! Logging in with email and password, with throttling of repeated failures,
//! and re-checking a session on every request.

use chrono::{DateTime, Utc};

use super::{PRINCIPAL_COLUMNS, Principal, PrincipalRow, passwords};
use crate::clock::to_millis;
use crate::{Bosun, Error, Result, validate};

#[derive(sqlx::FromRow)]
struct LoginRow {
    #[sqlx(flatten)]
    principal: PrincipalRow,
    password_hash: Option<String>,
    deactivated_at: Option<i64>,
}

impl Bosun {
    /// Checks an email and password. After too many failures for one email
    /// within the throttle window, every attempt is refused (even a correct
    /// one) until the window has passed.
    pub async fn login(&self, email: &str, password: &str) -> Result<Principal> {
        let email = validate::email("email", email)?;
        if password.is_empty() {
            return Err(Error::invalid("password", "is required"));
        }
        let now = self.now();
        self.check_login_throttle(&email, now).await?;

        let row: Option<LoginRow> = sqlx::query_as(&format!(
            "SELECT {PRINCIPAL_COLUMNS}, users.password_hash, users.deactivated_at \
             FROM users WHERE email = $1"
        ))
        .bind(&email)
        .fetch_optional(self.db().pool())
        .await?;
        let (stored_hash, row) = match row {
            Some(row) => (row.password_hash.clone(), Some(row)),
            None => (None, None),
        };
        let password_ok = passwords::verify(password, stored_hash).await?;
        match row {
            Some(row) if password_ok && row.deactivated_at.is_none() => {
                sqlx::query("DELETE FROM login_failures WHERE email = $1")
                    .bind(&email)
                    .execute(self.db().pool())
                    .await?;
                row.principal.try_into()
            }
            Some(_) if password_ok => Err(Error::forbidden("this account has been deactivated")),
            _ => {
                sqlx::query("INSERT INTO login_failures (email, failed_at) VALUES ($1, $2)")
                    .bind(&email)
                    .bind(to_millis(now))
                    .execute(self.db().pool())
                    .await?;
                tracing::info!("failed login attempt");
                Err(Error::InvalidCredentials)
            }
        }
    }

    async fn check_login_throttle(&self, email: &str, now: DateTime<Utc>) -> Result<()> {
        let window = self.settings().login_throttle_window;
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let since = to_millis(now).saturating_sub(window_ms);
        let (failures, oldest): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE email = $1 AND failed_at > $2",
        )
        .bind(email)
        .bind(since)
        .fetch_one(self.db().pool())
        .await?;
        if failures >= i64::from(self.settings().login_throttle_attempts) {
            let free_at = oldest.unwrap_or(since).saturating_add(window_ms);
            let wait_ms = u64::try_from(free_at.saturating_sub(to_millis(now))).unwrap_or(0);
            return Err(Error::RateLimited {
                retry_after: std::time::Duration::from_millis(wait_ms),
            });
        }
        Ok(())
    }

    /// Re-validates a session's user on each request: the account must still
    /// exist and be active, and the session must be younger than the
    /// absolute timeout.
    pub async fn authenticate_session(
        &self,
        user_id: &str,
        authenticated_at: DateTime<Utc>,
    ) -> Result<Principal> {
        let age = self.now().signed_duration_since(authenticated_at);
        let limit = chrono::Duration::from_std(self.settings().session_absolute_timeout)
            .unwrap_or(chrono::Duration::MAX);
        if age > limit || age < chrono::Duration::zero() {
            return Err(Error::Unauthenticated);
        }
        self.active_principal(user_id)
            .await?
            .ok_or(Error::Unauthenticated)
    }
}
