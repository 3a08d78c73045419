//! Each page renders on one thread, with every task its render spawns.
//!
//! A page streams out while it renders. Leptos's `Suspense` walks the
//! page's views from tasks the render spawns, and when the stream ends, or
//! is dropped because the browser left, the page's reactive values are
//! disposed. On tokio's shared worker threads those tasks ran beside that
//! disposal and read values it had just disposed, which panics: 3 of 4,000
//! page loads abandoned part-way did, at random places in the app
//! (leptos-rs/leptos#3595 describes the race). No view can guard every
//! read, so the race is taken away instead: pages render on a pool of
//! single-threaded runtimes, one page per thread, where `tokio::spawn` (the
//! executor Leptos spawns with) stays on the calling thread. Spawned tasks
//! and the disposal then take turns, and a task that wakes after the
//! disposal finds its effect gone and ends. Only pages go through here:
//! the API and server push keep the shared threads.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use tokio::sync::oneshot;
use tokio_util::task::LocalPoolHandle;

/// How many chunks may wait for a slow reader before the render waits too.
const CHUNKS_IN_FLIGHT: usize = 16;

/// The threads pages render on: one per core.
#[derive(Clone)]
pub struct PageRenderers(LocalPoolHandle);

impl PageRenderers {
    pub fn new() -> Self {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        Self(LocalPoolHandle::new(threads))
    }
}

impl Default for PageRenderers {
    fn default() -> Self {
        Self::new()
    }
}

/// Renders the page on one of `renderers`' threads, and streams it from
/// there. When the browser leaves, the render is dropped on its own thread.
pub async fn render_on_one_thread(
    State(renderers): State<PageRenderers>,
    request: Request,
    next: Next,
) -> Response {
    let (head, response) = oneshot::channel();
    // The render's handle is not kept: a page nobody waits for any more
    // ends on its thread when its head or a chunk finds no reader.
    drop(renderers.0.spawn_pinned(move || async move {
        let (parts, body) = next.run(request).await.into_parts();
        let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
        if head
            .send(Response::from_parts(parts, Body::from_stream(receiver)))
            .is_ok()
        {
            pass_on(body, sender).await;
        }
    }));
    response.await.unwrap_or_else(|_| {
        tracing::error!("a page render ended without an answer");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

/// Passes the body's chunks on until it ends or nobody reads any more.
async fn pass_on(body: Body, mut reader: mpsc::Sender<Result<Bytes, axum::Error>>) {
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        if reader.send(chunk).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::thread::ThreadId;
    use std::time::Duration;

    use axum::Router;
    use axum::routing::{MethodRouter, get};
    use tower::ServiceExt;

    use super::*;

    /// Serves one request for `/page` through `render_on_one_thread`.
    async fn render_once(page: MethodRouter) -> Response {
        Router::new()
            .route("/page", page)
            .layer(axum::middleware::from_fn_with_state(
                PageRenderers::new(),
                render_on_one_thread,
            ))
            .oneshot(Request::get("/page").body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    /// A handler that spawns tasks the way a render does, and a body
    /// whose every chunk and whose end are noted with the thread they ran
    /// on: all must share the render's thread.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_page_render_and_every_task_it_spawns_run_on_one_thread() {
        let threads: Arc<Mutex<Vec<(&str, ThreadId)>>> = Arc::default();
        let noted = threads.clone();
        let page = move || {
            let noted = noted.clone();
            async move {
                let note = |what: &'static str| {
                    let noted = noted.clone();
                    move || {
                        noted
                            .lock()
                            .unwrap()
                            .push((what, std::thread::current().id()))
                    }
                };
                note("handler")();
                let spawned: Vec<_> = (0..32)
                    .map(|_| {
                        let note = note("spawned task");
                        tokio::spawn(async move {
                            // Long enough that an idle worker would take the next task.
                            std::thread::sleep(Duration::from_millis(2));
                            note();
                        })
                    })
                    .collect();
                for task in spawned {
                    task.await.unwrap();
                }
                let chunk = note("body chunk");
                let chunks = futures::stream::iter(0..8).then(move |_| {
                    let chunk = chunk.clone();
                    async move {
                        tokio::task::yield_now().await;
                        chunk();
                        Ok::<_, std::io::Error>(Bytes::from_static(b"<p>"))
                    }
                });
                Body::from_stream(chunks)
            }
        };
        let response = render_once(get(page)).await;
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(body.len(), 8 * 3, "the whole page came through");

        let threads = threads.lock().unwrap();
        assert_eq!(threads.len(), 1 + 32 + 8);
        let (_, render_thread) = threads[0];
        let elsewhere: Vec<_> = threads
            .iter()
            .filter(|(_, thread)| *thread != render_thread)
            .collect();
        assert!(
            elsewhere.is_empty(),
            "ran beside the render's thread: {elsewhere:?}"
        );
    }

    /// A render that fails before its head still answers, with a 500.
    #[tokio::test]
    async fn a_render_that_panics_is_answered_with_a_server_error() {
        let response = render_once(get(|| async {
            panic!("a broken page");
            #[allow(unreachable_code)]
            ""
        }))
        .await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
