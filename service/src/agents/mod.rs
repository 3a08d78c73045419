//! Agents: their definitions, and the use cases that create, read, change,
//! copy and delete them. Sharing is in [`grants`]; who may do what, in
//! [`crate::access`].

pub use crate::access;
pub mod grants;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosun_policy::ExecutionMode;
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::AgentId;
use crate::store::{self, agents};
use crate::{Bosun, Error, Principal, Result, validate};
pub use access::{AccessLevel, AccessSource, AgentAccess, Capability};
use access::{Copyable, Editable, Manageable};
use bosun_wire::events::{
    AgentChanged, AgentChanges, AgentCloned, AgentCreated, AgentDeleted, Change, Changed,
};

pub use crate::model::agents::{Agent, AgentView};
pub use bosun_wire::vocabulary::{AgentListView, CredentialModel};

/// The fields of a new agent, as received. Only `name` is required.
#[derive(Clone, Debug, Default)]
pub struct AgentDraft {
    pub name: String,
    pub description: Option<String>,
    pub instructions: Option<String>,
    pub tools: Option<Vec<String>>,
    pub execution_mode: Option<String>,
    pub credential_model: Option<String>,
    pub settings: Option<Value>,
    /// Absent: the workspace's.
    pub approval_ttl_seconds: Option<i64>,
}

/// Changes to an agent; absent fields stay as they are.
#[derive(Clone, Debug, Default)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub instructions: Option<String>,
    pub tools: Option<Vec<String>>,
    pub execution_mode: Option<String>,
    pub credential_model: Option<String>,
    pub settings: Option<Value>,
    /// `Some(None)` goes back to the workspace's time-to-live.
    pub approval_ttl_seconds: Option<Option<i64>>,
    /// Transfers ownership (owner and admins only).
    pub owner_id: Option<String>,
}

/// A page of a list, with the cursor of the next page.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

const MAX_SETTINGS_BYTES: usize = 64 * 1024;
/// The longest description and instructions of an agent, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_INSTRUCTIONS_CHARS: usize = 100_000;

impl Bosun {
    /// Loads an agent of the principal's workspace with the principal's
    /// access to it, and refuses unless that access allows `capability`.
    pub async fn agent_for(
        &self,
        principal: &Principal,
        id: &AgentId,
        capability: Capability,
    ) -> Result<AgentView> {
        // An agent token reaches its own agent only, whatever its creator
        // may do with others.
        principal.require_scope_allows(id)?;
        let mut connection = self.db().pool().acquire().await?;
        let view = agents::view(&mut connection, principal, principal.is_admin(), id)
            .await?
            .ok_or(Error::NotFound("agent"))?;
        view.access.require(capability)?;
        Ok(view)
    }

    /// The agent a runtime key acts for, read on `connection`, while the
    /// key is live ([`access::live_key_sql`]): a key revoked, or whose
    /// creator lost the right to mint it, is refused as unauthenticated.
    pub(crate) async fn agent_of_key(
        &self,
        connection: &mut store::Connection,
        key: &crate::model::runs::AgentKey,
    ) -> Result<Agent> {
        agents::of_live_key(connection, key.key_id.as_str(), &key.workspace_id)
            .await?
            .ok_or(Error::Unauthenticated)
    }

