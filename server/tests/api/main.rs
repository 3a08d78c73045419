//! Integration tests: the real application on a random port with a database
//! of each test's own, copied from one migrated once (see
//! `bosun_service::testing`) — SQLite by default, PostgreSQL when
//! `BOSUN_TEST_DATABASE=postgres` and `BOSUN_TEST_POSTGRES_URL` are set.

mod access;
mod agent_access;
mod agents;
mod always_allow;
mod audit;
mod claude_code;
mod cli;
mod credentials;
mod health;
mod helpers;
mod interactive;
mod login;
mod mcp;
mod mcp_proxy;
mod members;
mod notifications;
mod oauth;
mod passwords;
mod remote_mcp;
mod rest;
mod restart;
mod revocation_race;
mod rules;
mod run_control;
mod runtime;
mod same_origin;
mod schema;
mod security;
mod structured;
mod tokens;
mod traces;
