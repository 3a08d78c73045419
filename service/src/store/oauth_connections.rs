//! The `oauth_connections` table (a person's account at a provider, its
//! tokens sealed, with a version and a refresh lease) and
//! `agent_connection_needs` (the accounts a `user` agent needs).

use super::{Connection, Executor};
use crate::clock::from_millis;
use crate::ids::{AgentId, UserId};
use crate::model::access::runnable_agents_sql;
use crate::model::identity::Principal;
use crate::model::oauth::{AgentUsingConnection, ConnectionInfo, ConnectionNeed, split_scopes};
use crate::{Result, validate};
use bosun_wire::vocabulary::ConnectionStatus;

/// A connection as stored; its tokens still sealed.
#[derive(sqlx::FromRow)]
pub(crate) struct StoredConnection {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub provider_id: String,
    pub scopes: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub status: String,
    pub version: i64,
}

const CONNECTION_COLUMNS: &str = "id, workspace_id, user_id, provider_id, scopes, access_token, \
     refresh_token, expires_at, status, version";

/// The id and version of a person's connection to a provider.
pub(crate) async fn id_and_version(
    conn: &mut Connection,
    user: &UserId,
    provider_id: &str,
) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, version FROM oauth_connections WHERE user_id = $1 AND provider_id = $2",
    )
    .bind(user.as_str())
    .bind(provider_id)
    .fetch_optional(conn)
    .await?)
}

/// Stores an active connection in place of any earlier one of the same
/// person to the same provider; `row`'s tokens are ignored for the sealed
/// `access` and `refresh`.
pub(crate) async fn replace(
    conn: &mut Connection,
    row: &StoredConnection,
    access: &str,
    refresh: Option<&str>,
    expires_at: Option<i64>,
    connected_at: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM oauth_connections WHERE user_id = $1 AND provider_id = $2")
        .bind(&row.user_id)
        .bind(&row.provider_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_connections (id, workspace_id, user_id, provider_id, scopes, access_token, \
         refresh_token, expires_at, status, version, connected_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10)",
    )
    .bind(&row.id)
    .bind(&row.workspace_id)
    .bind(&row.user_id)
    .bind(&row.provider_id)
    .bind(&row.scopes)
    .bind(access)
    .bind(refresh)
    .bind(expires_at)
    .bind(row.version)
    .bind(connected_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The person's connection to every provider of their workspace, connected
/// or not, by provider name; without the agents that use each.
pub(crate) async fn of_person<'c>(
    db: impl Executor<'c>,
    principal: &Principal,
) -> Result<Vec<ConnectionInfo>> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.name, p.display_name, c.status, c.scopes, c.connected_at, c.expires_at, c.last_used_at \
         FROM oauth_providers p LEFT JOIN oauth_connections c \
           ON c.provider_id = p.id AND c.user_id = $1 \
         WHERE p.workspace_id = $2 ORDER BY p.name",
    )
    .bind(principal.user_id.as_str())
    .bind(principal.workspace_id.as_str())
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(
            |(provider, display_name, status, scopes, connected, expires, used)| {
                Ok(ConnectionInfo {
                    agents: Vec::new(),
                    provider,
                    display_name,
                    status: status_of(status)?,
                    scopes: split_scopes(scopes.as_deref().unwrap_or_default()),
                    connected_at: connected.map(from_millis),
                    expires_at: expires.map(from_millis),
                    last_used_at: used.map(from_millis),
                })
            },
        )
        .collect()
}

/// The `user` agents the principal may run that need an account, with the
/// name of the provider each needs, by agent name.
pub(crate) async fn agents_needing<'c>(
    db: impl Executor<'c>,
    principal: &Principal,
) -> Result<Vec<(String, AgentUsingConnection)>> {
    let users: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT p.name, agents.id, agents.name FROM agent_connection_needs n \
         JOIN oauth_providers p ON p.id = n.provider_id JOIN agents ON agents.id = n.agent_id \
         WHERE p.workspace_id = $1 AND agents.credential_model = 'user' AND agents.id IN ({}) \
         ORDER BY lower(agents.name), agents.id",
        runnable_agents_sql("$1", "$2", "$3")
    ))
    .bind(principal.workspace_id.as_str())
    .bind(principal.user_id.as_str())
    .bind(i64::from(principal.is_admin()))
    .fetch_all(db)
    .await?;
    Ok(users
        .into_iter()
        .map(|(provider, id, name)| {
            let agent = AgentUsingConnection {
                id: AgentId::from_string(id),
                name,
            };
            (provider, agent)
        })
        .collect())
}

pub(crate) async fn delete(conn: &mut Connection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM oauth_connections WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every connection to a provider.
pub(crate) async fn of_provider<'c>(
    db: impl Executor<'c>,
    provider_id: &str,
) -> Result<Vec<StoredConnection>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM oauth_connections WHERE provider_id = $1"
    ))
    .bind(provider_id)
    .fetch_all(db)
    .await?)
}

/// A person's connection to a provider.
pub(crate) async fn of_user<'c>(
    db: impl Executor<'c>,
    user: &UserId,
    provider_id: &str,
) -> Result<Option<StoredConnection>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM oauth_connections WHERE user_id = $1 AND provider_id = $2"
    ))
    .bind(user.as_str())
    .bind(provider_id)
    .fetch_optional(db)
    .await?)
}

/// Takes the refresh lease of `row`'s version until `lease_until` if it is
/// free at `now`; whether it was.
pub(crate) async fn claim_refresh(
    conn: &mut Connection,
    row: &StoredConnection,
    lease_until: i64,
    now: i64,
) -> Result<bool> {
    let claimed = sqlx::query(
        "UPDATE oauth_connections SET refresh_lease_until = $1 \
         WHERE id = $2 AND version = $3 AND (refresh_lease_until IS NULL OR refresh_lease_until < $4)",
    )
    .bind(lease_until)
    .bind(&row.id)
    .bind(row.version)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1;
    Ok(claimed)
}

