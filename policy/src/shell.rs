//! Shell command analysis: a command line becomes the list of simple
//! commands it would run, each in a canonical text form that rule patterns
//! are matched against.
//!
//! This is a hand-written parser for the bash subset agents actually send.
//! The maintained bash parsers on crates.io are either not pure Rust
//! (tree-sitter) or pull in caching, tracing and snapshot-testing
//! dependencies and allocate far beyond a sub-microsecond budget; what the
//! engine needs is narrower than a full AST anyway: *which programs run, with
//! which words*, and an honest "cannot tell" for everything else.
//!
//! # What is found
//!
//! Simple commands separated by `;`, `&`, `&&`, `||`, `|`, `|&` and newlines;
//! inside subshells `( … )`, brace groups `{ …; }`, `if`/`while`/`until`/
//! `for` bodies, function bodies, command substitutions `$( … )` and
//! `` `…` `` (also inside double quotes, `${…}` and `$(( … ))`), process
//! substitutions `<( … )`/`>( … )`, and here-documents with unquoted
//! delimiters. Wrappers are unwrapped recursively: `sudo`, `doas`, `env`,
//! `nohup`, `timeout`, `nice`, `ionice`, `time`, `command`, `builtin`,
//! `exec`, `stdbuf`, `setsid`, `busybox`, `xargs` (judged as `CMD args …`,
//! the `…` standing for the arguments it reads), `watch`, `bash -c`/`sh -c`
//! (and other sh-family shells), `eval` with static text, `trap` handlers and
//! `find -exec`.
//!
//! # Canonical form
//!
//! `program arg1 arg2 …`, single spaces between words, where:
//! - quotes and backslash escapes are removed (`r"m" '-rf'` is `rm -rf`), an
//!   empty word is written `''`;
//! - the program is its **basename**: `/bin/rm`, `/usr/bin/rm`, `./rm` and
//!   `\rm` are all `rm`, so a rule about `rm` governs every spelling of it
//!   (a pattern such as `/bin/rm *` therefore never matches; the rule
//!   analysis says so);
//! - leading `NAME=value` assignments and wrapper options are dropped;
//! - path-like arguments (starting with `/`, `./`, `../`, `~/`, or containing
//!   `//`, `/./`, `/../`) are cleaned lexically, so `/tmp/../etc/passwd` is
//!   `/etc/passwd`;
//! - redirections are not part of the command; instead each output
//!   redirection to a file is a subject of its own, `> target` or
//!   `>> target` (target cleaned like an argument), so that a rule allowing
//!   `echo *` does not allow `echo x > ~/.bashrc`. Input redirections,
//!   descriptor duplications (`2>&1`) and `/dev/null` are not judged;
//! - expansions (`$VAR`, `${…}`, `$(…)`, backticks, `$((…))`, brace
//!   expansion) stay as written.
//!
//! A wrapper that grants privileges or runs other commands as a side effect
//! (`sudo`, `doas`, `find -exec`, `eval`, `trap`) is reported as a command of
//! its own *and* its inner command is reported too, so a rule about either
//! applies. Transparent wrappers (`nohup`, `timeout`, `env`, `bash -c`, …)
//! report only the inner command.
//!
//! # What cannot be analysed
//!
//! Each such command carries an `unanalysable` reason, which makes it at
//! least `ask`: a program name only known at run time (`$CMD`, `/bin/r?`,
//! `r{m,}`), `eval`, `source`, a shell or interpreter reading its program
//! from input (`curl … | sh`, here-documents), assignments to variables
//! that change what runs (`PATH`, `LD_PRELOAD`, …), `hash -p`, `env -S`,
//! `case` statements and anything that does not parse.

use std::borrow::Cow;
use std::fmt;

use crate::path::{clean_argument, is_clean};

/// Nesting limit for subshells, substitutions and `bash -c` strings. Real
/// commands stay far below it; hostile ones are reported as unanalysable
/// instead of exhausting the stack.
const MAX_DEPTH: usize = 32;

/// Why a command line could not be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    message: String,
}

impl ShellError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for ShellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot parse the command: {}", self.message)
    }
}

impl std::error::Error for ShellError {}

/// One program the command line would run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// The canonical form (see the module docs) that patterns match.
    pub text: String,
    /// Byte ranges in `text` of the program (first) and each argument.
    /// Kept as ranges so that building a command allocates once for the text.
    spans: Spans,
    /// Files written through output redirections.
    pub writes: Vec<String>,
    /// Why this command cannot be fully analysed; it is then at least `ask`.
    pub unanalysable: Option<String>,
    /// A word whose value is only known at run time (`$F`, `$(…)`, `{}` of
    /// `find -exec`, arguments added by `xargs`). An allow rule with a
    /// pattern cannot vouch for such a command, so it is raised to `ask`.
    pub runtime_word: Option<String>,
    /// Run through `sudo` or `doas`.
    pub privileged: bool,
    /// A shell or interpreter that runs code it reads from its input or
    /// from a substitution: with a download in the same command line, that is
    /// running code from the network.
    pub runs_unseen_code: bool,
}

impl SimpleCommand {
    /// The program's basename; empty for a bare redirection (`> file`) or a
    /// program name only known at run time.
    pub fn program(&self) -> &str {
        self.spans
            .iter()
            .next()
            .map_or("", |(a, b)| self.slice(a, b))
    }

    /// The arguments in canonical form (quotes removed, path-like ones
    /// cleaned, an empty one as `''`).
    pub fn args(&self) -> impl Iterator<Item = &str> + Clone {
        self.spans.iter().skip(1).map(|(a, b)| self.slice(a, b))
    }

    fn slice(&self, a: u32, b: u32) -> &str {
        self.text.get(a as usize..b as usize).unwrap_or("")
    }
}

/// Word ranges of a command: inline for the usual handful of words, so a
/// command costs one allocation (its text) rather than two.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Spans {
    inline: [(u32, u32); 8],
    len: usize,
    spill: Vec<(u32, u32)>,
}

impl Spans {
    fn push(&mut self, span: (u32, u32)) {
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = span;
                self.len += 1;
            }
            None => self.spill.push(span),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (u32, u32)> + Clone + '_ {
        self.inline[..self.len].iter().chain(&self.spill).copied()
    }
}

/// Splits a command line into the simple commands it would run.
///
/// ```
/// use bosun_policy::shell::parse;
/// let cmds = parse("cd /repo && sudo /bin/rm -rf ./build/../target; echo \"a && b\"").unwrap();
/// let texts: Vec<_> = cmds.iter().map(|c| c.text.as_str()).collect();
/// assert_eq!(texts, ["cd /repo", "sudo rm -rf target", "rm -rf target", "echo a && b"]);
/// ```
pub fn parse(input: &str) -> Result<Vec<SimpleCommand>, ShellError> {
    let mut lower = Lower {
        out: Vec::new(),
        depth: 0,
    };
    analyse(input, 0, &mut lower)?;
    Ok(lower.out)
}

/// Parses `src`, lowering each raw command into `lower` as soon as it is
/// complete, so no raw command outlives the text it borrows from.
fn analyse(src: &str, depth: usize, lower: &mut Lower) -> Result<(), ShellError> {
    if depth > MAX_DEPTH {
        return Err(ShellError::new("nested too deeply"));
    }
    Parser {
        src,
        s: src.as_bytes(),
        i: 0,
        depth,
        lower,
        pending: Vec::new(),
    }
    .parse_list(End::Eof)
}

