//! The access layer on its own (`bosun_service::access`): the SQL filters
//! agree with the rule on a generated population, each writing use case
//! refuses a principal without the level it needs, and a revocation that
//! commits before a write's transaction reads it is honoured by the write.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use bosun_service::access::{
    self, AccessLevel, AgentAccess, AgentProof, Capability, Copyable, Editable, Manageable,
    Runnable, Visible,
};
use bosun_service::agents::grants::GrantTarget;
use bosun_service::agents::{AgentDraft, AgentListView, AgentPatch, AgentView};
use bosun_service::identity::{Principal, Role};
use bosun_service::ids::{AgentId, UserId, WorkspaceId};
use bosun_service::rules::{RuleDraft, RuleList};
use bosun_service::runs::Caller;
use bosun_service::{Bosun, Error};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const WORKSPACE: &str = "p-w";
const OTHER_WORKSPACE: &str = "p-x";

struct Member {
    id: &'static str,
    workspace: &'static str,
    admin: bool,
    active: bool,
}

/// Everyone the population holds: an owner, a member the grants are for,
/// an admin, a deactivated member and a deactivated admin (who keep their
/// grants and keys), and an admin of another workspace.
const MEMBERS: [Member; 6] = [
    Member {
        id: "p-owner",
        workspace: WORKSPACE,
        admin: false,
        active: true,
    },
    Member {
        id: "p-member",
        workspace: WORKSPACE,
        admin: false,
        active: true,
    },
    Member {
        id: "p-admin",
        workspace: WORKSPACE,
        admin: true,
        active: true,
    },
    Member {
        id: "p-gone",
        workspace: WORKSPACE,
        admin: false,
        active: false,
    },
    Member {
        id: "p-gone-admin",
        workspace: WORKSPACE,
        admin: true,
        active: false,
    },
    Member {
        id: "p-outsider",
        workspace: OTHER_WORKSPACE,
        admin: true,
        active: true,
    },
];

/// Who grants go to, besides the workspace.
const GRANTEES: [&str; 3] = ["p-member", "p-gone", "p-admin"];

struct Agent {
    id: String,
    owner: &'static str,
    grant: Option<AccessLevel>,
    workspace_grant: Option<AccessLevel>,
}

struct Key {
    id: String,
    agent: usize,
    creator: &'static str,
    revoked: bool,
}

struct Run {
    id: String,
    agent: usize,
    started_by: Option<&'static str>,
    key: Option<usize>,
}

struct Population {
    agents: Vec<Agent>,
    keys: Vec<Key>,
    runs: Vec<Run>,
}

fn member(id: &str) -> &'static Member {
    MEMBERS
        .iter()
        .find(|m| m.id == id)
        .expect("a member of the population")
}

impl Population {
    /// Agents owned by the owner or by the member, with every level (or
    /// none) granted to the grantees and to the workspace; keys of every
    /// member on each, live and revoked; runs started by every member and
    /// by every key.
    fn generate() -> Self {
        let levels = [
            None,
            Some(AccessLevel::Run),
            Some(AccessLevel::Clone),
            Some(AccessLevel::Edit),
        ];
        let mut agents = Vec::new();
        for owner in ["p-owner", "p-member"] {
            for grant in levels {
                for workspace_grant in levels {
                    agents.push(Agent {
                        id: format!("p-a{}", agents.len()),
                        owner,
                        grant,
                        workspace_grant,
                    });
                }
            }
        }
        let mut keys = Vec::new();
        for agent in 0..agents.len() {
            for creator in MEMBERS.iter().map(|m| m.id) {
                for revoked in [false, true] {
                    keys.push(Key {
                        id: format!("p-k{}", keys.len()),
                        agent,
                        creator,
                        revoked,
                    });
                }
            }
        }
        let mut runs = Vec::new();
        for agent in 0..agents.len() {
            for starter in MEMBERS.iter().map(|m| m.id) {
                runs.push(Run {
                    id: format!("p-r{}", runs.len()),
                    agent,
                    started_by: Some(starter),
                    key: None,
                });
            }
        }
        for (index, key) in keys.iter().enumerate() {
            runs.push(Run {
                id: format!("p-r{}", runs.len()),
                agent: key.agent,
                started_by: None,
                key: Some(index),
            });
        }
        Self { agents, keys, runs }
    }

