//! The event log: audit entries and run traces in one hash chain. Every
//! event is appended inside the transaction of the change it records, so
//! the two commit or fail together; appending also feeds the full-text
//! index search reads. Here too: the checks of the stored chain and of an
//! export file against it. The events themselves and the hash each carries
//! are the model's ([`crate::model::events`]); the rows and their
//! statements are the store's (`store::events`).

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use bosun_wire::events::{EventData, EventKind, EventPayload, Payload};

use crate::Result;
use crate::clock::to_millis;
pub(crate) use crate::model::events::PreparedEvent;
pub use crate::model::events::{ChainedFields, Event, ExportedEvent, NewEvent, data_of};
use crate::store::{self, Connection};

/// Appends an event to the chain on `conn`, which must be inside the
/// transaction that makes the change the event records.
pub async fn append(conn: &mut Connection, at: DateTime<Utc>, event: NewEvent) -> Result<i64> {
    append_all(conn, vec![(at, event)]).await
}

/// Appends events in order, in as few statements as the batch allows;
/// answers the last sequence number (0 for none).
pub async fn append_all(
    conn: &mut Connection,
    events: Vec<(DateTime<Utc>, NewEvent)>,
) -> Result<i64> {
    let prepared: Vec<PreparedEvent> = events
        .into_iter()
        .map(|(at, event)| PreparedEvent::new(at, event))
        .collect();
    append_prepared(conn, &prepared.iter().collect::<Vec<_>>()).await
}

/// [`append_all`] for events already prepared.
pub(crate) async fn append_prepared(
    conn: &mut Connection,
    events: &[&PreparedEvent],
) -> Result<i64> {
    let Ok(count) = i64::try_from(events.len()) else {
        return Err(crate::Error::internal("too many events in one append"));
    };
    if count == 0 {
        return Ok(0);
    }
    let (last, mut hash) = store::events::take_numbers(conn, count).await?;
    let mut rows = Vec::with_capacity(events.len());
    for (prepared, seq) in events.iter().zip(last - count + 1..) {
        let next = prepared.hash_after(&hash, seq);
        let prev_hash = std::mem::replace(&mut hash, next.clone());
        rows.push(store::events::ChainedEvent {
            seq,
            prepared,
            prev_hash,
            hash: next,
        });
    }
    store::events::insert(conn, &rows).await?;
    store::events::set_head_hash(conn, &hash).await?;
    Ok(last)
}

/// Why the chain does not verify, naming the first event that breaks it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {seq}: {problem}")]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const VERIFY_PAGE: i64 = 5_000;

impl crate::Bosun {
    /// Walks the whole event log in order, a page at a time, and checks
    /// that the sequence has no gaps and every hash covers its event and
    /// the one before. Answers the number of events, or the first break.
    pub async fn verify_chain(&self) -> Result<std::result::Result<i64, ChainBreak>> {
        let (mut expected_seq, mut prev_hash) = (1_i64, GENESIS.to_owned());
        loop {
            let page = store::events::page(self.db().pool(), expected_seq, VERIFY_PAGE).await?;
            let last_page = i64::try_from(page.len()).unwrap_or(0) < VERIFY_PAGE;
            for event in page {
                if let Err(problem) = check(&event, expected_seq, &prev_hash) {
                    return Ok(Err(ChainBreak {
                        seq: expected_seq.min(event.seq),
                        problem,
                    }));
                }
                prev_hash = event.hash;
                expected_seq += 1;
            }
            if last_page {
                break;
            }
        }
        let (head_seq, head_hash) = store::events::head(self.db().pool()).await?;
        if head_seq != expected_seq - 1 || head_hash != prev_hash {
            return Ok(Err(ChainBreak {
                seq: expected_seq,
                problem: format!(
                    "the log ends at event {} but {head_seq} were written",
                    expected_seq - 1
                ),
            }));
        }
        Ok(Ok(expected_seq - 1))
    }
}

fn check(
    event: &store::events::StoredEvent,
    expected_seq: i64,
    prev_hash: &str,
) -> std::result::Result<(), String> {
    if event.seq != expected_seq {
        return Err(format!("missing: the next event stored is {}", event.seq));
    }
    if event.prev_hash != prev_hash {
        return Err("its link to the previous event is broken (an event before it was removed or reordered)".into());
    }
    let fields = ChainedFields {
        seq: event.seq,
        at: event.at,
        kind: &event.kind,
        workspace_id: &event.workspace_id,
        agent_id: event.agent_id.as_deref(),
        run_id: event.run_id.as_deref(),
        actor: event.actor.as_deref(),
        on_behalf_of: event.on_behalf_of.as_deref(),
        data: &event.data,
    };
    if fields.hash(prev_hash) != event.hash {
        return Err("its content does not match its hash (it was changed)".into());
    }
    Ok(())
}