// ---------------------------------------------------------------------------
// Parsing: bytes to raw commands (words, assignments, redirections).
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
struct Word<'s> {
    /// After quote removal; expansions kept as their source text. Borrowed
    /// from the command line when the word needed no quote removal.
    text: Cow<'s, str>,
    /// Contains an expansion whose value is only known at run time.
    dynamic: bool,
    /// Contains unquoted glob characters.
    glob: bool,
    /// Contains unquoted brace expansion (`{a,b}`, `{1..3}`).
    brace: bool,
    /// Some part was quoted or escaped.
    quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RedirKind {
    /// `>`, `>|`, `&>`, `<>`: writes (truncating) the target.
    Write,
    /// `>>`, `&>>`: appends to the target.
    Append,
    /// `<`: reads the target.
    Read,
    /// `<<`, `<<-`, `<<<`: feeds text to standard input.
    Input,
    /// `2>&1`, `<&0`, `>&-`: descriptor juggling.
    Dup,
}

#[derive(Debug)]
struct Redirect<'s> {
    kind: RedirKind,
    target: Word<'s>,
}

#[derive(Debug, Default)]
struct RawCommand<'s> {
    assignments: Vec<Word<'s>>,
    words: Words<'s>,
    redirects: Vec<Redirect<'s>>,
}

/// A command's words: inline for the usual handful, so parsing a simple
/// command does not allocate for them.
#[derive(Debug, Default)]
struct Words<'s> {
    inline: [Word<'s>; 6],
    len: usize,
    /// All words, once there are more than fit inline.
    spill: Vec<Word<'s>>,
}

impl<'s> Words<'s> {
    fn push(&mut self, word: Word<'s>) {
        if self.spill.is_empty() && self.len < self.inline.len() {
            self.inline[self.len] = word;
            self.len += 1;
            return;
        }
        if self.spill.is_empty() {
            self.spill
                .extend(self.inline.iter_mut().map(std::mem::take));
        }
        self.spill.push(word);
    }

