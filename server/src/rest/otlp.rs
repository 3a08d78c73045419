//! A trace export as OTLP/JSON, for Langfuse, Phoenix or any OpenTelemetry
//! collector, following the GenAI semantic conventions: each run is an
//! `invoke_agent` span and each tool call an `execute_tool` span inside it,
//! with `gen_ai.*` attributes and Bosun's provenance (decision, rule,
//! reviewer, on whose behalf) as `bosun.*` attributes. Every exported event
//! is also a span event of its span, named by its kind and carrying its
//! `bosun.event.seq`, so an OTLP export holds exactly the events of the same
//! search in JSON: a filtered export (only the denials, say) still has a
//! span for each call it names, opened by whichever of its events came
//! first. Steps the attributes do not already hold (approvals, the agent's
//! own events) keep their data on the span event. Administrative events
//! belong to no run: each is a span of its own.
//!
//! A span's status says only what the exported events show: OK for a run
//! seen to succeed or a call seen to return, an error for a failure or a
//! denial, unset otherwise (a filtered export may not hold the end).
//!
//! Spans are written as they close, so memory holds only the runs and
//! calls still open at that point of the export, and the ids of the runs
//! already written. A step recorded after its run ended (a request left
//! waiting, cancelled once the run is next read) cannot join the written
//! span: it becomes a span of its own inside the run's trace, so that no
//! span id is written twice.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::body::Bytes;
use bosun_service::events::{Event, Payload};
use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The spans of `events`, as the bytes of one OTLP/JSON export request.
pub fn spans(
    events: impl Stream<Item = bosun_service::Result<Event>> + Send + 'static,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let opening = json!({
        "resource": { "attributes": [attribute("service.name", "bosun")] },
        "scope": { "name": "bosun", "version": env!("CARGO_PKG_VERSION") },
    });
    let head = format!(
        "{{\"resourceSpans\":[{{\"resource\":{},\"scopeSpans\":[{{\"scope\":{},\"spans\":[",
        opening["resource"], opening["scope"]
    );
    let mut builder = Spans::default();
    let mut first = true;
    let mut separator = move || if std::mem::take(&mut first) { "" } else { "," };
    let body = events
        .map(Some)
        .chain(futures::stream::iter([None]))
        .map(move |event| match event {
            Some(Ok(event)) => Ok(builder.add(event)),
            Some(Err(error)) => {
                tracing::error!(%error, "an OTLP export failed half way");
                Err(std::io::Error::other("the export failed"))
            }
            None => Ok(builder.finish()),
        })
        .map(move |closed| {
            closed.map(|spans| {
                let mut out = String::new();
                for span in spans {
                    out.push_str(separator());
                    out.push_str(&span.to_string());
                }
                Bytes::from(out)
            })
        });
    futures::stream::iter([Ok(Bytes::from(head))])
        .chain(body)
        .chain(futures::stream::iter([Ok(Bytes::from_static(b"]}]}]}\n"))]))
}

/// Spans still open, by run and by tool call.
#[derive(Default)]
struct Spans {
    runs: HashMap<String, Span>,
    calls: HashMap<String, Span>,
    /// Runs whose span was written (their `run.finished` came).
    written: std::collections::HashSet<String>,
    /// The latest instant seen, which ends whatever is still open at the end.
    last_nanos: u64,
}

struct Span {
    trace_id: String,
    span_id: String,
    parent: Option<String>,
    run_id: String,
    name: String,
    start: u64,
    end: u64,
    attributes: Vec<Value>,
    events: Vec<Value>,
    status: Status,
}

/// What a span's events show of its outcome.
enum Status {
    /// The end is not among the exported events.
    Unset,
    Ok,
    Error(String),
}

