//! A workspace's tool catalog entries, and the checks an input must pass
//! against its tool's schema.

use bosun_policy::structured::field_name;
use bosun_policy::{ArgKind, RiskLevel, Tool, ToolCategory};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Error, Result};

/// A tool as listed.
#[derive(Clone, Debug, Serialize)]
pub struct ToolInfo {
    pub name: String,
    pub description: String,
    pub argument_kind: ArgKind,
    pub default_risk: RiskLevel,
    pub category: ToolCategory,
    pub read_only: bool,
    pub builtin: bool,
    /// The JSON Schema object inputs must satisfy, if the tool takes them.
    pub input_schema: Option<Value>,
    /// The JSON pointer of the field rules match in an object input.
    pub subject: Option<String>,
}

impl ToolInfo {
    pub fn to_policy_tool(&self) -> Tool {
        let tool = Tool::new(
            self.name.clone(),
            self.argument_kind,
            self.default_risk,
            self.category,
        );
        match &self.subject {
            Some(subject) => tool.with_subject(subject.clone()),
            None => tool,
        }
    }

    /// Checks an object input against the tool's schema: a 400 naming the
    /// first field that is wrong (`input.path: is required`). A tool
    /// without a schema takes any object; its subject is checked when the
    /// call is decided.
    pub fn check_input(&self, input: &Value) -> Result<()> {
        let Some(schema) = &self.input_schema else {
            return Ok(());
        };
        let validator = jsonschema::validator_for(schema).map_err(|error| {
            Error::internal(format!(
                "the stored input schema of {} does not compile: {error}",
                self.name
            ))
        })?;
        // A missing field says most about what to send; an unknown one least.
        let rank = |kind: &jsonschema::error::ValidationErrorKind| match kind {
            jsonschema::error::ValidationErrorKind::Required { .. } => 0,
            jsonschema::error::ValidationErrorKind::AdditionalProperties { .. } => 2,
            _ => 1,
        };
        let Some(error) = validator.iter_errors(input).min_by_key(|e| rank(e.kind())) else {
            return Ok(());
        };
        let at = error.instance_path().as_str().to_owned();
        Err(match error.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => {
                let property = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                Error::invalid(field_name(&format!("{at}/{property}")), "is required")
            }
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                Error::invalid(
                    field_name(&at),
                    format!("has unknown field(s): {}", unexpected.join(", ")),
                )
            }
            // The masked message does not repeat the value, which may be a
            // secret.
            _ => Error::invalid(field_name(&at), error.masked().to_string()),
        })
    }
}

/// The input schemas of the built-in tools; their subjects are in the
/// policy engine's catalog ([`bosun_policy::builtin_tools`]).
pub(crate) fn builtin_schema(name: &str) -> Option<Value> {
    let text = json!({ "type": "string" });
    let fields = |properties: Value, required: &[&str]| {
        json!({ "type": "object", "properties": properties, "required": required,
                "additionalProperties": false })
    };
    Some(match name {
        "system_shell" => fields(json!({ "command": text }), &["command"]),
        "read_file" | "delete_file" | "list_directory" => {
            fields(json!({ "path": text }), &["path"])
        }
        "write_file" => fields(
            json!({ "path": text, "content": text }),
            &["path", "content"],
        ),
        "http_request" => fields(
            json!({
                "url": text,
                "method": { "type": "string", "enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] },
                "headers": { "type": "object", "additionalProperties": text },
                "body": {},
            }),
            &["url"],
        ),
        "send_email" => fields(
            json!({
                "to": { "anyOf": [text, { "type": "array", "items": text, "minItems": 1 }] },
                "subject": text,
                "body": text,
            }),
            &["to"],
        ),
        "web_search" => fields(
            json!({ "query": text, "allowed_domains": { "type": "array", "items": text },
                    "blocked_domains": { "type": "array", "items": text } }),
            &["query"],
        ),
        _ => return None,
    })
}