    fn as_slice(&self) -> &[Word<'s>] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Eof,
    Paren,
    Brace,
}

struct Heredoc {
    delimiter: Vec<u8>,
    strip_tabs: bool,
    expands: bool,
}

struct Parser<'s, 'o> {
    /// The command line being parsed; `s` is its bytes.
    src: &'s str,
    s: &'s [u8],
    i: usize,
    depth: usize,
    /// Receives each raw command as soon as it is complete.
    lower: &'o mut Lower,
    pending: Vec<Heredoc>,
}

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn err<T>(message: &str) -> Result<T, ShellError> {
    Err(ShellError::new(message))
}

impl<'s> Parser<'s, '_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    fn starts_with(&self, lit: &[u8]) -> bool {
        self.s.get(self.i..).is_some_and(|r| r.starts_with(lit))
    }

    /// Whether an unquoted reserved word sits at the cursor.
    fn at_reserved(&self, word: &[u8]) -> bool {
        self.starts_with(word) && self.s.get(self.i + word.len()).is_none_or(|&c| is_meta(c))
    }

    /// Hands a complete raw command to the lowering step.
    fn emit(&mut self, raw: &RawCommand<'_>) -> Result<(), ShellError> {
        self.lower.depth = self.depth;
        self.lower.raw(raw)
    }

    fn nested<R>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<R, ShellError>,
    ) -> Result<R, ShellError> {
        if self.depth >= MAX_DEPTH {
            return err("nested too deeply");
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Blanks and backslash-newline continuations.
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.i += 1,
                Some(b'\\') if self.peek_at(1) == Some(b'\n') => self.i += 2,
                _ => return,
            }
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            while self.peek().is_some_and(|c| c != b'\n') {
                self.i += 1;
            }
        }
    }

    /// Consumes a newline, then any here-document bodies it starts.
    fn newline(&mut self) -> Result<(), ShellError> {
        self.i += 1;
        for doc in std::mem::take(&mut self.pending) {
            let body_start = self.i;
            let mut body_end = self.s.len();
            while self.i < self.s.len() {
                let line_end = self.s[self.i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(self.s.len(), |p| self.i + p);
                let mut line = &self.s[self.i..line_end];
                if doc.strip_tabs {
                    while let [b'\t', rest @ ..] = line {
                        line = rest;
                    }
                }
                let at = self.i;
                self.i = (line_end + 1).min(self.s.len());
                if line == doc.delimiter.as_slice() {
                    body_end = at;
                    break;
                }
            }
            if doc.expands {
                // An unquoted delimiter makes the body behave like a
                // double-quoted string: substitutions in it run.
                let body = String::from_utf8_lossy(&self.s[body_start..body_end]);
                self.nested(|p| {
                    let mut sink = Word::default();
                    Parser {
                        src: &body,
                        s: body.as_bytes(),
                        i: 0,
                        depth: p.depth,
                        lower: &mut *p.lower,
                        pending: Vec::new(),
                    }
                    .double_quoted(&mut sink, None)
                })?;
            }
        }
        Ok(())
    }

    /// Blanks, comments, newlines and the `;`/`&` terminators between
    /// commands.
    fn skip_separators(&mut self) -> Result<(), ShellError> {
        loop {
            self.skip_blanks();
            self.skip_comment();
            match self.peek() {
                Some(b'\n') => self.newline()?,
                Some(b';') if self.peek_at(1) == Some(b';') => {
                    return err("`;;` outside a case statement");
                }
                Some(b';') => self.i += 1,
                Some(b'&') if !matches!(self.peek_at(1), Some(b'&' | b'>')) => self.i += 1,
                _ => return Ok(()),
            }
        }
    }

    /// Blanks, comments and newlines only (after `&&`, `||`, `|`).
    fn skip_linebreaks(&mut self) -> Result<(), ShellError> {
        loop {
            self.skip_blanks();
            self.skip_comment();
            if self.peek() == Some(b'\n') {
                self.newline()?;
            } else {
                return Ok(());
            }
        }
    }

    fn parse_list(&mut self, end: End) -> Result<(), ShellError> {
        loop {
            self.skip_separators()?;
            match self.peek() {
                None if end == End::Eof => return Ok(()),
                None => return err("unterminated `(` or `{`"),
                Some(b')') if end == End::Paren => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b')') => return err("unexpected `)`"),
                _ => {}
            }
            if end == End::Brace && self.at_reserved(b"}") {
                self.i += 1;
                return Ok(());
            }
            let before = self.i;
            self.parse_and_or()?;
            if self.i == before {
                return err("unexpected operator");
            }
        }
    }

    fn parse_and_or(&mut self) -> Result<(), ShellError> {
        self.parse_pipeline()?;
        loop {
            self.skip_blanks();
            if self.starts_with(b"&&") || self.starts_with(b"||") {
                self.i += 2;
                self.skip_linebreaks()?;
                self.parse_pipeline()?;
            } else {
                return Ok(());
            }
        }
    }

    fn parse_pipeline(&mut self) -> Result<(), ShellError> {
        self.parse_command()?;
        loop {
            self.skip_blanks();
            if self.peek() == Some(b'|') && self.peek_at(1) != Some(b'|') {
                self.i += if self.peek_at(1) == Some(b'&') { 2 } else { 1 };
                self.skip_linebreaks()?;
                self.parse_command()?;
            } else {
                return Ok(());
            }
        }
    }

    /// The unquoted token at the cursor, up to the next operator or blank:
    /// what a reserved word would have to be.
    fn token(&self) -> &[u8] {
        let rest = self.s.get(self.i..).unwrap_or(&[]);
        let len = rest.iter().position(|&c| is_meta(c)).unwrap_or(rest.len());
        &rest[..len]
    }

    fn parse_command(&mut self) -> Result<(), ShellError> {
        loop {
            self.skip_blanks();
            match self.token() {
                // Words that only introduce or join commands.
                kw @ (b"if" | b"then" | b"elif" | b"else" | b"do" | b"while" | b"until" | b"!"
                | b"coproc") => self.i += kw.len(),
                // Words that end a compound command; redirections may follow.
                kw @ (b"fi" | b"done" | b"}") => {
                    self.i += kw.len();
                    return self.trailing_redirects();
                }
                b"case" | b"esac" => return err("case statements are not analysed"),
                b"{" => {
                    self.i += 1;
                    self.nested(|p| p.parse_list(End::Brace))?;
                    return self.trailing_redirects();
                }
                b"for" | b"select" => return self.parse_for(),
                b"function" => {
                    self.i += b"function".len();
                    self.skip_blanks();
                    self.word()?;
                    self.skip_blanks();
                    if self.starts_with(b"()") {
                        self.i += 2;
                    }
                    self.skip_linebreaks()?;
                    return self.parse_command();
                }
                b"[[" => return self.parse_test(),
                b"" if self.starts_with(b"((") => {
                    self.i += 2;
                    let mut sink = Word::default();
                    self.arithmetic(&mut sink)?;
                    return self.trailing_redirects();
                }
                b"" if self.peek() == Some(b'(') => {
                    self.i += 1;
                    self.nested(|p| p.parse_list(End::Paren))?;
                    return self.trailing_redirects();
                }
                _ => return self.parse_simple(),
            }
        }
    }

    /// `for NAME [in WORDS…]` up to the separator; the body follows as
    /// ordinary commands after `do`.
    fn parse_for(&mut self) -> Result<(), ShellError> {
        self.i += if self.at_reserved(b"for") { 3 } else { 6 };
        self.skip_blanks();
        if self.starts_with(b"((") {
            self.i += 2;
            let mut sink = Word::default();
            return self.arithmetic(&mut sink);
        }
        self.word()?;
        loop {
            self.skip_blanks();
            match self.peek() {
                None | Some(b'\n' | b';') => return Ok(()),
                Some(c) if is_meta(c) => return err("unexpected operator in `for`"),
                Some(b'#') => self.skip_comment(),
                _ => {
                    // The list words may hold substitutions, which run.
                    self.word()?;
                }
            }
        }
    }

    /// `[[ … ]]`: its operators are words here, not command separators.
    fn parse_test(&mut self) -> Result<(), ShellError> {
        self.i += 2;
        let mut raw = RawCommand::default();
        raw.words.push(Word {
            text: Cow::Borrowed("[["),
            ..Word::default()
        });
        loop {
            self.skip_blanks();
            if self.at_reserved(b"]]") {
                self.i += 2;
                raw.words.push(Word {
                    text: Cow::Borrowed("]]"),
                    ..Word::default()
                });
                break;
            }
            match self.peek() {
                None => return err("unterminated `[[`"),
                Some(b'\n') => self.newline()?,
                Some(c) if is_meta(c) => {
                    let start = self.i;
                    while self
                        .peek()
                        .is_some_and(|c| is_meta(c) && !matches!(c, b' ' | b'\t' | b'\n'))
                    {
                        self.i += 1;
                    }
                    raw.words.push(Word {
                        text: Cow::Owned(
                            String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                        ),
                        ..Word::default()
                    });
                }
                Some(b'#') => self.skip_comment(),
                _ => {
                    let Some(w) = self.word()? else {
                        return err("unexpected character in `[[`");
                    };
                    raw.words.push(w);
                }
            }
        }
        self.emit(&raw)?;
        self.trailing_redirects()
    }

    /// Redirections after a compound command apply to all of it; file
    /// writes become a command of their own so they are still judged.
    fn trailing_redirects(&mut self) -> Result<(), ShellError> {
        let mut raw = RawCommand::default();
        loop {
            self.skip_blanks();
            if !self.at_redirect() {
                break;
            }
            let r = self.redirect()?;
            raw.redirects.push(r);
        }
        if raw
            .redirects
            .iter()
            .any(|r| matches!(r.kind, RedirKind::Write | RedirKind::Append))
        {
            self.emit(&raw)?;
        }
        Ok(())
    }

    fn parse_simple(&mut self) -> Result<(), ShellError> {
        let mut raw = RawCommand::default();
        loop {
            self.skip_blanks();
            if self.at_redirect() {
                let r = self.redirect()?;
                raw.redirects.push(r);
                continue;
            }
            match self.peek() {
                None | Some(b'\n' | b';' | b'&' | b'|' | b')') => break,
                Some(b'(') => {
                    if raw.words.is_empty()
                        && raw
                            .assignments
                            .last()
                            .is_some_and(|a| a.text.ends_with('='))
                    {
                        // `arr=(a b c)`: the elements may hold substitutions.
                        self.i += 1;
                        self.array_elements()?;
                        continue;
                    }
                    if raw.words.len() == 1 && raw.assignments.is_empty() {
                        // `name() body`: a function definition. Its body is
                        // analysed like any other commands.
                        self.i += 1;
                        self.skip_blanks();
                        if self.peek() != Some(b')') {
                            return err("unexpected `(`");
                        }
                        self.i += 1;
                        self.skip_linebreaks()?;
                        return self.parse_command();
                    }
                    return err("unexpected `(`");
                }
                _ => {}
            }
            if self.peek() == Some(b'#') {
                self.skip_comment();
                continue;
            }
            let Some(word) = self.word()? else {
                return err("unexpected character");
            };
            if raw.words.is_empty() && is_assignment(&word.text) {
                raw.assignments.push(word);
            } else {
                raw.words.push(word);
            }
        }
        if !(raw.words.is_empty() && raw.assignments.is_empty() && raw.redirects.is_empty()) {
            self.emit(&raw)?;
        }
        Ok(())
    }

    fn array_elements(&mut self) -> Result<(), ShellError> {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return err("unterminated array"),
                Some(b')') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\n') => self.newline()?,
                Some(c) if is_meta(c) => return err("unexpected operator in array"),
                Some(b'#') => self.skip_comment(),
                _ => {
                    self.word()?;
                }
            }
        }
    }

    fn at_redirect(&self) -> bool {
        let rest = &self.s[self.i.min(self.s.len())..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        match (rest.get(digits), rest.get(digits + 1)) {
            (Some(b'<' | b'>'), Some(b'(')) => false,
            (Some(b'<' | b'>'), _) => true,
            (Some(b'&'), Some(b'>')) => digits == 0,
            _ => false,
        }
    }

    fn redirect(&mut self) -> Result<Redirect<'s>, ShellError> {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let ops: [(&[u8], RedirKind); 12] = [
            (b"<<<", RedirKind::Input),
            (b"<<-", RedirKind::Input),
            (b"<<", RedirKind::Input),
            (b"<>", RedirKind::Write),
            (b"<&", RedirKind::Dup),
            (b"<", RedirKind::Read),
            (b"&>>", RedirKind::Append),
            (b"&>", RedirKind::Write),
            (b">>", RedirKind::Append),
            (b">|", RedirKind::Write),
            (b">&", RedirKind::Dup),
            (b">", RedirKind::Write),
        ];
        let Some(&(op, mut kind)) = ops.iter().find(|(op, _)| self.starts_with(op)) else {
            return err("bad redirection");
        };
        self.i += op.len();
        self.skip_blanks();
        let Some(target) = self.word()? else {
            return err("redirection without a target");
        };
        if op == b"<<" || op == b"<<-" {
            self.pending.push(Heredoc {
                delimiter: target.text.as_bytes().to_vec(),
                strip_tabs: op == b"<<-",
                expands: !target.quoted,
            });
        }
        if kind == RedirKind::Dup
            && !(target.text == "-" || target.text.bytes().all(|c| c.is_ascii_digit()))
        {
            // `>&file` sends both stdout and stderr to a file.
            kind = RedirKind::Write;
        }
        Ok(Redirect { kind, target })
    }

    /// Reads one word, or `None` at an operator or the end.
    fn word(&mut self) -> Result<Option<Word<'s>>, ShellError> {
        let start = self.i;
        let mut w = Word::default();
        // Bytes after quote removal; only filled once the word stops being
        // a plain slice of the input, which most words never do.
        let mut bytes = Vec::new();
        let mut plain = true;
        // Brace expansion needs `{`, then `,` or `..`, then `}`, unquoted.
        let mut brace_open = false;
        let mut brace_sep = false;
        while let Some(c) = self.peek() {
            let special = match c {
                b'<' | b'>' if self.i == start && self.peek_at(1) == Some(b'(') => true,
                c if is_meta(c) => break,
                b'#' if self.i == start => break,
                b'\\' | b'\'' | b'"' | b'$' | b'`' => true,
                _ => false,
            };
            if special && plain {
                plain = false;
                bytes.extend_from_slice(&self.s[start..self.i]);
            }
            match c {
                b'<' | b'>' => {
                    // Process substitution: its commands run.
                    self.i += 2;
                    self.nested(|p| p.parse_list(End::Paren))?;
                    bytes.extend_from_slice(&self.s[start..self.i]);
                    w.dynamic = true;
                }
                b'\\' => match self.peek_at(1) {
                    Some(b'\n') => self.i += 2,
                    Some(n) => {
                        bytes.push(n);
                        w.quoted = true;
                        self.i += 2;
                    }
                    None => {
                        bytes.push(b'\\');
                        self.i += 1;
                    }
                },
                b'\'' => {
                    let Some(len) = self.s[self.i + 1..].iter().position(|&c| c == b'\'') else {
                        return err("unterminated single quote");
                    };
                    bytes.extend_from_slice(&self.s[self.i + 1..self.i + 1 + len]);
                    self.i += len + 2;
                    w.quoted = true;
                }
                b'"' => {
                    self.i += 1;
                    w.quoted = true;
                    let mut inner = Word::default();
                    self.double_quoted(&mut inner, Some(b'"'))?;
                    bytes.extend_from_slice(inner.text.as_bytes());
                    w.dynamic |= inner.dynamic;
                }
                b'$' => self.dollar(&mut w, &mut bytes, false)?,
                b'`' => {
                    let from = self.i;
                    self.backtick()?;
                    bytes.extend_from_slice(&self.s[from..self.i]);
                    w.dynamic = true;
                }
                _ => {
                    match c {
                        b'*' | b'?' | b'[' => w.glob = true,
                        b'{' => brace_open = true,
                        b',' if brace_open => brace_sep = true,
                        b'.' if brace_open && self.peek_at(1) == Some(b'.') => brace_sep = true,
                        b'}' if brace_open && brace_sep => w.brace = true,
                        _ => {}
                    }
                    if !plain {
                        bytes.push(c);
                    }
                    self.i += 1;
                }
            }
        }
        if self.i == start {
            return Ok(None);
        }
        w.text = if plain {
            // Words end at ASCII operators or the end, so both ends are
            // character boundaries.
            let src: &'s str = self.src;
            match src.get(start..self.i) {
                Some(text) => Cow::Borrowed(text),
                None => Cow::Owned(String::from_utf8_lossy(&self.s[start..self.i]).into_owned()),
            }
        } else {
            Cow::Owned(into_string(bytes))
        };
        Ok(Some(w))
    }

    /// The inside of `"…"` (or of an expanding here-document when
    /// `terminator` is `None`); the cursor is past the opening quote.
    fn double_quoted(
        &mut self,
        w: &mut Word<'_>,
        terminator: Option<u8>,
    ) -> Result<(), ShellError> {
        let mut bytes = Vec::new();
        loop {
            match self.peek() {
                None if terminator.is_none() => break,
                None => return err("unterminated double quote"),
                Some(c) if Some(c) == terminator => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => match self.peek_at(1) {
                    Some(b'\n') => self.i += 2,
                    Some(n @ (b'$' | b'`' | b'"' | b'\\')) => {
                        bytes.push(n);
                        self.i += 2;
                    }
                    _ => {
                        bytes.push(b'\\');
                        self.i += 1;
                    }
                },
                Some(b'$') => self.dollar(w, &mut bytes, true)?,
                Some(b'`') => {
                    let from = self.i;
                    self.backtick()?;
                    bytes.extend_from_slice(&self.s[from..self.i]);
                    w.dynamic = true;
                }
                Some(c) => {
                    bytes.push(c);
                    self.i += 1;
                }
            }
        }
        w.text.to_mut().push_str(&into_string(bytes));
        Ok(())
    }

    /// A `$` form; the cursor is on the `$`.
    fn dollar(
        &mut self,
        w: &mut Word<'_>,
        bytes: &mut Vec<u8>,
        in_dq: bool,
    ) -> Result<(), ShellError> {
        let start = self.i;
        match self.peek_at(1) {
            Some(b'(') if self.peek_at(2) == Some(b'(') => {
                self.i += 3;
                self.arithmetic(w)?;
            }
            Some(b'(') => {
                self.i += 2;
                self.nested(|p| p.parse_list(End::Paren))?;
            }
            Some(b'{') => {
                self.i += 2;
                self.parameter()?;
            }
            Some(b'\'') if !in_dq => {
                self.i += 2;
                self.ansi_c(bytes)?;
                w.quoted = true;
                return Ok(());
            }
            Some(b'"') if !in_dq => {
                // `$"…"` is a translatable string: a double-quoted one.
                self.i += 2;
                w.quoted = true;
                let mut inner = Word::default();
                self.double_quoted(&mut inner, Some(b'"'))?;
                bytes.extend_from_slice(inner.text.as_bytes());
                w.dynamic |= inner.dynamic;
                return Ok(());
            }
            Some(c) if is_name_start(c) => {
                self.i += 1;
                while self.peek().is_some_and(is_name_char) {
                    self.i += 1;
                }
            }
            Some(b'0'..=b'9' | b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => self.i += 2,
            _ => {
                bytes.push(b'$');
                self.i += 1;
                return Ok(());
            }
        }
        bytes.extend_from_slice(&self.s[start..self.i]);
        w.dynamic = true;
        Ok(())
    }

    /// `$(( … ))` or `(( … ))` after the opening parentheses.
    fn arithmetic(&mut self, w: &mut Word<'_>) -> Result<(), ShellError> {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return err("unterminated arithmetic"),
                Some(b'(') => {
                    depth += 1;
                    self.i += 1;
                }
                Some(b')') if depth == 0 => {
                    if self.peek_at(1) != Some(b')') {
                        return err("unterminated arithmetic");
                    }
                    self.i += 2;
                    return Ok(());
                }
                Some(b')') => {
                    depth -= 1;
                    self.i += 1;
                }
                Some(b'$') => {
                    let mut scratch = Vec::new();
                    self.dollar(w, &mut scratch, true)?;
                }
                Some(b'`') => self.backtick()?,
                Some(b'\\') => self.i += 2,
                Some(_) => self.i += 1,
            }
        }
    }

    /// `${ … }` after the opening brace.
    fn parameter(&mut self) -> Result<(), ShellError> {
        loop {
            match self.peek() {
                None => return err("unterminated ${"),
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'$') => {
                    let (mut w, mut scratch) = (Word::default(), Vec::new());
                    self.dollar(&mut w, &mut scratch, true)?;
                }
                Some(b'`') => self.backtick()?,
                Some(b'"') => {
                    self.i += 1;
                    let mut sink = Word::default();
                    self.double_quoted(&mut sink, Some(b'"'))?;
                }
                Some(b'\'') => {
                    let Some(len) = self.s[self.i + 1..].iter().position(|&c| c == b'\'') else {
                        return err("unterminated single quote");
                    };
                    self.i += len + 2;
                }
                Some(b'\\') => self.i += 2,
                Some(_) => self.i += 1,
            }
        }
    }

    /// `` `…` ``: the content, with its backslash escapes removed, is parsed
    /// as a command line of its own.
    fn backtick(&mut self) -> Result<(), ShellError> {
        self.i += 1;
        let mut content = Vec::new();
        loop {
            match self.peek() {
                None => return err("unterminated backquote"),
                Some(b'`') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    match self.peek_at(1) {
                        Some(n @ (b'`' | b'\\' | b'$')) => content.push(n),
                        Some(n) => content.extend_from_slice(&[b'\\', n]),
                        None => content.push(b'\\'),
                    }
                    self.i += 2;
                }
                Some(c) => {
                    content.push(c);
                    self.i += 1;
                }
            }
        }
        // Only ASCII backslashes were removed, so the content is still text.
        let content = into_string(content);
        self.nested(|p| {
            Parser {
                src: &content,
                s: content.as_bytes(),
                i: 0,
                depth: p.depth,
                lower: &mut *p.lower,
                pending: Vec::new(),
            }
            .parse_list(End::Eof)
        })
    }

    /// `$'…'` after the opening quote: ANSI-C escapes.
    fn ansi_c(&mut self, bytes: &mut Vec<u8>) -> Result<(), ShellError> {
        loop {
            let Some(c) = self.peek() else {
                return err("unterminated $'");
            };
            self.i += 1;
            match c {
                b'\'' => return Ok(()),
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return err("unterminated $'");
                    };
                    self.i += 1;
                    match e {
                        b'n' => bytes.push(b'\n'),
                        b't' => bytes.push(b'\t'),
                        b'r' => bytes.push(b'\r'),
                        b'a' => bytes.push(7),
                        b'b' => bytes.push(8),
                        b'e' | b'E' => bytes.push(27),
                        b'f' => bytes.push(12),
                        b'v' => bytes.push(11),
                        b'x' => {
                            let n = self.radix_digits(16, 2);
                            bytes.push(u8::try_from(n).unwrap_or(b'?'));
                        }
                        b'0'..=b'7' => {
                            self.i -= 1;
                            let n = self.radix_digits(8, 3);
                            bytes.push(u8::try_from(n & 0xff).unwrap_or(b'?'));
                        }
                        b'u' | b'U' => {
                            let n = self.radix_digits(16, if e == b'u' { 4 } else { 8 });
                            let ch = char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER);
                            let mut buf = [0u8; 4];
                            bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        b'c' => {
                            if let Some(ctl) = self.peek() {
                                self.i += 1;
                                bytes.push(ctl & 0x1f);
                            }
                        }
                        other => bytes.push(other),
                    }
                }
                other => bytes.push(other),
            }
        }
    }

    fn radix_digits(&mut self, radix: u32, max: usize) -> u32 {
        let mut n = 0u32;
        for _ in 0..max {
            match self.peek().and_then(|c| char::from(c).to_digit(radix)) {
                Some(d) => {
                    n = n * radix + d;
                    self.i += 1;
                }
                None => break,
            }
        }
        n
    }
}

fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `NAME=…`, `NAME+=…` or `NAME[…]=…` with an unquoted, valid name.
fn is_assignment(text: &str) -> bool {
    let Some(eq) = text.find('=') else {
        return false;
    };
    let mut name = &text[..eq];
    name = name.strip_suffix('+').unwrap_or(name);
    if let Some(open) = name.find('[') {
        if !name.ends_with(']') {
            return false;
        }
        name = &name[..open];
    }
    let b = name.as_bytes();
    !b.is_empty() && is_name_start(b[0]) && b.iter().all(|&c| is_name_char(c))
}

fn assignment_name(text: &str) -> &str {
    let name = text.split('=').next().unwrap_or("");
    let name = name.split('[').next().unwrap_or("");
    name.strip_suffix('+').unwrap_or(name)
}

/// Variables whose value changes which program runs or what it loads.
fn changes_what_runs(name: &str) -> bool {
    matches!(
        name,
        "PATH"
            | "BASH_ENV"
            | "ENV"
            | "IFS"
            | "SHELLOPTS"
            | "BASHOPTS"
            | "PS4"
            | "PROMPT_COMMAND"
            | "CDPATH"
            | "GLOBIGNORE"
            | "PYTHONPATH"
            | "PYTHONSTARTUP"
            | "NODE_OPTIONS"
            | "PERL5OPT"
            | "RUBYOPT"
            | "GIT_SSH_COMMAND"
            | "GIT_EXEC_PATH"
            | "EDITOR"
            | "PAGER"
    ) || name.starts_with("LD_")
        || name.starts_with("DYLD_")
        || name.starts_with("BASH_FUNC_")
}

