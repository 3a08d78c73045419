//! The trace: search, the runs it is made of, one run's timeline, and the
//! audit chain check.

pub use bosun_wire::traces::RunSummary;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A search as the Traces page's form (and its URL) holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TraceQuery {
    pub agent: String,
    pub user: String,
    pub tool: String,
    pub decision: String,
    pub status: String,
    pub q: String,
    pub from: String,
    pub to: String,
    /// The page: events older than this sequence number.
    pub before: Option<i64>,
}

impl TraceQuery {
    /// The query string of this search (without the page), for links.
    pub fn to_query_string(&self) -> String {
        query_string(&[
            ("agent", &self.agent),
            ("user", &self.user),
            ("tool", &self.tool),
            ("decision", &self.decision),
            ("status", &self.status),
            ("q", &self.q),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

/// A query string of the pairs whose value is not empty, encoded.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", urlencoding::encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The runs list's filters, as its form (and its URL) holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunQuery {
    pub agent: String,
    pub status: String,
    /// The page: runs older than this place in the list.
    pub before: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResults {
    pub runs: Vec<RunSummary>,
    pub next: Option<String>,
}

/// One event, with names for the ids it mentions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub seq: i64,
    /// UTC, to the millisecond.
    pub at: String,
    pub kind: String,
    pub agent_id: Option<String>,
    pub agent: Option<String>,
    pub run_id: Option<String>,
    pub actor: Option<String>,
    pub on_behalf_of: Option<String>,
    pub tool: Option<String>,
    /// `allow`, `deny` or `ask`, when the event records a decision.
    pub decision: Option<String>,
    /// One line saying what happened.
    pub summary: String,
    /// The event's data, pretty-printed.
    pub data: String,
    /// For a tool call's request: its whole input, laid out for reading.
    pub call: Option<crate::components::tool_input::CallInput>,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceResults {
    pub events: Vec<EventView>,
    pub next: Option<i64>,
}

/// What the filters offer: the agents and members one can pick.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceOptions {
    pub agents: Vec<(String, String)>,
    pub users: Vec<(String, String)>,
    pub is_admin: bool,
}

#[server(prefix = "/fn", endpoint = "traces/search")]
pub async fn search_traces(query: TraceQuery) -> Result<TraceResults, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let filter = bosun_service::traces::TraceFilter {
        agent: Some(query.agent),
        run: None,
        user: Some(query.user),
        tool: Some(query.tool),
        decision: Some(query.decision),
        status: Some(query.status),
        q: Some(query.q),
        from: Some(query.from),
        to: Some(query.to),
    };
    let page = bosun
        .search_traces(
            &principal,
            &filter,
            query.before,
            bosun_service::traces::DEFAULT_PAGE,
        )
        .await?;
    let names = bosun.trace_names(&principal).await?;
    Ok(TraceResults {
        events: page
            .events
            .into_iter()
            .map(|event| ssr::view(event, &names))
            .collect(),
        next: page.next,
    })
}

#[server(prefix = "/fn", endpoint = "traces/runs")]
pub async fn list_trace_runs(query: RunQuery) -> Result<RunResults, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let filter = bosun_service::traces::RunFilter {
        agent: Some(query.agent),
        status: Some(query.status),
    };
    let page = bosun
        .trace_runs(
            &principal,
            &filter,
            Some(query.before.as_str()),
            bosun_service::traces::DEFAULT_PAGE,
        )
        .await?;
    Ok(RunResults {
        runs: page.runs.into_iter().map(RunSummary::from).collect(),
        next: page.next,
    })
}

#[server(prefix = "/fn", endpoint = "traces/run")]
pub async fn run_timeline(run_id: String) -> Result<Vec<EventView>, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let run = bosun_service::ids::RunId::parse(&run_id)?;
    let events = bosun.run_trace(&principal, &run).await?;
    let names = bosun.trace_names(&principal).await?;
    Ok(events
        .into_iter()
        .map(|event| ssr::view(event, &names))
        .collect())
}

#[server(prefix = "/fn", endpoint = "traces/choices")]
pub async fn filter_choices() -> Result<TraceOptions, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let agents = bosun
        .list_agents(
            &principal,
            bosun_service::agents::AgentListView::All,
            None,
            None,
            200,
        )
        .await?;
    let names = bosun.trace_names(&principal).await?;
    let mut users: Vec<(String, String)> = names.users.into_iter().collect();
    users.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(TraceOptions {
        agents: agents
            .items
            .into_iter()
            .map(|view| (view.agent.id.to_string(), view.agent.name))
            .collect(),
        users,
        is_admin: principal.is_admin(),
    })
}

