//! The pattern index: given many `(rule index, pattern)` pairs, find the
//! lowest rule index whose pattern matches a subject, at a cost that grows
//! with the subject and not with the number of patterns.
//!
//! A pattern `P*M1*M2*…*Mk*S` (literal prefix `P`, suffix `S`, middles `Mi`)
//! matches a subject exactly when the subject starts with `P`, ends with `S`
//! (not overlapping `P`), and the middles occur in order, each at its
//! earliest occurrence after the previous one (taking the earliest is never
//! worse for the rest). The index mirrors that:
//!
//! - patterns without a star sit in a hash map, star-only patterns and rules
//!   without a pattern collapse into one "matches everything" index;
//! - a byte trie over prefixes: walking the subject through it visits every
//!   prefix the subject has, at most `len + 1` nodes;
//! - at each prefix node, a trie over *reversed* suffixes of the patterns with
//!   that prefix: walking the subject backwards visits every suffix it has;
//! - at each (prefix, suffix) pair, a tree over middles: one Aho–Corasick
//!   automaton finds, in one pass over the window between prefix and suffix,
//!   every first middle that occurs; each found one leads to the subtree of
//!   the remaining middles, searched after that occurrence.
//!
//! So `*.rs` ×1,700, `src/*` ×5,000 or `*secret*` ×3,000 cost a trie walk or
//! one automaton pass each, never a loop over patterns. Every node also
//! records the lowest rule index below it, so the search skips whole
//! subtrees that cannot beat the best match found so far; identical
//! patterns keep only their first rule.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::Map;

/// Total literal bytes up to which a group's middles get a DFA.
const DFA_LITERAL_BYTES: usize = 64 * 1024;

/// "No rule": larger than every rule index.
pub(crate) const NONE: u32 = u32::MAX;

/// The compiled index over one set of patterns.
#[derive(Debug, Default)]
pub(crate) struct PatternIndex {
    everything: u32,
    exact: Map<Box<[u8]>, u32>,
    prefixes: Trie,
    suffixes: Vec<Trie>,
    groups: Vec<Middles>,
}

impl PatternIndex {
    /// Builds the index from each rule's literal runs between stars (see
    /// [`RulePattern`](crate::RulePattern)'s parts); `None` stands for a rule without a
    /// pattern. A rule may appear more than once (a pattern with an
    /// alternative form).
    pub(crate) fn build<'p>(
        patterns: impl IntoIterator<Item = (u32, Option<&'p [String]>)>,
    ) -> Self {
        let mut everything = NONE;
        let mut exact: Map<Box<[u8]>, u32> = Map::default();
        let mut prefixes = TrieBuilder::new();
        let mut suffixes: Vec<TrieBuilder> = Vec::new();
        let mut groups: Vec<MiddlesBuilder> = Vec::new();
        for (index, pattern) in patterns {
            let Some(parts) = pattern.filter(|p| !(p.len() > 1 && p.iter().all(String::is_empty)))
            else {
                everything = everything.min(index);
                continue;
            };
            if let [literal] = parts {
                let slot = exact.entry(literal.as_bytes().into()).or_insert(index);
                *slot = (*slot).min(index);
                continue;
            }
            let [prefix, middles @ .., suffix] = parts else {
                continue;
            };
            let p = prefixes.insert(prefix.bytes());
            let s_id = prefixes.payload_or_insert(p, || {
                suffixes.push(TrieBuilder::new());
                suffixes.len() - 1
            });
            let trie = &mut suffixes[s_id as usize];
            let s = trie.insert(suffix.bytes().rev());
            let g_id = trie.payload_or_insert(s, || {
                groups.push(MiddlesBuilder::default());
                groups.len() - 1
            });
            let literal_middles: Vec<&str> = middles
                .iter()
                .map(String::as_str)
                .filter(|m| !m.is_empty())
                .collect();
            groups[g_id as usize].insert(&literal_middles, index);
        }
        let groups: Vec<Middles> = groups.into_iter().map(MiddlesBuilder::finish).collect();
        let suffixes: Vec<Trie> = suffixes
            .into_iter()
            .map(|t| t.finish(|g| groups[g as usize].min))
            .collect();
        let prefixes = prefixes.finish(|s| suffixes[s as usize].root_min());
        Self {
            everything,
            exact,
            prefixes,
            suffixes,
            groups,
        }
    }

