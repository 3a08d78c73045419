//! The HTTP application: built from a [`Config`], bound to its port, run
//! until stopped. `bosun serve` and the integration tests start it the same way.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use bosun_app::lazy_pages::LazyParts;
use bosun_app::{App, shell};
use bosun_service::identity::{NewUser, Role};
use bosun_service::{Bosun, Clock, Db, SystemClock};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::http::assets::{self, SiteAssets};
use crate::http::client_address::{self, TrustedProxies};
use crate::http::{
    favicon, health, nul, oauth, page_renders, push, same_origin, security_headers,
    server_functions,
};
use crate::sessions::SqlSessionStore;

/// The name of the browser bundle's files (`bosun.<hash>.js`, …), as
/// `LEPTOS_OUTPUT_NAME` gives it to the build.
const OUTPUT_NAME: &str = "bosun";

/// What every handler can reach. Extractors clone it for each request, so
/// it is one shared allocation rather than its fields' many counters.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

pub struct SharedState {
    pub bosun: Bosun,
    pub leptos_options: LeptosOptions,
    /// The origin of the configured public URL, accepted as same-site.
    pub public_origin: Option<Arc<str>>,
    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// The MCP side of the remote gateway, `/mcp/{agent}/{server}`.
    pub mcp_gateway: crate::http::mcp_gateway::GatewayService,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    bosun: Bosun,
}

impl Application {
    /// Opens the store (applying migrations), makes sure a workspace and, if
    /// configured, the first admin exist, and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with a clock of the caller's choosing.
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let bosun = open_service_with_clock(&config, clock).await?;
        bootstrap(&bosun, &config).await?;

        let sessions = SqlSessionStore::new(bosun.db());
        sessions.spawn_cleanup(Duration::from_secs(15 * 60));
        bosun.notifier().listen(bosun.db());
        spawn_approval_expiry(bosun.clone());

        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listening on {}", config.listen))?;
        let address = listener.local_addr()?;
        spawn_notifications(bosun.clone(), links_base(&config, address)?);