/// What checking an export found: how many events, and how many were
/// missing between them (a filtered export skips the events it left out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportCheck {
    pub events: i64,
    pub gaps: i64,
}

/// Checks an export offline (JSON Lines, or the JSON document): every
/// event's hash must cover its fields and its `prev_hash`, events must
/// come in order, and where two are adjacent in the log the second must
/// link to the first. Unless `allow_gaps` (for an export of a filter), the
/// export must be the whole log: from the chain's origin, nothing missing. Answers the first
/// break, by sequence number.
pub fn verify_export(
    text: impl std::io::BufRead,
    allow_gaps: bool,
) -> std::result::Result<ExportCheck, ChainBreak> {
    let unreadable = |seq: i64, problem: String| ChainBreak { seq, problem };
    let mut lines = text.lines().peekable();
    let events: Box<dyn Iterator<Item = std::result::Result<ExportedEvent, ChainBreak>>> =
        match lines.peek() {
            Some(Ok(first)) if first.trim_start().starts_with("{\"events\"") => {
                #[derive(serde::Deserialize)]
                struct Document {
                    events: Vec<ExportedEvent>,
                }
                let text = lines
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|error| unreadable(0, format!("the file cannot be read: {error}")))?
                    .join("\n");
                let document: Document = serde_json::from_str(&text)
                    .map_err(|error| unreadable(0, format!("not a Bosun export: {error}")))?;
                Box::new(document.events.into_iter().map(Ok))
            }
            _ => Box::new(
                lines
                    .filter(|line| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
                    .enumerate()
                    .map(|(number, line)| {
                        let line = line.map_err(|error| {
                            unreadable(0, format!("the file cannot be read: {error}"))
                        })?;
                        serde_json::from_str(&line).map_err(|error| {
                            unreadable(
                                0,
                                format!("line {} is not an exported event: {error}", number + 1),
                            )
                        })
                    }),
            ),
        };
    let mut check = ExportCheck { events: 0, gaps: 0 };
    let mut previous: Option<(i64, String)> = None;
    for event in events {
        let event = event?;
        let fail = |problem: &str| ChainBreak {
            seq: event.seq,
            problem: problem.to_owned(),
        };
        // Canonical text, so that a reformatted file still checks.
        let data = serde_json::from_str::<Value>(event.data.get())
            .map_err(|error| fail(&format!("its data is not JSON: {error}")))?
            .to_string();
        let fields = ChainedFields {
            seq: event.seq,
            at: to_millis(event.at),
            kind: &event.kind,
            workspace_id: &event.workspace_id,
            agent_id: event.agent_id.as_deref(),
            run_id: event.run_id.as_deref(),
            actor: event.actor.as_deref(),
            on_behalf_of: event.on_behalf_of.as_deref(),
            data: &data,
        };
        if fields.hash(&event.prev_hash) != event.hash {
            return Err(fail("its content does not match its hash (it was changed)"));
        }
        match &previous {
            Some((seq, _)) if event.seq <= *seq => {
                return Err(fail("it is out of order (events were moved)"));
            }
            Some((seq, hash)) if event.seq == seq + 1 && event.prev_hash != *hash => {
                return Err(fail(
                    "its link to the previous event is broken (an event before it was replaced)",
                ));
            }
            Some((seq, _)) if event.seq > seq + 1 => {
                if !allow_gaps {
                    return Err(ChainBreak {
                        seq: seq + 1,
                        problem: "missing: it is not in the file".into(),
                    });
                }
                check.gaps += 1;
            }
            None if !allow_gaps && event.seq != 1 => {
                return Err(ChainBreak {
                    seq: 1,
                    problem: "missing: the file does not start at the first event".into(),
                });
            }
            None if !allow_gaps && event.prev_hash != GENESIS => {
                return Err(fail("the first event does not start the chain"));
            }
            _ => {}
        }
        check.events += 1;
        previous = Some((event.seq, event.hash));
    }
    Ok(check)
}
