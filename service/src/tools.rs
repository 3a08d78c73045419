//! The workspace's tool catalog: the built-in tools, seeded into every
//! workspace, and custom tools admins add.
//!
//! A tool may take a structured input, a JSON object: it then declares an
//! `input_schema` (JSON Schema) that object inputs must satisfy and a
//! `subject`, the JSON pointer of the field its rules match. Built-in tools
//! take both from the code, so a release can improve them.

use bosun_policy::{Catalog, ToolCategory};
use serde_json::Value;

use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::WorkspaceId;
pub use crate::model::tools::ToolInfo;
use crate::model::tools::builtin_schema;
use crate::store::{self, tools};
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::ToolCreated;

/// What an admin gives to add a custom tool. Strings are parsed here, so
/// that every adapter reports bad values the same way.
#[derive(Clone, Debug, Default)]
pub struct NewTool {
    pub name: String,
    pub description: String,
    pub argument_kind: String,
    pub default_risk: String,
    pub category: String,
    /// Optional: a JSON Schema (an object) for object inputs.
    pub input_schema: Option<Value>,
    /// A JSON pointer (`/path`); required with an `input_schema`.
    pub subject: Option<String>,
}

/// The most a tool's input schema may take, as JSON text.
const MAX_SCHEMA_BYTES: usize = 16 * 1024;
/// The longest description of a tool and subject pointer, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_SUBJECT_CHARS: usize = 200;

fn description_of(name: &str) -> &'static str {
    match name {
        "system_shell" => "Runs a shell command.",
        "read_file" => "Reads a file.",
        "write_file" => "Creates or overwrites a file.",
        "delete_file" => "Deletes a file.",
        "list_directory" => "Lists a directory.",
        "http_request" => "Sends an HTTP request.",
        "send_email" => "Sends an email.",
        "web_search" => "Searches the web.",
        _ => "",
    }
}

/// Parses an admin's input schema and subject: the schema must be a JSON
/// object of at most 16 KiB that is itself a valid JSON Schema (no remote
/// references: nothing is fetched), and an object input needs a subject.
fn checked_schema(
    schema: Option<Value>,
    subject: Option<String>,
) -> Result<(Option<Value>, Option<String>)> {
    let subject = subject
        .map(|s| validate::trimmed_text("subject", &s, MAX_SUBJECT_CHARS))
        .transpose()?
        .filter(|s| !s.is_empty());
    if let Some(subject) = &subject
        && (!subject.starts_with('/') || subject.chars().any(char::is_control))
    {
        return Err(Error::invalid(
            "subject",
            "must be a JSON pointer to the field rules match, such as /path",
        ));
    }
    let Some(schema) = schema.filter(|s| !s.is_null()) else {
        return Ok((None, subject));
    };
    if !schema.is_object() {
        return Err(Error::invalid(
            "input_schema",
            "must be a JSON Schema object",
        ));
    }
    if schema.to_string().len() > MAX_SCHEMA_BYTES {
        return Err(Error::invalid(
            "input_schema",
            "must be at most 16 KiB of JSON",
        ));
    }
    if let Err(error) = jsonschema::meta::validate(&schema) {
        return Err(Error::invalid(
            "input_schema",
            format!(
                "is not a valid JSON Schema: {} at {}",
                error.masked(),
                error.instance_path().as_str()
            ),
        ));
    }
    if let Err(error) = jsonschema::validator_for(&schema) {
        return Err(Error::invalid(
            "input_schema",
            format!("cannot be used: {error}"),
        ));
    }
    if subject.is_none() {
        return Err(Error::invalid(
            "subject",
            "is required with an input_schema: the JSON pointer of the field rules match, such as /path",
        ));
    }
    Ok((Some(schema), subject))
}

/// The workspace's tools, built-in first, then by name, as stored. Any
/// member may read the catalog ([`Bosun::list_tools`]); decisions and
/// checks read it here.
pub(crate) async fn load_tools(db: &crate::Db, workspace: &WorkspaceId) -> Result<Vec<ToolInfo>> {
    tools::of_workspace(db.pool(), workspace).await
}

impl Bosun {
    /// Adds any built-in tool the workspace does not have yet (new releases
    /// may bring new ones); never changes existing entries.
    pub async fn seed_builtin_tools(&self, workspace: &WorkspaceId) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        self.seed_builtin_tools_in(&mut tx, workspace).await?;
        tx.commit().await
    }

    /// [`Bosun::seed_builtin_tools`] inside a write transaction.
    pub(crate) async fn seed_builtin_tools_in(
        &self,
        conn: &mut store::Connection,
        workspace: &WorkspaceId,
    ) -> Result<()> {
        let now = to_millis(self.now());
        for tool in bosun_policy::builtin_tools() {
            let info = ToolInfo {
                description: description_of(&tool.name).to_owned(),
                input_schema: builtin_schema(&tool.name),
                subject: tool.subject,
                name: tool.name,
                argument_kind: tool.arg_kind,
                default_risk: tool.default_risk,
                category: tool.category,
                read_only: tool.read_only,
                builtin: true,
            };
            tools::insert_new(conn, workspace, &info, now).await?;
        }
        Ok(())
    }

    /// The workspace's tools, built-in first, then by name.
    pub async fn list_tools(&self, actor: &Principal) -> Result<Vec<ToolInfo>> {
        crate::tools::load_tools(self.db(), &actor.workspace_id).await
    }

    /// The workspace's catalog as the policy engine sees it.
    pub async fn catalog(&self, workspace: &WorkspaceId) -> Result<Catalog> {
        let tools = crate::tools::load_tools(self.db(), workspace).await?;
        Ok(Catalog::new(tools.iter().map(ToolInfo::to_policy_tool)))
    }

    /// An admin adds a custom tool.
    pub async fn add_tool(&self, actor: &Principal, new_tool: NewTool) -> Result<ToolInfo> {
        actor.require_admin()?;
        let category: ToolCategory = validate::one_of("category", &new_tool.category)?;
        let (input_schema, subject) = checked_schema(new_tool.input_schema, new_tool.subject)?;
        let tool = ToolInfo {
            name: validate::identifier("name", new_tool.name.trim())?,
            description: validate::trimmed_text(
                "description",
                &new_tool.description,
                MAX_DESCRIPTION_CHARS,
            )?,
            argument_kind: validate::one_of("argument_kind", &new_tool.argument_kind)?,
            default_risk: validate::one_of("default_risk", &new_tool.default_risk)?,
            read_only: category == ToolCategory::Read,
            category,
            builtin: false,
            input_schema,
            subject,
        };
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        let inserted =
            tools::insert_new(&mut tx, &actor.workspace_id, &tool, to_millis(now)).await?;
        if !inserted {
            return Err(Error::Refused {
                code: crate::Code::ToolExists,
                message: format!(
                    "name: the workspace already has a tool called {}",
                    tool.name
                ),
            });
        }
        let data = events::data_of(&ToolCreated {
            tool: tool.name.clone(),
            argument_kind: tool.argument_kind,
            default_risk: tool.default_risk,
            category: tool.category,
            input_schema: Some(tool.input_schema.clone()),
            subject: Some(tool.subject.clone()),
        })?;
        events::append(
            &mut tx,
            now,
            NewEvent::audit(EventKind::ToolCreated, actor, None, data),
        )
        .await?;
        tx.commit().await?;
        Ok(tool)
    }
}