/// Checks the whole event log's hash chain (admins): what it found.
#[server(prefix = "/fn", endpoint = "audit/verify")]
pub async fn verify_audit_chain() -> Result<String, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    Ok(match bosun.verify_chain_for(&principal).await? {
        Ok(count) => format!("The chain is whole: {count} events, each linked to the one before."),
        Err(chain_break) => format!("The log does not verify: {chain_break}."),
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use bosun_service::events::{Event, Payload};
    use bosun_service::traces::TraceNames;
    use bosun_wire::events::{AgentChanged, CredentialIssued, RuleSnapshot};
    use serde_json::Value;

    use super::EventView;
    use crate::dates::{Precision, absolute};

    pub fn view(event: Event, names: &TraceNames) -> EventView {
        let payload = Payload::read(&event.kind, &event.data);
        let decision = payload.decision().map(str::to_owned);
        let call = match &payload {
            Payload::ToolCallRequested(requested) => {
                Some(crate::components::tool_input::CallInput::new(
                    &requested.input,
                    requested.working_dir.clone(),
                ))
            }
            _ => None,
        };
        EventView {
            seq: event.seq,
            at: absolute(event.at, Precision::Millisecond),
            agent: names.agent(event.agent_id.as_deref()),
            actor: names.user(event.actor.as_deref()),
            on_behalf_of: names.user(event.on_behalf_of.as_deref()),
            tool: payload.tool().map(str::to_owned),
            summary: summary(&event, &payload, names),
            data: serde_json::to_string_pretty(&event.data).unwrap_or_default(),
            call,
            decision,
            kind: event.kind,
            agent_id: event.agent_id,
            run_id: event.run_id,
            hash: event.hash,
        }
    }

    /// What happened, in a line.
    fn summary(event: &Event, payload: &Payload<'_>, names: &TraceNames) -> String {
        match payload {
            Payload::RunStarted(started) => match &started.started_by_key {
                Some(key) => format!(
                    "started by the runtime key “{}” of {} with input {}",
                    key.name,
                    names
                        .user(Some(key.created_by.as_str()))
                        .unwrap_or_else(|| "an unknown creator".into()),
                    started.input
                ),
                None if started.input["client"] == "claude_code" => format!(
                    "Claude Code session {} started in {}",
                    started.input["session_id"].as_str().unwrap_or("?"),
                    started.input["cwd"].as_str().unwrap_or("?")
                ),
                None => format!("started with input {}", started.input),
            },
            Payload::RunClaimed(_) => "claimed by the agent's worker".into(),
            Payload::RunFinished(finished) => format!("finished: {}", finished.status),
            Payload::ToolCallRequested(requested) => {
                let headline =
                    crate::components::tool_input::CallInput::new(&requested.input, None)
                        .headline();
                match &requested.client_tool {
                    // A client's own tool, next to the catalog tool it was
                    // judged as.
                    Some(client_tool) => format!(
                        "asks to {client_tool} (judged as {}): {headline}",
                        requested.tool
                    ),
                    None => format!("asks to {}: {headline}", requested.tool),
                }
            }
            Payload::PolicyDecision(decided) => {
                let by = match &decided.rule {
                    Some(rule) => format!(
                        "by rule {} {} {}",
                        rule.action,
                        rule.tool,
                        rule.pattern.as_deref().unwrap_or("(any input)")
                    ),
                    None => match decided.reason_kind() {
                        Some("mode") => format!(
                            "by the {} mode",
                            decided.reason["mode"].as_str().unwrap_or_default()
                        ),
                        Some("run_allowance") => format!(
                            "as allowed for this run by {}",
                            names
                                .user(
                                    decided
                                        .run_allowance
                                        .as_ref()
                                        .and_then(|allowance| allowance["granted_by"].as_str())
                                )
                                .unwrap_or_else(|| "a reviewer".into())
                        ),
                        _ => decided.reason["message"]
                            .as_str()
                            .map_or_else(|| decided.reason.to_string(), str::to_owned),
                    },
                };
                format!(
                    "{} {by}; risk {}",
                    decided.decision,
                    decided.risk_level().unwrap_or("unknown")
                )
            }
            Payload::ApprovalRequested(_) => "waits for a reviewer".into(),
            Payload::ApprovalResolved(resolved) => {
                // Expired and withdrawn requests have no reviewer; their
                // message says why.
                let reviewer = resolved.reviewer.as_ref().and_then(Option::as_deref);
                let mut line = match names.user(reviewer) {
                    Some(reviewer) => format!("{} by {reviewer}", resolved.decision),
                    None => resolved.decision.clone(),
                };
                if let Some(message) = &resolved.message {
                    line.push_str(&format!(": “{message}”"));
                }
                line
            }
            Payload::ToolCallResult(answered) => match &answered.error {
                Some(error) => format!("failed: {error}"),
                None => {
                    let output = answered.output.as_ref().unwrap_or(&Value::Null);
                    format!("done: {}", truncated(&output.to_string(), 120))
                }
            },
            Payload::CredentialIssued(CredentialIssued::Oauth {
                name, user, scopes, ..
            }) => format!(
                "received the {name} token of {} (scopes {scopes})",
                names
                    .user(Some(user.as_str()))
                    .unwrap_or_else(|| "its user".into()),
            ),
            Payload::CredentialIssued(CredentialIssued::Secret {
                name,
                version,
                service_account,
            }) => format!(
                "received secret {name} (version {version}, service account {service_account})"
            ),
            // Bosun itself put a header secret on the run's requests to a
            // remote MCP server; the agent never held it.
            Payload::CredentialIssued(CredentialIssued::McpHeader {
                name,
                server,
                header,
                ..
            }) => format!("Bosun sent secret {name} in the {header} header to MCP server {server}"),
            Payload::AgentEvent(recorded) => truncated(&recorded.event.to_string(), 120),
            Payload::CredentialRefused(_) | Payload::Other(_) => {
                truncated(&format!("{} {}", event.kind, event.data), 120)
            }
            Payload::AgentCreated(created) => format!(
                "created agent “{}” ({} mode, {} credentials, tools: {})",
                created.name,
                created.execution_mode,
                created.credential_model,
                listed(&created.tools)
            ),
            Payload::AgentUpdated(changed) | Payload::AgentOwnershipTransferred(changed) => {
                agent_changes(changed, names)
            }
            Payload::AgentDeleted(deleted) => format!("deleted agent “{}”", deleted.name),
            Payload::AgentCloned(cloned) => {
                let mut line = format!(
                    "cloned {} as “{}”",
                    names
                        .agent(Some(cloned.source_agent_id.as_str()))
                        .unwrap_or_default(),
                    cloned.name
                );
                if let Some(rules) = cloned.rules_copied {
                    line.push_str(&format!(" with {rules} of its rules"));
                }
                line
            }
            Payload::GrantCreated(grant) => format!(
                "shared with {} at level {}",
                grantee(grant.user_id.as_deref(), names),
                grant.level
            ),
            Payload::GrantChanged(grant) => match grant.previous_level {
                Some(previous) => format!(
                    "changed the share of {} from {previous} to {}",
                    grantee(grant.user_id.as_deref(), names),
                    grant.level
                ),
                None => format!(
                    "shared with {} at level {}",
                    grantee(grant.user_id.as_deref(), names),
                    grant.level
                ),
            },
            Payload::GrantRevoked(grant) => format!(
                "stopped sharing with {} (level {})",
                grantee(grant.user_id.as_deref(), names),
                grant.level
            ),
            Payload::CredentialWritten(written) => format!(
                "stored secret {} (version {}, service account {})",
                written.name, written.version, written.service_account
            ),
            Payload::CredentialDeleted(deleted) => {
                format!("deleted secret {} with every version", deleted.name)
            }
            Payload::RuleCreated(entry) => {
                format!("added {} rule {}", entry.layer, rule_line(&entry.rule))
            }
            Payload::RuleUpdated(updated) => format!(
                "changed {} rule {} to {}",
                updated.layer,
                rule_line(&updated.before),
                rule_line(&updated.after)
            ),
            Payload::RuleDeleted(entry) => {
                format!("deleted {} rule {}", entry.layer, rule_line(&entry.rule))
            }
            Payload::RuleReordered(reordered) => format!(
                "reordered the {} rules ({} rules)",
                reordered.layer,
                reordered.after.len()
            ),
            Payload::ToolCreated(created) => format!(
                "added tool {} ({} input, {} risk, {})",
                created.tool, created.argument_kind, created.default_risk, created.category
            ),
            Payload::ToolDiscovered(discovered) => format!(
                "found tool {} on MCP server {} (its {})",
                discovered.tool, discovered.server, discovered.server_tool
            ),
            Payload::McpServerRegistered(registered) => format!(
                "registered MCP server {} ({} {})",
                registered.server, registered.transport, registered.origin
            ),
            Payload::RuntimeKeyCreated(created) => {
                format!("created runtime key “{}”", created.name)
            }
            Payload::RuntimeKeyRevoked(revoked) => format!(
                "revoked {}",
                names
                    .user(Some(format!("key:{}", revoked.key_id).as_str()))
                    .unwrap_or_default()
            ),
            Payload::RemoteMcpServerRegistered(registered) => format!(
                "registered remote MCP server {} at {} (authentication: {})",
                registered.name, registered.url, registered.auth
            ),
            Payload::RemoteMcpServerUpdated(updated) => {
                let mut fields = Vec::new();
                if updated.description.is_some() {
                    fields.push("description".to_owned());
                }
                if let Some(url) = &updated.url {
                    fields.push(format!("URL {url}"));
                }
                if let Some(timeout) = updated.timeout_seconds {
                    fields.push(format!("timeout {timeout} s"));
                }
                if let Some(auth) = &updated.auth {
                    fields.push(match auth.secret_changed {
                        true => format!("authentication {} with a new secret", auth.kind),
                        false => format!("authentication {}", auth.kind),
                    });
                }
                format!(
                    "changed remote MCP server {}: {}",
                    updated.name,
                    listed(&fields)
                )
            }
            Payload::RemoteMcpServerDeleted(deleted) => format!(
                "removed remote MCP server {} (used by {} agents)",
                deleted.name,
                deleted.agents.len()
            ),
            Payload::AgentMcpServerAttached(attached) => {
                format!("may use MCP server {}", attached.server)
            }
            Payload::AgentMcpServerDetached(detached) => {
                format!("may no longer use MCP server {}", detached.server)
            }
            Payload::MemberAdded(added) => format!("added {} as {}", added.email, added.role),
            Payload::MemberRoleChanged(changed) => format!(
                "made {} {} (was {})",
                changed.email, changed.to, changed.from
            ),
            Payload::MemberDeactivated(account) => format!("deactivated {}", account.email),
            Payload::MemberReactivated(account) => format!("reactivated {}", account.email),
            Payload::UserPasswordChanged(account) => {
                format!("{} changed their password", account.email)
            }
            Payload::MemberPasswordReset(account) => {
                format!("set the password of {}", account.email)
            }
            Payload::MemberPasswordLinkCreated(link) => format!(
                "made a set-password link for {}, usable until {}",
                link.email,
                chrono::DateTime::parse_from_rfc3339(&link.expires_at).map_or_else(
                    |_| link.expires_at.clone(),
                    |at| absolute(at.to_utc(), Precision::Minute)
                )
            ),
            Payload::UserPasswordSetWithLink(account) => {
                format!("{} set their password with a link", account.email)
            }
            Payload::UserPasswordResetByOperator(account) => format!(
                "the operator set the password of {} from the command line",
                account.email
            ),
            Payload::WebhookCreated(created) => format!(
                "added a {} webhook to {} for {}",
                created.kind,
                created.url,
                listed(&created.events)
            ),
            Payload::WebhookDeleted(deleted) => format!("deleted the webhook to {}", deleted.url),
            Payload::WorkspaceSettingsChanged(changed) => {
                let mut fields = Vec::new();
                if let Some(mode) = &changed.default_execution_mode {
                    fields.push(format!("default mode {} → {}", mode.from, mode.to));
                }
                if let Some(ttl) = &changed.approval_ttl_seconds {
                    fields.push(format!(
                        "approvals expire after {} s → {} s",
                        ttl.from, ttl.to
                    ));
                }
                if let Some(allowed) = &changed.self_approval {
                    fields.push(format!("self-approval {} → {}", allowed.from, allowed.to));
                }
                format!("changed the workspace's settings: {}", listed(&fields))
            }
            Payload::OAuthProviderCreated(saved) => format!(
                "added OAuth provider {} (client {}, scopes {})",
                saved.name, saved.client_id, saved.scopes
            ),
            Payload::OAuthProviderUpdated(saved) => {
                let mut line = format!(
                    "changed OAuth provider {} (client {}, scopes {})",
                    saved.name, saved.client_id, saved.scopes
                );
                if saved.client_secret_changed == Some(true) {
                    line.push_str(" and its client secret");
                }
                line
            }
            Payload::OAuthProviderDeleted(deleted) => {
                let mut line = format!("removed OAuth provider {}", deleted.name);
                if let (Some(connections), Some(revoked)) =
                    (deleted.connections, deleted.revoked_at_provider)
                {
                    line.push_str(&format!(
                        " and its {connections} connections ({revoked} revoked at the provider)"
                    ));
                }
                line
            }
            Payload::AgentConnectionNeedChanged(need) => match &need.scopes {
                Some(scopes) => format!(
                    "needs each user's {} account (scopes {scopes})",
                    need.provider
                ),
                None => format!("no longer needs a {} account", need.provider),
            },
            Payload::ConnectionConnected(connected) => format!(
                "connected their {} account (scopes {})",
                connected.provider, connected.scopes
            ),
            Payload::ConnectionDisconnected(disconnected) => format!(
                "disconnected their {} account{}",
                disconnected.provider,
                match disconnected.revoked_at_provider {
                    true => ", revoked at the provider",
                    false => "",
                }
            ),
            Payload::ConnectionReconnectNeeded(needed) => format!(
                "the {} account must be connected again ({})",
                needed.provider, needed.reason
            ),
        }
    }

    /// What an update changed, by field; long texts only as changed.
    fn agent_changes(changed: &AgentChanged, names: &TraceNames) -> String {
        let changes = &changed.changes;
        let mut fields = Vec::new();
        if let Some(name) = &changes.name {
            fields.push(format!("name “{}” → “{}”", name.from, name.to));
        }
        if changes.description.is_some() {
            fields.push("description".to_owned());
        }
        if let Some(tools) = &changes.tools {
            fields.push(format!("tools {}", listed(&tools.to)));
        }
        if let Some(mode) = &changes.execution_mode {
            fields.push(format!("mode {} → {}", mode.from, mode.to));
        }
        if let Some(model) = &changes.credential_model {
            fields.push(format!("credentials {} → {}", model.from, model.to));
        }
        if let Some(ttl) = &changes.approval_ttl_seconds {
            let shown = |ttl: Option<i64>| {
                ttl.map_or_else(|| "the workspace's".to_owned(), |s| format!("{s} s"))
            };
            fields.push(format!(
                "approval expiry {} → {}",
                shown(ttl.from),
                shown(ttl.to)
            ));
        }
        if let Some(owner) = &changes.owner_id {
            fields.push(format!(
                "owner {} → {}",
                names.user(Some(owner.from.as_str())).unwrap_or_default(),
                names.user(Some(owner.to.as_str())).unwrap_or_default()
            ));
        }
        if changes.instructions.is_some() {
            fields.push("instructions".to_owned());
        }
        if changes.settings.is_some() {
            fields.push("settings".to_owned());
        }
        match changed.via.as_deref() {
            Some("mcp_discovery") => {
                format!("took tools an MCP server listed: {}", listed(&fields))
            }
            _ => format!("changed {}", listed(&fields)),
        }
    }

    /// Whom a grant is for: a person by name, or the whole workspace.
    fn grantee(user: Option<&str>, names: &TraceNames) -> String {
        names
            .user(user)
            .unwrap_or_else(|| "the whole workspace".into())
    }

    /// A rule as its list shows it: `allow system_shell npm *`.
    fn rule_line(rule: &RuleSnapshot) -> String {
        format!(
            "{} {} {}",
            rule.action,
            rule.tool,
            rule.pattern.as_deref().unwrap_or("(any input)")
        )
    }

    /// Items joined with commas, cut short where a long list would crowd
    /// the line (the event's data below it has them all).
    fn listed(items: &[impl AsRef<str>]) -> String {
        match items {
            [] => "none".into(),
            items => truncated(
                &items
                    .iter()
                    .map(AsRef::as_ref)
                    .collect::<Vec<_>>()
                    .join(", "),
                120,
            ),
        }
    }

    fn truncated(text: &str, max: usize) -> String {
        match text.char_indices().nth(max) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.to_owned(),
        }
    }
}
