//! The workspace's tool catalog: the built-in tools, seeded into every
//! workspace, and custom tools admins add.

use bosun_policy::{ArgKind, Catalog, RiskLevel, Tool, ToolCategory};
use serde::Serialize;
use serde_json::json;

use crate::clock::to_millis;
use crate::events::{self, NewEvent};
use crate::ids::WorkspaceId;
use crate::{Bosun, Error, Principal, Result, validate};

/// A tool as listed.
#[derive(Clone, Debug, Serialize)]
pub struct ToolInfo {
    pub name: String,
    pub description: String,
    pub argument_kind: ArgKind,
    pub default_risk: RiskLevel,
    pub category: ToolCategory,
    pub read_only: bool,
    pub builtin: bool,
}

/// What an admin gives to add a custom tool. Strings are parsed here, so
/// that every adapter reports bad values the same way.
#[derive(Clone, Debug, Default)]
pub struct NewTool {
    pub name: String,
    pub description: String,
    pub argument_kind: String,
    pub default_risk: String,
    pub category: String,
}

pub const ARGUMENT_KINDS: &[&str] = &["command", "path", "url", "text"];
pub const RISK_LEVELS: &[&str] = &["safe", "caution", "unknown", "dangerous"];
pub const CATEGORIES: &[&str] = &[
    "read",
    "file_write",
    "file_delete",
    "shell",
    "network",
    "message",
    "other",
];

fn description_of(name: &str) -> &'static str {
    match name {
        "system_shell" => "Runs a shell command.",
        "read_file" => "Reads a file.",
        "write_file" => "Creates or overwrites a file.",
        "delete_file" => "Deletes a file.",
        "list_directory" => "Lists a directory.",
        "http_request" => "Sends an HTTP request.",
        "send_email" => "Sends an email.",
        _ => "",
    }
}

#[derive(sqlx::FromRow)]
struct ToolRow {
    name: String,
    description: String,
    argument_kind: String,
    default_risk: String,
    category: String,
    builtin: i64,
}

impl TryFrom<ToolRow> for ToolInfo {
    type Error = Error;

    fn try_from(row: ToolRow) -> Result<Self> {
        let category: ToolCategory = validate::one_of("category", &row.category, CATEGORIES)?;
        Ok(Self {
            argument_kind: validate::one_of("argument_kind", &row.argument_kind, ARGUMENT_KINDS)?,
            default_risk: validate::one_of("default_risk", &row.default_risk, RISK_LEVELS)?,
            read_only: category == ToolCategory::Read,
            category,
            builtin: row.builtin != 0,
            name: row.name,
            description: row.description,
        })
    }
}

impl ToolInfo {
    pub fn to_policy_tool(&self) -> Tool {
        Tool::new(
            self.name.clone(),
            self.argument_kind,
            self.default_risk,
            self.category,
        )
    }
}

impl Bosun {
    /// Adds any built-in tool the workspace does not have yet (new releases
    /// may bring new ones); never changes existing entries.
    pub async fn seed_builtin_tools(&self, workspace: &WorkspaceId) -> Result<()> {
        let now = self.now();
        let mut conn = self.db().pool().acquire().await?;
        for tool in bosun_policy::builtin_tools() {
            let info = ToolInfo {
                description: description_of(&tool.name).to_owned(),
                name: tool.name,
                argument_kind: tool.arg_kind,
                default_risk: tool.default_risk,
                category: tool.category,
                read_only: tool.read_only,
                builtin: true,
            };
            store_tool(&mut conn, workspace, &info, now).await?;
        }
        Ok(())
    }

    /// The workspace's tools, built-in first, then by name.
    pub async fn list_tools(&self, actor: &Principal) -> Result<Vec<ToolInfo>> {
        self.tools_of(&actor.workspace_id).await
    }

    pub(crate) async fn tools_of(&self, workspace: &WorkspaceId) -> Result<Vec<ToolInfo>> {
        let rows: Vec<ToolRow> = sqlx::query_as(
            "SELECT name, description, argument_kind, default_risk, category, builtin FROM tools \
             WHERE workspace_id = $1 ORDER BY builtin DESC, name",
        )
        .bind(workspace.as_str())
        .fetch_all(self.db().pool())
        .await?;
        rows.into_iter().map(ToolInfo::try_from).collect()
    }

    /// The workspace's catalog as the policy engine sees it.
    pub async fn catalog(&self, workspace: &WorkspaceId) -> Result<Catalog> {
        let tools = self.tools_of(workspace).await?;
        Ok(Catalog::new(tools.iter().map(ToolInfo::to_policy_tool)))
    }

    /// An admin adds a custom tool.
    pub async fn add_tool(&self, actor: &Principal, new_tool: NewTool) -> Result<ToolInfo> {
        actor.require_admin()?;
        let category: ToolCategory = validate::one_of("category", &new_tool.category, CATEGORIES)?;
        let tool = ToolInfo {
            name: validate::identifier("name", new_tool.name.trim())?,
            description: validate::text("description", new_tool.description.trim(), 500)?,
            argument_kind: validate::one_of(
                "argument_kind",
                &new_tool.argument_kind,
                ARGUMENT_KINDS,
            )?,
            default_risk: validate::one_of("default_risk", &new_tool.default_risk, RISK_LEVELS)?,
            read_only: category == ToolCategory::Read,
            category,
            builtin: false,
        };
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        let inserted = store_tool(&mut tx, &actor.workspace_id, &tool, now).await?;
        if !inserted {
            return Err(Error::Conflict {
                code: "tool_exists",
                message: format!(
                    "name: the workspace already has a tool called {}",
                    tool.name
                ),
            });
        }
        let data = json!({ "tool": tool.name, "argument_kind": tool.argument_kind,
                           "default_risk": tool.default_risk, "category": tool.category });
        events::append(
            &mut tx,
            now,
            NewEvent::audit("tool.created", actor, None, data),
        )
        .await?;
        tx.commit().await?;
        Ok(tool)
    }
}

/// Adds a tool to a workspace's catalog unless one of that name exists;
/// answers whether it was added.
async fn store_tool(
    conn: &mut sqlx::AnyConnection,
    workspace: &WorkspaceId,
    tool: &ToolInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO tools (workspace_id, name, description, argument_kind, default_risk, category, builtin, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id, name) DO NOTHING",
    )
    .bind(workspace.as_str())
    .bind(&tool.name)
    .bind(&tool.description)
    .bind(validate::name_of(&tool.argument_kind))
    .bind(tool.default_risk.as_str())
    .bind(validate::name_of(&tool.category))
    .bind(i64::from(tool.builtin))
    .bind(to_millis(now))
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() > 0)
}
