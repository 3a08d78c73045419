//! Deciding tool calls: each agent's three rule lists, mode and the
//! workspace's tool catalog compiled once into a [`CompiledPolicy`], cached,
//! and rebuilt when the rules or the agent changed; and the dry run
//! ([`Bosun::evaluate`]) and the rule editor's view of the same inputs.
//!
//! Every change to an agent (its rules, mode or tools) bumps
//! `agents.policy_version`, and every change to enforced or workspace rules
//! bumps `workspaces.policy_version`, in the change's own transaction. A
//! decision reads both versions first and rebuilds when its cached copy is
//! older, so no decision uses rules older than the last committed change,
//! in this process or any other sharing the database. The catalog is read
//! as a set is compiled and moves no version: a tool added since (created
//! or discovered) is unknown to sets compiled before, which ask about it
//! at least, until the next change rebuilds them. The workspace's default
//! mode only seeds new agents and is no input here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bosun_policy::{Catalog, CompiledPolicy, ExecutionMode, Layers, Reason, Request, analyze};
use bosun_wire::events::DecidingRule;

use super::{RuleInfo, RuleList};
use crate::access::Capability;
use crate::ids::{AgentId, WorkspaceId};
use crate::store::{rules, workspaces};
use crate::{Bosun, Principal, Result, validate};

/// Compiled rule sets by agent, with the versions they were built from.
#[derive(Default)]
pub struct PolicyCache {
    entries: Mutex<HashMap<AgentId, CachedPolicy>>,
}

#[derive(Clone)]
struct CachedPolicy {
    versions: PolicyVersions,
    policy: Arc<AgentPolicy>,
}

/// What an agent's compiled rules were built from: its own version and its
/// workspace's.
pub(crate) type PolicyVersions = (i64, i64);

/// An agent's compiled rules, and each rule as it read when compiled, for
/// the trace to say which rule decided.
pub struct AgentPolicy {
    pub compiled: CompiledPolicy,
    rules: HashMap<String, DecidingRule>,
}

impl AgentPolicy {
    /// The rule that decided, as it read when compiled (none for the mode).
    pub fn rule_snapshot(&self, reason: &Reason) -> Option<DecidingRule> {
        match reason {
            Reason::Rule { rule_id, .. } => self.rules.get(rule_id.as_ref()).cloned(),
            _ => None,
        }
    }
}

impl PolicyCache {
    fn get(&self, agent: &AgentId, versions: PolicyVersions) -> Option<Arc<AgentPolicy>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(agent)
            .filter(|cached| cached.versions == versions)
            .map(|cached| Arc::clone(&cached.policy))
    }

    fn put(&self, agent: AgentId, versions: PolicyVersions, policy: Arc<AgentPolicy>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert(agent, CachedPolicy { versions, policy });
    }
}

/// A dry run's answer, in its wire shape: nothing of the service's own
/// is added to the engine's decision and warnings.
pub use bosun_wire::rules::Evaluation;

/// Everything that decides an agent's tool calls, for the rule editor: the
/// three lists, the mode and the tool catalog.
#[derive(Clone, Debug)]
pub struct PolicyContext {
    pub enforced: Vec<RuleInfo>,
    pub agent: Vec<RuleInfo>,
    pub workspace: Vec<RuleInfo>,
    pub mode: ExecutionMode,
    pub tools: Vec<crate::tools::ToolInfo>,
}

impl PolicyContext {
    pub fn layers(&self) -> Result<Layers> {
        Ok(Layers {
            enforced: to_policy(&self.enforced)?,
            agent: to_policy(&self.agent)?,
            workspace: to_policy(&self.workspace)?,
        })
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::new(
            self.tools
                .iter()
                .map(crate::tools::ToolInfo::to_policy_tool),
        )
    }
}

