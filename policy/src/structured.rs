//! Structured tool inputs: a JSON object such as `{"path": "/srv/a.rs",
//! "content": "…"}` is judged by its *subject*, the field the catalog names
//! with a JSON pointer (`/path`). A string input is its own subject, as
//! before, and goes straight to [`CompiledPolicy::decide`].
//!
//! A subject that is an array (several recipients, several paths) is
//! allowed only when every element is: each element is decided on its own
//! and the strictest verdict wins (`deny > ask > allow`). Whatever cannot
//! be judged — a tool without a subject, a missing field, an empty array,
//! an element that is not a string — is denied with reason
//! `invalid_input`: the call fails closed.
//!
//! The server and the browser's rule test panel both call
//! [`CompiledPolicy::decide_input`], so a preview agrees with the decision.

use std::fmt;

use serde_json::Value;

use crate::catalog::{RiskLevel, Tool};
use crate::compile::CompiledPolicy;
use crate::decision::{Decision, Reason, Request, Risk};
use crate::rules::Action;

/// Why an input's subject could not be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectError {
    /// The input is neither a string nor a JSON object.
    Shape,
    /// The tool is not in the catalog, so nothing names its subject.
    UnknownTool,
    /// The tool declares no subject, so it takes string inputs only.
    NoSubject,
    /// The object has no value (or `null`) at the subject's pointer.
    Missing(String),
    /// The subject is neither a string nor an array of strings.
    NotText(String),
    /// The subject is an empty array: nothing to judge.
    Empty(String),
}

/// The field a JSON pointer names, as messages spell it: `/path` is
/// `input.path`, `/to/0` is `input.to.0`.
pub fn field_name(pointer: &str) -> String {
    let mut name = String::from("input");
    for token in pointer.split('/').skip(1) {
        name.push('.');
        name.push_str(&token.replace("~1", "/").replace("~0", "~"));
    }
    name
}

impl fmt::Display for SubjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape => f.write_str("input: must be a string or a JSON object"),
            Self::UnknownTool => f.write_str(
                "input: the tool is not in the catalog, so an object input cannot be judged; send a string",
            ),
            Self::NoSubject => f.write_str(
                "input: the tool declares no subject, so it takes a string input only",
            ),
            Self::Missing(pointer) => write!(f, "{}: is required", field_name(pointer)),
            Self::NotText(pointer) => write!(
                f,
                "{}: must be a string or an array of strings",
                field_name(pointer)
            ),
            Self::Empty(pointer) => write!(f, "{}: must not be empty", field_name(pointer)),
        }
    }
}

impl std::error::Error for SubjectError {}

/// What the rules match in `input`: the string itself, or the string (or
/// each string of the array) at the tool's subject pointer.
///
/// ```
/// use bosun_policy::{Catalog, structured::subjects};
/// let catalog = Catalog::builtin();
/// let input = serde_json::json!({"path": "/srv/a.rs", "content": "fn main() {}"});
/// assert_eq!(subjects(catalog.get("write_file"), &input).unwrap(), ["/srv/a.rs"]);
/// let mail = serde_json::json!({"to": ["a@x.org", "b@x.org"], "subject": "hi"});
/// assert_eq!(subjects(catalog.get("send_email"), &mail).unwrap(), ["a@x.org", "b@x.org"]);
/// ```
pub fn subjects<'a>(tool: Option<&Tool>, input: &'a Value) -> Result<Vec<&'a str>, SubjectError> {
    let object = match input {
        Value::String(text) => return Ok(vec![text]),
        Value::Object(_) => input,
        _ => return Err(SubjectError::Shape),
    };
    let tool = tool.ok_or(SubjectError::UnknownTool)?;
    let pointer = tool.subject.as_deref().ok_or(SubjectError::NoSubject)?;
    match object.pointer(pointer) {
        None | Some(Value::Null) => Err(SubjectError::Missing(pointer.to_owned())),
        Some(Value::String(text)) => Ok(vec![text]),
        Some(Value::Array(items)) if items.is_empty() => {
            Err(SubjectError::Empty(pointer.to_owned()))
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| SubjectError::NotText(pointer.to_owned()))
            })
            .collect(),
        Some(_) => Err(SubjectError::NotText(pointer.to_owned())),
    }
}

