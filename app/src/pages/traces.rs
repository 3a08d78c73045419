//! Search over everything agents did, the runs it is made of, and one run
//! as a timeline.
//!
//! The search lives in the URL: the filter forms are plain GET forms, so a
//! search can be bookmarked, shared, and paged with the browser's back
//! button; the filters left empty stay out of the URL. The same query
//! downloads as JSON, JSON Lines or OTLP. A run's page follows the run as
//! it goes (the server says when it has a new step), says where it stands,
//! lets those who may cancel it, and downloads that one run.

use bosun_wire::vocabulary::{Action, RunStatus, Vocabulary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::runs::CancelRun;
use crate::api::traces::{
    EventView, RunQuery, RunSummary, TraceOptions, TraceQuery, VerifyAuditChain, filter_choices,
    list_trace_runs, query_string, run_timeline, search_traces,
};
use crate::components::empty::EmptyState;
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::layout::AdminsOnly;
use crate::components::push::changes_of;
use crate::components::resource_table::ColumnHeads;
use crate::components::runs::RunStatusPanel;
use crate::components::tool_input::CallInputView;
use crate::dates::{Precision, duration};

const EXPORTS: [(&str, &str); 3] = [("json", "JSON"), ("jsonl", "JSON Lines"), ("otlp", "OTLP")];

/// The fields of the filter forms, each left out of the URL when empty.
const FILTER_FIELDS: [&str; 8] = [
    "agent", "user", "tool", "decision", "status", "q", "from", "to",
];

/// For a filter form's `on_form_data`: leaves the empty fields out, so
/// that a search's URL names only the filters in use (`?decision=deny`,
/// not `?agent=&decision=deny`).
fn drop_empty_fields(data: &leptos::web_sys::FormData) {
    // An entry without a name (the browser's, for the submit button)
    // filters nothing either.
    data.delete("");
    for name in FILTER_FIELDS {
        if data
            .get(name)
            .as_string()
            .is_some_and(|value| value.trim().is_empty())
        {
            data.delete(name);
        }
    }
}

/// The Traces page: the runs, or every step, each with its filters.
#[component]
pub fn TracesPage() -> impl IntoView {
    let url = use_query_map();
    let showing_runs = Memo::new(move |_| url.with(|q| q.get("view").as_deref() == Some("runs")));
    let verify = ServerAction::<VerifyAuditChain>::new();
    let current = move |runs: bool| (showing_runs.get() == runs).then_some("page");
    view! {
        <Title text="Traces" />
        <div class="page-head">
            <h1>"Traces"</h1>
            <AdminsOnly>
                <ActionForm action=verify attr:class="inline">
                    <button type="submit" class="secondary">"Verify the audit chain"</button>
                </ActionForm>
            </AdminsOnly>
        </div>
        <ActionError result=verify.value() />
        {move || verify.value().get().and_then(Result::ok).map(|found| view! {
            <p class="notice" role="status">{found}</p>
        })}
        <nav class="tabs" aria-label="Trace views">
            <a href="/traces?view=runs" aria-current=move || current(true)>"Runs"</a>
            <a href="/traces" aria-current=move || current(false)>"Steps"</a>
        </nav>
        {move || if showing_runs.get() {
            view! { <RunList /> }.into_any()
        } else {
            view! { <StepSearch /> }.into_any()
        }}
    }
}

/// Every step one may see, searched by the filters in the URL.
#[component]
fn StepSearch() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| {
        url.with(|q| {
            let get = |key: &str| q.get(key).unwrap_or_default();
            TraceQuery {
                agent: get("agent"),
                user: get("user"),
                tool: get("tool"),
                decision: get("decision"),
                status: get("status"),
                q: get("q"),
                from: get("from"),
                to: get("to"),
                before: q.get("before").and_then(|b| b.parse().ok()),
            }
        })
    });
    let options = Resource::new(|| (), |_| filter_choices());
    let results = Resource::new(move || query.get(), search_traces);
    view! {
        <Form method="GET" action="/traces" on_form_data=std::sync::Arc::new(drop_empty_fields)
            attr:class="filters" attr:role="search">
            <Suspense>
                {move || Suspend::new(async move {
                    let options = options.await.unwrap_or_default();
                    view! { <PeopleAndAgents options query=query.get_untracked() /> }
                })}
            </Suspense>
            <label>"Tool" <input name="tool" prop:value=move || query.get().tool placeholder="delete_file" /></label>
            <Choice name="decision" label="Decision" choices={any_of::<Action>()} selected=Signal::derive(move || query.get().decision) />
            <Choice name="status" label="Run status" choices={any_of::<RunStatus>()} selected=Signal::derive(move || query.get().status) />
            <label>"From" <input type="datetime-local" name="from" prop:value=move || query.get().from /></label>
            <label>"To" <input type="datetime-local" name="to" prop:value=move || query.get().to /></label>
            <label class="wide">"Text"
                <input type="search" name="q" prop:value=move || query.get().q placeholder="words in inputs, outputs, messages" />
            </label>
            <button type="submit">"Search"</button>
        </Form>
        <p class="meta">
            "Download this search: "
            {EXPORTS
                .into_iter()
                .map(|(format, label)| {
                    let href = move || {
                        let mut search = query.get().to_query_string();
                        if !search.is_empty() {
                            search.push('&');
                        }
                        format!("/traces/export?{search}format={format}")
                    };
                    view! { <a href=href download>{label}</a> " " }
                })
                .collect_view()}
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(results) if results.events.is_empty() => view! {
                        <EmptyState title="Nothing found">
                            <p>"No step you may see matches this search. Runs you start, and runs of agents you edit, show up here."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(results) => {
                        let next = results.next.map(|before| {
                            let mut search = query.get_untracked().to_query_string();
                            if !search.is_empty() {
                                search.push('&');
                            }
                            format!("/traces?{search}before={before}")
                        });
                        view! {
                            <EventTable events=results.events />
                            {next.map(|href| view! { <p><A href=href>"Older steps →"</A></p> })}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The agent and user pickers, which need the workspace's names.
#[component]
fn PeopleAndAgents(options: TraceOptions, query: TraceQuery) -> impl IntoView {
    let option = |(id, name): (String, String), selected: &str| {
        let is_selected = id == selected;
        view! { <option value=id selected=is_selected>{name}</option> }
    };
    view! {
        <AgentPicker agents=options.agents selected=query.agent />
        <label>"User"
            <select name="user">
                <option value="">"Anyone"</option>
                {options.users.into_iter().map(|user| option(user, &query.user)).collect_view()}
            </select>
        </label>
    }
}

/// The agent filter: any, or one of the agents one may see.
#[component]
fn AgentPicker(agents: Vec<(String, String)>, selected: String) -> impl IntoView {
    view! {
        <label>"Agent"
            <select name="agent">
                <option value="">"Any"</option>
                {agents
                    .into_iter()
                    .map(|(id, name)| {
                        let is_selected = id == selected;
                        view! { <option value=id selected=is_selected>{name}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The runs one may see, newest first, filtered by agent and status.
#[component]
fn RunList() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| {
        url.with(|q| {
            let get = |key: &str| q.get(key).unwrap_or_default();
            RunQuery {
                agent: get("agent"),
                status: get("status"),
                before: get("before"),
            }
        })
    });
    let options = Resource::new(|| (), |_| filter_choices());
    let runs = Resource::new(move || query.get(), list_trace_runs);
    view! {
        <Form method="GET" action="/traces" on_form_data=std::sync::Arc::new(drop_empty_fields)
            attr:class="filters" attr:role="search" attr:aria-label="Filter runs">
            <input type="hidden" name="view" value="runs" />
            <Suspense>
                {move || Suspend::new(async move {
                    let agents = options.await.unwrap_or_default().agents;
                    view! { <AgentPicker agents selected=query.get_untracked().agent /> }
                })}
            </Suspense>
            <Choice name="status" label="Status" choices={any_of::<RunStatus>()} selected=Signal::derive(move || query.get().status) />
            <button type="submit">"Show runs"</button>
        </Form>
        <Suspense fallback=|| view! { <p class="loading">"Loading runs…"</p> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(results) if results.runs.is_empty() => view! {
                        <EmptyState title="No runs">
                            <p>"No run you may see matches. Runs you start, and runs of agents you edit, show up here."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(results) => {
                        let next = results.next.map(|before| {
                            let query = query.get_untracked();
                            format!("/traces?{}", query_string(&[
                                ("view", "runs"),
                                ("agent", &query.agent),
                                ("status", &query.status),
                                ("before", &before),
                            ]))
                        });
                        view! {
                            <RunTable runs=results.runs />
                            {next.map(|href| view! { <p><A href=href>"Older runs →"</A></p> })}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RunTable(runs: Vec<RunSummary>) -> impl IntoView {
    view! {
        <table class="trace runs-list" aria-label="Runs">
            <ColumnHeads columns=vec!["Run", "Agent", "Started by", "On behalf of", "Status", "Started (UTC)", "Duration", "Steps", "Decisions"] />
            <tbody>
                {runs
                    .into_iter()
                    .map(|run| {
                        let short = run.id.get(run.id.len().saturating_sub(8)..).unwrap_or_default().to_owned();
                        view! {
                            <tr data-run-id=run.id.clone()>
                                <td class="mono">
                                    <A href=format!("/traces/{}", run.id) attr:aria-label=format!("Run {}", run.id)>{short}</A>
                                </td>
                                <td>{run.agent_name.clone()}</td>
                                <td>{run.starter()}</td>
                                <td>{run.acts_for().to_owned()}</td>
                                <td><span class=format!("badge status-{}", run.status)>{run.status.clone()}</span></td>
                                <td class="mono">{run.created_at.format(Precision::Second)}</td>
                                <td>{run.duration_ms.map_or_else(|| "—".into(), duration)}</td>
                                <td>{run.steps}</td>
                                <td class="decision-counts">
                                    <span class="badge decision-allow">{format!("{} allow", run.decisions.allow)}</span>
                                    " "
                                    <span class="badge decision-ask">{format!("{} ask", run.decisions.ask)}</span>
                                    " "
                                    <span class="badge decision-deny">{format!("{} deny", run.decisions.deny)}</span>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// A filter's choices: "Any" (the empty value), then each of the
/// vocabulary's names, capitalized ("Succeeded").
fn any_of<T: Vocabulary>() -> Vec<(&'static str, String)> {
    let capitalized = |name: &str| {
        let mut chars = name.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    };
    std::iter::once(("", "Any".to_owned()))
        .chain(T::NAMES.iter().map(|name| (*name, capitalized(name))))
        .collect()
}

#[component]
fn Choice(
    name: &'static str,
    label: &'static str,
    choices: Vec<(&'static str, String)>,
    selected: Signal<String>,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name prop:value=move || selected.get()>
                {choices
                    .into_iter()
                    .map(|(value, text)| {
                        view! { <option value=value selected=move || selected.get() == value>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
fn EventTable(events: Vec<EventView>) -> impl IntoView {
    view! {
        <table class="trace" aria-label="Steps">
            <ColumnHeads columns=vec!["When (UTC)", "Step", "Agent", "By", "Run", "What happened"] />
            <tbody>
                {events
                    .into_iter()
                    .map(|event| {
                        let run = event.run_id.clone().map(|run| {
                            let short = run.get(run.len().saturating_sub(8)..).unwrap_or_default().to_owned();
                            view! { <A href=format!("/traces/{run}")>{short}</A> }
                        });
                        view! {
                            <tr>
                                <td class="mono">{event.at.clone()}</td>
                                <td><StepBadge event=event.clone() /></td>
                                <td>{event.agent.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>{event.actor.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class="mono">{run}</td>
                                <td class="mono">{event.summary.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// The kind of step, with its decision when it records one.
#[component]
fn StepBadge(event: EventView) -> impl IntoView {
    view! {
        <span class="step">{event.kind}</span>
        {event.decision.map(|decision| {
            let class = format!("badge decision-{decision}");
            view! { " " <span class=class>{decision}</span> }
        })}
    }
}

/// One run, step by step, with who did each and why it was allowed.
#[component]
pub fn RunTimelinePage() -> impl IntoView {
    let params = use_params_map();
    let run = move || params.with(|p| p.get("run")).unwrap_or_default();
    let cancel = ServerAction::<CancelRun>::new();
    // The server says when the run has a new step.
    let opened = params.with_untracked(|p| p.get("run")).unwrap_or_default();
    let changed = changes_of(
        format!("/events/runs/{}", urlencoding::encode(&opened)),
        "run",
    );
    let steps = Resource::new(
        move || (run(), cancel.version().get(), changed.get()),
        |(run, _, _)| run_timeline(run),
    );
    view! {
        <Title text="Run" />
        <p><A href="/traces?view=runs">"← Runs"</A></p>
        <h1>"Run " <span class="mono">{run}</span></h1>
        <RunStatusPanel run_id=Signal::derive(run) cancel changed />
        <p class="meta">
            "Download this run: "
            {EXPORTS
                .into_iter()
                .map(|(format, label)| {
                    let href = move || format!(
                        "/traces/export?{}",
                        query_string(&[("run", &run()), ("format", format)])
                    );
                    view! { <a href=href download>{label}</a> " " }
                })
                .collect_view()}
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match steps.await {
                    Ok(steps) => {
                        let agent = steps.iter().find_map(|step| step.agent.clone());
                        let on_behalf_of = steps.iter().find_map(|step| step.on_behalf_of.clone());
                        view! {
                            <p class="meta">
                                {agent.map(|agent| view! { <span>"Agent: " {agent}</span> })}
                                <span>"On behalf of: " {on_behalf_of.unwrap_or_else(|| "the agent itself (service account)".into())}</span>
                                <span>{format!("{} steps", steps.len())}</span>
                            </p>
                            <ol class="timeline" aria-label="Timeline">
                                {steps.into_iter().map(|step| view! { <Step step /> }).collect_view()}
                            </ol>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Step(step: EventView) -> impl IntoView {
    view! {
        <li class="card step-card">
            <div class="page-head">
                <strong><StepBadge event=step.clone() /></strong>
                <span class="meta mono">{step.at.clone()} " · #" {step.seq}</span>
            </div>
            <p class="mono">{step.summary.clone()}</p>
            {step.call.clone().map(|call| view! { <CallInputView call /> })}
            <p class="meta">
                {step.tool.clone().map(|tool| view! { <span>"Tool: " {tool}</span> })}
                {step.actor.clone().map(|actor| view! { <span>"By: " {actor}</span> })}
            </p>
            <details>
                <summary>"Recorded data"</summary>
                <pre>{step.data.clone()}</pre>
                <p class="meta mono">"hash " {step.hash.clone()}</p>
            </details>
        </li>
    }
}
