//! The `bosun` command line: `serve` (the default), `admin create-user`,
//! `admin reset-password`, `admin create-token`, `worker` (the reference
//! worker), `audit verify` (the event chain, or an export file),
//! `connect claude-code`, `mcp proxy`; and the flags and environment that
//! make `serve`'s [`crate::config::Config`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use bosun_service::identity::{NewToken, NewUser, Role};
use bosun_service::ids::AgentId;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::application::{Application, open_service};
use crate::config::{BootstrapAdmin, Config};
use crate::http::client_address::TrustedProxies;

#[derive(Parser, Debug)]
#[command(
    name = "bosun",
    version,
    about = "The control layer for an organization's AI agents."
)]
struct Cli {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
struct StoreArgs {
    /// Directory for Bosun's own files (the SQLite database unless DATABASE_URL is set).
    #[arg(long, env = "BOSUN_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    /// A postgres:// URL to use PostgreSQL instead of the SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web UI and the API (the default).
    Serve(Box<ServeArgs>),
    /// Manage users and tokens from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Run the reference worker: claim an agent's runs and carry out their plans.
    Worker(WorkerArgs),
    /// Check the event log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Put an agent someone already runs under Bosun.
    #[command(subcommand)]
    Connect(ConnectCommand),
    /// Put MCP servers behind Bosun.
    #[command(subcommand)]
    Mcp(McpCommand),
}

#[derive(Subcommand, Debug)]
enum McpCommand {
    /// Relay the stdio MCP server COMMAND [ARGS…] to the MCP client that
    /// starts this (in the server's place), asking Bosun first: only the
    /// tools the agent may call are listed, and each call is decided by
    /// the agent's rules, waiting for a reviewer where they ask. The token
    /// is read from $BOSUN_TOKEN (an agent token, or a personal one) and
    /// never passed on to the server.
    Proxy(McpProxyArgs),
}

#[derive(Args, Debug)]
struct McpProxyArgs {
    /// The agent whose rules judge the server's tool calls.
    #[arg(long)]
    agent: String,
    /// The server's name for the agent (its tools are mcp__NAME__TOOL);
    /// by default the name the server gives itself.
    #[arg(long)]
    name: Option<String>,
    /// Where Bosun is.
    #[arg(long, env = "BOSUN_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Seconds the server may take to start and to answer any one request
    /// before the client is told it did not (1 to 3600).
    #[arg(long, env = "BOSUN_MCP_TIMEOUT", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// The server to start, and its arguments.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum ConnectCommand {
    /// Print the `.claude/settings.json` hooks that make every tool call of
    /// a Claude Code session ask Bosun first, as the agent ID; with
    /// --write, merge them into DIR/.claude/settings.json. Claude Code
    /// sends the token in $BOSUN_TOKEN (an agent token, or a personal one).
    ClaudeCode(ClaudeCodeArgs),
}

#[derive(Args, Debug)]
struct ClaudeCodeArgs {
    /// The agent whose rules judge the session's tool calls.
    #[arg(long)]
    agent: String,
    /// Where Claude Code reaches Bosun.
    #[arg(long, env = "BOSUN_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A project directory: merge the hooks into its .claude/settings.json,
    /// keeping every other setting and hook, instead of printing them.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check that the event log's hash chain is whole: exit 0, or non-zero
    /// naming the first bad event.
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// Check an export (JSON Lines or JSON) instead of the store, offline.
    #[arg(long)]
    file: Option<PathBuf>,
    /// With --file: the export is of a filter, so events between the ones
    /// it holds may be missing; each present event is still checked.
    #[arg(long, requires = "file")]
    allow_gaps: bool,
}

#[derive(Args, Debug)]
struct WorkerArgs {
    /// Where Bosun is.
    #[arg(long, env = "BOSUN_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The agent's runtime key (create one on the agent's page).
    #[arg(long, env = "BOSUN_RUNTIME_KEY", hide_env_values = true)]
    key: String,
    /// The directory the agent works in; file tools cannot leave it.
    #[arg(long, default_value = ".")]
    workdir: PathBuf,
    /// Stop after one run.
    #[arg(long)]
    once: bool,
}

#[derive(Args, Debug, Default)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "BOSUN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: Option<SocketAddr>,
    /// Directory with the built browser bundle (`pkg/`).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    site_root: Option<PathBuf>,
    /// Mark the session cookie Secure; set this when Bosun is served over TLS.
    #[arg(long, env = "BOSUN_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The URL people use to reach Bosun, if a proxy stands in front of it.
    #[arg(long, env = "BOSUN_PUBLIC_URL")]
    public_url: Option<url::Url>,
    /// Let requests to OAuth providers (and later webhooks) reach private,
    /// loopback and link-local addresses.
    #[arg(long, env = "BOSUN_ALLOW_PRIVATE_URLS",
          value_parser = clap::builder::BoolishValueParser::new())]
    allow_private_urls: bool,
    /// The SMTP server request emails go through:
    /// smtp://[user:password@]host:port[?tls=starttls] or smtps://…
    #[arg(long, env = "BOSUN_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<SmtpUrl>,
    /// The sender of request emails, e.g. "Bosun <bosun@example.com>".
    #[arg(long, env = "BOSUN_MAIL_FROM")]
    mail_from: Option<String>,
    /// Reverse proxies (IPs or networks, comma-separated) whose
    /// X-Forwarded-For names the client.
    #[arg(long, env = "BOSUN_TRUSTED_PROXIES")]
    trusted_proxies: Option<TrustedProxies>,
    /// Seconds without any event after which an interactive run counts as
    /// abandoned: it fails and its waiting requests expire.
    #[arg(long, env = "BOSUN_INTERACTIVE_IDLE_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    interactive_idle_seconds: Option<u64>,
    /// With BOSUN_ADMIN_PASSWORD, creates this admin on first start.
    #[arg(long, env = "BOSUN_ADMIN_EMAIL")]
    admin_email: Option<String>,
    #[arg(
        long,
        env = "BOSUN_ADMIN_PASSWORD",
        hide = true,
        hide_env_values = true
    )]
    admin_password: Option<String>,
}

