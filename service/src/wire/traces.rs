use bosun_wire::runs::Person;
use bosun_wire::traces::{DecisionCounts, RunKey, RunSummary, TraceEvent};

use crate::events::Event;
use crate::traces;

fn person(person: traces::PersonRef) -> Person {
    Person {
        user_id: person.id,
        name: person.name,
    }
}

impl From<traces::RunSummary> for RunSummary {
    fn from(run: traces::RunSummary) -> Self {
        Self {
            id: run.id,
            agent_id: run.agent_id,
            agent_name: run.agent_name,
            status: run.status,
            started_by: run.started_by.map(person),
            started_by_key: run.started_by_key.map(|key| RunKey {
                id: key.id,
                name: key.name,
                created_by: person(key.created_by),
            }),
            on_behalf_of: run.on_behalf_of.map(person),
            created_at: run.created_at.into(),
            finished_at: run.finished_at.map(Into::into),
            duration_ms: run.duration_ms,
            steps: run.steps,
            decisions: DecisionCounts {
                allow: run.decisions.allow,
                ask: run.decisions.ask,
                deny: run.decisions.deny,
            },
        }
    }
}

impl From<Event> for TraceEvent {
    fn from(event: Event) -> Self {
        Self {
            seq: event.seq,
            hash: event.hash,
            prev_hash: event.prev_hash,
            at: event.at.into(),
            kind: event.kind,
            workspace_id: event.workspace_id,
            agent_id: event.agent_id,
            run_id: event.run_id,
            actor: event.actor,
            on_behalf_of: event.on_behalf_of,
            data: event.data,
        }
    }
}
