//! What `bosun serve` needs to know (the command line fills it in from
//! flags and environment), and the start-up chores that depend on it: the
//! data directory, its SQLite files' permissions, the master key.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use bosun_service::Db;
use bosun_service::credentials::MasterKey;
use bosun_service::db::SQLITE_FILE;

use crate::http::client_address::TrustedProxies;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the SQLite database and the master key file live.
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
    /// Reverse proxies whose `X-Forwarded-For` names the client (for login
    /// throttling per address); none by default.
    pub trusted_proxies: TrustedProxies,
    /// The first admin, created on start when no user exists yet.
    pub bootstrap_admin: Option<BootstrapAdmin>,
    /// The master key in base64 (`BOSUN_MASTER_KEY`); when absent, the key
    /// file in `data_dir`, created on first start.
    pub master_key: Option<MasterKey>,
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
            trusted_proxies: TrustedProxies::default(),
            bootstrap_admin: None,
            master_key: None,
            service: bosun_service::Settings::default(),
        }
    }

    /// The key secrets are sealed with: `BOSUN_MASTER_KEY`, or else the key
    /// file `master.key` in the data directory, created on first start
    /// readable by its owner only.
    pub fn load_master_key(&self) -> anyhow::Result<MasterKey> {
        if let Some(key) = &self.master_key {
            return Ok(key.clone());
        }
        let path = self.data_dir.join("master.key");
        match std::fs::read_to_string(&path) {
            Ok(text) => MasterKey::from_base64(&text)
                .with_context(|| format!("reading the master key file {}", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("creating {}", self.data_dir.display()))?;
                let key = MasterKey::generate();
                write_private(&path, key.to_base64().as_bytes())
                    .with_context(|| format!("creating the master key file {}", path.display()))?;
                tracing::info!(path = %path.display(), "created the master key file; back it up with the database");
                Ok(key)
            }
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Creates the data directory, or tightens an existing one, so that only
    /// Bosun's user can enter it (0700); when the database is the SQLite file
    /// in it, creates that file readable by that user only (0600) before
    /// SQLite opens it, since SQLite gives its -wal and -shm files the
    /// database file's mode.
    pub fn prepare_data_dir(&self) -> anyhow::Result<()> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
        #[cfg(unix)]
        restrict(dir, 0o700)?;
        if self.database_url.is_some() {
            return Ok(());
        }
        let database = dir.join(SQLITE_FILE);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&database)
            .with_context(|| format!("creating {}", database.display()))?;
        self.protect_sqlite_files()
    }

    /// Makes the SQLite database in the data directory and its -wal and -shm
    /// files readable and writable by their owner only, as those of an older
    /// installation may not be.
    pub fn protect_sqlite_files(&self) -> anyhow::Result<()> {
        if self.database_url.is_some() {
            return Ok(());
        }
        #[cfg(unix)]
        for suffix in ["", "-wal", "-shm"] {
            let path = self.data_dir.join(format!("{SQLITE_FILE}{suffix}"));
            if path.exists() {
                restrict(&path, 0o600)?;
            }
        }
        Ok(())
    }

    /// The database to open.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| Db::sqlite_url(&self.data_dir))
    }
}

#[cfg(unix)]
fn restrict(path: &std::path::Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("restricting access to {}", path.display()))
}

/// Creates `path` with `contents`, readable and writable by its owner only,
/// failing if it exists (two processes starting at once keep one key).
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