impl Bosun {
    /// The rules, mode and catalog behind an agent's decisions (anyone who
    /// may see the agent).
    pub async fn policy_context(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<PolicyContext> {
        let view = self.agent_for(principal, agent, Capability::View).await?;
        Ok(PolicyContext {
            enforced: crate::rules::load_rules(
                self.db(),
                &principal.workspace_id,
                &RuleList::Enforced,
            )
            .await?,
            agent: crate::rules::load_rules(
                self.db(),
                &principal.workspace_id,
                &RuleList::Agent(agent.clone()),
            )
            .await?,
            workspace: crate::rules::load_rules(
                self.db(),
                &principal.workspace_id,
                &RuleList::Workspace,
            )
            .await?,
            mode: view.agent.execution_mode,
            tools: crate::tools::load_tools(self.db(), &principal.workspace_id).await?,
        })
    }

    /// A dry run for an agent's editors: what would be decided for this
    /// call, and why, beside what the rule analysis finds in the agent's
    /// rules (rules that never apply, allow rules that let through far more
    /// than they seem to). Nothing is recorded.
    pub async fn evaluate(
        &self,
        principal: &Principal,
        agent: &AgentId,
        tool: &str,
        input: &str,
        working_dir: Option<&str>,
    ) -> Result<Evaluation> {
        let view = self.agent_for(principal, agent, Capability::Edit).await?;
        let policy = self.compiled_policy(&principal.workspace_id, agent).await?;
        // The same input a run's call gives the engine, the agent's tools
        // included, so a dry run answers as the call would.
        let mut request = Request::new(tool, input).with_agent_tools(&view.agent.tools);
        if let Some(dir) = working_dir {
            request = request.with_working_dir(dir);
        }
        let context = self.policy_context(principal, agent).await?;
        Ok(Evaluation {
            decision: policy.compiled.decide(&request),
            warnings: analyze(&context.layers()?, &context.catalog()),
        })
    }

    /// The agent's current compiled rule set, from the cache when nothing
    /// changed since it was built.
    pub async fn compiled_policy(
        &self,
        workspace: &WorkspaceId,
        agent: &AgentId,
    ) -> Result<Arc<AgentPolicy>> {
        let (agent_version, workspace_version, mode) =
            rules::policy_versions(self.db().pool(), workspace, agent)
                .await?
                .ok_or(crate::Error::NotFound("agent"))?;
        self.policy_at(workspace, agent, (agent_version, workspace_version), &mode)
            .await
    }

    /// The agent's compiled rules at `versions`, read by the caller together
    /// with the agent's `mode`; compiled only when the cache has an older copy.
    pub(crate) async fn policy_at(
        &self,
        workspace: &WorkspaceId,
        agent: &AgentId,
        versions: PolicyVersions,
        mode: &str,
    ) -> Result<Arc<AgentPolicy>> {
        if let Some(policy) = self.policy_cache().get(agent, versions) {
            return Ok(policy);
        }
        // Read after the versions: what we compile is at least as new as
        // the versions we file it under, so the cache is never ahead of
        // the data.
        let enforced = crate::rules::load_rules(self.db(), workspace, &RuleList::Enforced).await?;
        let own =
            crate::rules::load_rules(self.db(), workspace, &RuleList::Agent(agent.clone())).await?;
        let shared = crate::rules::load_rules(self.db(), workspace, &RuleList::Workspace).await?;
        let layers = Layers {
            enforced: to_policy(&enforced)?,
            agent: to_policy(&own)?,
            workspace: to_policy(&shared)?,
        };
        let mode: ExecutionMode = validate::stored("agent execution_mode", mode)?;
        let catalog = self.catalog(workspace).await?;
        let rules = [enforced, own, shared]
            .iter()
            .flatten()
            .map(|rule| {
                let snapshot = DecidingRule {
                    id: rule.id.to_string(),
                    tool: rule.tool.clone(),
                    action: rule.action.as_str().to_owned(),
                    pattern: rule.pattern.clone(),
                    note: rule.note.clone(),
                };
                (rule.id.to_string(), snapshot)
            })
            .collect();
        let policy = Arc::new(AgentPolicy {
            compiled: CompiledPolicy::compile(&layers, mode, &catalog),
            rules,
        });
        self.policy_cache()
            .put(agent.clone(), versions, Arc::clone(&policy));
        Ok(policy)
    }

    /// The mode new agents of the workspace start in.
    pub async fn default_execution_mode(&self, workspace: &WorkspaceId) -> Result<ExecutionMode> {
        let mode = workspaces::default_execution_mode(self.db().pool(), workspace).await?;
        validate::stored("workspace default_execution_mode", &mode)
    }
}

fn to_policy(rules: &[RuleInfo]) -> Result<Vec<bosun_policy::Rule>> {
    rules.iter().map(RuleInfo::to_policy).collect()
}