/// Gives up the refresh lease of `row`'s version.
pub(crate) async fn release_refresh(conn: &mut Connection, row: &StoredConnection) -> Result<()> {
    sqlx::query(
        "UPDATE oauth_connections SET refresh_lease_until = NULL WHERE id = $1 AND version = $2",
    )
    .bind(&row.id)
    .bind(row.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Refreshed tokens, sealed, for [`store_refreshed`].
pub(crate) struct Refreshed<'a> {
    pub access: &'a str,
    pub refresh: Option<&'a str>,
    pub expires_at: Option<i64>,
    pub scopes: &'a str,
    pub refreshed_at: i64,
}

/// Stores refreshed tokens over `row`'s version as the next version,
/// releasing the lease; whether that version was still there.
pub(crate) async fn store_refreshed(
    conn: &mut Connection,
    row: &StoredConnection,
    tokens: Refreshed<'_>,
) -> Result<bool> {
    let stored = sqlx::query(
        "UPDATE oauth_connections SET access_token = $1, refresh_token = $2, expires_at = $3, \
         scopes = $4, version = version + 1, refresh_lease_until = NULL, refreshed_at = $5 \
         WHERE id = $6 AND version = $7",
    )
    .bind(tokens.access)
    .bind(tokens.refresh)
    .bind(tokens.expires_at)
    .bind(tokens.scopes)
    .bind(tokens.refreshed_at)
    .bind(&row.id)
    .bind(row.version)
    .execute(conn)
    .await?;
    Ok(stored.rows_affected() == 1)
}

/// Marks `row`'s version as needing its person to connect again.
pub(crate) async fn mark_reconnect_needed(
    conn: &mut Connection,
    row: &StoredConnection,
) -> Result<()> {
    sqlx::query(
        "UPDATE oauth_connections SET status = 'reconnect_needed', version = version + 1 \
         WHERE id = $1 AND version = $2",
    )
    .bind(&row.id)
    .bind(row.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Notes that the connection's token was handed out at `now`.
pub(crate) async fn note_use(conn: &mut Connection, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE oauth_connections SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The accounts an agent needs, by provider name.
pub(crate) async fn needs_of<'c>(
    db: impl Executor<'c>,
    agent: &AgentId,
) -> Result<Vec<ConnectionNeed>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT p.name, p.display_name, n.scopes FROM agent_connection_needs n \
         JOIN oauth_providers p ON p.id = n.provider_id WHERE n.agent_id = $1 ORDER BY p.name",
    )
    .bind(agent.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(provider, display_name, scopes)| ConnectionNeed {
            provider,
            display_name,
            scopes: split_scopes(&scopes),
        })
        .collect())
}

/// Sets the scopes an agent needs of a provider, or with `None` drops the
/// need.
pub(crate) async fn set_need(
    conn: &mut Connection,
    agent: &AgentId,
    provider_id: &str,
    scopes: Option<&str>,
) -> Result<()> {
    sqlx::query("DELETE FROM agent_connection_needs WHERE agent_id = $1 AND provider_id = $2")
        .bind(agent.as_str())
        .bind(provider_id)
        .execute(&mut *conn)
        .await?;
    if let Some(scopes) = scopes {
        sqlx::query(
            "INSERT INTO agent_connection_needs (agent_id, provider_id, scopes) VALUES ($1, $2, $3)",
        )
        .bind(agent.as_str())
        .bind(provider_id)
        .bind(scopes)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// For each account an agent needs: the provider's display name, the
/// scopes needed, and the status and scopes of `user`'s connection, if any.
pub(crate) async fn needs_against_connections<'c>(
    db: impl Executor<'c>,
    user: &UserId,
    agent: &AgentId,
) -> Result<Vec<(String, String, ConnectionStatus, Option<String>)>> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT p.display_name, n.scopes, c.status, c.scopes FROM agent_connection_needs n \
         JOIN oauth_providers p ON p.id = n.provider_id \
         LEFT JOIN oauth_connections c ON c.provider_id = n.provider_id AND c.user_id = $1 \
         WHERE n.agent_id = $2 ORDER BY p.name",
    )
    .bind(user.as_str())
    .bind(agent.as_str())
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(display_name, needed, status, granted)| {
            Ok((display_name, needed, status_of(status)?, granted))
        })
        .collect()
}

/// A connection's stored status; none is a provider never connected.
fn status_of(stored: Option<String>) -> Result<ConnectionStatus> {
    stored.map_or(Ok(ConnectionStatus::NotConnected), |status| {
        validate::stored("connection status", &status)
    })
}

/// The scopes every agent needs of a provider, one list per agent.
pub(crate) async fn scopes_needed_of<'c>(
    db: impl Executor<'c>,
    provider_id: &str,
) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT scopes FROM agent_connection_needs WHERE provider_id = $1")
            .bind(provider_id)
            .fetch_all(db)
            .await?,
    )
}

/// Copies an agent's needs to its clone (inside the clone's transaction):
/// they are part of what the agent is, unlike anyone's connections.
pub(crate) async fn copy_needs(conn: &mut Connection, from: &AgentId, to: &AgentId) -> Result<()> {
    sqlx::query(
        "INSERT INTO agent_connection_needs (agent_id, provider_id, scopes) \
         SELECT $1, provider_id, scopes FROM agent_connection_needs WHERE agent_id = $2",
    )
    .bind(to.as_str())
    .bind(from.as_str())
    .execute(conn)
    .await?;
    Ok(())
}
