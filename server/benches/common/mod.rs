//! What every benchmark starts with: Bosun serving on loopback over a
//! store of its own (SQLite in a temporary directory, or `DATABASE_URL`),
//! an admin with a token, and numeric settings from the environment.

#![allow(dead_code, reason = "each benchmark uses a part of it")]

use bosun_server::{Application, Config};
use bosun_service::identity::{NewUser, Role};
use bosun_service::{Bosun, Principal};

pub struct Bench {
    pub base: String,
    pub bosun: Bosun,
    pub admin: Principal,
    pub admin_token: String,
    /// Kept for as long as the benchmark runs: the SQLite file lives here.
    _data_dir: tempfile::TempDir,
}

impl Bench {
    pub async fn start() -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = Config::new(data_dir.path().to_path_buf());
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.database_url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        if config.database_url.is_none() {
            let file = data_dir.path().join(bosun_service::db::SQLITE_FILE);
            bosun_service::testing::copy_migrated_sqlite(&file).await;
        }
        config.bootstrap_admin = Some(bosun_server::config::BootstrapAdmin {
            email: "admin@example.com".into(),
            password: "bench password".into(),
        });
        let application = Application::build(config).await.expect("Bosun starts");
        let base = format!("http://127.0.0.1:{}", application.port());
        let bosun = application.bosun().clone();
        tokio::spawn(application.run_until_stopped());
        let admin = bosun.user_by_email("admin@example.com").await.unwrap();
        let admin_token = bosun.create_token(&admin, "bench").await.unwrap().token;
        Self {
            base,
            bosun,
            admin,
            admin_token,
            _data_dir: data_dir,
        }
    }

    /// Another member of the workspace.
    pub async fn add_user(&self, email: &str, role: Role) -> Principal {
        let workspace = self.bosun.default_workspace().await.unwrap();
        let user = NewUser {
            email: email.into(),
            name: None,
            password: "bench password".into(),
            role,
        };
        self.bosun
            .create_user_as_operator(&workspace, user)
            .await
            .unwrap();
        self.bosun.user_by_email(email).await.unwrap()
    }
}

/// A number from the environment, or `default`.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}
