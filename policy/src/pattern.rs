//! Rule patterns: parsing, the glob semantics, and pattern containment.
//!
//! Syntax: `*` is a wildcard, `\*` a literal star, `\\` a literal
//! backslash, and every other character is itself. A pattern always matches
//! the *whole* subject. How far a `*` reaches depends on the tool's argument:
//!
//! - **text, URLs and paths**: `*` matches any run of characters, `/` and
//!   spaces included ([`RulePattern::matches`]). For paths, deny and ask
//!   rules also match case-insensitively, and a pattern ending in `/*` also
//!   covers the directory itself ([`RulePattern::matches_path`]);
//! - **commands**: the pattern is a sequence of words separated by blanks. A
//!   word that is just `*` matches any number of words, zero included; inside
//!   any other word `*` matches characters of that one word only
//!   ([`RulePattern::matches_words`]). Words that are paths (they start with
//!   `/`) are normalized lexically, like the paths they are compared with.

use std::fmt;

/// Longest pattern accepted, in bytes. Generous for any real rule, and keeps a
/// hostile rule editor from handing the compiler megabyte literals.
pub const MAX_PATTERN_LEN: usize = 4096;

/// A validated rule pattern.
///
/// Parsing happens once, when a rule is saved; everything after that can rely
/// on the pattern being well formed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RulePattern {
    source: String,
    /// Literal runs separated by stars: `a*b*c` is `["a", "b", "c"]` and
    /// `*x` is `["", "x"]`. A pattern without a star has exactly one part.
    parts: Vec<String>,
    /// `parts`, case-folded, for deny and ask rules on paths.
    folded: Vec<String>,
    /// For a pattern ending in `/*`: the folded parts of the directory
    /// itself (`/dir/*` also covers `/dir`), which deny and ask rules on
    /// paths match too.
    folded_dir: Option<Vec<String>>,
    /// The pattern read as a command: its words.
    words: Vec<PatternWord>,
}

/// One word of a command pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PatternWord {
    /// A word that is just `*`: any number of words, zero included.
    Any,
    /// Any other word; its stars stay inside the word.
    Word(WordGlob),
}

/// A pattern word other than `*`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct WordGlob {
    /// Literal runs between the stars (see [`RulePattern`]'s `parts`).
    parts: Vec<String>,
    /// The word is a path (it starts with `/`, or with `*` and holds a `/`):
    /// deny and ask rules compare it case-insensitively, and `/dir/*` also
    /// covers `/dir`.
    path: bool,
    /// Folded parts, for deny and ask rules when the word is a path.
    folded: Vec<String>,
    /// Folded parts of the directory itself, for a path word ending in `/*`.
    folded_dir: Option<Vec<String>>,
}

/// A command's words, as the matcher reads them.
pub(crate) trait Words {
    /// How many words there are.
    fn count(&self) -> usize;
    /// The word at `i < count()`.
    fn word(&self, i: usize) -> SubjectWord<'_>;
}

impl Words for [SubjectWord<'_>] {
    fn count(&self) -> usize {
        self.len()
    }

    fn word(&self, i: usize) -> SubjectWord<'_> {
        self[i]
    }
}

/// One word of a command as the matcher sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SubjectWord<'a> {
    /// The word after quote removal (paths normalized).
    pub(crate) text: &'a str,
    /// The word holds something only the running shell knows (an expansion,
    /// `~`, a pathname glob): only a pattern word that is just `*` may allow
    /// it.
    pub(crate) opaque: bool,
}