// ---------------------------------------------------------------------------
// Lowering: raw commands to canonical simple commands, unwrapping wrappers.
// ---------------------------------------------------------------------------

/// Stands for the arguments `xargs` reads from its input.
const XARGS_ARGS: &str = "…";

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "rbash",
];
const INTERPRETERS: &[&str] = &[
    "python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "deno", "bun",
];

struct Lower {
    out: Vec<SimpleCommand>,
    depth: usize,
}

#[derive(Default, Clone)]
struct Traits {
    privileged: bool,
    runtime_word: Option<String>,
    /// Wrappers unwrapped so far, to bound `nohup nohup nohup …`.
    wrappers: usize,
}

impl Lower {
    fn raw(&mut self, raw: &RawCommand) -> Result<(), ShellError> {
        let issue = raw
            .assignments
            .iter()
            .map(|a| assignment_name(&a.text))
            .find(|n| changes_what_runs(n))
            .map(|n| format!("sets {n}, which changes what the command runs"));
        if raw.words.is_empty() {
            if let Some(issue) = issue {
                let words: Vec<&str> = raw.assignments.iter().map(|a| &*a.text).collect();
                self.out.push(SimpleCommand {
                    text: words.join(" "),
                    unanalysable: Some(issue),
                    ..SimpleCommand::default()
                });
            }
        } else {
            self.command(raw.words.as_slice(), Traits::default(), issue)?;
        }
        self.redirections(&raw.redirects);
        Ok(())
    }

    fn push(&mut self, name: &str, args: &[Word], traits: &Traits, issue: Option<String>) {
        let mut cmd = self.build(name, args, traits);
        cmd.unanalysable = issue;
        self.out.push(cmd);
    }

    fn build(&self, name: &str, args: &[Word], traits: &Traits) -> SimpleCommand {
        let mut text = String::with_capacity(
            name.len() + args.iter().map(|a| a.text.len() + 1).sum::<usize>(),
        );
        let mut spans = Spans::default();
        let mut runtime_word = traits.runtime_word.clone();
        text.push_str(name);
        spans.push((0, offset(&text)));
        for a in args {
            if a.dynamic || a.brace {
                runtime_word.get_or_insert_with(|| a.text.to_string());
            }
            if !text.is_empty() {
                text.push(' ');
            }
            let start = offset(&text);
            match canonical_arg(a) {
                arg if arg.is_empty() => text.push_str("''"),
                arg => text.push_str(&arg),
            }
            spans.push((start, offset(&text)));
        }
        SimpleCommand {
            text,
            spans,
            writes: Vec::new(),
            unanalysable: None,
            runtime_word,
            privileged: traits.privileged,
            runs_unseen_code: false,
        }
    }

    /// Output redirections to files are writes of their own, judged as
    /// `> path` or `>> path`: a rule allowing `echo *` must not thereby
    /// allow `echo x > ~/.bashrc`.
    fn redirections(&mut self, redirects: &[Redirect]) {
        for r in redirects {
            let op = match r.kind {
                RedirKind::Write => ">",
                RedirKind::Append => ">>",
                _ => continue,
            };
            let target = canonical_arg(&r.target);
            if matches!(&*target, "/dev/null" | "/dev/stdout" | "/dev/stderr") {
                continue;
            }
            let runtime = r.target.dynamic || r.target.brace || r.target.glob;
            self.out.push(SimpleCommand {
                text: format!("{op} {}", if target.is_empty() { "''" } else { &target }),
                spans: Spans::default(),
                writes: vec![target.into_owned()],
                unanalysable: None,
                runtime_word: runtime.then(|| r.target.text.to_string()),
                privileged: false,
                runs_unseen_code: false,
            });
        }
    }