impl CompiledPolicy {
    /// Decides a call whose input may be a string or a JSON object (see the
    /// [module](self) documentation). A string costs nothing more than
    /// [`CompiledPolicy::decide`].
    ///
    /// ```
    /// use bosun_policy::{Action, Catalog, CompiledPolicy, ExecutionMode, Layers, Rule, RulePattern, ToolSelector};
    /// let deny = Rule::new("r1", ToolSelector::parse("send_email"), Action::Deny, Some(RulePattern::parse("*@rival.example").unwrap()));
    /// let policy = CompiledPolicy::compile(&Layers { agent: vec![deny], ..Layers::default() }, ExecutionMode::Open, &Catalog::builtin());
    /// let mail = serde_json::json!({"to": ["ann@us.example", "bob@rival.example"], "body": "…"});
    /// assert_eq!(policy.decide_input("send_email", &mail, None).action, Action::Deny);
    /// ```
    pub fn decide_input(&self, tool: &str, input: &Value, working_dir: Option<&str>) -> Decision {
        self.decide_input_of_agent(tool, input, working_dir, None)
    }

    /// [`CompiledPolicy::decide_input`] for an agent given only
    /// `agent_tools` (see [`Request::with_agent_tools`]).
    pub fn decide_input_of_agent(
        &self,
        tool: &str,
        input: &Value,
        working_dir: Option<&str>,
        agent_tools: Option<&[String]>,
    ) -> Decision {
        let request = |subject| {
            let mut request = Request::new(tool, subject);
            if let Some(dir) = working_dir {
                request = request.with_working_dir(dir);
            }
            if let Some(tools) = agent_tools {
                request = request.with_agent_tools(tools);
            }
            request
        };
        if let Value::String(text) = input {
            return self.decide(&request(text));
        }
        let subjects = match subjects(self.catalog().get(tool), input) {
            Ok(subjects) => subjects,
            Err(error) => return unjudgeable(error),
        };
        strictest(subjects.into_iter().map(|s| self.decide(&request(s))))
    }
}

/// The decision for an input whose subject cannot be found: a denial.
pub fn unjudgeable(error: SubjectError) -> Decision {
    Decision {
        action: Action::Deny,
        reason: Reason::InvalidInput {
            message: error.to_string(),
        },
        risk: Risk::new(RiskLevel::Unknown, "the input's subject cannot be found"),
        commands: Vec::new(),
    }
}

