//! The one envelope every list in the REST API answers with:
//! `{"items": [...], "next": string|null}`.

use serde::{Deserialize, Serialize};

/// One page of a list. `next` is an opaque cursor: pass it back (as the
/// list's `cursor` or `before` parameter, which each list documents) for
/// the following page; null on the last page, and for lists that always
/// answer in one page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct List<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; null on the last page.
    pub next: Option<String>,
}

impl<T> List<T> {
    /// Every item in one page: nothing follows.
    pub fn complete(items: Vec<T>) -> Self {
        Self { items, next: None }
    }

    /// A page followed by the page `next` names, if any.
    pub fn page(items: Vec<T>, next: Option<String>) -> Self {
        Self { items, next }
    }
}

impl<T> FromIterator<T> for List<T> {
    /// Every item in one page.
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Self::complete(items.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::List;

    #[test]
    fn a_page_always_carries_next_even_when_there_is_none() {
        let last: List<u8> = [1, 2].into_iter().collect();
        assert_eq!(
            serde_json::to_value(&last).unwrap(),
            serde_json::json!({"items": [1, 2], "next": null})
        );
        let page = List::page(vec!["a"], Some("cursor".to_owned()));
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            serde_json::json!({"items": ["a"], "next": "cursor"})
        );
    }
}
