//! `GET /api/v1/openapi.json`: the API's description, generated from the
//! router itself (see [`super::api`]), so a route cannot be served without
//! being described.

use axum::body::Bytes;

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

/// What the document says beside its paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bosun",
        description = "The control layer for an organization's AI agents."
    ),
    components(schemas(super::error::ErrorBody, super::error::ErrorDetail))
)]
struct ApiDoc;

/// The security schemes an operation's `security` names.
const PERSONAL_TOKEN: &str = "personal_token";
const RUNTIME_KEY: &str = "runtime_key";

/// The finished document, serialized once: the routes' own descriptions
/// (relative to `/api/v1`) under their full paths, the two bearer schemes,
/// and the answers the shared layers give on every route they guard.
pub fn finish(routes: utoipa::openapi::OpenApi) -> Bytes {
    let mut document = ApiDoc::openapi();
    document.paths = routes.paths;
    let components = document.components.get_or_insert_with(Default::default);
    if let Some(route_components) = routes.components {
        components.schemas.extend(route_components.schemas);
    }
    components.add_security_scheme(
        PERSONAL_TOKEN,
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A personal access token (`bosun_pat_…`), from My account or \
                     `bosun admin create-token`; an agent token is one limited to \
                     one agent's interactive runs.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        RUNTIME_KEY,
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "An agent's runtime key (`bosun_rk_…`), made by the agent's \
                     owner or an admin for its worker.",
                ))
                .build(),
        ),
    );
    let mut document = serde_json::to_value(document).expect("the document serializes");
    state_lengths(&mut document);
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        let relative = std::mem::take(paths);
        for (path, mut item) in relative {
            if let Some(operations) = item.as_object_mut() {
                for operation in operations.values_mut() {
                    add_shared_answers(operation);
                    state_id_formats(operation);
                }
            }
            paths.insert(format!("/api/v1{path}"), item);
        }
    }
    Bytes::from(serde_json::to_vec(&document).expect("the document serializes"))
}

/// The lengths the service enforces on request fields, from its own
/// constants, so that the document states the bounds the server holds a
/// client to (counted in characters as sent, surrounding whitespace
/// included): `(schema, property, minLength, maxLength)`.
fn request_lengths() -> Vec<(&'static str, &'static str, Option<usize>, usize)> {
    use bosun_service::{agents, credentials, integrations, oauth, rules, runs, tools, validate};
    let name = validate::MAX_NAME_CHARS;
    let password = (
        Some(validate::MIN_PASSWORD_CHARS),
        validate::MAX_PASSWORD_CHARS,
    );
    let remote_description = integrations::remote_mcp::MAX_DESCRIPTION_CHARS;
    let mut lengths = Vec::new();
    for schema in ["AgentInput", "AgentChanges"] {
        lengths.extend([
            (schema, "name", None, name),
            (schema, "description", None, agents::MAX_DESCRIPTION_CHARS),
            (schema, "instructions", None, agents::MAX_INSTRUCTIONS_CHARS),
        ]);
    }
    lengths.extend([
        ("CloneInput", "name", None, name),
        ("TokenInput", "name", None, name),
        ("KeyInput", "name", None, name),
        ("ProviderBody", "display_name", None, name),
        (
            "ProviderBody",
            "client_id",
            None,
            oauth::providers::MAX_CLIENT_ID_CHARS,
        ),
        (
            "DecisionInput",
            "message",
            None,
            runs::approvals::MAX_MESSAGE_CHARS,
        ),
        ("RuleInput", "note", None, rules::MAX_NOTE_CHARS),
        (
            "ToolInput",
            "description",
            None,
            tools::MAX_DESCRIPTION_CHARS,
        ),
        ("ToolInput", "subject", None, tools::MAX_SUBJECT_CHARS),
        (
            "SecretInput",
            "service_account",
            None,
            credentials::MAX_SERVICE_ACCOUNT_CHARS,
        ),
        // Bytes on the server: never fewer than characters.
        ("SecretInput", "value", None, credentials::MAX_SECRET_BYTES),
        (
            "RunInput",
            "external_id",
            None,
            runs::interactive::MAX_EXTERNAL_ID_CHARS,
        ),
        (
            "ToolCallInput",
            "idempotency_key",
            None,
            runs::tool_calls::MAX_IDEMPOTENCY_KEY_CHARS,
        ),
        (
            "ToolCallInput",
            "working_dir",
            None,
            runs::tool_calls::MAX_WORKING_DIR_CHARS,
        ),
        ("NewServerBody", "description", None, remote_description),
        ("ServerPatchBody", "description", None, remote_description),
        (
            "RegisterServerBody",
            "origin",
            None,
            integrations::mcp::MAX_ORIGIN_CHARS,
        ),
        ("PasswordChange", "new_password", password.0, password.1),
        ("PasswordReset", "password", password.0, password.1),
    ]);
    lengths
}

