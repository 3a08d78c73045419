//! What `bosun serve` needs to know, gathered from flags and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use bosun_service::Db;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the SQLite database (and later key files) live.
    pub data_dir: PathBuf,
    /// A `postgres://` or `sqlite:` URL; the SQLite file in `data_dir` when absent.
    pub database_url: Option<String>,
    /// Where the built browser bundle and stylesheet are (`pkg/` inside).
    pub site_root: PathBuf,
    /// Mark the session cookie `Secure` (set this when served over TLS).
    pub secure_cookies: bool,
    /// The address people use to reach Bosun, when it differs from the
    /// `Host` the server sees (behind a reverse proxy); its origin is also
    /// accepted as same-site.
    pub public_url: Option<url::Url>,
    /// The first admin, created on start when no user exists yet.
    pub bootstrap_admin: Option<BootstrapAdmin>,
    pub service: bosun_service::Settings,
}

#[derive(Clone)]
pub struct BootstrapAdmin {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapAdmin")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Config {
    /// Defaults for a data directory: loopback on 8080, SQLite inside it.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            database_url: None,
            site_root: PathBuf::from("target/site"),
            secure_cookies: false,
            public_url: None,
            bootstrap_admin: None,
            service: bosun_service::Settings::default(),
        }
    }

    /// The database to open.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| Db::sqlite_url(&self.data_dir))
    }
}
