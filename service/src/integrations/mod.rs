//! Agents people already run, put under Bosun without writing code against
//! its runtime API: each integration adapts a client's own events and tool
//! names to Bosun's runs and catalog tools.

pub mod claude_code;
pub mod mcp;
pub mod remote_mcp;
