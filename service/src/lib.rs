//! Bosun's service layer: every use case and every authorization check, over
//! a store that is either SQLite or PostgreSQL.
//!
//! It is built in layers, each using only those before it (see [`model`]):
//! the typed domain ([`model`]), the store (`store`, all SQL), the access
//! proofs ([`access`]) and the use cases, one module per resource. The web
//! UI (server functions) and the REST API are thin adapters over [`Bosun`];
//! neither decides who may do what.

pub mod access;
pub mod agents;
pub mod clock;
pub mod credentials;
pub mod db;
pub mod error;
pub mod events;
mod hashed_secrets;
pub mod identity;
pub mod ids;
pub mod integrations;
pub mod model;
pub mod notifications;
pub mod notify;
pub mod oauth;
pub mod outbound;
pub mod redact;
pub mod rules;
pub mod runs;
mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tools;
pub mod traces;
pub mod validate;
pub mod vault;
mod wire;
pub mod workspaces;

use std::sync::Arc;
use std::time::Duration;

pub use clock::{Clock, SystemClock};
pub use db::{Backend, Db, WriteTransaction};
pub use error::{Code, Error, Result};
pub use identity::{Principal, Role};

/// Tunables of the service layer; the defaults suit a normal installation.
#[derive(Clone, Debug)]
pub struct Settings {
    /// A session unused for this long must log in again.
    pub session_idle_timeout: Duration,
    /// A session older than this must log in again, however busy.
    pub session_absolute_timeout: Duration,
    /// Failed logins for one email within `login_throttle_window` before
    /// further attempts are refused.
    pub login_throttle_attempts: u32,
    /// Failed logins from one client address within `login_throttle_window`
    /// before further attempts from it are refused.
    pub login_throttle_address_attempts: u32,
    pub login_throttle_window: Duration,
    /// Seals every stored secret; without one, secrets cannot be written
    /// or issued.
    pub master_key: Option<credentials::MasterKey>,
    /// Lets outbound requests reach private and loopback addresses
    /// (`BOSUN_ALLOW_PRIVATE_URLS`), for providers beside Bosun and tests.
    pub allow_private_urls: bool,
    /// The address people use to reach Bosun (`BOSUN_PUBLIC_URL`), which
    /// OAuth providers send browsers back to.
    pub public_url: Option<url::Url>,
    /// Where request emails are sent through (`BOSUN_SMTP_URL`,
    /// `BOSUN_MAIL_FROM`); without it, no email is attempted.
    pub smtp: Option<notifications::SmtpSettings>,
    /// The wait before a failed webhook or email is tried again; doubled
    /// after each further failure.
    pub delivery_retry: Duration,
    /// An interactive run with no event for this long is abandoned
    /// (`BOSUN_INTERACTIVE_IDLE_SECONDS`): it fails and what it waits for
    /// expires.
    pub interactive_idle: Duration,
    /// The argon2id parameters new password hashes are made with; always
    /// the production ones outside the test harnesses.
    pub password_hashing: identity::passwords::PasswordHashing,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(8 * 60 * 60),
            session_absolute_timeout: Duration::from_secs(7 * 24 * 60 * 60),
            login_throttle_attempts: 5,
            login_throttle_address_attempts: 20,
            login_throttle_window: Duration::from_secs(15 * 60),
            master_key: None,
            allow_private_urls: false,
            public_url: None,
            smtp: None,
            delivery_retry: Duration::from_secs(10),
            interactive_idle: Duration::from_secs(24 * 60 * 60),
            password_hashing: identity::passwords::PasswordHashing::default(),
        }
    }
}

/// The handle to everything Bosun can do. Cheap to clone.
#[derive(Clone)]
pub struct Bosun {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    settings: Settings,
    policies: rules::decisions::PolicyCache,
    /// Started on first use, inside the runtime that serves requests.
    decisions: std::sync::OnceLock<runs::decision_log::DecisionLog>,
    /// What runtime keys' tool calls read, kept between calls.
    hot_runs: runs::hot_runs::HotRuns,
    /// Talks to URLs others chose (OAuth providers).
    http: outbound::Outbound,
    /// At most one token refresh in flight per connection in this process.
    refreshes: oauth::tokens::RefreshLocks,
}

impl Bosun {
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                http: outbound::Outbound::new(settings.allow_private_urls),
                settings,
                policies: rules::decisions::PolicyCache::default(),
                decisions: std::sync::OnceLock::new(),
                hot_runs: runs::hot_runs::HotRuns::default(),
                refreshes: oauth::tokens::RefreshLocks::default(),
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Wake-ups for long polls and server push.
    pub fn notifier(&self) -> &notify::Notifier {
        self.db().notifier()
    }

    pub(crate) fn decision_log(&self) -> &runs::decision_log::DecisionLog {
        self.inner.decisions.get_or_init(|| {
            runs::decision_log::DecisionLog::start(self.db().clone(), self.hot_runs().newest())
        })
    }

    pub(crate) fn hot_runs(&self) -> &runs::hot_runs::HotRuns {
        &self.inner.hot_runs
    }

    pub(crate) fn policy_cache(&self) -> &rules::decisions::PolicyCache {
        &self.inner.policies
    }

    pub(crate) fn http(&self) -> &outbound::Outbound {
        &self.inner.http
    }

    pub(crate) fn refresh_locks(&self) -> &oauth::tokens::RefreshLocks {
        &self.inner.refreshes
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The current instant, from the clock Bosun was built with.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }
}
