//! HTTP pieces shared by the web UI and the API: the same-origin guard and
//! the health checks.

pub mod health;
pub mod push;
pub mod same_origin;