impl Span {
    fn to_value(&self) -> Value {
        let mut span = json!({
            "traceId": self.trace_id,
            "spanId": self.span_id,
            "name": self.name,
            "kind": 1,
            "startTimeUnixNano": self.start.to_string(),
            "endTimeUnixNano": self.end.max(self.start).to_string(),
            "attributes": self.attributes,
            "events": self.events,
            "status": match &self.status {
                Status::Unset => json!({ "code": 0 }),
                Status::Ok => json!({ "code": 1 }),
                Status::Error(message) => json!({ "code": 2, "message": message }),
            },
        });
        if let Some(parent) = &self.parent {
            span["parentSpanId"] = json!(parent);
        }
        span
    }
}

impl Spans {
    /// Takes one event in; answers the spans it closed.
    fn add(&mut self, event: Event) -> Vec<Value> {
        let at = nanos(&event);
        self.last_nanos = self.last_nanos.max(at);
        let Some(run_id) = event.run_id.clone() else {
            return vec![audit_span(&event, at).to_value()];
        };
        if self.written.contains(&run_id) {
            return vec![late_step_span(&run_id, &event, at).to_value()];
        }
        let run = self
            .runs
            .entry(run_id.clone())
            .or_insert_with(|| run_span(&run_id, &event, at));
        run.end = run.end.max(at);
        match Payload::read(&event.kind, &event.data) {
            Payload::RunStarted(started) => {
                run.start = at;
                run.attributes.push(attribute(
                    "bosun.credential_model",
                    started.credential_model,
                ));
                run.events.push(step(&event, at, false));
                Vec::new()
            }
            Payload::RunFinished(finished) => {
                let status = finished.status;
                run.attributes.push(attribute("bosun.run.status", &status));
                run.status = if status == "succeeded" {
                    Status::Ok
                } else {
                    Status::Error(format!("the run {status}"))
                };
                run.events.push(step(&event, at, false));
                self.close_run(&run_id, at)
            }
            Payload::ToolCallRequested(requested) => {
                let call = (requested.tool_call_id.as_str(), requested.tool.as_str());
                self.on_call(&event, at, call, |span| {
                    span.attributes.push(attribute(
                        "gen_ai.tool.call.arguments",
                        arguments(&requested.input),
                    ));
                    span.events.push(step(&event, at, false));
                    false
                })
            }
            Payload::PolicyDecision(decided) => {
                let call = (decided.tool_call_id.as_str(), decided.tool.as_str());
                self.on_call(&event, at, call, |span| {
                    span.attributes
                        .push(attribute("bosun.decision", &decided.decision));
                    span.attributes.push(attribute(
                        "bosun.decision.reason",
                        decided.reason.to_string(),
                    ));
                    span.attributes.push(attribute(
                        "bosun.risk",
                        decided.risk_level().unwrap_or_default(),
                    ));
                    if let Some(rule) = &decided.rule {
                        let pattern = rule.pattern.as_deref().unwrap_or_default();
                        for (key, value) in [
                            ("id", rule.id.as_str()),
                            ("tool", &rule.tool),
                            ("action", &rule.action),
                            ("pattern", pattern),
                        ] {
                            span.attributes
                                .push(attribute(&format!("bosun.rule.{key}"), value));
                        }
                    }
                    span.events.push(step(&event, at, false));
                    if decided.decision == "deny" {
                        span.status = Status::Error("denied by Bosun's rules".into());
                        true
                    } else {
                        false
                    }
                })
            }
            Payload::ApprovalResolved(resolved) => {
                let call = (resolved.tool_call_id.as_str(), resolved.tool.as_str());
                self.on_call(&event, at, call, |span| {
                    span.events.push(step(&event, at, true));
                    let edited_input = resolved
                        .edited_input
                        .as_ref()
                        .filter(|input| !input.is_null())
                        .map(|input| {
                            input
                                .as_str()
                                .map_or_else(|| input.to_string(), str::to_owned)
                        });
                    let said = [
                        ("reviewer", resolved.reviewer.clone().flatten()),
                        (
                            "decision",
                            Some(resolved.decision.clone()).filter(|d| !d.is_empty()),
                        ),
                        (
                            "outcome",
                            Some(resolved.outcome.clone()).filter(|o| !o.is_empty()),
                        ),
                        ("message", resolved.message.clone()),
                        ("edited_input", edited_input),
                    ];
                    for (key, value) in said {
                        if let Some(value) = value {
                            span.attributes
                                .push(attribute(&format!("bosun.approval.{key}"), value));
                        }
                    }
                    if resolved.outcome == "deny" {
                        span.status = Status::Error("denied by a reviewer".into());
                        true
                    } else {
                        false
                    }
                })
            }
            Payload::ToolCallResult(answered) => {
                let call = (answered.tool_call_id.as_str(), answered.tool.as_str());
                self.on_call(&event, at, call, |span| {
                    if let Some(output) = &answered.output {
                        span.attributes
                            .push(attribute("gen_ai.tool.call.result", output.to_string()));
                    }
                    span.status = match &answered.error {
                        Some(error) => Status::Error(error.clone()),
                        None => Status::Ok,
                    };
                    span.events.push(step(&event, at, false));
                    true
                })
            }
            _ => {
                // Approval requests, the agent's own events, claims: steps
                // of the run, attached to it as span events.
                run.events.push(step(&event, at, true));
                Vec::new()
            }
        }
    }

