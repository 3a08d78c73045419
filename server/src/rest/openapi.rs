//! `GET /api/v1/openapi.json`: the API's description, generated from the
//! handlers' own annotations so it cannot drift from them.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Bosun", description = "The control layer for an organization's AI agents."),
    paths(
        super::me::get_me,
        super::agents::list,
        super::agents::create,
        super::agents::get,
        super::agents::update,
        super::agents::delete,
        super::agents::clone,
        super::sharing::list,
        super::sharing::create,
        super::sharing::update,
        super::sharing::delete,
        super::tools::list,
        super::tools::create,
        super::rules::list_agent_rules,
        super::rules::add_agent_rule,
        super::rules::reorder_agent_rules,
        super::rules::update_agent_rule,
        super::rules::delete_agent_rule,
        super::rules::list_workspace_rules,
        super::rules::add_workspace_rule,
        super::rules::reorder_workspace_rules,
        super::rules::update_workspace_rule,
        super::rules::delete_workspace_rule,
        super::rules::evaluate,
        super::workspace::get,
        super::workspace::update,
        super::runs::start,
        super::runs::list,
        super::runs::get,
        super::runs::cancel,
        super::runs::create_key,
        super::runs::list_keys,
        super::runs::revoke_key,
        super::runtime::next_run,
        super::runtime::tool_call,
        super::runtime::wait_tool_call,
        super::runtime::tool_result,
        super::runtime::run_event,
        super::runtime::finish,
        super::hooks::claude_code,
        super::mcp::register,
        super::mcp::list_tools,
        super::mcp::list,
        super::approvals::list,
        super::approvals::decide,
        super::approvals::suggestion,
        super::approvals::preview,
        super::credentials::write,
        super::credentials::list,
        super::credentials::delete,
        super::credentials::issue,
        super::oauth::list_providers,
        super::oauth::create_provider,
        super::oauth::update_provider,
        super::oauth::delete_provider,
        super::oauth::list_connections,
        super::oauth::disconnect,
        super::oauth::list_needs,
        super::oauth::set_need,
        super::oauth::drop_need,
        super::traces::search,
        super::traces::export,
        super::traces::runs,
        super::traces::run,
        super::mcp_servers::create,
        super::mcp_servers::list,
        super::mcp_servers::get,
        super::mcp_servers::update,
        super::mcp_servers::delete,
        super::mcp_servers::list_for_agent,
        super::mcp_servers::attach,
        super::mcp_servers::detach,
        super::webhooks::create,
        super::webhooks::list,
        super::webhooks::delete,
        super::webhooks::deliveries,
        super::me::my_notifications,
        super::me::set_my_notifications,
        super::me::change_my_password,
        super::members::reset_password,
        super::members::create_password_link,
        super::tokens::create,
        super::tokens::list,
        super::tokens::revoke,
    ),
    components(schemas(super::error::ErrorBody, super::error::ErrorDetail)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
