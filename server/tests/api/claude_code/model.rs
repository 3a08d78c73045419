//! A scripted stand-in for the Anthropic Messages API, on loopback, for
//! driving the real Claude Code CLI offline (`ANTHROPIC_BASE_URL`).
//!
//! Each turn of the conversation proper (a request that offers tools)
//! answers the next step of a plan: one `tool_use` block, or a final text
//! with `end_turn`. Side requests the CLI makes without tools (a title, a
//! quota probe) get a short text; token counting gets a count. Streaming
//! requests are answered with the protocol's server-sent events
//! (`message_start`, `content_block_start`, `content_block_delta` —
//! `input_json_delta` for a tool's input —, `content_block_stop`,
//! `message_delta` with the stop reason, `message_stop`), the others with
//! one JSON message. Every request is kept, so a test can read what the
//! model was told, such as each tool's result.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// One turn of the plan.
#[derive(Clone, Debug)]
pub enum Step {
    /// The model calls a tool.
    Tool { name: &'static str, input: Value },
    /// The model ends with a text.
    Text(&'static str),
}

/// The stand-in, listening until dropped with the test.
pub struct ScriptedModel {
    pub url: String,
    state: Arc<Shared>,
}

struct Shared {
    plan: Vec<Step>,
    turn: Mutex<usize>,
    requests: Mutex<Vec<Value>>,
    /// A turn held until the test lets it go, so that the test can act
    /// between two tool calls (stop Bosun, say).
    pause: Option<Pause>,
}

struct Pause {
    turn: usize,
    reached: tokio::sync::Notify,
    released: tokio::sync::Notify,
}

impl ScriptedModel {
    pub async fn start(plan: Vec<Step>) -> Self {
        Self::serve(plan, None).await
    }

    /// Like [`Self::start`], holding the answer of the plan's step `turn`
    /// until [`Self::release`].
    pub async fn start_paused_before(plan: Vec<Step>, turn: usize) -> Self {
        let pause = Pause {
            turn,
            reached: tokio::sync::Notify::new(),
            released: tokio::sync::Notify::new(),
        };
        Self::serve(plan, Some(pause)).await
    }

    /// Waits until the CLI asks for the held turn: every earlier tool call
    /// has run and its result was sent.
    pub async fn paused(&self) {
        if let Some(pause) = &self.state.pause {
            pause.reached.notified().await;
        }
    }

    /// Lets the held turn be answered.
    pub fn release(&self) {
        if let Some(pause) = &self.state.pause {
            pause.released.notify_one();
        }
    }

    async fn serve(plan: Vec<Step>, pause: Option<Pause>) -> Self {
        let state = Arc::new(Shared {
            plan,
            turn: Mutex::new(0),
            requests: Mutex::new(Vec::new()),
            pause,
        });
        let app = Router::new()
            .route("/v1/messages", post(messages))
            .route("/v1/messages/count_tokens", post(count_tokens))
            .fallback(not_found)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    /// What the model was told each tool produced, by the id of the
    /// `tool_use` block it answered: `(text, is_error)`.
    pub fn tool_results(&self) -> Vec<(String, String, bool)> {
        let requests = self.state.requests.lock().unwrap();
        let mut results: Vec<(String, String, bool)> = Vec::new();
        for request in requests.iter().filter(|r| offers_tools(r)) {
            let messages = request["messages"].as_array().cloned().unwrap_or_default();
            for block in messages
                .iter()
                .filter(|m| m["role"] == "user")
                .filter_map(|m| m["content"].as_array())
                .flatten()
                .filter(|b| b["type"] == "tool_result")
            {
                let id = block["tool_use_id"].as_str().unwrap_or_default().to_owned();
                if results.iter().any(|(seen, _, _)| *seen == id) {
                    continue;
                }
                let text = match &block["content"] {
                    Value::String(text) => text.clone(),
                    Value::Array(parts) => parts
                        .iter()
                        .filter_map(|p| p["text"].as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    other => other.to_string(),
                };
                results.push((id, text, block["is_error"] == true));
            }
        }
        results
    }

    /// The result the model was told for the plan's step `index` (0-based).
    pub fn result_of_step(&self, index: usize) -> Option<(String, bool)> {
        let id = tool_use_id(index);
        self.tool_results()
            .into_iter()
            .find(|(seen, _, _)| *seen == id)
            .map(|(_, text, error)| (text, error))
    }
}

fn offers_tools(request: &Value) -> bool {
    request["tools"].as_array().is_some_and(|t| !t.is_empty())
}

fn tool_use_id(step: usize) -> String {
    format!("toolu_bosun_test_{step:03}")
}

async fn messages(State(state): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "the body is not JSON",
        );
    };
    let model = request["model"].as_str().unwrap_or("claude").to_owned();
    let stream = request["stream"] == true;
    let (step, index) = if offers_tools(&request) {
        let mut turn = state.turn.lock().unwrap();
        let index = *turn;
        *turn += 1;
        let step = state
            .plan
            .get(index)
            .cloned()
            .unwrap_or(Step::Text("(the plan is over)"));
        (step, index)
    } else {
        (Step::Text("ok"), usize::MAX)
    };
    state.requests.lock().unwrap().push(request);
    if let Some(pause) = state.pause.as_ref().filter(|pause| pause.turn == index) {
        pause.reached.notify_one();
        pause.released.notified().await;
    }
    let (content, stop_reason) = match &step {
        Step::Tool { name, input } => (
            json!({ "type": "tool_use", "id": tool_use_id(index), "name": name, "input": input }),
            "tool_use",
        ),
        Step::Text(text) => (json!({ "type": "text", "text": text }), "end_turn"),
    };
    let id = format!("msg_bosun_test_{index}");
    let usage = json!({ "input_tokens": 12, "output_tokens": 6 });
    if !stream {
        let message = json!({ "id": id, "type": "message", "role": "assistant", "model": model,
                              "content": [content], "stop_reason": stop_reason,
                              "stop_sequence": null, "usage": usage });
        return axum::Json(message).into_response();
    }
    let mut events = String::new();
    let mut event = |name: &str, data: Value| {
        events.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    };
    event(
        "message_start",
        json!({ "type": "message_start", "message": { "id": id, "type": "message", "role": "assistant",
                "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": { "input_tokens": 12, "output_tokens": 1 } } }),
    );
    match &step {
        Step::Tool { name, input } => {
            event(
                "content_block_start",
                json!({ "type": "content_block_start", "index": 0, "content_block":
                        { "type": "tool_use", "id": tool_use_id(index), "name": name, "input": {} } }),
            );
            event(
                "content_block_delta",
                json!({ "type": "content_block_delta", "index": 0,
                        "delta": { "type": "input_json_delta", "partial_json": input.to_string() } }),
            );
        }
        Step::Text(text) => {
            event(
                "content_block_start",
                json!({ "type": "content_block_start", "index": 0,
                        "content_block": { "type": "text", "text": "" } }),
            );
            event(
                "content_block_delta",
                json!({ "type": "content_block_delta", "index": 0,
                        "delta": { "type": "text_delta", "text": text } }),
            );
        }
    }
    event(
        "content_block_stop",
        json!({ "type": "content_block_stop", "index": 0 }),
    );
    event(
        "message_delta",
        json!({ "type": "message_delta", "delta": { "stop_reason": stop_reason, "stop_sequence": null },
                "usage": { "output_tokens": 6 } }),
    );
    event("message_stop", json!({ "type": "message_stop" }));
    ([(header::CONTENT_TYPE, "text/event-stream")], events).into_response()
}

async fn count_tokens() -> Response {
    axum::Json(json!({ "input_tokens": 12 })).into_response()
}

async fn not_found(uri: Uri) -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "not_found_error",
        &format!("the stand-in has no {}", uri.path()),
    )
}

fn api_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "type": "error", "error": { "type": kind, "message": message } })),
    )
        .into_response()
}