/// `BOSUN_SMTP_URL` as given: it may hold a password, so it never prints.
#[derive(Clone, Default)]
struct SmtpUrl(String);

impl std::str::FromStr for SmtpUrl {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.to_owned()))
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpUrl(<redacted>)")
    }
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a user in the default workspace; prints the new user's id.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, env = "BOSUN_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long)]
        name: Option<String>,
        /// Make the user a workspace admin.
        #[arg(long)]
        admin: bool,
    },
    /// Set a user's password, ending their browser sessions. Without
    /// --password, a generated one is set and printed.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, env = "BOSUN_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Create a personal access token for a user, or with --agent one
    /// limited to that agent's interactive runs; prints the token.
    CreateToken {
        #[arg(long)]
        email: String,
        /// Its label; "command line", or for an agent token "agent <name>".
        #[arg(long)]
        name: Option<String>,
        /// Limit the token to this agent's interactive runs (the user needs
        /// run access to it): an agent token.
        #[arg(long)]
        agent: Option<String>,
        /// Days until the token stops working (1 to 366); never without.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=366))]
        expires_in: Option<u16>,
    },
}

/// Runs the command line and turns failures into a message and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::new(cli.store.data_dir);
    // An empty DATABASE_URL means "not set", as shells and CI files often leave it.
    config.database_url = cli.store.database_url.filter(|url| !url.trim().is_empty());
    // Read from the environment only: a key on the command line would show
    // in process listings.
    config.master_key = std::env::var("BOSUN_MASTER_KEY")
        .ok()
        .filter(|key| !key.trim().is_empty())
        .map(|key| bosun_service::credentials::MasterKey::from_base64(&key))
        .transpose()?;
    match cli
        .command
        .unwrap_or_else(|| Command::Serve(Box::default()))
    {
        Command::Serve(args) => serve(config, *args).await,
        Command::Admin(AdminCommand::CreateUser {
            email,
            password,
            name,
            admin,
        }) => {
            let bosun = open_service(&config).await?;
            let workspace = bosun.prepare_workspaces().await?;
            let role = if admin { Role::Admin } else { Role::Member };
            let id = bosun
                .create_user_as_operator(
                    &workspace,
                    NewUser {
                        email,
                        name,
                        password,
                        role,
                    },
                )
                .await?;
            print_line(id.as_str());
            Ok(())
        }
        Command::Audit(AuditCommand::Verify(VerifyArgs {
            file: Some(file),
            allow_gaps,
        })) => {
            let opened = std::fs::File::open(&file)
                .with_context(|| format!("opening {}", file.display()))?;
            match bosun_service::events::verify_export(std::io::BufReader::new(opened), allow_gaps)
            {
                Ok(check) if check.gaps > 0 => {
                    print_line(&format!(
                        "ok: {} events, each matching its hash; {} gaps where the export skipped events",
                        check.events, check.gaps
                    ));
                    Ok(())
                }
                Ok(check) => {
                    print_line(&format!(
                        "ok: {} events, the hash chain is whole",
                        check.events
                    ));
                    Ok(())
                }
                Err(chain_break) => anyhow::bail!("the export does not verify: {chain_break}"),
            }
        }
        Command::Audit(AuditCommand::Verify(VerifyArgs { file: None, .. })) => {
            let bosun = open_service(&config).await?;
            match bosun.verify_chain().await? {
                Ok(count) => {
                    print_line(&format!("ok: {count} events, the hash chain is whole"));
                    Ok(())
                }
                Err(chain_break) => anyhow::bail!("the event log does not verify: {chain_break}"),
            }
        }
        Command::Worker(args) => {
            let url = args.url.trim_end_matches('/').to_owned();
            crate::worker::run(crate::worker::WorkerConfig {
                url,
                key: args.key,
                workdir: args.workdir,
                once: args.once,
            })
            .await
        }
        Command::Admin(AdminCommand::ResetPassword { email, password }) => {
            let bosun = open_service(&config).await?;
            let generated = password.is_none();
            let password = bosun.reset_password_as_operator(&email, password).await?;
            if generated {
                print_line(&password);
            }
            Ok(())
        }
        Command::Connect(ConnectCommand::ClaudeCode(args)) => connect_claude_code(&args),
        Command::Mcp(McpCommand::Proxy(args)) => {
            let token = std::env::var("BOSUN_TOKEN")
                .ok()
                .filter(|token| !token.trim().is_empty())
                .context(
                    "set BOSUN_TOKEN to an agent token (or a personal access token) for Bosun",
                )?;
            let options = crate::mcp_proxy::ProxyOptions {
                agent: args.agent,
                name: args.name,
                url: args.url,
                token,
                timeout: std::time::Duration::from_secs(args.timeout),
                command: args.command,
            };
            crate::mcp_proxy::run(options).await
        }
        Command::Admin(AdminCommand::CreateToken {
            email,
            name,
            agent,
            expires_in,
        }) => {
            let bosun = open_service(&config).await?;
            let user = bosun.user_by_email(&email).await?;
            let request = NewToken {
                // An agent token is named after its agent unless named.
                name: name.unwrap_or_else(|| match agent {
                    Some(_) => String::new(),
                    None => "command line".into(),
                }),
                agent: agent.map(AgentId::from_string),
                expires_at: expires_in
                    .map(|days| bosun.now() + chrono::Duration::days(i64::from(days))),
            };
            let created = bosun.create_scoped_token(&user, request).await?;
            print_line(&created.token);
            Ok(())
        }
    }
}