    /// The agents the principal can see, by name, a page at a time.
    pub async fn list_agents(
        &self,
        principal: &Principal,
        view: AgentListView,
        name_contains: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AgentView>> {
        let limit = i64::from(limit.clamp(1, 200));
        let (after_name, after_id) = match cursor {
            Some(cursor) => decode_cursor(cursor)?,
            None => (String::new(), String::new()),
        };
        let pattern = name_contains
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| store::containing(&q.to_lowercase()));
        let after = agents::After {
            name: &after_name,
            id: &after_id,
        };
        let mut items =
            agents::page(self.db().pool(), principal, view, pattern, after, limit + 1).await?;
        let next = if items.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
            items.pop();
            items
                .last()
                .map(|last| encode_cursor(&last.agent.name.to_lowercase(), last.agent.id.as_str()))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Creates an agent owned by the principal.
    pub async fn create_agent(
        &self,
        principal: &Principal,
        draft: AgentDraft,
    ) -> Result<AgentView> {
        let fields = self
            .parse_fields(
                principal,
                AgentPatch {
                    name: Some(draft.name),
                    description: draft.description,
                    instructions: draft.instructions,
                    tools: draft.tools,
                    execution_mode: draft.execution_mode,
                    credential_model: draft.credential_model,
                    settings: draft.settings,
                    approval_ttl_seconds: draft.approval_ttl_seconds.map(Some),
                    owner_id: None,
                },
            )
            .await?;
        let mode = match fields.execution_mode {
            Some(mode) => mode,
            None => self.default_execution_mode(&principal.workspace_id).await?,
        };
        let agent = Agent {
            id: AgentId::generate(),
            name: fields
                .name
                .ok_or_else(|| Error::invalid("name", "is required"))?,
            description: fields.description.unwrap_or_default(),
            instructions: fields.instructions.unwrap_or_default(),
            tools: fields.tools.unwrap_or_default(),
            execution_mode: mode,
            credential_model: fields.credential_model.unwrap_or(CredentialModel::Fixed),
            settings: fields.settings.unwrap_or_else(|| json!({})),
            approval_ttl_seconds: fields.approval_ttl_seconds.flatten(),
            owner_id: principal.user_id.clone(),
            created_at: self.now(),
            updated_at: self.now(),
        };
        let mut tx = self.db().begin_write().await?;
        agents::insert(&mut tx, &principal.workspace_id, &agent).await?;
        let data = events::data_of(&AgentCreated {
            name: agent.name.clone(),
            execution_mode: agent.execution_mode,
            credential_model: agent.credential_model,
            tools: agent.tools.clone(),
        })?;
        events::append(
            &mut tx,
            agent.created_at,
            NewEvent::audit(EventKind::AgentCreated, principal, Some(&agent.id), data),
        )
        .await?;
        tx.commit().await?;
        self.agent_for(principal, &agent.id, Capability::View).await
    }

    /// Changes an agent's definition (editors), or its owner (owner and admins).
    pub async fn update_agent(
        &self,
        principal: &Principal,
        id: &AgentId,
        patch: AgentPatch,
    ) -> Result<AgentView> {
        // The fields are read (against the catalog and the workspace's
        // settings) before the write opens: everything the transaction
        // reads, it reads on its own connection, so that writes waiting
        // for one another never wait for the pool as well.
        let owner = patch.owner_id.clone();
        let fields = self.parse_fields(principal, patch).await?;
        let mut tx = self.db().begin_write().await?;
        let current: Editable<AgentView> = self.agent_proof(&mut tx, principal, id).await?;
        let new_owner = match owner.as_deref() {
            Some(owner) if owner != current.get().agent.owner_id.as_str() => {
                current.manageable(Capability::ManageSharing)?;
                Some(
                    self.active_member(&mut tx, principal, "owner_id", owner)
                        .await?,
                )
            }
            _ => None,
        };
        let before = current.into_inner().agent;
        let after = Agent {
            name: fields.name.unwrap_or_else(|| before.name.clone()),
            description: fields
                .description
                .unwrap_or_else(|| before.description.clone()),
            instructions: fields
                .instructions
                .unwrap_or_else(|| before.instructions.clone()),
            tools: fields.tools.unwrap_or_else(|| before.tools.clone()),
            execution_mode: fields.execution_mode.unwrap_or(before.execution_mode),
            credential_model: fields.credential_model.unwrap_or(before.credential_model),
            settings: fields.settings.unwrap_or_else(|| before.settings.clone()),
            approval_ttl_seconds: fields
                .approval_ttl_seconds
                .unwrap_or(before.approval_ttl_seconds),
            owner_id: new_owner.unwrap_or_else(|| before.owner_id.clone()),
            updated_at: self.now(),
            ..before.clone()
        };
        let changes = changes(&before, &after);
        if changes.is_empty() {
            drop(tx);
            return self.agent_for(principal, id, Capability::View).await;
        }
        agents::update(&mut tx, &principal.workspace_id, id, &after).await?;
        let kind = if after.owner_id != before.owner_id {
            EventKind::AgentOwnershipTransferred
        } else {
            EventKind::AgentUpdated
        };
        events::append(
            &mut tx,
            after.updated_at,
            NewEvent::audit(
                kind,
                principal,
                Some(id),
                events::data_of(&AgentChanged { changes, via: None })?,
            ),
        )
        .await?;
        // The previous owner may have lost access with the agent: their
        // runs' pending requests are withdrawn, and keys they made stop.
        if after.owner_id != before.owner_id {
            self.withdraw_disentitled(
                &mut tx,
                &principal.workspace_id,
                crate::model::runs::Affected::Agent(id),
            )
            .await?;
        }
        tx.commit().await?;
        // The principal may no longer see it (they gave it away): answer
        // with what they are allowed to know.
        self.agent_for(principal, id, Capability::View).await
    }

    /// Deletes an agent and its grants (owner and admins).
    pub async fn delete_agent(&self, principal: &Principal, id: &AgentId) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let agent: Manageable<AgentView> = self
            .agent_proof_as(&mut tx, principal, id, Capability::Delete)
            .await?;
        let view = agent.get();
        agents::delete(&mut tx, &principal.workspace_id, &view.agent.id).await?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::AgentDeleted,
                principal,
                Some(id),
                events::data_of(&AgentDeleted {
                    name: view.agent.name.clone(),
                })?,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Copies an agent into a new one owned by the principal: instructions,
    /// tools, settings, mode, credential model and the accounts it needs,
    /// but never credentials, connections,
    /// grants, runtime keys or runs.
    pub async fn clone_agent(
        &self,
        principal: &Principal,
        id: &AgentId,
        name: Option<&str>,
    ) -> Result<AgentView> {
        let mut tx = self.db().begin_write().await?;
        let source: Copyable<AgentView> = self.agent_proof(&mut tx, principal, id).await?;
        let source = source.into_inner().agent;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => validate::label("name", name, validate::MAX_NAME_CHARS)?,
            None => truncate_chars(
                &format!("Copy of {}", source.name),
                validate::MAX_NAME_CHARS,
            ),
        };
        let now = self.now();
        let copy = Agent {
            id: AgentId::generate(),
            name,
            owner_id: principal.user_id.clone(),
            created_at: now,
            updated_at: now,
            ..source.clone()
        };
        let rules = crate::rules::load_rules(
            self.db(),
            &principal.workspace_id,
            &crate::model::rules::RuleList::Agent(source.id.clone()),
        )
        .await?;
        agents::insert(&mut tx, &principal.workspace_id, &copy).await?;
        for rule in &rules {
            let copied = crate::model::rules::RuleInfo {
                id: crate::ids::RuleId::generate(),
                ..rule.clone()
            };
            crate::store::rules::insert(
                &mut tx,
                principal,
                Some(&copy.id),
                &copied,
                to_millis(now),
            )
            .await?;
        }
        crate::store::oauth_connections::copy_needs(&mut tx, &source.id, &copy.id).await?;
        let data = events::data_of(&AgentCloned {
            source_agent_id: source.id.to_string(),
            name: copy.name.clone(),
            rules_copied: Some(u64::try_from(rules.len()).unwrap_or(u64::MAX)),
        })?;
        events::append(
            &mut tx,
            now,
            NewEvent::audit(EventKind::AgentCloned, principal, Some(&copy.id), data),
        )
        .await?;
        tx.commit().await?;
        self.agent_for(principal, &copy.id, Capability::View).await
    }