/// Why a pattern was rejected. The `Display` text is meant for the person
/// editing the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// The pattern is the empty string (use no pattern to match everything).
    Empty,
    /// A backslash at the end with nothing to escape.
    TrailingBackslash {
        /// 1-based character position of the backslash.
        position: usize,
    },
    /// A backslash before a character that needs no escaping.
    UnknownEscape {
        /// 1-based character position of the backslash.
        position: usize,
        /// The character after the backslash.
        found: char,
    },
    /// A NUL character, which no subject may contain.
    Nul {
        /// 1-based character position of the NUL.
        position: usize,
    },
    /// The pattern is longer than [`MAX_PATTERN_LEN`] bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str(
                "pattern must not be empty (leave the pattern out to match every input)",
            ),
            Self::TrailingBackslash { position } => write!(
                f,
                "pattern: unmatched backslash at position {position} (write \\\\ for a literal backslash)"
            ),
            Self::UnknownEscape { position, found } => write!(
                f,
                "pattern: backslash at position {position} escapes {found:?}; only \\* and \\\\ are escapes (write \\\\ for a literal backslash)"
            ),
            Self::Nul { position } => {
                write!(
                    f,
                    "pattern: NUL character at position {position} is not allowed"
                )
            }
            Self::TooLong { len } => write!(
                f,
                "pattern is {len} bytes long; the limit is {MAX_PATTERN_LEN}"
            ),
        }
    }
}

impl std::error::Error for PatternError {}

