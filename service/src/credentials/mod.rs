//! Credentials agents act with. A `fixed` agent holds named secrets of a
//! service account, written by its editors and never shown again; a run of
//! the agent asks for one by name and gets it, recorded in the trace by
//! reference before the value leaves.
//!
//! Agents that act as their user get that person's OAuth token instead
//! (see [`crate::oauth::tokens`]).

use chrono::{DateTime, Utc};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::access::Editable;
use crate::agents::{AgentView, Capability, CredentialModel};
use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, RunId};
use crate::runs::{Runner, run_event};
use crate::store::credentials::{self, CredentialInsert};
use crate::vault;
pub use crate::vault::MasterKey;
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{
    CredentialDeleted, CredentialIssued, CredentialRefused, CredentialWritten,
};

pub const MAX_SECRET_BYTES: usize = 64 * 1024;
/// The longest service account name, in characters.
pub const MAX_SERVICE_ACCOUNT_CHARS: usize = 200;

/// A secret as its editor writes it.
#[derive(Clone, Default)]
pub struct NewSecret {
    /// Who the secret authenticates as (an account name, a client id).
    pub service_account: String,
    pub value: Zeroizing<String>,
}

/// What may be known about a credential: never its value. Those who may
/// only run the agent learn its name alone.
#[derive(Clone, Debug, Serialize)]
pub struct CredentialInfo {
    pub name: String,
    pub version: Option<i64>,
    pub service_account: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// When the current version was written, if it replaced another.
    pub rotated_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A credential handed to a run.
pub struct IssuedCredential {
    pub name: String,
    /// `secret` (a fixed agent's) or `oauth` (the run user's access token).
    pub kind: &'static str,
    pub value: Zeroizing<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a sealed secret is bound to: a copy in another row does not open.
fn context(workspace: &str, agent: &str, name: &str, version: i64) -> String {
    format!("bosun credential v1\u{1f}{workspace}\u{1f}{agent}\u{1f}{name}\u{1f}{version}")
}

impl Bosun {
    pub(crate) fn master_key(&self) -> Result<&MasterKey> {
        self.settings().master_key.as_ref().ok_or_else(|| {
            Error::internal("no master key: set BOSUN_MASTER_KEY or let Bosun create its key file")
        })
    }

    /// Writes a new version of an agent's secret (editors). A new version
    /// keeps the secret's service account: one naming another is refused
    /// (409 `service_account_mismatch`), so that a rotation never quietly
    /// makes the agent act as someone else.
    pub async fn write_credential(
        &self,
        principal: &Principal,
        agent: &AgentId,
        name: &str,
        secret: NewSecret,
    ) -> Result<CredentialInfo> {
        let mut tx = self.db().begin_write().await?;
        let _: Editable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        validate::identifier("name", name)?;
        let service_account = validate::label(
            "service_account",
            &secret.service_account,
            MAX_SERVICE_ACCOUNT_CHARS,
        )?;
        if secret.value.is_empty() {
            return Err(Error::invalid("value", "is required"));
        }
        if secret.value.len() > MAX_SECRET_BYTES {
            return Err(Error::invalid("value", "must be at most 64 KiB"));
        }
        let now = self.now();
        let latest = credentials::latest_version(&mut tx, agent, name).await?;
        if let Some((_, current)) = latest
            .as_ref()
            .filter(|(_, current)| *current != service_account)
        {
            return Err(Error::Refused {
                code: crate::Code::ServiceAccountMismatch,
                message: format!(
                    "the secret {name} belongs to the service account {current}; a new version keeps it. \
                     To act as {service_account}, store the secret under another name, or delete {name} first"
                ),
            });
        }
        let version = latest.map_or(0, |(version, _)| version) + 1;
        let workspace = &principal.workspace_id;
        let sealed = vault::seal(
            self.master_key()?,
            &context(workspace.as_str(), agent.as_str(), name, version),
            secret.value.as_bytes(),
        )?;
        let row = CredentialInsert {
            workspace,
            agent,
            name,
            version,
            service_account: &service_account,
            sealed: &sealed,
            written_by: &principal.user_id,
            written_at: to_millis(now),
        };
        credentials::insert(&mut tx, row).await?;
        let data = events::data_of(&CredentialWritten {
            name: name.to_owned(),
            version,
            service_account: service_account.clone(),
        })?;
        events::append(
            &mut tx,
            now,
            NewEvent::audit(EventKind::CredentialWritten, principal, Some(agent), data),
        )
        .await?;
        tx.commit().await?;
        self.list_credentials(principal, agent)
            .await?
            .into_iter()
            .find(|info| info.name == name)
            .ok_or(Error::NotFound("credential"))
    }

