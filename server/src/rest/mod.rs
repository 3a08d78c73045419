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
use axum::routing::{get, patch};

use crate::application::AppState;
use error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me::get_me))
        .route("/agents", get(agents::list).post(agents::create))
        .route(
            "/agents/{id}",
            get(agents::get)
                .patch(agents::update)
                .delete(agents::delete),
        )
        .route("/agents/{id}/clone", axum::routing::post(agents::clone))
        .route(
            "/agents/{id}/grants",
            get(sharing::list).post(sharing::create),
        )
        .route(
            "/agents/{id}/grants/{grant_id}",
            patch(sharing::update).delete(sharing::delete),
        )
        .route("/tools", get(tools::list).post(tools::create))
        .route(
            "/agents/{id}/rules",
            get(rules::list_agent_rules)
                .post(rules::add_agent_rule)
                .put(rules::reorder_agent_rules),
        )
        .route(
            "/agents/{id}/rules/{rule_id}",
            patch(rules::update_agent_rule).delete(rules::delete_agent_rule),
        )
        .route(
            "/agents/{id}/evaluate",
            axum::routing::post(rules::evaluate),
        )
        .route(
            "/rules",
            get(rules::list_workspace_rules)
                .post(rules::add_workspace_rule)
                .put(rules::reorder_workspace_rules),
        )
        .route(
            "/rules/{id}",
            patch(rules::update_workspace_rule).delete(rules::delete_workspace_rule),
        )
        .route("/workspace", get(workspace::get).patch(workspace::update))
        .route("/agents/{id}/runs", get(runs::list).post(runs::start))
        .route("/agents/{id}/runs/{run_id}", get(runs::get))
        .route(
            "/agents/{id}/runs/{run_id}/cancel",
            axum::routing::post(runs::cancel),
        )
        .route(
            "/agents/{id}/keys",
            get(runs::list_keys).post(runs::create_key),
        )
        .route(
            "/agents/{id}/keys/{key_id}",
            axum::routing::delete(runs::revoke_key),
        )
        .route(
            "/agents/{id}/mcp-servers",
            get(mcp::list).post(mcp::register),
        )
        .route(
            "/agents/{id}/mcp-servers/{name}/tools",
            axum::routing::post(mcp::list_tools),
        )
        .route(
            "/hooks/claude-code/{agent_id}",
            axum::routing::post(hooks::claude_code),
        )
        .route("/runtime/runs/next", get(runtime::next_run))
        .route(
            "/runtime/runs/{run}/tool-calls",
            axum::routing::post(runtime::tool_call),
        )
        .route(
            "/runtime/runs/{run}/events",
            axum::routing::post(runtime::run_event),
        )
        .route(
            "/runtime/runs/{run}/finish",
            axum::routing::post(runtime::finish),
        )
        .route("/runtime/tool-calls/{id}", get(runtime::wait_tool_call))
        .route(
            "/runtime/tool-calls/{id}/result",
            axum::routing::post(runtime::tool_result),
        )
        .route("/agents/{id}/credentials", get(credentials::list))
        .route(
            "/agents/{id}/credentials/{name}",
            axum::routing::put(credentials::write).delete(credentials::delete),
        )
        .route(
            "/runtime/runs/{run}/credentials/{name}",
            axum::routing::post(credentials::issue),
        )
        .route(
            "/oauth/providers",
            get(oauth::list_providers).post(oauth::create_provider),
        )
        .route(
            "/oauth/providers/{name}",
            axum::routing::put(oauth::update_provider).delete(oauth::delete_provider),
        )
        .route("/me/tokens", get(tokens::list).post(tokens::create))
        .route("/me/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/me/connections", get(oauth::list_connections))
        .route(
            "/me/connections/{provider}",
            axum::routing::delete(oauth::disconnect),
        )
        .route("/agents/{id}/connections", get(oauth::list_needs))
        .route(
            "/agents/{id}/connections/{provider}",
            axum::routing::put(oauth::set_need).delete(oauth::drop_need),
        )
        .route("/approvals", get(approvals::list))
        .route("/approvals/{id}/suggestion", get(approvals::suggestion))
        .route(
            "/approvals/{id}/preview",
            axum::routing::post(approvals::preview),
        )
        .route("/traces", get(traces::search))
        .route("/traces/export", get(traces::export))
        .route("/traces/runs", get(traces::runs))
        .route("/traces/{run}", get(traces::run))
        .route(
            "/approvals/{id}/decision",
            axum::routing::post(approvals::decide),
        )
        .route(
            "/mcp-servers",
            get(mcp_servers::list).post(mcp_servers::create),
        )
        .route(
            "/mcp-servers/{name}",
            get(mcp_servers::get)
                .patch(mcp_servers::update)
                .delete(mcp_servers::delete),
        )
        .route(
            "/agents/{id}/remote-mcp-servers",
            get(mcp_servers::list_for_agent),
        )
        .route(
            "/agents/{id}/remote-mcp-servers/{name}",
            axum::routing::put(mcp_servers::attach).delete(mcp_servers::detach),
        )
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", axum::routing::delete(webhooks::delete))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/me/notifications",
            get(me::my_notifications).put(me::set_my_notifications),
        )
        .route("/me/password", axum::routing::put(me::change_my_password))
        .route(
            "/members/{id}/password",
            axum::routing::put(members::reset_password),
        )
        .route(
            "/members/{id}/password-link",
            axum::routing::post(members::create_password_link),
        )
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError(bosun_service::Error::NotFound("endpoint")) })
}
