//! Proof values: holding a [`Visible`], [`Runnable`], [`Copyable`],
//! [`Editable`] or [`Manageable`] agent is proof that the principal's
//! standing allowed that much when it was made, because nothing outside
//! this module can make one.
//!
//! The writing use cases take the proof their write needs and obtain it
//! with [`Bosun::agent_proof`] on their own write transaction, so the check
//! reads the same state the write changes: a grant revoked, an owner
//! changed or a member demoted or deactivated before the transaction began
//! is honoured. On SQLite the writer holds the whole database until the
//! write commits; on PostgreSQL the proof locks the agent's row first, so
//! that a change of its grants or owner (whose own proof takes the same
//! lock) waits for the write rather than slipping in between.

use crate::ids::AgentId;
use crate::model::agents::AgentView;
use crate::store::{self, agents, users, workspaces};
use crate::{Bosun, Error, Principal, Result, Role};

use super::{Capability, ReviewSubject};

/// Only this module makes one, so only this module makes proofs.
pub struct Seal(());

/// A proof about an agent: the capability it stands for, and how this
/// module wraps a view once the check passed.
pub trait AgentProof: Sized {
    const CAPABILITY: Capability;
    #[doc(hidden)]
    fn seal(view: AgentView, seal: Seal) -> Self;
}

macro_rules! proof {
    ($(#[$doc:meta])* $name:ident, $capability:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<T>(T);

        impl<T> $name<T> {
            /// What the proof is about.
            pub fn get(&self) -> &T {
                &self.0
            }

            pub fn into_inner(self) -> T {
                self.0
            }
        }

        impl AgentProof for $name<AgentView> {
            const CAPABILITY: Capability = $capability;
            fn seal(view: AgentView, _: Seal) -> Self {
                Self(view)
            }
        }
    };
}

proof!(
    /// The principal may see it.
    Visible,
    Capability::View
);
proof!(
    /// The principal may start runs of it.
    Runnable,
    Capability::Run
);
proof!(
    /// The principal may copy it into an agent of their own.
    Copyable,
    Capability::Clone
);
proof!(
    /// The principal may change its definition, rules and credentials.
    Editable,
    Capability::Edit
);
proof!(
    /// The principal may share it, mint its runtime keys and delete it:
    /// they own it or administer the workspace.
    Manageable,
    Capability::ManageSharing
);

/// The principal may decide `T`, a pending request of a run: they may edit
/// its agent, and it is not their own run's (or their key's run's) unless
/// the workspace allows self-approval.
#[derive(Debug)]
pub struct Reviewable<T>(T);

impl<T> Reviewable<T> {
    pub fn get(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The principal administers their workspace, as the store has it now.
#[derive(Debug)]
pub struct Admin(());

impl Editable<AgentView> {
    /// The same agent as [`Manageable`], if the standing this proof was
    /// made from also allows `capability` (one of the owner's and admins'):
    /// for an edit that goes further, like transferring ownership.
    pub fn manageable(&self, capability: Capability) -> Result<Manageable<AgentView>> {
        self.0.access.require(capability)?;
        self.0.access.require(Manageable::<AgentView>::CAPABILITY)?;
        Ok(Manageable(self.0.clone()))
    }
}

impl Bosun {
    /// The proof `P` about agent `id` for `principal`, checked on
    /// `connection` (the caller's write transaction) against the state it
    /// reads: the principal's role and membership as stored now, not as
    /// they were when the request was authenticated. Refuses as
    /// [`crate::access::AgentAccess::require`] does; a principal no longer
    /// an active member is refused as unauthenticated.
    pub async fn agent_proof<P: AgentProof>(
        &self,
        connection: &mut store::Connection,
        principal: &Principal,
        id: &AgentId,
    ) -> Result<P> {
        self.agent_proof_as(connection, principal, id, P::CAPABILITY)
            .await
    }

    /// [`Bosun::agent_proof`] for a use case whose refusal names what it
    /// is about (managing keys, deleting), when `capability` asks at least
    /// what `P` stands for.
    pub async fn agent_proof_as<P: AgentProof>(
        &self,
        connection: &mut store::Connection,
        principal: &Principal,
        id: &AgentId,
        capability: Capability,
    ) -> Result<P> {
        // An agent token reaches its own agent only, whatever its creator
        // may do with others.
        principal.require_scope_allows(id)?;
        agents::lock_for_access(connection, &principal.workspace_id, id).await?;
        let is_admin = stored_role(connection, principal).await? == Role::Admin.as_str();
        let view = agents::view(connection, principal, is_admin, id)
            .await?
            .ok_or(Error::NotFound("agent"))?;
        view.access.require(capability)?;
        view.access.require(P::CAPABILITY)?;
        Ok(P::seal(view, Seal(())))
    }

    /// [`Reviewable`] for `principal` and `request`, checked on
    /// `connection` (the deciding write's transaction): an editor of the
    /// request's agent (admins are), who did not start its run unless the
    /// workspace allows self-approval.
    pub async fn reviewable<T: ReviewSubject>(
        &self,
        connection: &mut store::Connection,
        principal: &Principal,
        request: T,
    ) -> Result<Reviewable<T>> {
        let _: Editable<AgentView> = self
            .agent_proof(connection, principal, &request.agent())
            .await?;
        if request.starter() == Some(principal.user_id.as_str())
            && !workspaces::allows_self_approval(connection, &principal.workspace_id).await?
        {
            let whose = if request.started_by_person() {
                "you started this run"
            } else {
                "this run was started by a runtime key you created"
            };
            return Err(Error::forbidden(format!(
                "{whose}; another reviewer must decide its requests"
            )));
        }
        Ok(Reviewable(request))
    }

    /// [`Admin`] for `principal`, checked on `connection` (the caller's
    /// write transaction) against their role as stored now.
    pub async fn admin_proof(
        &self,
        connection: &mut store::Connection,
        principal: &Principal,
    ) -> Result<Admin> {
        if stored_role(connection, principal).await? == Role::Admin.as_str() {
            Ok(Admin(()))
        } else {
            Err(Error::forbidden("only workspace admins may do this"))
        }
    }
}

/// The principal's role as stored now; a principal who is no longer an
/// active member of the workspace is refused as unauthenticated.
async fn stored_role(connection: &mut store::Connection, principal: &Principal) -> Result<String> {
    users::active_role(connection, &principal.user_id, &principal.workspace_id)
        .await?
        .ok_or(Error::Unauthenticated)
}
