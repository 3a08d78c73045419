//! Logging in with email and password, with throttling of repeated failures
//! per email and per client address, and re-checking a session on every
//! request.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::{Principal, passwords};
use crate::clock::to_millis;
use crate::store::login_failures::{self, CountedBy};
use crate::store::users;
use crate::{Bosun, Error, Result, validate};

impl Bosun {
    /// Checks an email and password from a client address.
    ///
    /// Each attempt is counted against its email and its address before the
    /// password is looked at, in one transaction with the count that allows
    /// it: a burst of concurrent guesses gets no more verifications than the
    /// limit, however it interleaves. After too many failures for one email,
    /// or from one address, within the throttle window, every attempt is
    /// refused (even a correct one) until the window has passed. A correct
    /// password forgives that address's failures for that email.
    ///
    /// A deactivated account answers exactly as a wrong password does, so
    /// the answer tells nobody whether a password they hold is right.
    pub async fn login(&self, email: &str, password: &str, client: IpAddr) -> Result<Principal> {
        let email = validate::email("email", email)?;
        if password.is_empty() {
            return Err(Error::invalid("password", "is required"));
        }
        let address = throttled_network(client);
        self.count_login_attempt(&email, &address, self.now())
            .await?;

        let row = users::login_row(self.db().pool(), &email).await?;
        let (stored_hash, row) = match row {
            Some(row) => (row.password_hash.clone(), Some(row)),
            None => (None, None),
        };
        let password_ok = passwords::verify(password, stored_hash).await?;
        match row {
            Some(row) if password_ok && row.deactivated_at.is_none() => {
                self.forgive_login_failures(&email, &address).await?;
                row.principal.try_into()
            }
            _ => {
                tracing::info!("failed login attempt");
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// Refuses the attempt if its email or its address has used up its
    /// failures in the window, and otherwise records it as one, in the same
    /// transaction (a success takes it back).
    pub(super) async fn count_login_attempt(
        &self,
        email: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let settings = self.settings();
        let window_ms =
            i64::try_from(settings.login_throttle_window.as_millis()).unwrap_or(i64::MAX);
        let since = to_millis(now).saturating_sub(window_ms);
        let mut tx = self.db().begin_write().await?;
        login_failures::take_turn(&mut tx, self.db().backend()).await?;
        for (by, value, limit) in [
            (CountedBy::Email, email, settings.login_throttle_attempts),
            (
                CountedBy::Address,
                address,
                settings.login_throttle_address_attempts,
            ),
        ] {
            let (failures, oldest) = login_failures::count_since(&mut tx, by, value, since).await?;
            if failures >= i64::from(limit) {
                let free_at = oldest.unwrap_or(since).saturating_add(window_ms);
                let wait_ms = u64::try_from(free_at.saturating_sub(to_millis(now))).unwrap_or(0);
                return Err(Error::RateLimited {
                    retry_after: std::time::Duration::from_millis(wait_ms),
                });
            }
        }
        login_failures::insert(&mut tx, email, address, to_millis(now)).await?;
        tx.commit().await
    }

    /// Forgets the counted attempts of `email` from `address`, once its
    /// password proved right there.
    pub(super) async fn forgive_login_failures(&self, email: &str, address: &str) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        login_failures::forgive(&mut tx, email, address).await?;
        tx.commit().await
    }

    /// Re-validates a session's user on each request: the account must still
    /// exist and be active, the session must be younger than the absolute
    /// timeout, and it must have begun after the password last changed.
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
        let principal = self
            .active_principal(user_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        // A password change ends the sessions that began before it, or in
        // the same millisecond.
        let changed_at = users::password_changed_at(self.db().pool(), user_id).await?;
        if changed_at.is_some_and(|changed| to_millis(authenticated_at) <= changed) {
            return Err(Error::Unauthenticated);
        }
        Ok(principal)
    }
}

/// The client network login failures are counted against: the address
/// itself for IPv4, its /64 for IPv6 (one subscriber's allocation, in which
/// anyone holds billions of addresses to rotate through). An IPv4 address
/// in IPv6 clothing counts as the IPv4 address.
pub(super) fn throttled_network(client: IpAddr) -> String {
    match client {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1_u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(prefix))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::throttled_network;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let network = |a: &str| throttled_network(a.parse().unwrap());
        assert_eq!(network("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(network("2001:db8:1:2:ffff::9"), "2001:db8:1:2::/64");
        assert_ne!(network("2001:db8:1:3::1"), network("2001:db8:1:2::1"));
        assert_eq!(network("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(network("192.0.2.7"), "192.0.2.7");
    }
}
