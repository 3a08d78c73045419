//! Pieces shared by several pages.

pub mod agent_form;
pub mod agent_labels;
pub mod choices;
pub mod claude_code;
pub mod confirm;
pub mod connect;
pub mod connections;
pub mod copy;
pub mod credentials;
pub mod empty;
pub mod errors;
pub mod layout;
pub mod mcp_servers;
pub mod notifications;
pub mod push;
pub mod remote_mcp;
pub mod resource_table;
pub mod rules;
pub mod runs;
pub mod sharing;
pub mod test_call;
pub mod tool_input;