impl RulePattern {
    /// Parses and validates a pattern.
    ///
    /// ```
    /// use bosun_policy::RulePattern;
    /// assert!(RulePattern::parse("npm *").is_ok());
    /// assert_eq!(
    ///     RulePattern::parse(r"rm \x").unwrap_err().to_string(),
    ///     r#"pattern: backslash at position 4 escapes 'x'; only \* and \\ are escapes (write \\ for a literal backslash)"#
    /// );
    /// ```
    pub fn parse(source: &str) -> Result<Self, PatternError> {
        if source.is_empty() {
            return Err(PatternError::Empty);
        }
        if source.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong { len: source.len() });
        }
        let mut parts = vec![String::new()];
        let mut chars = source.chars().enumerate();
        while let Some((i, c)) = chars.next() {
            let position = i + 1;
            match c {
                '\0' => return Err(PatternError::Nul { position }),
                '*' => parts.push(String::new()),
                '\\' => match chars.next() {
                    Some((_, e @ ('*' | '\\'))) => push(&mut parts, e),
                    Some((_, found)) => {
                        return Err(PatternError::UnknownEscape { position, found });
                    }
                    None => return Err(PatternError::TrailingBackslash { position }),
                },
                other => push(&mut parts, other),
            }
        }
        let folded = fold_parts(&parts);
        let folded_dir = dir_parts(&folded);
        let words = command_words(source);
        Ok(Self {
            source: source.to_owned(),
            parts,
            folded,
            folded_dir,
            words,
        })
    }

    /// The pattern as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Literal runs between the stars (see the field docs).
    pub(crate) fn parts(&self) -> &[String] {
        &self.parts
    }

    /// True when the pattern has no star: it matches exactly one string.
    pub fn is_literal(&self) -> bool {
        self.parts.len() == 1
    }

    /// True when the pattern is made of stars only and so matches every input.
    pub fn matches_everything(&self) -> bool {
        self.parts.len() > 1 && self.parts.iter().all(String::is_empty)
    }

    /// The literal text before the first star (all of it for a literal pattern).
    pub fn literal_prefix(&self) -> &str {
        &self.parts[0]
    }

    /// Whether the pattern matches the whole `subject`.
    ///
    /// This is the straightforward definition, used by the reference
    /// evaluator and by tests; the compiled engine indexes many patterns at
    /// once instead of calling this per rule.
    pub fn matches(&self, subject: &str) -> bool {
        glob_match(&self.parts, subject.as_bytes())
    }

    /// Whether the pattern matches a normalized path. `strict` is for deny
    /// and ask rules, which also match case-insensitively (agents run on
    /// case-insensitive file systems too) and, for a pattern ending in `/*`,
    /// the directory itself. Allow rules match exactly.
    ///
    /// ```
    /// use bosun_policy::RulePattern;
    /// let p = RulePattern::parse("/etc/*").unwrap();
    /// assert!(p.matches_path("/ETC/passwd", true) && p.matches_path("/etc", true));
    /// assert!(!p.matches_path("/ETC/passwd", false) && !p.matches_path("/etc", false));
    /// ```
    pub fn matches_path(&self, subject: &str, strict: bool) -> bool {
        if self.matches(subject) {
            return true;
        }
        if !strict {
            return false;
        }
        let folded = fold(subject);
        glob_match(&self.folded, folded.as_bytes())
            || self
                .folded_dir
                .as_ref()
                .is_some_and(|d| glob_match(d, folded.as_bytes()))
    }

    /// Whether the pattern, read as words, matches a command's words (see
    /// the module docs). `strict` is for deny and ask rules: their path
    /// words match like [`RulePattern::matches_path`]'s, and they may match
    /// an opaque word by its text as written, where an allow rule needs a
    /// pattern word that is just `*`.
    pub(crate) fn matches_words(&self, subject: &(impl Words + ?Sized), strict: bool) -> bool {
        words_match(&self.words, subject, strict)
    }

    /// The folded parts, and those of the directory itself (for the path
    /// index of deny and ask rules).
    pub(crate) fn folded_parts(&self) -> (&[String], Option<&[String]>) {
        (&self.folded, self.folded_dir.as_deref())
    }

    /// A byte glob, over a command's words joined by single spaces, that
    /// every command this pattern matches also matches (a necessary
    /// condition, so an index over it can propose candidates to verify).
    /// A word that is just `*` becomes a star that also absorbs the spaces
    /// around it; `strict` turns path words into stars, since deny and ask
    /// rules compare those case-insensitively.
    pub(crate) fn command_filter(&self, strict: bool) -> Vec<String> {
        let mut parts = vec![String::new()];
        // Whether a space must come before the next word.
        let mut after_word = false;
        for w in &self.words {
            match w {
                PatternWord::Any => {
                    parts.push(String::new());
                    after_word = false;
                }
                PatternWord::Word(g) => {
                    let last = parts.len() - 1;
                    if after_word {
                        parts[last].push(' ');
                    }
                    if strict && g.path {
                        parts.push(String::new());
                    } else {
                        parts[last].push_str(&g.parts[0]);
                        parts.extend(g.parts[1..].iter().cloned());
                    }
                    after_word = true;
                }
            }
        }
        parts
    }

    /// Whether every string this pattern matches is also matched by `other`:
    /// then a rule with `other` placed earlier always decides first.
    ///
    /// For star-only globs, containment holds exactly when `other` matches
    /// this pattern's text with each star replaced by a character that no
    /// pattern contains: such a character can only be absorbed by a star of
    /// `other`, and a star absorbs any replacement. NUL serves, since
    /// [`RulePattern::parse`] rejects it.
    pub fn is_subsumed_by(&self, other: &RulePattern) -> bool {
        other.matches(&self.witness())
    }

    /// Whether, read as command words, every command this pattern matches
    /// is also matched by `other`. Checked on witnesses (stars inside a word
    /// replaced by NUL, a lone `*` by zero, one and two NUL words), which
    /// is what the rule analysis needs to avoid claiming that a rule never
    /// applies when its words say otherwise.
    pub fn is_word_subsumed_by(&self, other: &RulePattern) -> bool {
        let witness = |any: usize| -> Vec<String> {
            let mut words = Vec::new();
            for w in &self.words {
                match w {
                    PatternWord::Any => words.extend(std::iter::repeat_n("\0".to_owned(), any)),
                    PatternWord::Word(g) => words.push(g.parts.join("\0")),
                }
            }
            words
        };
        (0..3).all(|any| {
            let words = witness(any);
            let subject: Vec<SubjectWord<'_>> = words
                .iter()
                .map(|text| SubjectWord {
                    text,
                    opaque: false,
                })
                .collect();
            other.matches_words(subject.as_slice(), false)
        })
    }

    /// This pattern's text with every star replaced by NUL (see
    /// [`RulePattern::is_subsumed_by`]).
    pub(crate) fn witness(&self) -> String {
        self.parts.join("\0")
    }
}

fn push(parts: &mut [String], c: char) {
    if let Some(last) = parts.last_mut() {
        last.push(c);
    }
}

/// Case folding for paths, character by character (so that folding a
/// pattern's parts and folding a subject agree).
pub(crate) fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn fold_parts(parts: &[String]) -> Vec<String> {
    parts.iter().map(|p| fold(p)).collect()
}

