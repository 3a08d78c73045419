//! The Bosun server as a library: the command line, configuration, and the
//! HTTP application (web UI, REST API, health checks) that tests start on
//! port 0 exactly as `bosun serve` does.

/// mimalloc rather than the system's allocator: a decision allocates and
/// frees many small values on several threads at once (requests, the
/// decision writer, the store's connection), where glibc's malloc spent a
/// tenth of the runtime benchmark's time. Here rather than in `main.rs`, so
/// that the tests and benchmarks, which run the server in-process, run it
/// as `bosun` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
