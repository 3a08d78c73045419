//! Claude Code under Bosun: the settings `bosun connect claude-code`
//! writes, and the real Claude Code CLI driven by a scripted stand-in for
//! the model's API.

mod connect;
mod hooks;
mod model;
mod real;
