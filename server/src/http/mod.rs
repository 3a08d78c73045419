//! HTTP pieces shared by the web UI and the API: how the bundle and pages
//! are compressed and cached, the same-origin guard,
//! the security headers, the server functions' body limit, the refusal of
//! NUL in paths and queries, the client's address, the site's icons and manifest, the health checks, server
//! push, the remote MCP gateway, the browser's side of OAuth, the session's user for routes pages
//! call directly, and the threads pages render on.

pub mod assets;
pub mod client_address;
pub mod favicon;
pub mod health;
pub mod mcp_gateway;
pub mod nul;
pub mod oauth;
pub mod page_renders;
pub mod push;
pub mod same_origin;
pub mod security_headers;
pub mod server_functions;
pub mod session_user;