/// For parts ending in `/*` (last part empty, the one before ending in
/// `/`): the parts of the directory itself.
fn dir_parts(parts: &[String]) -> Option<Vec<String>> {
    let [init @ .., before, last] = parts else {
        return None;
    };
    if !last.is_empty() || !before.ends_with('/') || (init.is_empty() && before == "/") {
        return None;
    }
    let mut dir: Vec<String> = init.to_vec();
    dir.push(before[..before.len() - 1].to_owned());
    Some(dir)
}

/// Splits a pattern into command words at blanks (the shell's: spaces,
/// tabs, newlines). Escapes were validated by [`RulePattern::parse`].
fn command_words(source: &str) -> Vec<PatternWord> {
    source
        .split([' ', '\t', '\n'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w == "*" {
                return PatternWord::Any;
            }
            let path = w.starts_with('/') || (w.starts_with('*') && w.contains('/'));
            // A path word is cleaned like the paths it is compared with;
            // stars are ordinary characters to the cleaning.
            let cleaned;
            let text = if w.starts_with('/') && !w.contains('\\') && !crate::path::is_clean(w) {
                cleaned = crate::path::clean_argument(w);
                cleaned.as_str()
            } else {
                w
            };
            let mut parts = vec![String::new()];
            let mut chars = text.chars();
            while let Some(c) = chars.next() {
                match c {
                    '*' => parts.push(String::new()),
                    '\\' => {
                        if let Some(e) = chars.next() {
                            push(&mut parts, e);
                        }
                    }
                    other => push(&mut parts, other),
                }
            }
            let folded = fold_parts(&parts);
            let folded_dir = if path { dir_parts(&folded) } else { None };
            PatternWord::Word(WordGlob {
                parts,
                path,
                folded,
                folded_dir,
            })
        })
        .collect()
}

impl WordGlob {
    fn matches(&self, word: SubjectWord<'_>, strict: bool) -> bool {
        if word.opaque && !strict {
            return false;
        }
        if glob_match(&self.parts, word.text.as_bytes()) {
            return true;
        }
        if !(strict && self.path) {
            return false;
        }
        let folded = fold(word.text);
        glob_match(&self.folded, folded.as_bytes())
            || self
                .folded_dir
                .as_ref()
                .is_some_and(|d| glob_match(d, folded.as_bytes()))
    }
}

/// Matches pattern words against subject words: a `*` word takes any number
/// of words, every other pattern word exactly one. The scan remembers the
/// last `*` and, on a mismatch, lets it take one more word; as every other
/// pattern word takes exactly one word, this is exact (the classic wildcard
/// algorithm, over words instead of characters).
fn words_match(pattern: &[PatternWord], subject: &(impl Words + ?Sized), strict: bool) -> bool {
    let len = subject.count();
    let (mut p, mut s) = (0, 0);
    // After the last `*`: the pattern position, and how many words it took.
    let mut star: Option<(usize, usize)> = None;
    loop {
        match pattern.get(p) {
            Some(PatternWord::Any) => {
                star = Some((p + 1, s));
                p += 1;
                continue;
            }
            Some(PatternWord::Word(g)) if s < len && g.matches(subject.word(s), strict) => {
                p += 1;
                s += 1;
                continue;
            }
            Some(PatternWord::Word(_)) => {}
            None if s == len => return true,
            None => {}
        }
        match star {
            Some((after, taken)) if taken < len => {
                star = Some((after, taken + 1));
                p = after;
                s = taken + 1;
            }
            _ => return false,
        }
    }
}

/// Matches literal runs separated by stars against the whole subject.
///
/// The first run must be a prefix and the last a suffix; the runs between
/// are found left to right, each at its earliest occurrence. Taking the
/// earliest occurrence is never worse for the runs after it, so this greedy
/// scan is exact and linear-ish (one substring search per run).
pub(crate) fn glob_match(parts: &[String], subject: &[u8]) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return subject.is_empty();
    };
    let Some((last, middles)) = rest.split_last() else {
        return subject == first.as_bytes();
    };
    let (first, last) = (first.as_bytes(), last.as_bytes());
    if subject.len() < first.len() + last.len()
        || !subject.starts_with(first)
        || !subject.ends_with(last)
    {
        return false;
    }
    let mut window = &subject[first.len()..subject.len() - last.len()];
    for middle in middles {
        match find(window, middle.as_bytes()) {
            Some(at) => window = &window[at + middle.len()..],
            None => return false,
        }
    }
    true
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl fmt::Debug for RulePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RulePattern({:?})", self.source)
    }
}

