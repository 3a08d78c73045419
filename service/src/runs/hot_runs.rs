//! What a runtime key's tool call reads before it is decided — the key, the
//! run, its agent and workspace, whether whoever it acts for may still have
//! it go on, the credential values issued to it — kept between calls, so
//! that a busy worker's calls go from the request straight to the rules.
//!
//! Nothing here is trusted on its own. Every entry carries the access
//! version it was read at (`access_version`, which every change to what it
//! holds counts, in the transaction of the change), and so does each
//! decision made from it; the decision writer compares that version with
//! the store's inside its own transaction, and a decision whose reads are
//! out of date there is read and decided again rather than recorded
//! (see [`super::decision_log`]). A revocation therefore stops the next
//! call to be recorded after it, in this process and in any other sharing
//! the database; the entries here only spare the reads while nothing
//! changes. Entries older than the newest version the writer has seen are
//! read again at their next use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::{ActiveRun, AgentKey};
use crate::redact::IssuedValue;

/// Entries kept at most; beyond, the cache starts over (a worker's runs
/// are few, and an entry costs one read to make again).
const MAX_ENTRIES: usize = 4096;

/// A key's run as a call found it.
#[derive(Clone)]
pub(crate) struct HotRun {
    pub key: AgentKey,
    pub run: Arc<ActiveRun>,
    /// The credential values issued to the run when it was read, for
    /// redaction: the run's `issued_credentials` of them.
    pub issued: Arc<Vec<IssuedValue>>,
}

/// Runs by the hash of the presented key and the run's id.
#[derive(Default)]
pub(crate) struct HotRuns {
    entries: Mutex<HashMap<(String, String), HotRun>>,
    /// The newest access version the decision writer has seen.
    newest: Arc<AtomicI64>,
}

impl HotRuns {
    /// The entry for a key's hash and a run, unless it is older than what
    /// the decision writer last saw.
    pub(crate) fn get(&self, key_hash: &str, run: &str) -> Option<HotRun> {
        let newest = self.newest.load(Ordering::Acquire);
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&(key_hash.to_owned(), run.to_owned()))
            .filter(|hot| hot.run.access_version >= newest)
            .cloned()
    }

    pub(crate) fn put(&self, key_hash: String, hot: HotRun) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((key_hash, hot.run.id.clone()), hot);
    }

    pub(crate) fn forget(&self, key_hash: &str, run: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(&(key_hash.to_owned(), run.to_owned()));
    }

    /// Where the decision writer notes the newest access version it saw.
    pub(crate) fn newest(&self) -> Arc<AtomicI64> {
        Arc::clone(&self.newest)
    }
}