    /// A command line given as a string (`bash -c`, `eval`, `trap`, `watch`).
    fn script(&mut self, script: &str) -> Result<(), ShellError> {
        let depth = self.depth;
        let result = analyse(script, depth + 1, self);
        self.depth = depth;
        result
    }

    fn command(
        &mut self,
        words: &[Word],
        mut traits: Traits,
        issue: Option<String>,
    ) -> Result<(), ShellError> {
        let Some((prog, args)) = words.split_first() else {
            return Ok(());
        };
        traits.wrappers += 1;
        if traits.wrappers > MAX_DEPTH {
            self.push(
                "",
                words,
                &traits,
                Some("too many nested wrappers".to_owned()),
            );
            return Ok(());
        }
        if prog.text.contains(char::is_whitespace) {
            let mut cmd = self.build("", words, &traits);
            cmd.unanalysable = Some(format!("the program name `{}` contains blanks", prog.text));
            self.out.push(cmd);
            return Ok(());
        }
        if prog.dynamic || prog.glob || prog.brace {
            let mut cmd = self.build("", words, &traits);
            cmd.unanalysable = Some(issue.unwrap_or_else(|| {
                format!("the program `{}` is only known at run time", prog.text)
            }));
            self.out.push(cmd);
            return Ok(());
        }
        let name = if prog.text.is_empty() {
            "''"
        } else {
            program_name(&prog.text)
        };
        let opt = |with_value: &[&str]| skip_options(args, with_value);
        match name {
            "sudo" | "doas" => {
                const WITH_VALUE: &[&str] = &[
                    "-u",
                    "-g",
                    "-h",
                    "-p",
                    "-C",
                    "-D",
                    "-r",
                    "-t",
                    "-U",
                    "-T",
                    "--user",
                    "--group",
                    "--host",
                    "--prompt",
                    "--chdir",
                    "--role",
                    "--type",
                    "--other-user",
                ];
                let rest = opt(WITH_VALUE);
                let inner_at = args.len() - rest.len();
                // The privileged command as a whole, with the wrapped program
                // by name too, so `sudo rm *` also governs `sudo /bin/rm`.
                let mut view = args.to_vec();
                if let Some(w) = view.get_mut(inner_at).filter(|w| !w.dynamic) {
                    w.text = Cow::Owned(program_name(&w.text).to_owned());
                }
                self.push(name, &view, &traits, issue.clone());
                traits.privileged = true;
                if rest.is_empty() {
                    let shell = args
                        .iter()
                        .any(|a| matches!(a.text.as_ref(), "-s" | "-i" | "--shell" | "--login"));
                    if let Some(last) = self.out.last_mut().filter(|_| shell) {
                        last.unanalysable
                            .get_or_insert_with(|| "opens an interactive root shell".to_owned());
                    }
                    return Ok(());
                }
                self.command(rest, traits, issue)
            }
            "env" => {
                if args
                    .iter()
                    .any(|a| a.text == "-S" || a.text.starts_with("--split-string"))
                {
                    self.push(
                        name,
                        args,
                        &traits,
                        Some("`env -S` splits a string into a command".to_owned()),
                    );
                    return Ok(());
                }
                let rest = opt(&["-u", "--unset", "-C", "--chdir"]);
                let assigned = rest.iter().take_while(|w| is_assignment(&w.text)).count();
                let issue = issue.or_else(|| {
                    rest[..assigned]
                        .iter()
                        .map(|w| assignment_name(&w.text))
                        .find(|n| changes_what_runs(n))
                        .map(|n| format!("sets {n}, which changes what the command runs"))
                });
                if assigned == rest.len() {
                    self.push(name, args, &traits, issue);
                    return Ok(());
                }
                self.command(&rest[assigned..], traits, issue)
            }
            "nohup" | "builtin" | "setsid" | "busybox" | "stdbuf" | "time" | "nice" | "ionice"
            | "exec" | "timeout" | "command" => {
                if name == "command" && args.iter().any(|a| matches!(a.text.as_ref(), "-v" | "-V"))
                {
                    // Only looks the name up.
                    self.push(name, args, &traits, issue);
                    return Ok(());
                }
                let with_value: &[&str] = match name {
                    "time" => &["-f", "-o", "--format", "--output"],
                    "nice" => &["-n", "--adjustment"],
                    "ionice" => &["-c", "-n", "-p", "--class", "--classdata"],
                    "exec" => &["-a"],
                    "stdbuf" => &["-i", "-o", "-e", "--input", "--output", "--error"],
                    "timeout" => &["-s", "-k", "--signal", "--kill-after"],
                    _ => &[],
                };
                let mut rest = opt(with_value);
                if name == "timeout" && !rest.is_empty() {
                    rest = &rest[1..];
                }
                if rest.is_empty() {
                    self.push(name, args, &traits, issue);
                    return Ok(());
                }
                self.command(rest, traits, issue)
            }
            "xargs" => {
                let rest = opt(&[
                    "-I",
                    "-L",
                    "-l",
                    "-n",
                    "-P",
                    "-s",
                    "-d",
                    "-E",
                    "-a",
                    "--max-args",
                    "--max-procs",
                    "--delimiter",
                    "--arg-file",
                    "--max-lines",
                    "--max-chars",
                    "--eof",
                ]);
                traits
                    .runtime_word
                    .get_or_insert_with(|| XARGS_ARGS.to_owned());
                // The arguments xargs appends are judged as one more word,
                // so `rm *` governs `xargs rm` and an exact `rm` does not.
                let mut inner = if rest.is_empty() {
                    vec![Word {
                        text: Cow::Borrowed("echo"),
                        ..Word::default()
                    }]
                } else {
                    rest.to_vec()
                };
                inner.push(Word {
                    text: Cow::Borrowed(XARGS_ARGS),
                    ..Word::default()
                });
                self.command(&inner, traits, issue)
            }
            "watch" => {
                let rest = opt(&["-n", "--interval", "-d", "-q", "--equexit"]);
                if rest.is_empty() {
                    self.push(name, args, &traits, issue);
                    return Ok(());
                }
                self.string_command(name, args, rest, &traits, issue)
            }
            "eval" => {
                let reason = "`eval` runs text as a command; a person should look at it".to_owned();
                self.push(name, args, &traits, Some(issue.unwrap_or(reason)));
                if args.iter().all(|a| !a.dynamic) {
                    let text: Vec<&str> = args.iter().map(|a| &*a.text).collect();
                    self.script(&text.join(" "))?;
                }
                Ok(())
            }
            "trap" => {
                self.push(name, args, &traits, issue);
                match args {
                    [handler, _, ..] if !handler.text.starts_with('-') => {
                        if handler.dynamic {
                            if let Some(last) = self.out.last_mut() {
                                last.unanalysable =
                                    Some("the trap handler is only known at run time".to_owned());
                            }
                            return Ok(());
                        }
                        self.script(&handler.text)
                    }
                    _ => Ok(()),
                }
            }
            "source" | "." => {
                let reason = format!("`{name}` runs commands from a file");
                self.push(name, args, &traits, Some(issue.unwrap_or(reason)));
                Ok(())
            }
            "hash" if args.iter().any(|a| a.text.starts_with("-p")) => {
                self.push(
                    name,
                    args,
                    &traits,
                    Some("`hash -p` rebinds a command name".to_owned()),
                );
                Ok(())
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                let issue = issue.or_else(|| {
                    args.iter()
                        .filter(|a| is_assignment(&a.text))
                        .map(|a| assignment_name(&a.text))
                        .find(|n| changes_what_runs(n))
                        .map(|n| format!("sets {n}, which changes what later commands run"))
                });
                self.push(name, args, &traits, issue);
                Ok(())
            }
            "find" => {
                self.push(name, args, &traits, issue);
                let mut i = 0;
                while i < args.len() {
                    if matches!(
                        args[i].text.as_ref(),
                        "-exec" | "-execdir" | "-ok" | "-okdir"
                    ) {
                        let start = i + 1;
                        let mut end = start;
                        while end < args.len() && !matches!(args[end].text.as_ref(), ";" | "+") {
                            end += 1;
                        }
                        let inner = &args[start..end];
                        let mut t = traits.clone();
                        if inner.iter().any(|a| a.text.contains("{}")) {
                            t.runtime_word.get_or_insert_with(|| "{}".to_owned());
                        }
                        self.command(inner, t, None)?;
                        i = end;
                    }
                    i += 1;
                }
                Ok(())
            }
            n if SHELLS.contains(&n) => self.shell(name, args, traits, issue),
            n if INTERPRETERS.contains(&n) || n.starts_with("python3.") => {
                let has_program = args.iter().enumerate().any(|(i, a)| {
                    !a.text.starts_with('-')
                        || (matches!(
                            a.text.as_ref(),
                            "-c" | "-e" | "-m" | "-E" | "-r" | "--eval" | "-p" | "--print"
                        ) && i + 1 < args.len())
                });
                let mut cmd = self.build(name, args, &traits);
                cmd.unanalysable = issue;
                if !has_program
                    || args.first().is_some_and(|a| a.dynamic)
                    || args.iter().any(|a| a.text == "-")
                {
                    cmd.runs_unseen_code = true;
                    cmd.unanalysable.get_or_insert_with(|| {
                        format!("`{name}` reads its program from its input")
                    });
                }
                self.out.push(cmd);
                Ok(())
            }
            "fish" => {
                self.push(
                    name,
                    args,
                    &traits,
                    Some("fish scripts are not analysed".to_owned()),
                );
                Ok(())
            }
            _ => {
                self.push(name, args, &traits, issue);
                Ok(())
            }
        }
    }