    /// Parses and checks the fields present in a patch.
    async fn parse_fields(&self, principal: &Principal, patch: AgentPatch) -> Result<ParsedFields> {
        let tools = match patch.tools {
            Some(tools) => Some(self.check_tools(principal, tools).await?),
            None => None,
        };
        if let Some(Some(ttl)) = patch.approval_ttl_seconds {
            let workspace = self.workspace_settings(principal).await?;
            check_approval_ttl(ttl, workspace.approval_ttl_seconds)?;
        }
        Ok(ParsedFields {
            name: patch
                .name
                .map(|n| validate::label("name", &n, validate::MAX_NAME_CHARS))
                .transpose()?,
            description: patch
                .description
                .map(|d| validate::trimmed_text("description", &d, MAX_DESCRIPTION_CHARS))
                .transpose()?,
            instructions: patch
                .instructions
                .map(|i| validate::text("instructions", &i, MAX_INSTRUCTIONS_CHARS))
                .transpose()?,
            tools,
            execution_mode: patch
                .execution_mode
                .map(|m| validate::one_of("execution_mode", &m))
                .transpose()?,
            credential_model: patch
                .credential_model
                .map(|m| validate::one_of("credential_model", &m))
                .transpose()?,
            settings: patch.settings.map(check_settings).transpose()?,
            approval_ttl_seconds: patch.approval_ttl_seconds,
        })
    }

