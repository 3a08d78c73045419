//! The Bosun server as a library: the command line, configuration, and the
//! HTTP application (web UI, REST API, health checks) that tests start on
//! port 0 exactly as `bosun serve` does.

pub mod application;
pub mod cli;
pub mod config;
pub mod http;
pub mod mcp_proxy;
pub mod rest;
pub mod sessions;
pub mod worker;

pub use application::Application;
pub use config::Config;