    /// `bash -c 'script'`, `bash script.sh`, or a shell reading its input.
    fn shell(
        &mut self,
        name: &str,
        args: &[Word],
        traits: Traits,
        issue: Option<String>,
    ) -> Result<(), ShellError> {
        let mut command_mode = false;
        let mut reads_input = false;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].text.as_ref();
            if a == "--" {
                i += 1;
                break;
            }
            if a == "-o"
                || a == "+o"
                || a == "--rcfile"
                || a == "--init-file"
                || a == "-O"
                || a == "+O"
            {
                i += 2;
                continue;
            }
            if let Some(flags) = a.strip_prefix('-').or_else(|| a.strip_prefix('+')) {
                if flags.is_empty() {
                    break;
                }
                if !a.starts_with("--") {
                    command_mode |= flags.contains('c');
                    reads_input |= flags.contains('s');
                }
                i += 1;
                continue;
            }
            break;
        }
        let operand = args.get(i);
        match operand {
            Some(script) if command_mode => {
                if script.dynamic {
                    let mut cmd = self.build(name, args, &traits);
                    cmd.unanalysable = Some(issue.unwrap_or_else(|| {
                        format!("`{name} -c` runs a command string only known at run time")
                    }));
                    cmd.runs_unseen_code = true;
                    self.out.push(cmd);
                    return Ok(());
                }
                let first = self.out.len();
                self.script(&script.text)?;
                for cmd in &mut self.out[first..] {
                    cmd.privileged |= traits.privileged;
                    if cmd.unanalysable.is_none() {
                        cmd.unanalysable.clone_from(&issue);
                    }
                }
                Ok(())
            }
            Some(script) if !reads_input => {
                let mut cmd = self.build(name, args, &traits);
                cmd.unanalysable = issue;
                cmd.runs_unseen_code = script.dynamic;
                self.out.push(cmd);
                Ok(())
            }
            _ => {
                let mut cmd = self.build(name, args, &traits);
                cmd.unanalysable = Some(issue.unwrap_or_else(|| {
                    format!("`{name}` reads commands from its input, which cannot be analysed")
                }));
                cmd.runs_unseen_code = true;
                self.out.push(cmd);
                Ok(())
            }
        }
    }

    /// A wrapper that runs its remaining words through `sh -c` (`watch`).
    fn string_command(
        &mut self,
        name: &str,
        args: &[Word],
        rest: &[Word],
        traits: &Traits,
        issue: Option<String>,
    ) -> Result<(), ShellError> {
        if rest.iter().any(|w| w.dynamic) {
            self.push(
                name,
                args,
                traits,
                Some(format!("`{name}` runs a command only known at run time")),
            );
            return Ok(());
        }
        let text: Vec<&str> = rest.iter().map(|w| &*w.text).collect();
        let first = self.out.len();
        self.script(&text.join(" "))?;
        for cmd in &mut self.out[first..] {
            cmd.privileged |= traits.privileged;
            if cmd.unanalysable.is_none() {
                cmd.unanalysable.clone_from(&issue);
            }
        }
        Ok(())
    }
}

/// The words after a wrapper's options. `with_value` lists options that
/// take the next word as their value (`-u root`).
fn skip_options<'w, 's>(args: &'w [Word<'s>], with_value: &[&str]) -> &'w [Word<'s>] {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text.as_ref();
        if t == "--" {
            return &args[i + 1..];
        }
        if !t.starts_with('-') || t == "-" {
            break;
        }
        i += if with_value.contains(&t) { 2 } else { 1 };
    }
    args.get(i..).unwrap_or(&[])
}

/// A program's name for matching: its basename.
fn program_name(text: &str) -> &str {
    match text.rsplit('/').next() {
        Some(base) if !base.is_empty() => base,
        _ => text,
    }
}

fn canonical_arg<'a>(w: &'a Word<'_>) -> Cow<'a, str> {
    if !w.dynamic && looks_like_path(&w.text) && !is_clean(&w.text) {
        Cow::Owned(clean_argument(&w.text))
    } else {
        Cow::Borrowed(&*w.text)
    }
}