async fn serve(mut config: Config, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(site_root) = args.site_root {
        config.site_root = site_root;
    }
    config.secure_cookies = args.secure_cookies;
    config.public_url = args.public_url;
    config.trusted_proxies = args.trusted_proxies.unwrap_or_default();
    config.service.allow_private_urls = args.allow_private_urls;
    if let Some(seconds) = args.interactive_idle_seconds {
        config.service.interactive_idle = std::time::Duration::from_secs(seconds);
    }
    config.service.smtp = match (args.smtp_url, args.mail_from) {
        (Some(url), Some(from)) => Some(
            bosun_service::notifications::SmtpSettings::parse(&url.0, &from)
                .map_err(|error| anyhow::anyhow!("{error}"))?,
        ),
        (None, _) => None,
        (Some(_), None) => {
            anyhow::bail!("BOSUN_SMTP_URL needs BOSUN_MAIL_FROM, the sender's address")
        }
    };
    config.bootstrap_admin = match (args.admin_email, args.admin_password) {
        (Some(email), Some(password)) => Some(BootstrapAdmin { email, password }),
        (None, None) => None,
        _ => anyhow::bail!("BOSUN_ADMIN_EMAIL and BOSUN_ADMIN_PASSWORD must be set together"),
    };
    let application = Application::build(config).await.context("starting Bosun")?;
    tracing::info!("Bosun is listening on http://{}", application.address());
    application.run_until_stopped().await
}

/// `bosun connect claude-code`: the hooks block, printed or merged into a
/// project's settings (written whole to a temporary file and renamed, so
/// a failure leaves the old file as it was).
fn connect_claude_code(args: &ClaudeCodeArgs) -> anyhow::Result<()> {
    use bosun_service::integrations::claude_code;
    let agent = args.agent.trim();
    if agent.is_empty()
        || agent.len() > 64
        || !agent
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        anyhow::bail!("--agent: must be an agent's id (letters, digits, - and _)");
    }
    let url = url::Url::parse(args.url.trim())
        .map_err(|error| anyhow::anyhow!("--url: not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        anyhow::bail!(
            "--url: must be an http or https URL of Bosun, without a user, password, query or fragment"
        );
    }
    let hooks = claude_code::hooks_settings(url.as_str(), agent);
    let Some(dir) = &args.write else {
        print_line(&serde_json::to_string_pretty(&hooks)?);
        return Ok(());
    };
    let claude_dir = dir.join(".claude");
    let path = claude_dir.join("settings.json");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().is_empty() => serde_json::Value::Null,
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON; it was left as it is", path.display()))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => serde_json::Value::Null,
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    let merged = claude_code::merge_hooks(existing, &hooks)
        .map_err(|why| anyhow::anyhow!("{}: {why}; it was left as it is", path.display()))?;
    std::fs::create_dir_all(&claude_dir)
        .with_context(|| format!("creating {}", claude_dir.display()))?;
    let temporary = claude_dir.join(".settings.json.bosun-tmp");
    std::fs::write(&temporary, serde_json::to_string_pretty(&merged)? + "\n")
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &path).with_context(|| format!("writing {}", path.display()))?;
    print_line(&format!(
        "Bosun's hooks are in {}; start Claude Code with BOSUN_TOKEN set",
        path.display()
    ));
    Ok(())
}

/// The one line a command prints for scripts to capture.
#[expect(clippy::print_stdout, reason = "the command's output is its result")]
fn print_line(line: &str) {
    println!("{line}");
}

fn init_tracing() {
    let filter = EnvFilter::try_from_env("BOSUN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
