//! The JSON shapes the web app returns, as the REST contract fixes them.

use bosun_policy::{Action, Layers, Rule, Warning, analyze};
use serde_json::json;

use crate::{compile, decide, rule};

#[test]
fn a_shell_decision_serializes_to_the_contract_shape() {
    let layers = Layers {
        agent: vec![rule("r1", "system_shell", Action::Allow, Some("git *"))],
        ..Layers::default()
    };
    let p = compile(&layers, bosun_policy::ExecutionMode::Restricted);
    let d = decide(&p, "system_shell", "git status && rm -rf build");
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(
        v,
        json!({
            "decision": "ask",
            "reason": {"kind": "mode", "mode": "restricted"},
            "risk": {"level": "dangerous", "reasons": ["the tool's default risk is caution", "deletes recursively"]},
            "commands": [
                {"command": "git status", "decision": "allow",
                 "reason": {"kind": "rule", "layer": "agent", "rule_id": "r1", "position": 1}},
                {"command": "rm -rf build", "decision": "ask",
                 "reason": {"kind": "mode", "mode": "restricted"}}
            ]
        })
    );
    let back: bosun_policy::Decision = serde_json::from_value(v).unwrap();
    assert_eq!(back, d);
}

#[test]
fn non_shell_decisions_have_no_commands_and_invalid_input_says_why() {
    let p = compile(&Layers::default(), bosun_policy::ExecutionMode::ReadWrite);
    let v = serde_json::to_value(decide(&p, "write_file", "src/lib.rs")).unwrap();
    assert_eq!(
        v,
        json!({
            "decision": "allow",
            "reason": {"kind": "mode", "mode": "read_write"},
            "risk": {"level": "caution", "reasons": ["the tool's default risk is caution"]}
        })
    );
    let v = serde_json::to_value(decide(&p, "read_file", "/../etc")).unwrap();
    assert_eq!(v["decision"], "deny");
    assert_eq!(
        v["reason"],
        json!({"kind": "invalid_input", "message": "path climbs above the root directory"})
    );
}

#[test]
fn rules_deserialize_and_reject_invalid_patterns_with_a_message() {
    let r: Rule = serde_json::from_value(json!({
        "id": "r1", "tool": "*", "action": "deny", "pattern": "rm *", "note": "no deletes"
    }))
    .unwrap();
    assert_eq!(r.tool, bosun_policy::ToolSelector::Any);
    assert_eq!(r.pattern.as_ref().map(|p| p.as_str()), Some("rm *"));
    let r: Rule =
        serde_json::from_value(json!({"id": "r2", "tool": "read_file", "action": "allow"}))
            .unwrap();
    assert!(r.pattern.is_none());
    let e = serde_json::from_value::<Rule>(json!({
        "id": "r3", "tool": "read_file", "action": "allow", "pattern": "a\\"
    }))
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("pattern: unmatched backslash at position 2"),
        "{e}"
    );
    assert_eq!(serde_json::to_value(&r).unwrap()["tool"], "read_file");
}

#[test]
fn warnings_serialize_with_the_winning_rule() {
    let layers = Layers {
        agent: vec![
            rule("a", "system_shell", Action::Allow, Some("npm *")),
            rule("b", "system_shell", Action::Deny, Some("npm install *")),
        ],
        ..Layers::default()
    };
    let w: Vec<Warning> = analyze(&layers, &bosun_policy::Catalog::builtin());
    assert_eq!(
        serde_json::to_value(&w).unwrap(),
        json!([{
            "rule": {"layer": "agent", "position": 2, "rule_id": "b"},
            "kind": "shadowed",
            "by": {"layer": "agent", "position": 1, "rule_id": "a"},
            "same_action": false,
            "message": "never applies: agent rule #1 (a) comes first and matches everything this rule matches, and says `allow` instead of `deny`"
        }])
    );
}

#[test]
fn a_tool_the_agent_was_not_given_is_denied_before_any_rule() {
    let layers = Layers {
        enforced: vec![rule("e", "*", Action::Allow, None)],
        ..Layers::default()
    };
    let policy = compile(&layers, bosun_policy::ExecutionMode::Open);
    let given = vec!["read_file".to_owned()];
    let request = bosun_policy::Request::new("system_shell", "ls").with_working_dir("/repo");
    let refused = policy.decide(&request.with_agent_tools(&given));
    assert_eq!(refused.action, Action::Deny);
    let json = serde_json::to_value(&refused).unwrap();
    assert_eq!(json["reason"]["kind"], "invalid_input");
    assert_eq!(
        json["reason"]["message"],
        "`system_shell` is not one of this agent's tools"
    );
    assert_eq!(json["risk"]["level"], "unknown");

    // A given tool goes on to the rules; without the list, every tool does.
    let read = bosun_policy::Request::new("read_file", "/repo/a").with_agent_tools(&given);
    assert_eq!(policy.decide(&read).action, Action::Allow);
    assert_eq!(policy.decide(&request).action, Action::Allow);
}