    async fn store(&self, bosun: &Bosun) {
        let mut statements = vec![format!(
            "INSERT INTO workspaces (id, name, created_at) VALUES ('{WORKSPACE}', 'P', 0), ('{OTHER_WORKSPACE}', 'X', 0)"
        )];
        for m in &MEMBERS {
            statements.push(format!(
                "INSERT INTO users (id, workspace_id, email, name, role, created_at, deactivated_at) \
                 VALUES ('{id}', '{ws}', '{id}@example.com', '{id}', '{role}', 0, {gone})",
                id = m.id,
                ws = m.workspace,
                role = if m.admin { "admin" } else { "member" },
                gone = if m.active { "NULL" } else { "1" },
            ));
        }
        for agent in &self.agents {
            statements.push(format!(
                "INSERT INTO agents (id, workspace_id, owner_id, name, execution_mode, credential_model, \
                 created_at, updated_at) VALUES ('{}', '{WORKSPACE}', '{}', '{}', 'open', 'fixed', 0, 0)",
                agent.id, agent.owner, agent.id
            ));
            if let Some(level) = agent.grant {
                for grantee in GRANTEES {
                    statements.push(format!(
                        "INSERT INTO agent_grants (id, agent_id, user_id, level, created_by, created_at) \
                         VALUES ('{a}-{grantee}', '{a}', '{grantee}', '{l}', 'p-owner', 0)",
                        a = agent.id,
                        l = level.as_str()
                    ));
                }
            }
            if let Some(level) = agent.workspace_grant {
                statements.push(format!(
                    "INSERT INTO agent_grants (id, agent_id, user_id, level, created_by, created_at) \
                     VALUES ('{a}-all', '{a}', NULL, '{l}', 'p-owner', 0)",
                    a = agent.id,
                    l = level.as_str()
                ));
            }
        }
        for key in &self.keys {
            statements.push(format!(
                "INSERT INTO runtime_keys (id, workspace_id, agent_id, name, key_hash, created_by, created_at, \
                 revoked_at) VALUES ('{id}', '{WORKSPACE}', '{a}', '{id}', '{id}', '{c}', 0, {r})",
                id = key.id,
                a = self.agents[key.agent].id,
                c = key.creator,
                r = if key.revoked { "1" } else { "NULL" },
            ));
        }
        for r in &self.runs {
            statements.push(format!(
                "INSERT INTO runs (id, workspace_id, agent_id, status, input, started_by, started_by_key, created_at) \
                 VALUES ('{}', '{WORKSPACE}', '{}', 'running', '{{}}', {}, {}, 0)",
                r.id,
                self.agents[r.agent].id,
                r.started_by.map_or("NULL".to_owned(), |s| format!("'{s}'")),
                r.key.map_or("NULL".to_owned(), |k| format!("'{}'", self.keys[k].id)),
            ));
        }
        let mut tx = bosun.db().pool().begin().await.unwrap();
        for statement in statements {
            sqlx::query(&statement).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }

    /// A member's standing towards an agent, by the rule alone.
    fn standing(&self, user: &str, agent: &Agent) -> AgentAccess {
        AgentAccess {
            is_owner: agent.owner == user,
            is_admin: member(user).admin,
            user_grant: agent.grant.filter(|_| GRANTEES.contains(&user)),
            workspace_grant: agent.workspace_grant,
        }
    }

    /// Whether a user is an active member of the agents' workspace.
    fn belongs(user: &str) -> bool {
        let m = member(user);
        m.active && m.workspace == WORKSPACE
    }

    fn key_is_live(&self, key: &Key) -> bool {
        !key.revoked
            && Self::belongs(key.creator)
            && self
                .standing(key.creator, &self.agents[key.agent])
                .allows(Capability::ManageKeys)
    }

    fn run_is_entitled(&self, run: &Run) -> bool {
        match (run.started_by, run.key) {
            (Some(user), _) => {
                Self::belongs(user)
                    && self
                        .standing(user, &self.agents[run.agent])
                        .allows(Capability::Run)
            }
            (None, Some(key)) => self.key_is_live(&self.keys[key]),
            (None, None) => false,
        }
    }

    fn starter(&self, run: &Run) -> &'static str {
        run.started_by
            .or_else(|| run.key.map(|k| self.keys[k].creator))
            .expect("every run has a starter")
    }
}