    /// Whether no rule was indexed.
    pub(crate) fn is_empty(&self) -> bool {
        self.everything == NONE
            && self.exact.is_empty()
            && self.prefixes.nodes.first().is_none_or(|n| n.min == NONE)
    }

    /// The lowest rule index whose pattern matches everything.
    pub(crate) fn everything(&self) -> u32 {
        self.everything
    }

    /// The lowest rule index (below `best`) whose pattern matches `subject`,
    /// or `best` if there is none.
    pub(crate) fn first_match(&self, subject: &[u8], mut best: u32) -> u32 {
        best = best.min(self.everything);
        if let Some(&i) = self.exact.get(subject) {
            best = best.min(i);
        }
        let mut node = 0;
        for depth in 0..=subject.len() {
            let n = &self.prefixes.nodes[node];
            if n.min >= best {
                break;
            }
            if n.payload != NONE {
                let trie = &self.suffixes[n.payload as usize];
                self.search_suffixes(trie, subject, depth, &mut best);
            }
            match subject.get(depth).and_then(|&b| self.prefixes.child(n, b)) {
                Some(next) => node = next,
                None => break,
            }
        }
        best
    }

    fn search_suffixes(&self, trie: &Trie, subject: &[u8], prefix_len: usize, best: &mut u32) {
        let room = subject.len() - prefix_len;
        let mut node = 0;
        for taken in 0..=room {
            let n = &trie.nodes[node];
            if n.min >= *best {
                return;
            }
            if n.payload != NONE {
                let window = &subject[prefix_len..subject.len() - taken];
                self.groups[n.payload as usize].search(window, best);
            }
            if taken == room {
                return;
            }
            match trie.child(n, subject[subject.len() - 1 - taken]) {
                Some(next) => node = next,
                None => return,
            }
        }
    }
}

/// A byte trie whose nodes carry an optional payload id, stored flat: each
/// node's outgoing edges are one contiguous run of a shared edge array, so a
/// walk touches two arrays instead of a heap allocation per node.
#[derive(Debug, Default)]
struct Trie {
    nodes: Vec<TrieNode>,
    /// Edge labels, grouped by node, sorted within a node.
    labels: Vec<u8>,
    /// Edge targets, parallel to `labels`.
    targets: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct TrieNode {
    edges_at: u32,
    edge_count: u32,
    payload: u32,
    /// Lowest rule index in this node's payload and below it.
    min: u32,
}

impl Trie {
    fn child(&self, node: &TrieNode, b: u8) -> Option<usize> {
        let at = node.edges_at as usize;
        let labels = &self.labels[at..at + node.edge_count as usize];
        let i = if labels.len() <= 16 {
            labels.iter().position(|&l| l == b)?
        } else {
            labels.binary_search(&b).ok()?
        };
        Some(self.targets[at + i] as usize)
    }

    fn root_min(&self) -> u32 {
        self.nodes.first().map_or(NONE, |n| n.min)
    }
}

/// A trie under construction.
#[derive(Debug)]
struct TrieBuilder {
    nodes: Vec<BuilderNode>,
}

#[derive(Debug, Default)]
struct BuilderNode {
    /// Sorted by byte.
    edges: Vec<(u8, u32)>,
    payload: u32,
}

impl TrieBuilder {
    fn new() -> Self {
        Self {
            nodes: vec![BuilderNode {
                edges: Vec::new(),
                payload: NONE,
            }],
        }
    }

    fn insert(&mut self, key: impl Iterator<Item = u8>) -> usize {
        let mut node = 0;
        for b in key {
            node = match self.nodes[node].edges.binary_search_by_key(&b, |&(k, _)| k) {
                Ok(i) => self.nodes[node].edges[i].1 as usize,
                Err(i) => {
                    let id = self.nodes.len();
                    self.nodes.push(BuilderNode {
                        edges: Vec::new(),
                        payload: NONE,
                    });
                    self.nodes[node].edges.insert(i, (b, to_u32(id)));
                    id
                }
            };
        }
        node
    }

