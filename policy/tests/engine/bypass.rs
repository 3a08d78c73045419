//! The bypass corpus: command lines, paths and URLs of the kinds reported
//! against agent permission systems (chained and wrapped commands, program
//! paths, assignments, redirections, inline interpreter code, shell
//! constructs, quoting that shells read differently). Under narrow allow
//! rules none of them may come out `allow`; under deny rules every one must
//! be denied; and the ordinary spellings of what narrow rules name must stay
//! allowed.
//!
//! The corpus is data (`tests/corpus/bypass.json`), so the browser tests can
//! hold the engine compiled to WebAssembly, and the server's evaluate
//! endpoint, to the very same cases.
//!
//! A case marked `pending` is a known engine gap, named with the issue item
//! that closes it: it must still fail (strictly, so the mark goes the moment
//! the gap is closed) and does not fail the test.

use bosun_policy::{Action::*, ExecutionMode, Layers, Rule};
use serde::Deserialize;

use crate::{compile, decide, rule};

const CORPUS: &str = include_str!("../corpus/bypass.json");

#[derive(Deserialize)]
struct Corpus {
    narrow_allows: Scenario,
    guardrails: Scenario,
    must_allow: Scenario,
}

#[derive(Deserialize)]
struct Scenario {
    mode: ExecutionMode,
    enforced_rules: Vec<Rule>,
    agent_rules: Vec<Rule>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    tool: String,
    input: String,
    /// A known engine gap, with the issue item that closes it: the case
    /// must still fail, so that the mark goes as soon as the gap is closed.
    #[serde(default)]
    pending: Option<String>,
}

/// Splits a scenario's outcomes: failures of cases that must hold, and
/// pending cases that now hold (their `pending` mark must go).
fn failures(
    scenario: &Scenario,
    holds: impl Fn(&Case) -> Result<(), String>,
) -> (Vec<String>, Vec<String>) {
    let (mut failed, mut now_hold) = (Vec::new(), Vec::new());
    for case in &scenario.cases {
        match (holds(case), &case.pending) {
            (Err(why), None) => failed.push(why),
            (Ok(()), Some(_)) => now_hold.push(format!("{} {:?}", case.tool, case.input)),
            _ => {}
        }
    }
    (failed, now_hold)
}

fn corpus() -> Corpus {
    serde_json::from_str(CORPUS).expect("the corpus is valid JSON with valid patterns")
}

impl Scenario {
    fn policy(&self) -> bosun_policy::CompiledPolicy {
        let layers = Layers {
            enforced: self.enforced_rules.clone(),
            agent: self.agent_rules.clone(),
            workspace: vec![],
        };
        compile(&layers, self.mode)
    }
}

/// Narrow allow rules in the locked mode: anything they do not cover is
/// denied, so an `allow` can only come from a rule being fooled.
fn narrow_allows() -> bosun_policy::CompiledPolicy {
    corpus().narrow_allows.policy()
}

#[test]
fn narrow_allow_rules_do_not_admit_anything_broader() {
    let scenario = corpus().narrow_allows;
    let p = scenario.policy();
    let (fooled, now_hold) = failures(&scenario, |Case { tool, input, .. }| {
        let d = decide(&p, tool, input);
        match d.action {
            Allow => Err(format!("{tool} {input:?}: {:?} {:?}", d.reason, d.commands)),
            _ => Ok(()),
        }
    });
    assert!(fooled.is_empty(), "allowed:\n{}", fooled.join("\n"));
    assert!(
        now_hold.is_empty(),
        "pending cases that now hold (remove `pending`):\n{}",
        now_hold.join("\n")
    );
    assert!(scenario.cases.len() >= 250);
}

#[test]
fn the_narrow_rules_still_allow_what_they_name() {
    let p = narrow_allows();
    for input in [
        "git status",
        "ls",
        "ls -la /repo",
        "echo \"a && b\"",
        "cat /repo/src/main.rs",
        "npm test",
        "npm run build",
        "git status && ls -la",
        "timeout 60 npm test",
        "nohup npm run dev &",
        "ls 2>/dev/null",
    ] {
        assert_eq!(decide(&p, "system_shell", input).action, Allow, "{input:?}");
    }
    assert_eq!(decide(&p, "read_file", "src/main.rs").action, Allow);
    assert_eq!(decide(&p, "write_file", "/repo/src/lib.rs").action, Allow);
    assert_eq!(
        decide(&p, "http_request", "HTTPS://API.EXAMPLE.COM/v1").action,
        Allow
    );
}

#[test]
fn ordinary_commands_stay_allowed_by_the_rules_that_name_them() {
    let scenario = corpus().must_allow;
    let p = scenario.policy();
    let mut refused = Vec::new();
    for Case { tool, input, .. } in &scenario.cases {
        let d = decide(&p, tool, input);
        if d.action != Allow {
            refused.push(format!("{tool} {input:?}: {:?} {:?}", d.action, d.commands));
        }
    }
    assert!(refused.is_empty(), "not allowed:\n{}", refused.join("\n"));
    assert!(scenario.cases.len() >= 50);
}

#[test]
fn deny_rules_cannot_be_escaped() {
    let scenario = corpus().guardrails;
    let p = scenario.policy();
    let (escaped, now_hold) = failures(&scenario, |Case { tool, input, .. }| {
        let d = decide(&p, tool, input);
        match d.action {
            Deny => Ok(()),
            _ => Err(format!("{tool} {input:?}: {:?} {:?}", d.action, d.commands)),
        }
    });
    assert!(escaped.is_empty(), "not denied:\n{}", escaped.join("\n"));
    assert!(
        now_hold.is_empty(),
        "pending cases that now hold (remove `pending`):\n{}",
        now_hold.join("\n")
    );
    assert!(scenario.cases.len() >= 150);
}

#[test]
fn the_corpus_rules_are_the_ones_described() {
    let corpus = corpus();
    let guard = &corpus.guardrails;
    assert_eq!(guard.agent_rules, vec![rule("all", "*", Allow, None)]);
    assert!(guard.enforced_rules.iter().all(|r| r.action == Deny));
    assert!(
        corpus
            .narrow_allows
            .agent_rules
            .iter()
            .all(|r| r.action == Allow)
    );
}