    /// Applies an event to its tool call's span, opening the span when this
    /// is the first of the call's events in the export; `call` is the
    /// call's id and tool as the event names them. `update` answers
    /// whether the call is over, and the span is then closed.
    fn on_call(
        &mut self,
        event: &Event,
        at: u64,
        (call, tool): (&str, &str),
        update: impl FnOnce(&mut Span) -> bool,
    ) -> Vec<Value> {
        let span = match self.calls.entry(call.to_owned()) {
            Entry::Occupied(open) => open.into_mut(),
            Entry::Vacant(new) => {
                let run_id = event.run_id.as_deref().unwrap_or_default();
                let Some(run) = self.runs.get(run_id) else {
                    return Vec::new();
                };
                let span = call_span(run, new.key(), tool, at);
                new.insert(span)
            }
        };
        span.end = span.end.max(at);
        if update(span) {
            self.calls
                .remove(call)
                .map(|span| vec![span.to_value()])
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    /// Closes a run and the calls it left open.
    fn close_run(&mut self, run_id: &str, at: u64) -> Vec<Value> {
        let open: Vec<String> = self
            .calls
            .iter()
            .filter(|(_, span)| span.run_id == run_id)
            .map(|(id, _)| id.clone())
            .collect();
        let mut closed: Vec<Value> = open
            .into_iter()
            .filter_map(|id| self.calls.remove(&id))
            .map(|mut span| {
                span.end = span.end.max(at);
                span.to_value()
            })
            .collect();
        if let Some(mut run) = self.runs.remove(run_id) {
            run.end = run.end.max(at);
            closed.push(run.to_value());
        }
        self.written.insert(run_id.to_owned());
        closed
    }

    /// Whatever is still open when the export ends, ended at its last event.
    fn finish(&mut self) -> Vec<Value> {
        let mut closed: Vec<Value> = self
            .calls
            .drain()
            .map(|(_, span)| span.to_value())
            .collect();
        closed.extend(self.runs.drain().map(|(_, span)| span.to_value()));
        closed
    }
}

fn run_span(run_id: &str, event: &Event, at: u64) -> Span {
    let mut attributes = vec![
        attribute("gen_ai.operation.name", "invoke_agent"),
        attribute("bosun.run.id", run_id),
    ];
    if let Some(agent) = &event.agent_id {
        attributes.push(attribute("gen_ai.agent.id", agent));
    }
    if let Some(user) = &event.on_behalf_of {
        attributes.push(attribute("bosun.on_behalf_of", user));
    }
    Span {
        trace_id: hex_id(&format!("trace:{run_id}"), 16),
        span_id: hex_id(&format!("run:{run_id}"), 8),
        parent: None,
        run_id: run_id.to_owned(),
        name: "invoke_agent".into(),
        start: at,
        end: at,
        attributes,
        events: Vec::new(),
        status: Status::Unset,
    }
}

/// A step of a run whose span was already written: a span of its own in
/// the run's trace, under the run's span, holding the step.
fn late_step_span(run_id: &str, event: &Event, at: u64) -> Span {
    Span {
        trace_id: hex_id(&format!("trace:{run_id}"), 16),
        span_id: hex_id(&format!("event:{}", event.seq), 8),
        parent: Some(hex_id(&format!("run:{run_id}"), 8)),
        run_id: run_id.to_owned(),
        name: event.kind.clone(),
        start: at,
        end: at,
        attributes: vec![
            attribute("bosun.run.id", run_id),
            attribute("bosun.event.kind", &event.kind),
        ],
        events: vec![step(event, at, true)],
        status: Status::Unset,
    }
}

/// An administrative event, which belongs to no run: a span of its own.
fn audit_span(event: &Event, at: u64) -> Span {
    let seed = format!("event:{}", event.seq);
    let mut attributes = vec![
        attribute("bosun.event.kind", &event.kind),
        attribute("bosun.data", event.data.to_string()),
    ];
    if let Some(actor) = &event.actor {
        attributes.push(attribute("bosun.actor", actor));
    }
    if let Some(agent) = &event.agent_id {
        attributes.push(attribute("gen_ai.agent.id", agent));
    }
    Span {
        trace_id: hex_id(&format!("trace:{seed}"), 16),
        span_id: hex_id(&seed, 8),
        parent: None,
        run_id: String::new(),
        name: event.kind.clone(),
        start: at,
        end: at,
        attributes,
        events: vec![step(event, at, false)],
        status: Status::Unset,
    }
}

fn call_span(run: &Span, call: &str, tool: &str, at: u64) -> Span {
    Span {
        trace_id: run.trace_id.clone(),
        span_id: hex_id(&format!("call:{call}"), 8),
        parent: Some(run.span_id.clone()),
        run_id: run.run_id.clone(),
        name: format!("execute_tool {tool}"),
        start: at,
        end: at,
        attributes: vec![
            attribute("gen_ai.operation.name", "execute_tool"),
            attribute("gen_ai.tool.name", tool),
            attribute("gen_ai.tool.call.id", call),
        ],
        events: Vec::new(),
        status: Status::Unset,
    }
}

/// An exported event as a span event: its kind, time and place in the
/// trace, and its data when `with_data` (steps whose data the span's
/// attributes do not already hold).
fn step(event: &Event, at: u64, with_data: bool) -> Value {
    let mut attributes = vec![json!({
        "key": "bosun.event.seq",
        "value": { "intValue": event.seq.to_string() },
    })];
    if with_data {
        attributes.push(attribute("bosun.data", event.data.to_string()));
    }
    json!({
        "timeUnixNano": at.to_string(),
        "name": event.kind,
        "attributes": attributes,
    })
}

fn attribute(key: &str, value: impl Into<String>) -> Value {
    json!({ "key": key, "value": { "stringValue": value.into() } })
}

/// A call's input as OpenTelemetry's arguments attribute takes it: a
/// string input as it is, an object as its JSON text (redacted before it
/// was recorded).
fn arguments(input: &Value) -> String {
    match input {
        Value::String(input) => input.clone(),
        object @ Value::Object(_) => object.to_string(),
        _ => String::new(),
    }
}

fn nanos(event: &Event) -> u64 {
    u64::try_from(event.at.timestamp_nanos_opt().unwrap_or_default()).unwrap_or_default()
}

/// A stable id of `bytes` bytes, in hex, derived from Bosun's own id.
fn hex_id(seed: &str, bytes: usize) -> String {
    hex::encode(&Sha256::digest(seed.as_bytes())[..bytes])
}
