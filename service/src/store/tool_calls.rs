//! The `tool_calls` table: each call a run asked about, its decision and
//! its result ([`crate::runs::tool_calls`]).

use super::Executor;
use crate::Result;
use crate::ids::AgentId;

/// The input (as its column keeps it, see
/// [`crate::runs::input::from_column`]) and working directory of the
/// `limit` newest calls of `tool` by runs of `agent`, but `except`.
pub(crate) async fn recent_inputs<'c>(
    db: impl Executor<'c>,
    agent: &AgentId,
    tool: &str,
    except: &str,
    limit: i64,
) -> Result<Vec<(String, i64, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT tool_calls.input, tool_calls.input_json, tool_calls.working_dir FROM tool_calls \
         JOIN runs ON runs.id = tool_calls.run_id \
         WHERE runs.agent_id = $1 AND tool_calls.tool = $2 AND tool_calls.id <> $3 \
         ORDER BY tool_calls.created_at DESC LIMIT $4",
    )
    .bind(agent.as_str())
    .bind(tool)
    .bind(except)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
