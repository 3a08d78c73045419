//! Permission rules: the rule lists of an agent in context, the workspace's
//! lists, and changes to them. Decisions for the "test a call" panel are
//! computed in the browser from what these return.

pub use bosun_wire::rules::Rule;
use bosun_wire::vocabulary::{ExecutionMode, Layer};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::tools::Tool;
use crate::error::AppError;

/// Everything that decides one agent's tool calls, in evaluation order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPolicyView {
    pub agent_name: String,
    pub enforced: Vec<Rule>,
    pub agent: Vec<Rule>,
    pub workspace: Vec<Rule>,
    pub mode: ExecutionMode,
    /// The workspace's tool catalog, which rules may name.
    pub tools: Vec<Tool>,
    /// The tools the agent was given, which its calls may use.
    pub agent_tools: Vec<String>,
    pub can_edit: bool,
}

/// The workspace's own lists, for Settings → Security (which reads the
/// workspace's settings beside them). (Empty by default: what the page
/// holds for someone who is not an admin.)
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspacePolicyView {
    pub enforced: Vec<Rule>,
    pub workspace: Vec<Rule>,
    pub tools: Vec<Tool>,
}

/// A rule as a form holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleForm {
    pub tool: String,
    pub action: String,
    pub pattern: String,
    pub note: String,
}

/// Which list: the enforced or the workspace rules, or an agent's (with
/// its id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRef {
    #[serde(deserialize_with = "layer_named")]
    pub scope: Layer,
    #[serde(default)]
    pub agent_id: String,
}

/// A layer by its name; another word is refused naming the field (serde's
/// own message would name only the word).
fn layer_named<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Layer, D::Error> {
    let name = String::deserialize(deserializer)?;
    name.parse()
        .map_err(|error| serde::de::Error::custom(format!("scope: {error}")))
}

impl ListRef {
    pub fn agent(agent_id: impl Into<String>) -> Self {
        Self {
            scope: Layer::Agent,
            agent_id: agent_id.into(),
        }
    }

    pub fn workspace(enforced: bool) -> Self {
        Self {
            scope: if enforced {
                Layer::Enforced
            } else {
                Layer::Workspace
            },
            agent_id: String::new(),
        }
    }
}

#[cfg(feature = "ssr")]
mod convert {
    use bosun_service::ids::AgentId;
    use bosun_service::rules::{RuleDraft, RuleInfo, RuleList};

    use super::*;

    pub fn views(rules: Vec<RuleInfo>) -> Vec<Rule> {
        rules.into_iter().map(Rule::from).collect()
    }

    impl ListRef {
        pub fn list(&self) -> bosun_service::Result<RuleList> {
            Ok(match self.scope {
                Layer::Enforced => RuleList::Enforced,
                Layer::Workspace => RuleList::Workspace,
                Layer::Agent => RuleList::Agent(AgentId::parse(&self.agent_id)?),
            })
        }
    }

    impl From<RuleForm> for RuleDraft {
        fn from(form: RuleForm) -> Self {
            Self {
                tool: form.tool,
                action: form.action,
                pattern: Some(form.pattern),
                note: Some(form.note),
            }
        }
    }
}

#[server(prefix = "/fn", endpoint = "rules/agent")]
pub async fn agent_policy(agent_id: String) -> Result<AgentPolicyView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::agents::Capability;
    use bosun_service::ids::AgentId;

    let (bosun, principal) = (bosun()?, principal().await?);
    let agent_id = AgentId::parse(&agent_id)?;
    let view = bosun
        .agent_for(&principal, &agent_id, Capability::View)
        .await?;
    let context = bosun.policy_context(&principal, &agent_id).await?;
    Ok(AgentPolicyView {
        agent_name: view.agent.name,
        agent_tools: view.agent.tools,
        can_edit: view.access.allows(Capability::Edit),
        enforced: convert::views(context.enforced),
        agent: convert::views(context.agent),
        workspace: convert::views(context.workspace),
        mode: context.mode,
        tools: context.tools.into_iter().map(Tool::from).collect(),
    })
}

#[server(prefix = "/fn", endpoint = "rules/workspace")]
pub async fn workspace_policy() -> Result<WorkspacePolicyView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::rules::RuleList;

    let (bosun, principal) = (bosun()?, principal().await?);
    Ok(WorkspacePolicyView {
        enforced: convert::views(bosun.rules(&principal, &RuleList::Enforced).await?),
        workspace: convert::views(bosun.rules(&principal, &RuleList::Workspace).await?),
        tools: bosun
            .list_tools(&principal)
            .await?
            .into_iter()
            .map(Tool::from)
            .collect(),
    })
}

#[server(prefix = "/fn", endpoint = "rules/add")]
pub async fn add_rule(list: ListRef, rule: RuleForm) -> Result<Rule, AppError> {
    use super::ssr::{bosun, principal};
    let added = bosun()?
        .add_rule(&principal().await?, &list.list()?, rule.into())
        .await?;
    Ok(added.into())
}

#[server(prefix = "/fn", endpoint = "rules/update")]
pub async fn update_rule(list: ListRef, rule_id: String, rule: RuleForm) -> Result<Rule, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::RuleId;
    let updated = bosun()?
        .update_rule(
            &principal().await?,
            &list.list()?,
            &RuleId::parse(&rule_id)?,
            rule.into(),
        )
        .await?;
    Ok(updated.into())
}

#[server(prefix = "/fn", endpoint = "rules/delete")]
pub async fn delete_rule(list: ListRef, rule_id: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::RuleId;
    bosun()?
        .delete_rule(
            &principal().await?,
            &list.list()?,
            &RuleId::parse(&rule_id)?,
        )
        .await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "rules/reorder")]
pub async fn reorder_rules(list: ListRef, order: Vec<String>) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    bosun()?
        .reorder_rules(&principal().await?, &list.list()?, &order)
        .await?;
    Ok(())
}