/// A position in a command's text; texts longer than 4 GiB cannot arrive
/// through any API in front of the engine, so saturating is only a guard.
fn offset(text: &str) -> u32 {
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

fn looks_like_path(t: &str) -> bool {
    if !t.contains('/') {
        return t == "." || t == "..";
    }
    if t.contains("://") {
        return false;
    }
    t.starts_with('/')
        || t.starts_with("./")
        || t.starts_with("../")
        || t.starts_with("~/")
        || t == "."
        || t == ".."
        || t.contains("//")
        || t.contains("/./")
        || t.contains("/../")
        || t.ends_with("/.")
        || t.ends_with("/..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        parse(input)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"))
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn splits_on_every_operator_but_respects_quotes() {
        let table: &[(&str, &[&str])] = &[
            ("ls -la", &["ls -la"]),
            ("a; b", &["a", "b"]),
            ("a && b || c", &["a", "b", "c"]),
            ("a | b |& c", &["a", "b", "c"]),
            ("a & b", &["a", "b"]),
            ("a\nb\r", &["a", "b\r"]),
            ("(a; b) && { c; }", &["a", "b", "c"]),
            ("echo \"a && b\"", &["echo a && b"]),
            ("echo 'a; rm -rf /'", &["echo a; rm -rf /"]),
            ("echo a\\;b", &["echo a;b"]),
            ("echo $(rm -rf /)", &["rm -rf /", "echo $(rm -rf /)"]),
            ("echo `rm -rf /`", &["rm -rf /", "echo `rm -rf /`"]),
            ("echo \"$(whoami)\"", &["whoami", "echo $(whoami)"]),
            (
                "diff <(ls a) >(tee b)",
                &["ls a", "tee b", "diff <(ls a) >(tee b)"],
            ),
            ("echo ${X:-$(id)}", &["id", "echo ${X:-$(id)}"]),
            (
                "echo $((1 + $(id -u)))",
                &["id -u", "echo $((1 + $(id -u)))"],
            ),
            (
                "if true; then rm x; else rm y; fi",
                &["true", "rm x", "rm y"],
            ),
            ("for f in $(ls); do rm $f; done", &["ls", "rm $f"]),
            (
                "while read l; do echo $l; done < f | sort",
                &["read l", "echo $l", "sort"],
            ),
            ("f() { rm -rf /; }; f", &["rm -rf /", "f"]),
            ("function g { id; }", &["id"]),
            ("[[ -f x && -d y ]] && ls", &["[[ -f x && -d y ]]", "ls"]),
            ("# just a comment", &[]),
            ("ls # rm -rf /", &["ls"]),
            ("echo a#b", &["echo a#b"]),
            ("x=1", &[]),
            ("arr=(a $(id) c)", &["id"]),
        ];
        for (input, expected) in table {
            assert_eq!(texts(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn canonical_form_normalizes_names_quotes_and_paths() {
        let table: &[(&str, &[&str])] = &[
            ("/bin/rm -rf /", &["rm -rf /"]),
            ("/usr/bin/../bin/rm x", &["rm x"]),
            ("./rm x", &["rm x"]),
            ("\\rm x", &["rm x"]),
            ("r\"m\" '-rf' x", &["rm -rf x"]),
            ("$'\\x72m' x", &["rm x"]),
            ("ls   -la\t  /tmp", &["ls -la /tmp"]),
            ("cat /tmp/../etc/passwd", &["cat /etc/passwd"]),
            ("cat //etc//passwd/.", &["cat /etc/passwd"]),
            ("cat ./src/../../secret", &["cat ../secret"]),
            (
                "curl https://x.test/a/../b",
                &["curl https://x.test/a/../b"],
            ),
            ("echo '' x", &["echo '' x"]),
            ("'' x", &["'' x"]),
            ("\"\"", &["''"]),
            ("echo hi > out.txt 2>&1", &["echo hi", "> out.txt"]),
            ("echo hi >> /etc/hosts", &["echo hi", ">> /etc/hosts"]),
            ("{ ls; } > ./a/../list", &["ls", "> list"]),
            ("cat <<EOF > /tmp/x\nhi\nEOF", &["cat", "> /tmp/x"]),
            ("ls 2>/dev/null", &["ls"]),
            ("cat < in.txt", &["cat"]),
            ("> /etc/passwd", &["> /etc/passwd"]),
            ("FOO=1 npm test", &["npm test"]),
        ];
        for (input, expected) in table {
            assert_eq!(texts(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn unwraps_wrappers_recursively() {
        let table: &[(&str, &[&str])] = &[
            ("sudo rm -rf /", &["sudo rm -rf /", "rm -rf /"]),
            ("sudo -u root -- rm x", &["sudo -u root -- rm x", "rm x"]),
            ("env A=1 B=2 rm x", &["rm x"]),
            ("env -i rm x", &["rm x"]),
            ("/usr/bin/env rm x", &["rm x"]),
            ("nohup rm x &", &["rm x"]),
            ("timeout 10 rm x", &["rm x"]),
            ("timeout -s KILL 5s rm x", &["rm x"]),
            ("nice -n 5 rm x", &["rm x"]),
            ("time -p rm x", &["rm x"]),
            ("command rm x", &["rm x"]),
            ("exec rm x", &["rm x"]),
            ("xargs rm", &["rm …"]),
            ("xargs -n 1 -I{} rm {}", &["rm {} …"]),
            ("bash -c 'rm -rf /; ls'", &["rm -rf /", "ls"]),
            ("sh -ec \"rm x\"", &["rm x"]),
            (
                "sudo bash -c 'nohup env X=1 rm x'",
                &["sudo bash -c nohup env X=1 rm x", "rm x"],
            ),
            ("bash -c \"bash -c 'rm x'\"", &["rm x"]),
            (
                "find . -name '*.tmp' -exec rm {} \\;",
                &["find . -name *.tmp -exec rm {} ;", "rm {}"],
            ),
            ("eval 'rm x'", &["eval rm x", "rm x"]),
            ("trap 'rm x' EXIT", &["trap rm x EXIT", "rm x"]),
            ("watch -n 1 rm x", &["rm x"]),
            ("busybox rm x", &["rm x"]),
        ];
        for (input, expected) in table {
            assert_eq!(texts(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn flags_what_cannot_be_analysed() {
        let cases = [
            "$CMD -rf /",
            "/bin/r? -rf /",
            "r{m,} -rf /",
            "eval \"$X\"",
            "source ./env.sh",
            ". ./env.sh",
            "curl x | sh",
            "bash <<EOF\nrm -rf /\nEOF",
            "bash -c \"$(curl x)\"",
            "PATH=/tmp/evil ls",
            "export LD_PRELOAD=/tmp/x.so",
            "env PATH=/x ls",
            "hash -p /tmp/evil ls",
            "env -S 'rm x'",
            "sudo -s",
            "python3",
            "fish -c 'rm x'",
        ];
        for input in cases {
            let cmds = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert!(
                cmds.iter().any(|c| c.unanalysable.is_some()),
                "{input:?} should be unanalysable: {cmds:?}"
            );
        }
        for input in [
            "ls -la",
            "git status",
            "bash build.sh",
            "python3 -c 'print(1)'",
            "cat <<EOF\nhi\nEOF",
        ] {
            let cmds = parse(input).unwrap();
            assert!(
                cmds.iter().all(|c| c.unanalysable.is_none()),
                "{input:?}: {cmds:?}"
            );
        }
    }

    #[test]
    fn marks_words_only_known_at_run_time() {
        for input in [
            "cat /home/$F",
            "git commit -m \"$(cat msg)\"",
            "xargs rm",
            "rm {a,b}",
            "echo > $OUT",
        ] {
            let cmds = parse(input).unwrap();
            assert!(
                cmds.iter().any(|c| c.runtime_word.is_some()),
                "{input:?}: {cmds:?}"
            );
        }
        let cmds = parse("cat /home/a 'x$y'").unwrap();
        assert!(cmds[0].runtime_word.is_none());
    }

    #[test]
    fn here_documents_are_read_and_their_substitutions_found() {
        assert_eq!(
            texts("cat <<EOF\n$(rm -rf /)\nEOF\nls"),
            ["cat", "rm -rf /", "ls"]
        );
        assert_eq!(texts("cat <<'EOF'\n$(rm -rf /)\nEOF\nls"), ["cat", "ls"]);
        assert_eq!(texts("cat <<-EOF\n\tbody\n\tEOF\nls"), ["cat", "ls"]);
    }

    #[test]
    fn syntax_errors_are_reported_not_guessed() {
        for input in [
            "echo 'unterminated",
            "echo \"x",
            "(ls",
            "ls )",
            "echo $(ls",
            "case x in a) ls;; esac",
            "echo `x",
        ] {
            assert!(parse(input).is_err(), "{input:?}: {:?}", parse(input));
        }
    }

    #[test]
    fn comments_inside_compound_words_end_the_line_not_the_parser() {
        // Found by fuzzing: these once looped forever.
        for input in [
            "[[ &<#[&<& &",
            "[[(-f x #f\u{6}(f\n:",
            "for x in a #b\ndo ls; done",
            "a=(1 #c\n2)",
        ] {
            let _ = parse(input);
        }
        assert_eq!(texts("for x in a # b\ndo ls; done"), ["ls"]);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "( ".repeat(10_000) + &")".repeat(10_000);
        assert!(parse(&deep).is_err());
        let subst = "$(".repeat(5_000);
        assert!(parse(&subst).is_err());
        assert!(parse(&("eval ".repeat(100) + "ls")).is_err());
        let wrappers = parse(&("nohup ".repeat(100_000) + "ls")).unwrap();
        assert!(wrappers.iter().any(|c| c.unanalysable.is_some()));
    }
}
