//! The `tools` table: each workspace's tool catalog. Built-in tools keep
//! their schema and subject in the code, so a release can improve them.

use bosun_policy::{ArgKind, RiskLevel, ToolCategory};
use serde_json::Value;

use super::{Connection, Executor};
use crate::ids::WorkspaceId;
use crate::model::tools::{ToolInfo, builtin_schema};
use crate::{Error, Result, validate};

#[derive(sqlx::FromRow)]
struct ToolRow {
    name: String,
    description: String,
    argument_kind: String,
    default_risk: String,
    category: String,
    builtin: i64,
    input_schema: Option<String>,
    subject: Option<String>,
}

impl TryFrom<ToolRow> for ToolInfo {
    type Error = Error;

    fn try_from(row: ToolRow) -> Result<Self> {
        let category: ToolCategory = validate::stored("tool category", &row.category)?;
        let builtin = row.builtin != 0;
        let (input_schema, subject) = if builtin {
            let subject = bosun_policy::builtin_tools()
                .into_iter()
                .find(|tool| tool.name == row.name)
                .and_then(|tool| tool.subject);
            (builtin_schema(&row.name), subject)
        } else {
            let schema = row
                .input_schema
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| Error::corrupt("tool input_schema", e))?;
            (schema, row.subject)
        };
        Ok(Self {
            argument_kind: validate::stored("tool argument_kind", &row.argument_kind)?,
            default_risk: validate::stored("tool default_risk", &row.default_risk)?,
            read_only: category == ToolCategory::Read,
            category,
            builtin,
            name: row.name,
            description: row.description,
            input_schema,
            subject,
        })
    }
}

/// The workspace's tools, built-in first, then by name.
pub(crate) async fn of_workspace<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
) -> Result<Vec<ToolInfo>> {
    let rows: Vec<ToolRow> = sqlx::query_as(
        "SELECT name, description, argument_kind, default_risk, category, builtin, input_schema, subject FROM tools \
         WHERE workspace_id = $1 ORDER BY builtin DESC, name",
    )
    .bind(workspace.as_str())
    .fetch_all(db)
    .await?;
    rows.into_iter().map(ToolInfo::try_from).collect()
}

/// Adds a tool to a workspace's catalog unless one of that name exists;
/// answers whether it was added.
pub(crate) async fn insert_new(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    tool: &ToolInfo,
    now: i64,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO tools (workspace_id, name, description, argument_kind, default_risk, category, builtin, created_at, \
         input_schema, subject) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (workspace_id, name) DO NOTHING",
    )
    .bind(workspace.as_str())
    .bind(&tool.name)
    .bind(&tool.description)
    .bind(tool.argument_kind.as_str())
    .bind(tool.default_risk.as_str())
    .bind(tool.category.as_str())
    .bind(i64::from(tool.builtin))
    .bind(now)
    // Built-in tools' schemas and subjects come from the code.
    .bind(
        (!tool.builtin)
            .then(|| tool.input_schema.as_ref().map(Value::to_string))
            .flatten(),
    )
    .bind((!tool.builtin).then(|| tool.subject.clone()).flatten())
    .execute(conn)
    .await?;
    Ok(super::touched(&inserted))
}

/// A tool an MCP server brought, as the catalog keeps it.
pub(crate) struct DiscoveredTool<'a> {
    pub name: &'a str,
    pub description: String,
    pub argument_kind: ArgKind,
    pub default_risk: RiskLevel,
    pub created_at: i64,
    /// JSON text.
    pub input_schema: Option<String>,
    pub subject: Option<String>,
    /// The name of the server it came from.
    pub server: &'a str,
    /// JSON text.
    pub annotations: Option<String>,
}

/// Adds a tool a server brought to the workspace's catalog, unless a tool
/// of that name got there first.
pub(crate) async fn insert_discovered(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    tool: DiscoveredTool<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tools (workspace_id, name, description, argument_kind, default_risk, category, builtin, created_at, \
         input_schema, subject, discovered_from, annotations) VALUES ($1, $2, $3, $4, $5, 'other', 0, $6, $7, $8, $9, $10) \
         ON CONFLICT (workspace_id, name) DO NOTHING",
    )
    .bind(workspace.as_str())
    .bind(tool.name)
    .bind(tool.description)
    .bind(tool.argument_kind.as_str())
    .bind(tool.default_risk.as_str())
    .bind(tool.created_at)
    .bind(tool.input_schema)
    .bind(tool.subject)
    .bind(tool.server)
    .bind(tool.annotations)
    .execute(conn)
    .await?;
    Ok(())
}
