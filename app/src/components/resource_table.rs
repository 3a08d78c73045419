//! Tables: the column headers every table of the pages has
//! ([`ColumnHeads`]), and a list the server answers shown as a table
//! ([`ResourceTable`]): "Loading…" while it comes, a sentence when there is
//! nothing, the error when it failed, and otherwise a row per item under
//! the column headers.

use std::future::Future;

use leptos::prelude::*;

use crate::components::errors::ErrorNotice;
use crate::error::AppError;

/// Shows what `load` answers (a resource, awaited) as a table.
///
/// `columns` head the table; an empty one heads an actions column, named
/// for screen readers only. With `keep_while_reloading`, a table already
/// shown stays while the list loads again (a [`Transition`]); otherwise
/// "Loading…" takes its place (a [`Suspense`]).
#[component]
pub fn ResourceTable<T, Load, Loaded, Row, RowView>(
    load: Load,
    columns: Vec<&'static str>,
    /// What the section says when the list is empty.
    empty: &'static str,
    row: Row,
    /// The table's accessible name.
    #[prop(optional)]
    label: Option<&'static str>,
    #[prop(optional)] class: Option<&'static str>,
    /// For a table that may scroll sideways and holds no control: it is
    /// made focusable, so that the keyboard can scroll it.
    #[prop(optional)]
    focusable: bool,
    #[prop(optional)] keep_while_reloading: bool,
) -> impl IntoView
where
    T: Send + 'static,
    Load: Fn() -> Loaded + Clone + Send + Sync + 'static,
    Loaded: Future<Output = Result<Vec<T>, AppError>> + Send + 'static,
    Row: Fn(T) -> RowView + Clone + Send + Sync + 'static,
    RowView: IntoView + 'static,
{
    let columns = StoredValue::new(columns);
    let body = move || {
        let (loaded, row) = (load(), row.clone());
        Suspend::new(async move {
            match loaded.await {
                Ok(items) if items.is_empty() => view! { <p class="muted">{empty}</p> }.into_any(),
                Ok(items) => view! {
                    <table aria-label=label class=class tabindex=focusable.then_some("0")>
                        <ColumnHeads columns=columns.get_value() />
                        <tbody>{items.into_iter().map(row).collect_view()}</tbody>
                    </table>
                }
                .into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })
    };
    let loading = || view! { <p class="loading">"Loading…"</p> };
    if keep_while_reloading {
        view! { <Transition fallback=loading>{body}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback=loading>{body}</Suspense> }.into_any()
    }
}

/// A table's column headers; an empty one heads an actions column, named
/// for screen readers only.
#[component]
pub fn ColumnHeads(columns: Vec<&'static str>) -> impl IntoView {
    let head = |column: &'static str| {
        if column.is_empty() {
            view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> }.into_any()
        } else {
            view! { <th scope="col">{column}</th> }.into_any()
        }
    };
    view! { <thead><tr>{columns.into_iter().map(head).collect_view()}</tr></thead> }
}