    /// The node's payload id, created by `f` if the node has none yet.
    fn payload_or_insert(&mut self, node: usize, f: impl FnOnce() -> usize) -> u32 {
        let slot = &mut self.nodes[node].payload;
        if *slot == NONE {
            *slot = to_u32(f());
        }
        *slot
    }

    /// Flattens the trie and fills in `min` bottom-up. Children always have
    /// higher ids than their parent, so one reverse pass suffices.
    fn finish(self, payload_min: impl Fn(u32) -> u32) -> Trie {
        let mut trie = Trie {
            nodes: Vec::with_capacity(self.nodes.len()),
            labels: Vec::new(),
            targets: Vec::new(),
        };
        for n in &self.nodes {
            trie.nodes.push(TrieNode {
                edges_at: to_u32(trie.labels.len()),
                edge_count: to_u32(n.edges.len()),
                payload: n.payload,
                min: NONE,
            });
            for &(label, target) in &n.edges {
                trie.labels.push(label);
                trie.targets.push(target);
            }
        }
        for id in (0..trie.nodes.len()).rev() {
            let n = trie.nodes[id];
            let own = if n.payload == NONE {
                NONE
            } else {
                payload_min(n.payload)
            };
            let at = n.edges_at as usize;
            let below = trie.targets[at..at + n.edge_count as usize]
                .iter()
                .map(|&c| trie.nodes[c as usize].min)
                .min()
                .unwrap_or(NONE);
            trie.nodes[id].min = own.min(below);
        }
        trie
    }
}

/// Index sizes are bounded by pattern bytes (at most `MAX_PATTERN_LEN` per
/// rule), far below `u32::MAX` for any storable rule set.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE)
}

/// Patterns sharing a prefix and a suffix, organised by their middles.
#[derive(Debug)]
struct Middles {
    /// Lowest rule index of patterns with no further middles.
    direct: u32,
    /// Lowest rule index in this subtree.
    min: u32,
    /// Finds the next middles; `None` when there are no children.
    automaton: Option<AhoCorasick>,
    /// One subtree per literal of the automaton, by pattern id.
    children: Vec<Middles>,
}

#[derive(Debug, Default)]
struct MiddlesBuilder {
    direct: Option<u32>,
    children: Vec<(String, MiddlesBuilder)>,
    by_literal: HashMap<String, usize>,
}

impl MiddlesBuilder {
    fn insert(&mut self, middles: &[&str], index: u32) {
        match middles.split_first() {
            None => {
                self.direct = Some(self.direct.map_or(index, |d| d.min(index)));
            }
            Some((first, rest)) => {
                let slot = match self.by_literal.get(*first) {
                    Some(&slot) => slot,
                    None => {
                        self.children
                            .push(((*first).to_owned(), MiddlesBuilder::default()));
                        self.by_literal
                            .insert((*first).to_owned(), self.children.len() - 1);
                        self.children.len() - 1
                    }
                };
                self.children[slot].1.insert(rest, index);
            }
        }
    }

    fn finish(self) -> Middles {
        let direct = self.direct.unwrap_or(NONE);
        let (literals, children): (Vec<String>, Vec<Middles>) = self
            .children
            .into_iter()
            .map(|(literal, child)| (literal, child.finish()))
            .unzip();
        let automaton = if literals.is_empty() {
            None
        } else {
            // Standard semantics are required for overlapping search, which
            // reports every literal occurrence in order of its end.
            // A DFA costs one table lookup per byte; its memory stays modest
            // for the literal volumes rule sets have (byte classes shrink the
            // alphabet), and past the size limit the builder falls back.
            let dfa = literals.iter().map(String::len).sum::<usize>() <= DFA_LITERAL_BYTES;
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(dfa.then_some(AhoCorasickKind::DFA))
                .build(&literals)
                .ok()
        };
        let min = children.iter().map(|c| c.min).fold(direct, u32::min);
        Middles {
            direct,
            min,
            automaton,
            children,
        }
    }
}