/// Writes [`request_lengths`] into the document's schemas; a schema or
/// property it names that the document lacks is a mistake in the table,
/// caught when the server builds its router.
fn state_lengths(document: &mut Value) {
    for (schema, property, min, max) in request_lengths() {
        let field = document
            .pointer_mut(&format!(
                "/components/schemas/{schema}/properties/{property}"
            ))
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("the document has no {schema}.{property}"));
        field.insert("maxLength".into(), json!(max));
        if let Some(min) = min {
            field.insert("minLength".into(), json!(min));
        }
    }
}

/// The path parameters that name something by its id. Every id is a UUID
/// the service made (`bosun_service::ids`), and anything else names nothing
/// (404); the others (`name`, `provider`) are names people chose.
const ID_PARAMETERS: &[&str] = &[
    "id", "agent_id", "grant_id", "key_id", "rule_id", "run_id", "run",
];

/// States `format: uuid` on an operation's id parameters.
fn state_id_formats(operation: &mut Value) {
    // `get_mut`, not indexing: indexing a missing key would write a null.
    let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for parameter in parameters {
        let is_id = parameter["in"] == "path"
            && parameter["name"]
                .as_str()
                .is_some_and(|name| ID_PARAMETERS.contains(&name));
        if is_id {
            parameter["schema"]["format"] = json!("uuid");
        }
    }
}

/// The answers every operation can get from the layers in front of its
/// handler, whether or not the handler itself mentions them:
/// - 400 from reading parameters and the body (and from the guard that
///   refuses NUL characters in a path or query string),
/// - 401 from the bearer check,
/// - 403 `token_scope` when an agent token is used on a route that takes a
///   personal access token,
/// - 404 when a path names something that does not exist or that the caller
///   may not see.
fn add_shared_answers(operation: &mut Value) {
    let has_parameters = operation["parameters"]
        .as_array()
        .is_some_and(|parameters| !parameters.is_empty());
    let has_path_parameters = operation["parameters"]
        .as_array()
        .is_some_and(|parameters| parameters.iter().any(|parameter| parameter["in"] == "path"));
    let has_body = operation.get("requestBody").is_some();
    let schemes: Vec<String> = operation["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().cloned())
        .collect();
    let mut answers = Vec::new();
    if has_parameters || has_body {
        answers.push((
            "400",
            "`invalid_input`: a parameter or the body is malformed or out of range; the message names the field",
        ));
    }
    if !schemes.is_empty() {
        answers.push(("401", "`unauthenticated`: no valid token"));
    }
    if schemes.iter().any(|scheme| scheme == PERSONAL_TOKEN) {
        answers.push((
            "403",
            "`forbidden`: the caller may not do this; `token_scope`: an agent token used outside its agent's interactive runs",
        ));
    }
    if has_path_parameters {
        answers.push((
            "404",
            "`not_found`: it does not exist, or the caller may not see it",
        ));
    }
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, description) in answers {
        let response = responses.entry(status).or_insert_with(|| json!({}));
        if response.get("description").is_none_or(|text| text == "") {
            response["description"] = json!(description);
        }
        response["content"] = json!({
            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
        });
    }
}

pub async fn document(document: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document)
}
