//! "Allow for this run": a reviewer who may decide a request allows it and
//! every later call of the same tool with the same subject (as the policy
//! engine normalizes it) in the same run. Later calls are judged by the
//! enforced rules first and then allowed by the allowance, whatever the
//! agent's rules, the workspace's or the mode would say; the trace names
//! the allowance. Allowances end with the run: only running runs make
//! calls.

use bosun_policy::{CompiledPolicy, Decision, Reason, Request, structured};
use serde_json::{Value, json};

use super::ActiveRun;
use crate::ids::RunId;
pub use crate::model::runs::RunAllowance;
use crate::store;
use crate::{Bosun, Error, Result};

impl Bosun {
    /// The allowance of a run for a tool and a normalized subject, if a
    /// reviewer granted one: the single check every call (and, for
    /// structured inputs, every subject of a call) goes through.
    pub(crate) async fn run_allowance(
        &self,
        run: &str,
        tool: &str,
        subject: &str,
    ) -> Result<Option<RunAllowance>> {
        store::run_allowances::covering(self.db().pool(), run, tool, subject).await
    }

    /// What a run's reviewers allowed for it, oldest first.
    pub(crate) async fn run_allowances(&self, run: &RunId) -> Result<Vec<RunAllowance>> {
        store::run_allowances::of_run(self.db().pool(), run).await
    }

    /// Decides a call of a running run, a string input or each subject of
    /// an object input (see [`bosun_policy::structured`]): by the enforced
    /// rules and the run's allowance where one covers the subject, else by
    /// the rules; the strictest verdict wins. Answers the allowance as the
    /// trace records it when one decided (the first, for several subjects).
    pub(crate) async fn decide_in_run(
        &self,
        run: &ActiveRun,
        policy: &CompiledPolicy,
        agent_tools: &[String],
        tool: &str,
        input: &Value,
        working_dir: Option<&str>,
    ) -> (Decision, Option<Value>) {
        let subjects = match structured::subjects(policy.catalog().get(tool), input) {
            Ok(subjects) => subjects,
            Err(error) => return (structured::unjudgeable(error), None),
        };
        let mut decisions = Vec::with_capacity(subjects.len());
        let mut used = None;
        for subject in subjects {
            let mut query = Request::new(tool, subject).with_agent_tools(agent_tools);
            if let Some(dir) = working_dir {
                query = query.with_working_dir(dir);
            }
            let (decision, allowance) = self.decide_subject_in_run(run, policy, &query).await;
            used = used.or(allowance);
            decisions.push(decision);
        }
        (structured::strictest(decisions.into_iter()), used)
    }

    /// [`Bosun::decide_in_run`] for one subject. A failure to read the
    /// allowances leaves the rules to decide, never less strictly.
    async fn decide_subject_in_run(
        &self,
        run: &ActiveRun,
        policy: &CompiledPolicy,
        query: &Request<'_>,
    ) -> (Decision, Option<Value>) {
        if run.has_allowances != 0
            && let Ok(subject) = policy.normalized_subject(query)
        {
            match self.run_allowance(&run.id, query.tool, &subject).await {
                Ok(Some(allowance)) => {
                    let decision = policy.decide_allowed_for_run(query);
                    let used = std::iter::once(&decision.reason)
                        .chain(decision.commands.iter().map(|c| &c.reason))
                        .any(|reason| *reason == Reason::RunAllowance);
                    let trace = used.then(|| {
                        json!({ "id": allowance.id, "approval_id": allowance.approval_id,
                                "granted_by": allowance.granted_by, "subject": allowance.subject })
                    });
                    return (decision, trace);
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, "could not read the run's allowances; the rules decide");
                }
            }
        }
        (policy.decide(query), None)
    }
}

/// Why a request cannot be allowed for its run, as the reviewer is told.
pub(crate) fn not_allowable(why: &bosun_policy::run_allowance::NotAllowable) -> Error {
    Error::Refused {
        code: crate::Code::NotAllowableForRun,
        message: format!(
            "decision: this call cannot be allowed for the rest of its run ({why}); allow it once instead"
        ),
    }
}