        let site_root = std::path::absolute(&config.site_root)
            .with_context(|| format!("the site root {}", config.site_root.display()))?;
        let assets = SiteAssets::load(&site_root, OUTPUT_NAME)?;
        let leptos_options = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(site_root.display().to_string())
            .site_pkg_dir(assets::PKG_DIR)
            .site_addr(address)
            .hash_files(assets.hash_file().is_some())
            .hash_file(
                assets
                    .hash_file()
                    .map_or_else(|| "hash.txt".to_owned(), |path| path.display().to_string())
                    .into(),
            )
            .build();
        let state = AppState(Arc::new(SharedState {
            bosun: bosun.clone(),
            leptos_options,
            public_origin: config
                .public_url
                .as_ref()
                .map(|url| Arc::from(url.origin().ascii_serialization())),
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            mcp_gateway: crate::http::mcp_gateway::service(),
        }));
        let session_layer =
            sessions.layer(config.service.session_idle_timeout, config.secure_cookies);
        let lazy_parts = assets.lazy_parts().cloned();
        let router = router(state, assets::pkg_router(&site_root, assets), lazy_parts)
            .layer(axum::middleware::from_fn(assets::revalidate_pages))
            .layer(assets::compression())
            .layer(session_layer)
            .layer(axum::middleware::from_fn(
                security_headers::set_security_headers,
            ))
            .layer(TraceLayer::new_for_http());
        Ok(Self {
            listener,
            router,
            bosun,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has a local address")
    }

    pub fn port(&self) -> u16 {
        self.address().port()
    }

    pub fn bosun(&self) -> &Bosun {
        &self.bosun
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // The peer's address is what login throttling counts by.
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP")
    }
}

/// Opens the store and the service layer over it.
pub async fn open_service(config: &Config) -> anyhow::Result<Bosun> {
    open_service_with_clock(config, Arc::new(SystemClock)).await
}

async fn open_service_with_clock(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Bosun> {
    config.prepare_data_dir()?;
    let db = Db::connect(&config.database_url())
        .await
        .map_err(|error| anyhow::anyhow!("opening the database: {error:#}"))?;
    // SQLite made its -wal and -shm files just now; they hold the same data
    // as the database and get the same protection.
    config.protect_sqlite_files()?;
    let mut settings = config.service.clone();
    if settings.public_url.is_none() {
        settings.public_url.clone_from(&config.public_url);
    }
    if settings.master_key.is_none() {
        settings.master_key = Some(config.load_master_key()?);
    }
    Ok(Bosun::new(db, clock, settings))
}

async fn bootstrap(bosun: &Bosun, config: &Config) -> anyhow::Result<()> {
    let workspace = bosun.prepare_workspaces().await?;
    if bosun.has_users().await? {
        return Ok(());
    }
    match &config.bootstrap_admin {
        Some(admin) => {
            let new_admin = NewUser {
                email: admin.email.clone(),
                name: None,
                password: admin.password.clone(),
                role: Role::Admin,
            };
            bosun
                .create_user_as_operator(&workspace, new_admin)
                .await
                .map_err(|error| anyhow::anyhow!("creating the first admin from BOSUN_ADMIN_EMAIL/BOSUN_ADMIN_PASSWORD: {error}"))?;
            tracing::info!(email = %admin.email, "created the first admin");
        }
        None => tracing::warn!(
            "no users yet: create the first admin with `bosun admin create-user --email you@example.com \
             --password '…' --admin`, or start with BOSUN_ADMIN_EMAIL and BOSUN_ADMIN_PASSWORD set"
        ),
    }
    Ok(())
}

/// Every route; `bundle` serves the browser bundle's files under `/pkg`,
/// and `lazy_parts` says which of them each lazily loaded page needs.
fn router(state: AppState, bundle: Router, lazy_parts: Option<LazyParts>) -> Router {
    let routes = generate_route_list(App);
    let leptos_context = {
        let bosun = state.bosun.clone();
        move || {
            provide_context(bosun.clone());
            if let Some(parts) = &lazy_parts {
                provide_context(parts.clone());
            }
            security_headers::provide_request_nonce();
        }
    };
    let error_context = leptos_context.clone();
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, leptos_context, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(error_context, shell))
        .layer(axum::middleware::from_fn_with_state(
            page_renders::PageRenderers::new(),
            page_renders::render_on_one_thread,
        ));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/events/inbox", get(push::inbox_events))
        .route("/events/agents/{id}/runs", get(push::agent_run_events))
        .route("/events/runs/{id}", get(push::run_events))
        .route("/traces/export", get(crate::rest::traces::export_for_page))
        .route("/oauth/connect/{provider}", post(oauth::connect))
        .route("/auth/sso/{provider}", post(oauth::sign_in))
        .route(oauth::CALLBACK_PATH, get(oauth::callback))
        .nest("/api/v1", crate::rest::router())
        .route(
            "/mcp/{agent_id}/{server_name}",
            post(crate::http::mcp_gateway::handle),
        )
        .nest_service("/pkg", bundle)
        .merge(favicon::routes())
        .merge(pages)
        .layer(axum::middleware::from_fn(server_functions::limit_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            same_origin::refuse_cross_site,
        ))
        .layer(axum::middleware::from_fn(nul::refuse_nul))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_address::find_client_address,
        ))
        .with_state(state)
}

/// Denies approval requests whose time ran out, and ends interactive runs
/// nobody drives any more, even when nobody looks.
fn spawn_approval_expiry(bosun: Bosun) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(15));
        loop {
            interval.tick().await;
            if let Err(error) = bosun.expire_due_approvals().await {
                tracing::warn!(%error, "could not expire approval requests");
            }
            if let Err(error) = bosun.end_abandoned_runs().await {
                tracing::warn!(%error, "could not end abandoned interactive runs");
            }
        }
    });
}

/// Where links in webhooks and emails point: the public URL, or else the
/// address this server listens on.
fn links_base(config: &Config, address: SocketAddr) -> anyhow::Result<url::Url> {
    match &config.public_url {
        Some(url) => Ok(url.clone()),
        None => {
            url::Url::parse(&format!("http://{address}/")).context("the listening address as a URL")
        }
    }
}

/// Queues webhook deliveries and emails from the event log, and sends
/// what is due, each in its own loop: a slow receiver holds up neither
/// the queueing nor anything else.
fn spawn_notifications(bosun: Bosun, links: url::Url) {
    let queueing = bosun.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            interval.tick().await;
            if let Err(error) = queueing.queue_notifications(&links).await {
                tracing::warn!(%error, "could not queue notifications");
            }
        }
    });
    let pruning = bosun.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = bosun.deliver_due_notifications().await {
                tracing::warn!(%error, "could not deliver notifications");
            }
        }
    });
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(60 * 60));
        loop {
            interval.tick().await;
            if let Err(error) = pruning.prune_deliveries().await {
                tracing::warn!(%error, "could not prune old deliveries");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
