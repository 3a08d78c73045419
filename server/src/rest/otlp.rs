//! A trace export as OTLP/JSON, for Langfuse, Phoenix or any OpenTelemetry
//! collector, following the GenAI semantic conventions: each run is an
//! `invoke_agent` span and each tool call an `execute_tool` span inside it,
//! with `gen_ai.*` attributes and Bosun's provenance (decision, rule,
//! reviewer, on whose behalf) as `bosun.*` attributes. Other steps of a run
//! (approvals, the agent's own events) are span events.
//!
//! Spans are written as they close, so memory holds only the runs and
//! calls still open at that point of the export. Audit events belong to no
//! run and are left out.

use std::collections::HashMap;

use axum::body::Bytes;
use bosun_service::events::Event;
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
    error: Option<String>,
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
            "status": match &self.error {
                Some(message) => json!({ "code": 2, "message": message }),
                None => json!({ "code": 1 }),
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
        let Some(run_id) = event.run_id.clone() else {
            return Vec::new();
        };
        let at = nanos(&event);
        self.last_nanos = self.last_nanos.max(at);
        let run = self
            .runs
            .entry(run_id.clone())
            .or_insert_with(|| run_span(&run_id, &event, at));
        run.end = run.end.max(at);
        let data = &event.data;
        match event.kind.as_str() {
            "run.started" => {
                run.start = at;
                run.attributes.push(attribute(
                    "bosun.credential_model",
                    text(data, "credential_model"),
                ));
                Vec::new()
            }
            "run.finished" => {
                let status = text(data, "status");
                run.attributes.push(attribute("bosun.run.status", &status));
                if status != "succeeded" {
                    run.error = Some(format!("the run {status}"));
                }
                self.close_run(&run_id, at)
            }
            "tool_call.requested" => {
                let call = text(data, "tool_call_id");
                let span = call_span(run, &call, data, at);
                self.calls.insert(call, span);
                Vec::new()
            }
            "policy.decision" => self.on_call(data, at, |span| {
                let decision = text(data, "decision");
                span.attributes.push(attribute("bosun.decision", &decision));
                span.attributes.push(attribute(
                    "bosun.decision.reason",
                    data["reason"].to_string(),
                ));
                span.attributes
                    .push(attribute("bosun.risk", text(&data["risk"], "level")));
                if let Some(rule) = data.get("rule").filter(|rule| rule.is_object()) {
                    for key in ["id", "tool", "action", "pattern"] {
                        span.attributes
                            .push(attribute(&format!("bosun.rule.{key}"), text(rule, key)));
                    }
                }
                if decision == "deny" {
                    span.error = Some("denied by Bosun's rules".into());
                    true
                } else {
                    false
                }
            }),
            "approval.resolved" => self.on_call(data, at, |span| {
                span.events.push(span_event("approval.resolved", at, data));
                for key in ["reviewer", "decision", "outcome", "message", "edited_input"] {
                    if let Some(value) = data.get(key).filter(|v| !v.is_null()) {
                        span.attributes.push(attribute(
                            &format!("bosun.approval.{key}"),
                            value
                                .as_str()
                                .map_or_else(|| value.to_string(), str::to_owned),
                        ));
                    }
                }
                if text(data, "outcome") == "deny" {
                    span.error = Some("denied by a reviewer".into());
                    true
                } else {
                    false
                }
            }),
            "tool_call.result" => self.on_call(data, at, |span| {
                if let Some(output) = data.get("output").filter(|v| !v.is_null()) {
                    span.attributes
                        .push(attribute("gen_ai.tool.call.result", output.to_string()));
                }
                if let Some(error) = data.get("error").and_then(Value::as_str) {
                    span.error = Some(error.to_owned());
                }
                true
            }),
            _ => {
                // Approval requests, the agent's own events, claims: steps
                // of the run, attached to it as span events.
                run.events.push(span_event(&event.kind, at, data));
                Vec::new()
            }
        }
    }

    /// Applies an event to its tool call's span; `update` answers whether
    /// the call is over, and the span is then closed.
    fn on_call(
        &mut self,
        data: &Value,
        at: u64,
        update: impl FnOnce(&mut Span) -> bool,
    ) -> Vec<Value> {
        let call = text(data, "tool_call_id");
        let Some(span) = self.calls.get_mut(&call) else {
            return Vec::new();
        };
        span.end = span.end.max(at);
        if update(span) {
            self.calls
                .remove(&call)
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
        error: None,
    }
}

fn call_span(run: &Span, call: &str, data: &Value, at: u64) -> Span {
    let tool = text(data, "tool");
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
            attribute("gen_ai.tool.name", &tool),
            attribute("gen_ai.tool.call.id", call),
            // A string input as it is; an object as its JSON text (redacted
            // before it was recorded).
            attribute(
                "gen_ai.tool.call.arguments",
                match data.get("input") {
                    Some(Value::String(input)) => input.clone(),
                    Some(object @ Value::Object(_)) => object.to_string(),
                    _ => String::new(),
                },
            ),
        ],
        events: Vec::new(),
        error: None,
    }
}

fn span_event(name: &str, at: u64, data: &Value) -> Value {
    json!({
        "timeUnixNano": at.to_string(),
        "name": name,
        "attributes": [attribute("bosun.data", data.to_string())],
    })
}

fn attribute(key: &str, value: impl Into<String>) -> Value {
    json!({ "key": key, "value": { "stringValue": value.into() } })
}

fn text(data: &Value, key: &str) -> String {
    data.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn nanos(event: &Event) -> u64 {
    u64::try_from(event.at.timestamp_nanos_opt().unwrap_or_default()).unwrap_or_default()
}

/// A stable id of `bytes` bytes, in hex, derived from Bosun's own id.
fn hex_id(seed: &str, bytes: usize) -> String {
    hex::encode(&Sha256::digest(seed.as_bytes())[..bytes])
}