    /// An agent's credentials: full metadata for its editors, names for
    /// anyone else who may see it. Never a value.
    pub async fn list_credentials(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<Vec<CredentialInfo>> {
        let view = self.agent_for(principal, agent, Capability::View).await?;
        let editor = view.access.allows(Capability::Edit);
        let stored = credentials::of_agent(self.db().pool(), agent).await?;
        Ok(stored
            .into_iter()
            .map(|stored| {
                if editor {
                    CredentialInfo {
                        name: stored.name,
                        version: Some(stored.version),
                        service_account: Some(stored.service_account),
                        created_at: Some(stored.created_at),
                        rotated_at: (stored.version > 1).then_some(stored.written_at),
                        last_used_at: stored.last_used_at,
                    }
                } else {
                    CredentialInfo {
                        name: stored.name,
                        version: None,
                        service_account: None,
                        created_at: None,
                        rotated_at: None,
                        last_used_at: None,
                    }
                }
            })
            .collect())
    }

    /// Deletes every version of an agent's secret (editors).
    pub async fn delete_credential(
        &self,
        principal: &Principal,
        agent: &AgentId,
        name: &str,
    ) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let _: Editable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        if !credentials::delete(&mut tx, agent, name).await? {
            return Err(Error::NotFound("credential"));
        }
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::CredentialDeleted,
                principal,
                Some(agent),
                events::data_of(&CredentialDeleted {
                    name: name.to_owned(),
                })?,
            ),
        )
        .await?;
        tx.commit().await
    }

    /// Hands a running run of a `fixed` agent its secret, or a `user`
    /// agent's run its user's token. The issuance is in the trace (by name,
    /// version and service account, or connection and scopes) before the
    /// value leaves: if it cannot be recorded, nothing is issued.
    ///
    /// A fixed agent's secrets go only to runs of its workers (claimed, or
    /// started, with a runtime key): an interactive run runs on a person's
    /// own machine under their token, and the service account is not
    /// theirs to hold. It is refused, and the refusal is in the trace.
    pub async fn issue_credential(
        &self,
        runner: &Runner,
        run: &RunId,
        name: &str,
    ) -> Result<IssuedCredential> {
        let active = self.active_run(runner, run).await?;
        let model: CredentialModel =
            validate::stored("run credential_model", &active.credential_model)?;
        if model == CredentialModel::User {
            return self.issue_user_token(runner, &active, name).await;
        }
        if active.interactive != 0 {
            return Err(self.refuse_secret(runner, &active, name).await?);
        }
        let (agent, workspace) = (&active.agent_id, &active.workspace_id);
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        let stored = credentials::newest(&mut tx, workspace, agent, name)
            .await?
            .ok_or(Error::NotFound("credential"))?;
        let sealed = stored.sealed();
        let context = context(
            workspace.as_str(),
            agent.as_str(),
            &stored.name,
            stored.version,
        );
        let secret = vault::open(self.master_key()?, &context, &sealed).map_err(|error| {
            tracing::error!(%error, credential = %stored.name, "a stored credential does not open");
            vault::unreadable("the stored credential", "an editor must write it again")
        })?;
        let value = Zeroizing::new(
            String::from_utf8(secret.to_vec())
                .map_err(|_| Error::internal("a stored secret is not text"))?,
        );
        credentials::note_use(&mut tx, &stored.id, to_millis(now)).await?;
        crate::runs::input::remember_issued(self, &mut tx, run, &stored.name, &value).await?;
        let issued = CredentialIssued::Secret {
            name: stored.name.clone(),
            version: stored.version,
            service_account: stored.service_account.clone(),
        };
        events::append(&mut tx, now, run_event(runner, &active, &issued)?).await?;
        tx.commit().await?;
        Ok(IssuedCredential {
            name: stored.name,
            kind: "secret",
            value,
            expires_at: None,
        })
    }
}

impl Bosun {
    /// Records that an interactive run asked for a fixed agent's secret and
    /// answers the refusal to return: the attempt is worth an auditor's
    /// eye (a token that leaked from someone's machine tries it first).
    async fn refuse_secret(
        &self,
        runner: &Runner,
        active: &crate::runs::ActiveRun,
        name: &str,
    ) -> Result<Error> {
        let reason = "a fixed agent's secrets go only to runs its workers claim with a runtime key, \
                      never to an interactive run";
        let mut tx = self.db().begin_write().await?;
        let refused = CredentialRefused {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        events::append(&mut tx, self.now(), run_event(runner, active, &refused)?).await?;
        tx.commit().await?;
        Ok(Error::forbidden(reason))
    }
}