async fn ids(bosun: &Bosun, sql: &str, binds: &[&str]) -> BTreeSet<String> {
    let mut query = sqlx::query_scalar::<_, String>(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    query
        .fetch_all(bosun.db().pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn pairs(bosun: &Bosun, sql: &str, self_approval: Option<i64>) -> BTreeSet<(String, String)> {
    let mut query = sqlx::query_as::<_, (String, String)>(sql);
    if let Some(allowed) = self_approval {
        query = query.bind(allowed);
    }
    query
        .fetch_all(bosun.db().pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn principal_of(m: &Member) -> Principal {
    Principal {
        user_id: UserId::from_string(m.id.to_owned()),
        workspace_id: WorkspaceId::from_string(m.workspace.to_owned()),
        email: format!("{}@example.com", m.id),
        name: m.id.to_owned(),
        role: if m.admin { Role::Admin } else { Role::Member },
        agent_scope: None,
    }
}

/// Whether `principal` obtains proof `P` about `agent`, and if refused, that
/// the refusal is one of access (never an internal error).
async fn proves<P: AgentProof>(bosun: &Bosun, principal: &Principal, agent: &str) -> bool {
    let mut connection = bosun.db().pool().acquire().await.unwrap();
    let proof: Result<P, Error> = bosun
        .agent_proof(
            &mut connection,
            principal,
            &AgentId::from_string(agent.to_owned()),
        )
        .await;
    match proof {
        Ok(_) => true,
        Err(Error::NotFound(_) | Error::Forbidden(_) | Error::Unauthenticated) => false,
        Err(other) => panic!("{agent}: {other:?}"),
    }
}

#[tokio::test]
async fn the_sql_filters_agree_with_the_rule_on_a_generated_population() {
    let app = spawn_app().await;
    let bosun = &app.bosun;
    let population = Population::generate();
    population.store(bosun).await;

    // Every capability, for every member and agent.
    for capability in Capability::ALL {
        let sql = format!(
            "SELECT agents.id, users.id FROM agents CROSS JOIN users \
             WHERE agents.id LIKE 'p-a%' AND users.id LIKE 'p-%' AND {}",
            access::allows_sql(
                capability,
                "agents",
                "users.id",
                &access::admin_flag_sql("users")
            )
        );
        let expected: BTreeSet<(String, String)> = population
            .agents
            .iter()
            .flat_map(|agent| MEMBERS.iter().map(move |m| (agent, m)))
            .filter(|(agent, m)| population.standing(m.id, agent).allows(capability))
            .map(|(agent, m)| (agent.id.clone(), m.id.to_owned()))
            .collect();
        assert_eq!(pairs(bosun, &sql, None).await, expected, "{capability:?}");
    }

    // The lists of agents one may edit and run.
    for m in &MEMBERS {
        let editable = ids(
            bosun,
            &format!(
                "SELECT id FROM agents WHERE id IN ({})",
                access::editable_agents_sql("$1", "$2")
            ),
            &[WORKSPACE, m.id],
        )
        .await;
        let as_member = |agent: &Agent| AgentAccess {
            is_admin: false,
            ..population.standing(m.id, agent)
        };
        let expected: BTreeSet<String> = population
            .agents
            .iter()
            .filter(|agent| as_member(agent).allows(Capability::Edit))
            .map(|agent| agent.id.clone())
            .collect();
        assert_eq!(editable, expected, "editable by {}", m.id);

        let admin = if m.admin { "1" } else { "0" };
        let runnable = ids(
            bosun,
            &format!(
                "SELECT id FROM agents WHERE id IN ({})",
                access::runnable_agents_sql("$1", "$2", admin)
            ),
            &[WORKSPACE, m.id],
        )
        .await;
        let expected: BTreeSet<String> = population
            .agents
            .iter()
            .filter(|agent| population.standing(m.id, agent).allows(Capability::Run))
            .map(|agent| agent.id.clone())
            .collect();
        assert_eq!(runnable, expected, "runnable by {}", m.id);
    }

    // Live keys and entitled runs.
    let live = ids(
        bosun,
        &format!(
            "SELECT runtime_keys.id FROM runtime_keys JOIN agents ON agents.id = runtime_keys.agent_id \
             WHERE runtime_keys.id LIKE 'p-k%' AND {}",
            access::live_key_sql("runtime_keys", "agents")
        ),
        &[],
    )
    .await;
    let expected: BTreeSet<String> = population
        .keys
        .iter()
        .filter(|key| population.key_is_live(key))
        .map(|key| key.id.clone())
        .collect();
    assert!(!expected.is_empty() && expected.len() < population.keys.len());
    assert_eq!(live, expected);

    let entitled = ids(
        bosun,
        &format!(
            "SELECT runs.id FROM runs JOIN agents ON agents.id = runs.agent_id \
             WHERE runs.id LIKE 'p-r%' AND {}",
            access::run_entitled_sql("runs", "agents")
        ),
        &[],
    )
    .await;
    let expected: BTreeSet<String> = population
        .runs
        .iter()
        .filter(|run| population.run_is_entitled(run))
        .map(|run| run.id.clone())
        .collect();
    assert!(!expected.is_empty() && expected.len() < population.runs.len());
    assert_eq!(entitled, expected);

    // Who may decide each run's requests, with and without self-approval.
    for self_approval in [0, 1] {
        let sql = format!(
            "SELECT runs.id, users.id FROM runs JOIN agents ON agents.id = runs.agent_id CROSS JOIN users \
             WHERE runs.id LIKE 'p-r%' AND users.id LIKE 'p-%' AND {}",
            access::reviewable_sql("users.id", &access::admin_flag_sql("users"), "$1")
        );
        let expected: BTreeSet<(String, String)> = population
            .runs
            .iter()
            .flat_map(|run| MEMBERS.iter().map(move |m| (run, m)))
            .filter(|(run, m)| {
                population
                    .standing(m.id, &population.agents[run.agent])
                    .allows(Capability::Edit)
                    && (self_approval == 1 || population.starter(run) != m.id)
            })
            .map(|(run, m)| (run.id.clone(), m.id.to_owned()))
            .collect();
        assert_eq!(
            pairs(bosun, &sql, Some(self_approval)).await,
            expected,
            "self-approval {self_approval}"
        );
    }

    // The checks one request at a time (the proofs), and the agents list,
    // say the same: members of another workspace and deactivated members
    // get nothing.
    for m in &MEMBERS {
        let principal = principal_of(m);
        for agent in &population.agents {
            let standing = population.standing(m.id, agent);
            let allowed = |capability| Population::belongs(m.id) && standing.allows(capability);
            let id = agent.id.as_str();
            assert_eq!(
                proves::<Visible<AgentView>>(bosun, &principal, id).await,
                allowed(Capability::View),
                "{} {id}",
                m.id
            );
            assert_eq!(
                proves::<Runnable<AgentView>>(bosun, &principal, id).await,
                allowed(Capability::Run),
                "{} {id}",
                m.id
            );
            assert_eq!(
                proves::<Copyable<AgentView>>(bosun, &principal, id).await,
                allowed(Capability::Clone),
                "{} {id}",
                m.id
            );
            assert_eq!(
                proves::<Editable<AgentView>>(bosun, &principal, id).await,
                allowed(Capability::Edit),
                "{} {id}",
                m.id
            );
            assert_eq!(
                proves::<Manageable<AgentView>>(bosun, &principal, id).await,
                allowed(Capability::ManageSharing),
                "{} {id}",
                m.id
            );
        }
        if m.workspace == WORKSPACE {
            let listed: BTreeSet<String> = bosun
                .list_agents(&principal, AgentListView::All, None, None, 200)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|view| view.agent.id.to_string())
                .collect();
            let expected: BTreeSet<String> = population
                .agents
                .iter()
                .filter(|agent| population.standing(m.id, agent).allows(Capability::View))
                .map(|agent| agent.id.clone())
                .collect();
            assert_eq!(listed, expected, "the agents {} sees", m.id);
        }
    }
}

/// A workspace with an agent of Olga's and a member at each level of it.
struct Levels {
    app: TestApp,
    agent: AgentId,
    who: HashMap<&'static str, Principal>,
}

async fn levels() -> Levels {
    let app = spawn_app().await;
    for (name, role) in [
        ("olga", Role::Member),
        ("rita", Role::Member),
        ("cleo", Role::Member),
        ("eddy", Role::Member),
        ("sam", Role::Member),
        ("ada", Role::Admin),
    ] {
        app.create_user(&format!("{name}@example.com"), role).await;
    }
    let mut who = HashMap::new();
    for name in ["olga", "rita", "cleo", "eddy", "sam", "ada"] {
        who.insert(
            name,
            app.bosun
                .user_by_email(&format!("{name}@example.com"))
                .await
                .unwrap(),
        );
    }
    let agent = app
        .bosun
        .create_agent(
            &who["olga"],
            AgentDraft {
                name: "Deployer".into(),
                ..AgentDraft::default()
            },
        )
        .await
        .unwrap()
        .agent
        .id;
    for (name, level) in [("rita", "run"), ("cleo", "clone"), ("eddy", "edit")] {
        app.bosun
            .share_agent(
                &who["olga"],
                &agent,
                GrantTarget::User(who[name].user_id.to_string()),
                level,
            )
            .await
            .unwrap();
    }
    Levels { app, agent, who }
}

/// The writing use cases, each by name, done by `principal`.
async fn attempt(
    bosun: &Bosun,
    principal: &Principal,
    agent: &AgentId,
    use_case: &str,
) -> Result<(), Error> {
    match use_case {
        "update_agent" => bosun
            .update_agent(
                principal,
                agent,
                AgentPatch {
                    description: Some("changed".into()),
                    ..AgentPatch::default()
                },
            )
            .await
            .map(drop),
        "clone_agent" => bosun.clone_agent(principal, agent, None).await.map(drop),
        "delete_agent" => bosun.delete_agent(principal, agent).await,
        "share_agent" => {
            let grantee = bosun.user_by_email("sam@example.com").await?.user_id;
            bosun
                .share_agent(
                    principal,
                    agent,
                    GrantTarget::User(grantee.to_string()),
                    "run",
                )
                .await
                .map(drop)
        }
        "create_runtime_key" => bosun
            .create_runtime_key(principal, agent, "worker")
            .await
            .map(drop),
        "add_rule" => bosun
            .add_rule(
                principal,
                &RuleList::Agent(agent.clone()),
                RuleDraft {
                    tool: "*".into(),
                    action: "ask".into(),
                    pattern: None,
                    note: None,
                },
            )
            .await
            .map(drop),
        "start_run" => bosun
            .start_run(&Caller::User(principal.clone()), agent, json!({}))
            .await
            .map(drop),
        other => unreachable!("{other}"),
    }
}

#[tokio::test]
async fn each_writing_use_case_refuses_whoever_lacks_the_level_it_needs() {
    let l = levels().await;
    // Who may, of a stranger, a runner, a cloner and an editor; the owner
    // and admins may do everything, which the other tests show.
    let table: [(&str, [bool; 4]); 7] = [
        ("start_run", [false, true, true, true]),
        ("clone_agent", [false, false, true, true]),
        ("update_agent", [false, false, false, true]),
        ("add_rule", [false, false, false, true]),
        ("share_agent", [false, false, false, false]),
        ("create_runtime_key", [false, false, false, false]),
        ("delete_agent", [false, false, false, false]),
    ];
    for (use_case, allowed) in table {
        for (name, allowed) in ["sam", "rita", "cleo", "eddy"].into_iter().zip(allowed) {
            let outcome = attempt(&l.app.bosun, &l.who[name], &l.agent, use_case).await;
            match (allowed, &outcome) {
                (true, Ok(())) => {}
                // A stranger is not told the agent exists.
                (false, Err(Error::NotFound(_))) if name == "sam" => {}
                (false, Err(Error::Forbidden(_))) if name != "sam" => {}
                _ => panic!("{use_case} by {name}: {outcome:?}"),
            }
        }
    }
    // Nothing the refusals touched changed.
    let view = l
        .app
        .bosun
        .agent_for(&l.who["olga"], &l.agent, Capability::View)
        .await
        .unwrap();
    assert_eq!(
        view.agent.description, "changed",
        "the editor's change is the only one"
    );
    assert!(
        l.app
            .bosun
            .list_runtime_keys(&l.who["olga"], &l.agent)
            .await
            .unwrap()
            .is_empty()
    );
    let grants = l
        .app
        .bosun
        .list_grants(&l.who["olga"], &l.agent)
        .await
        .unwrap();
    assert_eq!(grants.len(), 3, "{grants:?}");
}

#[derive(Clone, Copy, Debug)]
enum Revocation {
    GrantRevoked,
    Demoted,
    Deactivated,
    OwnershipTransferred,
}

/// A revocation committed while a write waits for its transaction: the
/// test holds the writer (SQLite's queue; on PostgreSQL the agent's row,
/// which the write's proof locks first) with the revocation made but not
/// committed, lets the write start, then commits. The write must see it.
async fn race(revocation: Revocation, who: &'static str, use_case: &'static str) {
    let l = levels().await;
    let bosun = l.app.bosun.clone();
    let principal = match revocation {
        // Ada administers the workspace without owning the agent.
        Revocation::Demoted => l.who["ada"].clone(),
        _ => l.who[who].clone(),
    };
    let mut held = bosun.db().begin_write().await.unwrap();
    let user = principal.user_id.as_str();
    let statement = match revocation {
        Revocation::GrantRevoked => "DELETE FROM agent_grants WHERE user_id = $1 AND agent_id = $2",
        Revocation::Demoted => "UPDATE users SET role = 'member' WHERE id = $1 AND $2 <> ''",
        Revocation::Deactivated => "UPDATE users SET deactivated_at = 1 WHERE id = $1 AND $2 <> ''",
        Revocation::OwnershipTransferred => {
            "UPDATE agents SET owner_id = (SELECT id FROM users WHERE email = 'ada@example.com') \
                                             WHERE owner_id = $1 AND id = $2"
        }
    };
    let changed = sqlx::query(statement)
        .bind(user)
        .bind(l.agent.as_str())
        .execute(&mut *held)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1, "{revocation:?}");
    sqlx::query("UPDATE agents SET updated_at = updated_at WHERE id = $1")
        .bind(l.agent.as_str())
        .execute(&mut *held)
        .await
        .unwrap();
    let write = {
        let (bosun, agent) = (bosun.clone(), l.agent.clone());
        tokio::spawn(async move { attempt(&bosun, &principal, &agent, use_case).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!write.is_finished(), "{use_case} waits for the writer");
    held.commit().await.unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(10), write)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(
            outcome,
            Err(Error::NotFound(_) | Error::Forbidden(_) | Error::Unauthenticated)
        ),
        "{use_case} after {revocation:?}: {outcome:?}"
    );
}

#[tokio::test]
async fn an_edit_after_its_grant_was_revoked_is_refused() {
    race(Revocation::GrantRevoked, "eddy", "update_agent").await;
}

#[tokio::test]
async fn a_run_started_after_its_grant_was_revoked_is_refused() {
    race(Revocation::GrantRevoked, "rita", "start_run").await;
}

#[tokio::test]
async fn a_rule_added_after_its_author_was_deactivated_is_refused() {
    race(Revocation::Deactivated, "eddy", "add_rule").await;
}

#[tokio::test]
async fn sharing_after_the_sharer_stepped_down_as_admin_is_refused() {
    race(Revocation::Demoted, "ada", "share_agent").await;
}

#[tokio::test]
async fn a_key_minted_after_the_agent_was_given_away_is_refused() {
    race(
        Revocation::OwnershipTransferred,
        "olga",
        "create_runtime_key",
    )
    .await;
}