/// Folds the decisions of several subjects into one: the strictest action
/// wins (the first of equals explains it), risks and per-command verdicts
/// add up.
pub fn strictest(decisions: impl Iterator<Item = Decision>) -> Decision {
    let mut folded: Option<Decision> = None;
    for decision in decisions {
        let Some(so_far) = folded.as_mut() else {
            folded = Some(decision);
            continue;
        };
        for reason in decision.risk.reasons {
            so_far.risk.raise(decision.risk.level, reason);
        }
        so_far.commands.extend(decision.commands);
        if decision.action > so_far.action {
            so_far.action = decision.action;
            so_far.reason = decision.reason;
        }
    }
    // `subjects` never answers an empty list; fail closed all the same.
    folded.unwrap_or_else(|| unjudgeable(SubjectError::Shape))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Catalog, ExecutionMode, Layers, Rule, RulePattern, ToolSelector};

    fn policy(rules: Vec<Rule>, mode: ExecutionMode) -> CompiledPolicy {
        let layers = Layers {
            agent: rules,
            ..Layers::default()
        };
        CompiledPolicy::compile(&layers, mode, &Catalog::builtin())
    }

    fn rule(id: &str, tool: &str, action: Action, pattern: &str) -> Rule {
        Rule::new(
            id,
            ToolSelector::parse(tool),
            action,
            Some(RulePattern::parse(pattern).unwrap()),
        )
    }

    #[test]
    fn an_object_is_judged_by_its_subject_as_the_same_string_would_be() {
        let p = policy(
            vec![rule("w", "write_file", Action::Allow, "/srv/app/*")],
            ExecutionMode::Restricted,
        );
        let ok = json!({"path": "/srv/app/a.rs", "content": "rm -rf /"});
        let out = json!({"path": "/srv/app/../../etc/passwd", "content": "x"});
        assert_eq!(
            p.decide_input("write_file", &ok, None).action,
            Action::Allow
        );
        assert_eq!(
            p.decide_input("write_file", &out, None),
            p.decide(&Request::new("write_file", "/srv/app/../../etc/passwd"))
        );
        let relative = json!({"path": "a.rs", "content": ""});
        assert_eq!(
            p.decide_input("write_file", &relative, Some("/srv/app"))
                .action,
            Action::Allow
        );
    }

    #[test]
    fn an_array_subject_is_allowed_only_when_every_element_is() {
        let p = policy(
            vec![
                rule("us", "send_email", Action::Allow, "*@us.example"),
                rule("rival", "send_email", Action::Deny, "*@rival.example"),
            ],
            ExecutionMode::Restricted,
        );
        let ours = json!({"to": ["a@us.example", "b@us.example"]});
        assert_eq!(
            p.decide_input("send_email", &ours, None).action,
            Action::Allow
        );
        let mixed = json!({"to": ["a@us.example", "c@else.example"]});
        assert_eq!(
            p.decide_input("send_email", &mixed, None).action,
            Action::Ask
        );
        let leak = json!({"to": ["a@us.example", "c@else.example", "b@rival.example"]});
        let d = p.decide_input("send_email", &leak, None);
        assert_eq!(d.action, Action::Deny);
        assert!(matches!(d.reason, Reason::Rule { ref rule_id, .. } if &**rule_id == "rival"));
    }

    #[test]
    fn what_cannot_be_judged_is_denied_naming_the_field() {
        let p = policy(vec![], ExecutionMode::Open);
        let cases = [
            (
                "send_email",
                json!({"to": []}),
                "input.to: must not be empty",
            ),
            (
                "send_email",
                json!({"to": ["a@x", 3]}),
                "input.to: must be a string or an array of strings",
            ),
            (
                "write_file",
                json!({"content": "x"}),
                "input.path: is required",
            ),
            (
                "write_file",
                json!({"path": null}),
                "input.path: is required",
            ),
            (
                "write_file",
                json!({"path": {"a": 1}}),
                "input.path: must be a string or an array of strings",
            ),
            (
                "write_file",
                json!(["/a"]),
                "input: must be a string or a JSON object",
            ),
            (
                "no_such_tool",
                json!({"path": "/a"}),
                "input: the tool is not in the catalog, so an object input cannot be judged; send a string",
            ),
        ];
        for (tool, input, message) in cases {
            let d = p.decide_input(tool, &input, None);
            assert_eq!(d.action, Action::Deny, "{input}");
            assert_eq!(
                d.reason,
                Reason::InvalidInput {
                    message: message.into()
                },
                "{input}"
            );
        }
    }

    #[test]
    fn a_tool_without_a_subject_takes_strings_only() {
        let catalog = Catalog::new([crate::Tool::new(
            "note",
            crate::ArgKind::Text,
            RiskLevel::Safe,
            crate::ToolCategory::Read,
        )]);
        let p = CompiledPolicy::compile(&Layers::default(), ExecutionMode::Open, &catalog);
        assert_eq!(
            p.decide_input("note", &json!("hi"), None).action,
            Action::Allow
        );
        assert_eq!(
            p.decide_input("note", &json!({"text": "hi"}), None).action,
            Action::Deny
        );
    }

    #[test]
    fn pointers_name_fields_with_their_escapes_undone() {
        assert_eq!(
            field_name("/headers/x~1api~0key"),
            "input.headers.x/api~key"
        );
        assert_eq!(field_name(""), "input");
    }
}