impl Middles {
    fn search(&self, window: &[u8], best: &mut u32) {
        if self.min >= *best {
            return;
        }
        *best = (*best).min(self.direct);
        let Some(automaton) = &self.automaton else {
            return;
        };
        // Created at the first hit: most searches find no middle at all.
        let mut seen: Option<Seen> = None;
        for m in automaton.find_overlapping_iter(window) {
            let id = m.pattern().as_usize();
            // The first report of a literal is its earliest occurrence (all
            // occurrences have the same length and come in order of end);
            // later ones can only do worse.
            if !seen
                .get_or_insert_with(|| Seen::new(self.children.len()))
                .insert(id)
            {
                continue;
            }
            let child = &self.children[id];
            if child.min < *best {
                child.search(&window[m.end()..], best);
            }
            if self.min >= *best {
                return;
            }
        }
    }
}

/// A set of small integers that only allocates past 128 members.
enum Seen {
    Small(u128),
    Large(Vec<bool>),
}

impl Seen {
    fn new(len: usize) -> Self {
        if len <= 128 {
            Self::Small(0)
        } else {
            Self::Large(vec![false; len])
        }
    }

    fn insert(&mut self, i: usize) -> bool {
        match self {
            Self::Small(bits) => {
                let bit = 1u128 << i;
                let fresh = *bits & bit == 0;
                *bits |= bit;
                fresh
            }
            Self::Large(v) => !std::mem::replace(&mut v[i], true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::RulePattern;

    fn index(patterns: &[Option<&str>]) -> PatternIndex {
        let parsed: Vec<Option<RulePattern>> = patterns
            .iter()
            .map(|p| p.map(|p| RulePattern::parse(p).unwrap()))
            .collect();
        PatternIndex::build(
            parsed
                .iter()
                .enumerate()
                .map(|(i, p)| (i as u32, p.as_ref().map(RulePattern::parts))),
        )
    }

    fn first(idx: &PatternIndex, s: &str) -> Option<u32> {
        Some(idx.first_match(s.as_bytes(), NONE)).filter(|&i| i != NONE)
    }

    #[test]
    fn finds_the_lowest_matching_index_for_every_shape() {
        let idx = index(&[
            Some("git status"),
            Some("npm install *"),
            Some("npm *"),
            Some("*.rs"),
            Some("/repo/*"),
            Some("*secret*"),
            Some("a*b*c"),
            Some("x*"),
            None,
        ]);
        assert_eq!(first(&idx, "git status"), Some(0));
        assert_eq!(first(&idx, "npm install left-pad"), Some(1));
        assert_eq!(first(&idx, "npm test"), Some(2));
        assert_eq!(first(&idx, "/repo/main.rs"), Some(3));
        assert_eq!(first(&idx, "/repo/main.py"), Some(4));
        assert_eq!(first(&idx, "my-secret-file"), Some(5));
        assert_eq!(first(&idx, "a-b-c"), Some(6));
        assert_eq!(first(&idx, "xyz"), Some(7));
        assert_eq!(first(&idx, "nothing"), Some(8));
    }

    #[test]
    fn prefix_and_suffix_do_not_overlap() {
        let idx = index(&[Some("ab*ba")]);
        assert_eq!(first(&idx, "aba"), None);
        assert_eq!(first(&idx, "abba"), Some(0));
    }

    #[test]
    fn later_middles_are_searched_after_earlier_ones() {
        let idx = index(&[Some("*b*a*"), Some("*a*")]);
        assert_eq!(first(&idx, "ab"), Some(1));
        assert_eq!(first(&idx, "ba"), Some(0));
    }

    #[test]
    fn many_literals_use_the_large_seen_set() {
        let mut pats: Vec<String> = (0..300).map(|i| format!("*m{i}x*")).collect();
        pats.push("*m299x*tail".to_owned());
        let refs: Vec<Option<&str>> = pats.iter().map(|s| Some(s.as_str())).collect();
        let idx = index(&refs);
        assert_eq!(first(&idx, "..m299x..m5x.."), Some(5));
        assert_eq!(first(&idx, "..m299x..tail"), Some(299));
        assert_eq!(first(&idx, "..m30y.."), None);
    }
}
