//! Rule patterns: parsing, the glob semantics, and pattern containment.
//!
//! Syntax: `*` matches any run of characters (including `/` and spaces), `\*`
//! is a literal star, `\\` a literal backslash, and every other character is
//! itself. A pattern always matches the *whole* subject.

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
        Ok(Self {
            source: source.to_owned(),
            parts,
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