impl fmt::Display for RulePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for RulePattern {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for RulePattern {
    type Error = PatternError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RulePattern> for String {
    fn from(p: RulePattern) -> Self {
        p.source
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for RulePattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for RulePattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RulePattern {
        RulePattern::parse(s).unwrap()
    }

    #[test]
    fn parse_rejects_what_is_invalid_with_a_message_naming_the_problem() {
        let cases = [
            (
                "",
                "pattern must not be empty (leave the pattern out to match every input)",
            ),
            (
                "rm \\",
                "pattern: unmatched backslash at position 4 (write \\\\ for a literal backslash)",
            ),
            (
                "a\\b",
                "pattern: backslash at position 2 escapes 'b'; only \\* and \\\\ are escapes (write \\\\ for a literal backslash)",
            ),
            ("a\0", "pattern: NUL character at position 2 is not allowed"),
        ];
        for (input, message) in cases {
            assert_eq!(
                RulePattern::parse(input).unwrap_err().to_string(),
                message,
                "{input:?}"
            );
        }
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        assert!(matches!(
            RulePattern::parse(&long),
            Err(PatternError::TooLong { .. })
        ));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(
            RulePattern::parse("é\\q").unwrap_err(),
            PatternError::UnknownEscape {
                position: 2,
                found: 'q'
            }
        );
    }

    #[test]
    fn star_spans_anything_and_everything_else_is_literal() {
        let table: &[(&str, &str, bool)] = &[
            ("npm *", "npm install left-pad", true),
            ("npm *", "npm ", true),
            ("npm *", "npm", false),
            ("npm *", "npx foo", false),
            ("/home/*", "/home/a/b/c", true),
            ("/home/*", "/home", false),
            ("*.rs", "/src/main.rs", true),
            ("*.rs", "/src/main.rsx", false),
            ("*", "", true),
            ("**", "anything at all", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "a-b-b-c", true),
            ("a*b*c", "acb", false),
            ("ab*ba", "aba", false),
            ("ab*ba", "abba", true),
            ("git status", "git status", true),
            ("git status", "git status ", false),
            ("?", "a", false),
            ("?", "?", true),
            ("[ab]", "a", false),
            ("[ab]", "[ab]", true),
            (r"a\*b", "a*b", true),
            (r"a\*b", "axb", false),
            (r"a\\*", r"a\zzz", true),
            ("*é*", "café au lait", true),
        ];
        for &(pattern, subject, expected) in table {
            assert_eq!(
                p(pattern).matches(subject),
                expected,
                "{pattern:?} vs {subject:?}"
            );
        }
    }

    #[test]
    fn shape_predicates() {
        assert!(p("git status").is_literal());
        assert!(!p("git *").is_literal());
        assert!(p("***").matches_everything());
        assert!(!p(r"\*").matches_everything());
        assert_eq!(p("npm i*x").literal_prefix(), "npm i");
    }

    #[test]
    fn containment_is_exact() {
        let table: &[(&str, &str, bool)] = &[
            ("npm install *", "npm *", true),
            ("npm *", "npm install *", false),
            ("anything", "*", true),
            ("*", "*a*", false),
            ("*aa*", "*a*a*", true),
            ("*a*a*", "*aa*", false),
            ("a*b", "a*", true),
            ("a*b", "*ab*", false),
            ("/etc/passwd", "/etc/*", true),
            ("/etc/*", "/etc/passwd", false),
            ("x", "x", true),
            ("*.rs", "*.rs", true),
            ("src/*.rs", "*.rs", true),
        ];
        for &(narrow, broad, expected) in table {
            assert_eq!(
                p(narrow).is_subsumed_by(&p(broad)),
                expected,
                "{narrow:?} ⊆ {broad:?}"
            );
        }
    }
}
