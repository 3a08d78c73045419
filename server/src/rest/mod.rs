//! The REST API under `/api/v1`: bearer tokens only, JSON in and out, errors
//! in one shape. Handlers are thin adapters over the service layer.

pub mod agents;
pub mod approvals;
pub mod auth;
pub mod credentials;
pub mod error;
pub mod extract;
pub mod hooks;
pub mod mcp;
pub mod mcp_servers;
pub mod me;
pub mod members;
pub mod oauth;
pub mod openapi;
pub mod otlp;
pub mod rules;
pub mod runs;
pub mod runtime;
pub mod sharing;
pub mod tokens;
pub mod tools;
pub mod traces;
pub mod webhooks;
pub mod workspace;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::application::AppState;
use error::ApiError;

/// The REST router, with `GET /openapi.json` describing it.
pub fn router() -> Router<AppState> {
    let (router, document) = api().split_for_parts();
    let document = openapi::finish(document);
    router
        .route(
            "/openapi.json",
            get(move || openapi::document(document.clone())),
        )
        .fallback(|| async { ApiError(bosun_service::Error::NotFound("endpoint")) })
}

/// Every documented route, relative to `/api/v1`.
///
/// A route is added here only through `routes!`, which takes its method and
/// path from the handler's `#[utoipa::path(…)]` attribute: a handler without
/// one does not compile into the router, so nothing is served undocumented.
/// To add (or convert) a route: give the handler
/// `#[utoipa::path(get, path = "/things/{id}", tag = "…",
/// params(("id" = String, Path, description = "…"), QueryStruct),
/// security(("personal_token" = [])), responses(…))]` with its path relative
/// to `/api/v1`, every `{param}` declared (a test checks), query structs
/// deriving `IntoParams` with `#[into_params(parameter_in = Query)]`, and
/// list it below in one `routes!(…)` with the other methods of that path.
/// Statuses the shared layers answer (400, 401, 403 and 404, see
/// [`openapi::finish`]) are added to every operation they apply to.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me::get_me))
        .routes(routes!(agents::list, agents::create))
        .routes(routes!(agents::get, agents::update, agents::delete))
        .routes(routes!(agents::clone))
        .routes(routes!(sharing::list, sharing::create))
        .routes(routes!(sharing::update, sharing::delete))
        .routes(routes!(tools::list, tools::create))
        .routes(routes!(
            rules::list_agent_rules,
            rules::add_agent_rule,
            rules::reorder_agent_rules
        ))
        .routes(routes!(rules::update_agent_rule, rules::delete_agent_rule))
        .routes(routes!(rules::evaluate))
        .routes(routes!(
            rules::list_workspace_rules,
            rules::add_workspace_rule,
            rules::reorder_workspace_rules
        ))
        .routes(routes!(
            rules::update_workspace_rule,
            rules::delete_workspace_rule
        ))
        .routes(routes!(workspace::get, workspace::update))
        .routes(routes!(runs::list, runs::start))
        .routes(routes!(runs::get))
        .routes(routes!(runs::cancel))
        .routes(routes!(runs::list_keys, runs::create_key))
        .routes(routes!(runs::revoke_key))
        .routes(routes!(mcp::list, mcp::register))
        .routes(routes!(mcp::list_tools))
        .routes(routes!(hooks::claude_code))
        .routes(routes!(runtime::next_run))
        .routes(routes!(runtime::tool_call))
        .routes(routes!(runtime::run_event))
        .routes(routes!(runtime::finish))
        .routes(routes!(runtime::wait_tool_call))
        .routes(routes!(runtime::tool_result))
        .routes(routes!(credentials::list))
        .routes(routes!(credentials::write, credentials::delete))
        .routes(routes!(credentials::issue))
        .routes(routes!(oauth::list_providers, oauth::create_provider))
        .routes(routes!(oauth::update_provider, oauth::delete_provider))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(oauth::list_connections))
        .routes(routes!(oauth::disconnect))
        .routes(routes!(oauth::list_needs))
        .routes(routes!(oauth::set_need, oauth::drop_need))
        .routes(routes!(approvals::list))
        .routes(routes!(approvals::suggestion))
        .routes(routes!(approvals::preview))
        .routes(routes!(approvals::decide))
        .routes(routes!(traces::search))
        .routes(routes!(traces::export))
        .routes(routes!(traces::runs))
        .routes(routes!(traces::run))
        .routes(routes!(mcp_servers::list, mcp_servers::create))
        .routes(routes!(
            mcp_servers::get,
            mcp_servers::update,
            mcp_servers::delete
        ))
        .routes(routes!(mcp_servers::list_for_agent))
        .routes(routes!(mcp_servers::attach, mcp_servers::detach))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(me::my_notifications, me::set_my_notifications))
        .routes(routes!(me::change_my_password))
        .routes(routes!(members::reset_password))
        .routes(routes!(members::create_password_link))
}