    /// Tool names must be in the workspace's catalog, each once.
    async fn check_tools(&self, principal: &Principal, tools: Vec<String>) -> Result<Vec<String>> {
        let catalog = crate::tools::load_tools(self.db(), &principal.workspace_id).await?;
        let mut checked: Vec<String> = Vec::with_capacity(tools.len());
        for tool in tools {
            let tool = tool.trim().to_owned();
            if !catalog.iter().any(|t| t.name == tool) {
                return Err(Error::invalid(
                    "tools",
                    format!("{tool:?} is not in the workspace's tool catalog"),
                ));
            }
            if !checked.contains(&tool) {
                checked.push(tool);
            }
        }
        Ok(checked)
    }
}

struct ParsedFields {
    name: Option<String>,
    description: Option<String>,
    instructions: Option<String>,
    tools: Option<Vec<String>>,
    execution_mode: Option<ExecutionMode>,
    credential_model: Option<CredentialModel>,
    settings: Option<Value>,
    approval_ttl_seconds: Option<Option<i64>>,
}

/// An agent's own approval time-to-live: within the workspace setting's
/// bounds, and no longer than the workspace's (an agent may hurry its
/// reviewers, not hold a request past what the workspace allows).
fn check_approval_ttl(ttl: i64, workspace_ttl: i64) -> Result<()> {
    crate::workspaces::check_approval_ttl_bounds(ttl)?;
    if ttl > workspace_ttl {
        return Err(Error::invalid(
            "approval_ttl_seconds",
            format!(
                "must be at most the workspace's {workspace_ttl} seconds (Settings → Security), \
                 or null for the workspace's; got {ttl}"
            ),
        ));
    }
    Ok(())
}

/// Settings are a JSON object of bounded size.
fn check_settings(settings: Value) -> Result<Value> {
    if !settings.is_object() {
        return Err(Error::invalid("settings", "must be a JSON object"));
    }
    if settings.to_string().len() > MAX_SETTINGS_BYTES {
        return Err(Error::invalid("settings", "must be at most 64 KiB of JSON"));
    }
    Ok(settings)
}

/// What changed between two versions of an agent, for the audit log. Long
/// texts are recorded as changed, not copied.
fn changes(before: &Agent, after: &Agent) -> AgentChanges {
    AgentChanges {
        name: Change::between(before.name.clone(), after.name.clone()),
        description: Change::between(before.description.clone(), after.description.clone()),
        tools: Change::between(before.tools.clone(), after.tools.clone()),
        execution_mode: Change::between(before.execution_mode, after.execution_mode),
        credential_model: Change::between(before.credential_model, after.credential_model),
        approval_ttl_seconds: Change::between(
            before.approval_ttl_seconds,
            after.approval_ttl_seconds,
        ),
        owner_id: Change::between(before.owner_id.to_string(), after.owner_id.to_string()),
        instructions: Changed::between(&before.instructions, &after.instructions),
        settings: Changed::between(&before.settings, &after.settings),
    }
}

fn truncate_chars(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}

fn encode_cursor(name: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(name, id)).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> Result<(String, String)> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| Error::invalid("cursor", "is not a cursor this list gave out"))
}
