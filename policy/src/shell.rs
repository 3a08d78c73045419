//! Shell command analysis: a command line becomes the list of simple
//! commands it would run, and of the files its redirections open, each with
//! the words rule patterns are matched against.
//!
//! This is a hand-written parser for the bash language agents send. The
//! maintained bash parsers on crates.io are either not pure Rust
//! (tree-sitter) or pull in caching, tracing and snapshot-testing
//! dependencies and allocate far beyond a sub-microsecond budget; what the
//! engine needs is narrower than a full AST anyway: *which programs run, with
//! which words, and which files are opened*, and an honest "cannot tell" for
//! everything else.
//!
//! # What is found
//!
//! Simple commands separated by `;`, `&`, `&&`, `||`, `|`, `|&` and newlines;
//! inside subshells `( … )`, brace groups `{ …; }`, `if`/`while`/`until`/
//! `for`/`select` bodies, `case` arms, function bodies, `coproc` (named or
//! not), `time { … }`, command substitutions `$( … )` and `` `…` `` (also
//! inside double quotes, `${…}` and `$(( … ))`), process substitutions
//! `<( … )`/`>( … )`, and here-documents with unquoted delimiters. Wrappers
//! are unwrapped with their option grammar: `sudo`/`doas` (`-u`, `-R`, `-D`,
//! `VAR=value`, …), `env` (`-`, `-i`, `-u`, `-C`, `-S`), `nohup`, `timeout`,
//! `nice`, `ionice`, `time`, `command`, `builtin`, `exec`, `stdbuf`,
//! `setsid`, `busybox`, `xargs` (judged as `CMD args …`, the `…` standing
//! for the arguments it reads), `watch`, `bash -c`/`sh -c` and the other
//! sh-family shells (option clusters such as `-euxo pipefail` included),
//! `eval` and `alias` with literal text, `trap` handlers and `find -exec`.
//!
//! # The words of a command
//!
//! Quotes and backslash escapes are removed (`r"m" '-rf'` is `rm -rf`). A
//! [`SimpleCommand`]'s text is its assignments, its program **as written**
//! and its arguments, single spaces between words (an empty word is shown
//! as `''`). Arguments starting with `/`, `./` or `../` are normalized
//! lexically and joined to the working directory (`/tmp/../etc/passwd` is
//! `/etc/passwd`); after a `cd`, relative ones are only known at run time.
//! A word holding an expansion, `~`, a pathname glob or brace expansion is
//! *opaque*: its value is only known at run time. Deny and ask rules also
//! see the command without its assignments and with the program's base name
//! (see `View`).
//!
//! A wrapper that grants privileges or runs other commands as a side effect
//! (`sudo`, `doas`, `find -exec`, `eval`, `trap`, `alias`) is reported as a
//! command of its own *and* its inner command is reported too, so a rule
//! about either applies. Transparent wrappers (`nohup`, `timeout`, `env`,
//! `bash -c`, …) report only the inner command.
//!
//! Redirections to and from files are entries of their own
//! ([`SimpleCommand::redirect`]), `> path`, `>> path` or `< path`, judged as
//! file tool calls; here-documents, descriptor duplication (`2>&1`) and
//! `/dev/null` are not.
//!
//! # What cannot be analysed
//!
//! Each such command carries an `unanalysable` reason and is judged as
//! opaque code: a program name only known at run time (`$CMD`, `/bin/r?`,
//! `r{m,}`), `eval` of a non-literal, `source`, a shell or interpreter
//! reading its program from input or given code inline (`python -c`,
//! `perl -e`, `awk` programs that run commands, `sed e`), programs that run
//! a command they are handed but are not unwrapped (`su`, `chroot`,
//! `flock`, `strace`, …), options that make ordinary tools run commands
//! (`git -c`, `tar --checkpoint-action`, `rsync -e`, …), assignments to
//! variables that change what runs (`PATH`, `LD_PRELOAD`, …), `$'…'` and
//! `$"…"` (which bash and POSIX sh read differently), arithmetic on
//! variables, and anything that does not parse.

use std::borrow::Cow;
use std::fmt;

use crate::path::{clean_argument, is_clean};
use crate::pattern::SubjectWord;

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

/// One program the command line would run, or one file a redirection
/// reads or writes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// The command as written, after quote removal: assignments in front,
    /// the program as written, the arguments (paths normalized). For a
    /// redirection, `> path`, `>> path` or `< path`.
    pub text: String,
    /// Byte ranges in `text` of each word (assignments, program,
    /// arguments), with whether the word is opaque. An empty word is shown
    /// as `''` and has an empty range. Kept as ranges so that
    /// building a command allocates once for the text.
    spans: Spans,
    /// How many words in front of the program are assignments.
    assignments: u32,
    /// Where the program's base name starts in `text`.
    base_start: u32,
    /// How many words right after the program a deny or ask rule may look
    /// past to reach a subcommand, as bits (bit `k - 1` for `k` words):
    /// options in front of the subcommand, each alone or with its value
    /// (`git -C /repo push`, `kubectl -n prod delete`). See
    /// [`leading_options`].
    past_options: u8,
    /// Files written through output redirections.
    pub writes: Vec<String>,
    /// The file this entry reads or writes, when it is a redirection.
    pub redirect: Option<FileAccess>,
    /// Why this command cannot be analysed. It is then judged as opaque
    /// code: the strictest decision any rule or the mode could give.
    pub unanalysable: Option<String>,
    /// The first word whose value is only known at run time (`$F`, `$(…)`,
    /// `~`, a glob, `{}` of `find -exec`, what `xargs` appends). Only a
    /// pattern word that is just `*` can allow such a word.
    pub runtime_word: Option<String>,
    /// Run through `sudo` or `doas`.
    pub privileged: bool,
    /// A shell or interpreter that runs code it reads from its input or
    /// from a substitution: with a download in the same command line, that is
    /// running code from the network.
    pub runs_unseen_code: bool,
}

/// A file a redirection opens, judged as a call of a file tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAccess {
    /// Written (`>`, `>>`, `&>`, `<>`), judged as `write_file`; otherwise
    /// read (`<`), judged as `read_file`.
    pub write: bool,
    /// The target: normalized and absolute, or as written when opaque.
    pub path: String,
    /// The target is only known at run time (`~`, `$VAR`, a glob, a
    /// relative path after `cd`): only rules matching every path allow it.
    pub opaque: bool,
}

/// The words of a command a rule's pattern is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// Assignments, the program as written, the arguments: what allow rules
    /// must match.
    AsWritten,
    /// Without the assignments in front.
    WithoutAssignments,
    /// Without the assignments, the program by its base name (`/bin/rm` is
    /// `rm`). Deny and ask rules match any of the views.
    BaseName,
    /// [`View::BaseName`] without the given number of words right after
    /// the program: options (and their values) in front of a subcommand.
    /// `git -C /repo push` is `git push` to a deny rule, `kubectl -n prod
    /// delete pod` is `kubectl delete pod`.
    PastOptions(u8),
}

impl SimpleCommand {
    /// The program's base name; empty for a redirection or a program name
    /// only known at run time.
    pub fn program(&self) -> &str {
        match self.spans.get(self.assignments as usize) {
            Some((_, end, _)) => self.slice(self.base_start, end),
            None => "",
        }
    }

    /// The program as written (`./git`, `/usr/bin/env`).
    pub fn program_as_written(&self) -> &str {
        self.spans
            .get(self.assignments as usize)
            .map_or("", |(a, b, _)| self.slice(a, b))
    }

    /// The arguments (quotes removed, paths normalized, an empty one as
    /// `''`).
    pub fn args(&self) -> impl Iterator<Item = &str> + Clone {
        self.spans
            .iter()
            .skip(self.assignments as usize + 1)
            .map(|(a, b, _)| self.slice(a, b))
    }

    /// The assignments in front of the program.
    pub fn assignments(&self) -> impl Iterator<Item = &str> + Clone {
        self.spans
            .iter()
            .take(self.assignments as usize)
            .map(|(a, b, _)| self.slice(a, b))
    }

    fn slice(&self, a: u32, b: u32) -> &str {
        self.text.get(a as usize..b as usize).unwrap_or("")
    }

    /// The distinct views of this command (see [`View`]).
    pub(crate) fn views(&self) -> impl Iterator<Item = View> {
        let program_start = self
            .spans
            .get(self.assignments as usize)
            .map_or(0, |(a, _, _)| a);
        [
            Some(View::AsWritten),
            (self.assignments > 0).then_some(View::WithoutAssignments),
            (self.base_start != program_start).then_some(View::BaseName),
        ]
        .into_iter()
        .flatten()
        .chain(
            (1..=8_u8)
                .filter(|k| self.past_options & (1 << (k - 1)) != 0)
                .map(View::PastOptions),
        )
    }

    /// The view's words joined by single spaces: a slice of `text`, but for
    /// [`View::PastOptions`], which leaves words out of its middle.
    pub(crate) fn view_text(&self, view: View) -> Cow<'_, str> {
        let from = match view {
            View::AsWritten => 0,
            View::WithoutAssignments => self
                .spans
                .get(self.assignments as usize)
                .map_or(0, |(a, _, _)| a),
            View::BaseName => self.base_start,
            View::PastOptions(k) => {
                let start_of = |i: u32| self.spans.get(i as usize).map_or(0, |(a, _, _)| a);
                let first = self.assignments + 1;
                return Cow::Owned(format!(
                    "{}{}",
                    self.slice(self.base_start, start_of(first)),
                    self.text
                        .get(start_of(first + u32::from(k)) as usize..)
                        .unwrap_or("")
                ));
            }
        };
        Cow::Borrowed(self.text.get(from as usize..).unwrap_or(""))
    }

    /// The view's words.
    pub(crate) fn view_words(&self, view: View) -> ViewWords<'_> {
        ViewWords { cmd: self, view }
    }
}

/// The words of one view of a command.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ViewWords<'c> {
    cmd: &'c SimpleCommand,
    view: View,
}

impl ViewWords<'_> {
    /// The first span index the view leaves out, and how many it does.
    fn left_out(&self) -> (usize, usize) {
        match self.view {
            View::PastOptions(k) => (self.cmd.assignments as usize + 1, usize::from(k)),
            _ => (0, 0),
        }
    }
}

impl crate::pattern::Words for ViewWords<'_> {
    fn count(&self) -> usize {
        match self.view {
            View::AsWritten => self.cmd.spans.len(),
            _ => self.cmd.spans.len() - self.cmd.assignments as usize - self.left_out().1,
        }
    }

    fn word(&self, i: usize) -> SubjectWord<'_> {
        let skip = match self.view {
            View::AsWritten => 0,
            _ => self.cmd.assignments as usize,
        };
        let (first_left_out, left_out) = self.left_out();
        let mut index = skip + i;
        if left_out > 0 && index >= first_left_out {
            index += left_out;
        }
        let (mut a, b, opaque) = self.cmd.spans.get(index).unwrap_or((0, 0, false));
        if matches!(self.view, View::BaseName | View::PastOptions(_)) && i == 0 {
            a = self.cmd.base_start;
        }
        SubjectWord {
            text: self.cmd.slice(a, b),
            opaque,
        }
    }
}

/// Word ranges of a command with their opaque mark: inline for the usual
/// handful of words, so a command costs one allocation (its text) rather
/// than two.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Spans {
    inline: [(u32, u32, bool); 8],
    len: usize,
    spill: Vec<(u32, u32, bool)>,
}

impl Spans {
    fn push(&mut self, span: (u32, u32, bool)) {
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = span;
                self.len += 1;
            }
            None => self.spill.push(span),
        }
    }

    fn len(&self) -> usize {
        self.len + self.spill.len()
    }

    fn get(&self, i: usize) -> Option<(u32, u32, bool)> {
        if i < self.len {
            Some(self.inline[i])
        } else {
            self.spill.get(i - self.len).copied()
        }
    }

    fn iter(&self) -> impl Iterator<Item = (u32, u32, bool)> + Clone + '_ {
        self.inline[..self.len].iter().chain(&self.spill).copied()
    }
}

/// Splits a command line into the simple commands it would run.
///
/// ```
/// use bosun_policy::shell::parse;
/// let cmds = parse("cd /repo && sudo /bin/rm -rf /repo/build/../target; echo \"a && b\"").unwrap();
/// let texts: Vec<_> = cmds.iter().map(|c| c.text.as_str()).collect();
/// assert_eq!(
///     texts,
///     ["cd /repo", "sudo /bin/rm -rf /repo/target", "/bin/rm -rf /repo/target", "echo a && b"]
/// );
/// ```
pub fn parse(input: &str) -> Result<Vec<SimpleCommand>, ShellError> {
    parse_in(input, None)
}

/// Like [`parse`], with relative paths (`./x`, `../x`) joined to
/// `working_dir`. Without one they are only known at run time.
pub fn parse_in(input: &str, working_dir: Option<&str>) -> Result<Vec<SimpleCommand>, ShellError> {
    let mut lower = Lower {
        out: Vec::new(),
        depth: 0,
        cwd: working_dir.and_then(|d| crate::path::normalize_path(".", Some(d)).ok()),
        moved: false,
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
    /// Starts with an unquoted `~` (or has one after `=` or `:`): the home
    /// directory, only known at run time.
    tilde: bool,
    /// Holds `$'…'` or `$"…"`, which bash and POSIX sh read differently.
    dialect: bool,
    /// Holds an arithmetic expansion naming variables: bash evaluates their
    /// values as arithmetic too, and `a[$(cmd)]` in a value runs `cmd`.
    arithmetic_names: bool,
}

impl Word<'_> {
    /// The word's value depends on the running shell: an expansion, `~`, a
    /// pathname glob, brace expansion, or quoting that shells disagree on.
    fn opaque(&self) -> bool {
        self.dynamic || self.glob || self.brace || self.tilde || self.dialect
    }
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
    /// Why the construct as a whole cannot be analysed.
    issue: Option<String>,
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
    /// A `case` arm: ends at `;;`, `;&`, `;;&` (consumed) or before `esac`.
    Case,
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
    /// commands. In a `case` arm it stops before the arm's terminator.
    fn skip_separators(&mut self, in_case: bool) -> Result<(), ShellError> {
        loop {
            self.skip_blanks();
            self.skip_comment();
            match self.peek() {
                Some(b'\n') => self.newline()?,
                Some(b';') if in_case && matches!(self.peek_at(1), Some(b';' | b'&')) => {
                    return Ok(());
                }
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
            self.skip_separators(end == End::Case)?;
            if end == End::Case {
                for terminator in [&b";;&"[..], b";;", b";&"] {
                    if self.starts_with(terminator) {
                        self.i += terminator.len();
                        return Ok(());
                    }
                }
                if self.at_reserved(b"esac") {
                    return Ok(());
                }
            }
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
                kw @ (b"if" | b"then" | b"elif" | b"else" | b"do" | b"while" | b"until" | b"!") => {
                    self.i += kw.len();
                }
                // `time [-p] PIPELINE`: the reserved word times whatever
                // follows, compound commands included.
                b"time" => {
                    self.i += 4;
                    self.skip_blanks();
                    for option in [&b"-p"[..], b"--"] {
                        if self.at_reserved(option) {
                            self.i += option.len();
                            self.skip_blanks();
                        }
                    }
                }
                // `coproc [NAME] COMMAND`: a name comes only before a
                // compound command.
                b"coproc" => {
                    self.i += 6;
                    self.skip_blanks();
                    let src = self.s;
                    let name = self.token();
                    if !name.is_empty()
                        && is_name_start(name[0])
                        && name.iter().all(|&c| is_name_char(c))
                    {
                        let after = self.i + name.len();
                        let rest = src[after..].trim_ascii_start();
                        if rest.starts_with(b"{")
                            || rest.starts_with(b"(")
                            || [&b"while"[..], b"until", b"for", b"if", b"case", b"select"]
                                .iter()
                                .any(|kw| {
                                    rest.starts_with(kw)
                                        && rest.get(kw.len()).is_none_or(|&c| is_meta(c))
                                })
                        {
                            self.i = after;
                        }
                    }
                }
                // Words that end a compound command; redirections may follow.
                // Brace groups are parsed whole: a `}` here closes nothing.
                b"}" => return err("unexpected `}`"),
                kw @ (b"fi" | b"done") => {
                    self.i += kw.len();
                    return self.trailing_redirects();
                }
                b"case" => return self.parse_case(),
                b"esac" => return err("unexpected `esac`"),
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
                    let start = self.i;
                    let mut sink = Word::default();
                    self.arithmetic(&mut sink)?;
                    // Bash evaluates a variable's value as arithmetic too,
                    // and `a[$(cmd)]` in that value runs `cmd`.
                    if self.s[start..self.i].iter().any(|&c| is_name_start(c)) {
                        let raw = RawCommand {
                            issue: Some(ARITHMETIC.to_owned()),
                            ..RawCommand::default()
                        };
                        self.emit(&raw)?;
                    }
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

    /// `case WORD in [(]PATTERN[|PATTERN]…) LIST ;; … esac`: the word and
    /// the patterns may hold substitutions, which run; each arm's list is
    /// parsed like any other.
    fn parse_case(&mut self) -> Result<(), ShellError> {
        self.i += 4;
        self.skip_blanks();
        if self.word()?.is_none() {
            return err("`case` without a word");
        }
        self.skip_linebreaks()?;
        if !self.at_reserved(b"in") {
            return err("`case` without `in`");
        }
        self.i += 2;
        loop {
            self.skip_linebreaks()?;
            if self.at_reserved(b"esac") {
                self.i += 4;
                return self.trailing_redirects();
            }
            if self.peek() == Some(b'(') {
                self.i += 1;
            }
            loop {
                self.skip_blanks();
                if self.word()?.is_none() {
                    return err("`case` arm without a pattern");
                }
                self.skip_blanks();
                match self.peek() {
                    Some(b'|') => self.i += 1,
                    Some(b')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return err("unterminated `case` pattern"),
                }
            }
            self.nested(|p| p.parse_list(End::Case))?;
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

    /// Redirections after a compound command apply to all of it; file reads
    /// and writes become entries of their own so they are still judged.
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
        if raw.redirects.iter().any(|r| {
            matches!(
                r.kind,
                RedirKind::Write | RedirKind::Append | RedirKind::Read
            )
        }) {
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
        // Brace expansion needs `{`, then `,` or `..`, then `}`, unquoted;
        // a bracket glob needs `[` and then `]`.
        let mut brace_open = false;
        let mut brace_sep = false;
        let mut bracket_open = false;
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
                    w.arithmetic_names |= inner.arithmetic_names;
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
                        b'*' | b'?' => w.glob = true,
                        b'[' => bracket_open = true,
                        b']' if bracket_open => w.glob = true,
                        b'~' if self.i == start || matches!(self.s[self.i - 1], b'=' | b':') => {
                            w.tilde = true;
                        }
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
                let from = self.i;
                self.arithmetic(w)?;
                w.arithmetic_names |= self.s[from..self.i].iter().any(|&c| is_name_start(c));
            }
            Some(b'(') => {
                self.i += 2;
                self.nested(|p| p.parse_list(End::Paren))?;
            }
            Some(b'{') => {
                self.i += 2;
                self.parameter(w)?;
            }
            Some(b'\'') if !in_dq => {
                self.i += 2;
                self.ansi_c(bytes)?;
                w.quoted = true;
                w.dialect = true;
                return Ok(());
            }
            Some(b'"') if !in_dq => {
                // `$"…"` is a translatable string to bash, `$` and a
                // double-quoted string to POSIX sh.
                self.i += 2;
                w.quoted = true;
                w.dialect = true;
                let mut inner = Word::default();
                self.double_quoted(&mut inner, Some(b'"'))?;
                bytes.extend_from_slice(inner.text.as_bytes());
                w.dynamic |= inner.dynamic;
                w.arithmetic_names |= inner.arithmetic_names;
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
    fn parameter(&mut self, w: &mut Word<'_>) -> Result<(), ShellError> {
        loop {
            match self.peek() {
                None => return err("unterminated ${"),
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'$') => {
                    let mut scratch = Vec::new();
                    self.dollar(w, &mut scratch, true)?;
                }
                Some(b'`') => self.backtick()?,
                Some(b'"') => {
                    self.i += 1;
                    let mut sink = Word::default();
                    self.double_quoted(&mut sink, Some(b'"'))?;
                    w.arithmetic_names |= sink.arithmetic_names;
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
                        // POSIX sh ends the quote at this `'`; bash does
                        // not: the two would split the rest differently.
                        b'\'' => {
                            return err(
                                "`\\'` inside `$'…'` makes bash and POSIX sh split the command differently",
                            );
                        }
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
// Lowering: raw commands to simple commands, unwrapping wrappers.
// ---------------------------------------------------------------------------

/// Stands for the arguments `xargs` reads from its input.
const XARGS_ARGS: &str = "…";

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "rbash", "posh", "lksh", "oksh",
];

/// Interpreters, with the short option letters and long options that hand
/// them code inline, and the options that take a value (so the script
/// operand can be found).
const INTERPRETERS: &[(&str, &str, &[&str], &str)] = &[
    ("python", "c", &[], "WXQ"),
    ("python2", "c", &[], "WXQ"),
    ("python3", "c", &[], "WXQ"),
    ("pypy", "c", &[], "WX"),
    ("pypy3", "c", &[], "WX"),
    ("perl", "eE", &[], "IMlx0"),
    ("ruby", "e", &[], "IrCEFx"),
    ("node", "ep", &["--eval", "--print"], "r"),
    ("nodejs", "ep", &["--eval", "--print"], "r"),
    ("bun", "ep", &["--eval", "--print"], "r"),
    (
        "php",
        "rBREF",
        &[
            "--run",
            "--process-begin",
            "--process-code",
            "--process-end",
        ],
        "cdz",
    ),
    ("lua", "e", &[], "l"),
    ("luajit", "e", &[], "lj"),
    ("Rscript", "e", &[], ""),
    ("julia", "eE", &["--eval", "--print"], ""),
    ("osascript", "e", &[], ""),
    (
        "pwsh",
        "c",
        &["-Command", "-command", "-EncodedCommand", "-encodedcommand"],
        "",
    ),
    (
        "powershell",
        "c",
        &["-Command", "-command", "-EncodedCommand", "-encodedcommand"],
        "",
    ),
    ("tclsh", "", &[], ""),
    ("deno", "", &[], ""),
];

/// Programs that run a command or code they are handed, in a grammar the
/// engine does not unwrap: what they run is opaque code.
const RUNNERS: &[&str] = &[
    "su",
    "runuser",
    "chroot",
    "unshare",
    "flock",
    "strace",
    "ltrace",
    "script",
    "parallel",
    "expect",
    "gdb",
    "lldb",
    "nsenter",
    "firejail",
    "bwrap",
    "taskset",
    "chrt",
    "numactl",
    "cpulimit",
    "valgrind",
    "fakeroot",
    "pkexec",
    "systemd-run",
    "at",
    "batch",
    "tmux",
    "screen",
    "xvfb-run",
    "dbus-run-session",
    "torsocks",
    "proxychains",
    "proxychains4",
    "sshpass",
    "catchsegv",
    "nix-shell",
    "fish",
    "csh",
    "tcsh",
    "nu",
    "elvish",
    "xonsh",
    "setpriv",
    "prlimit",
    "capsh",
    "sg",
    "newgrp",
    "machinectl",
    "entr",
    "env_parallel",
    "sem",
    "rlwrap",
    "unbuffer",
    "faketime",
    "firejail",
    "chpst",
    "softlimit",
    "daemonize",
    "start-stop-daemon",
];

struct Lower {
    out: Vec<SimpleCommand>,
    depth: usize,
    /// The working directory relative paths are joined to.
    cwd: Option<String>,
    /// A `cd`, `pushd` or `popd` ran: relative paths after it are only known
    /// at run time.
    moved: bool,
}

#[derive(Default, Clone)]
struct Traits {
    privileged: bool,
    /// Wrappers unwrapped so far, to bound `nohup nohup nohup …`.
    wrappers: usize,
}

/// A word only known at run time, made up by the engine (what `xargs`
/// appends, `{}` of `find -exec`).
fn runtime_word(text: &'static str) -> Word<'static> {
    Word {
        text: Cow::Borrowed(text),
        dynamic: true,
        ..Word::default()
    }
}

fn assignment_issue(assignments: &[Word]) -> Option<String> {
    assignments
        .iter()
        .map(|a| assignment_name(&a.text))
        .find(|n| changes_what_runs(n))
        .map(|n| format!("sets {n}, which changes what the command runs"))
}

const ARITHMETIC: &str = "arithmetic on variables can run commands hidden in their values";

const DIALECT: &str = "`$'…'` and `$\"…\"` are read differently by bash and POSIX sh";

impl Lower {
    fn raw(&mut self, raw: &RawCommand) -> Result<(), ShellError> {
        let issue = raw
            .issue
            .clone()
            .or_else(|| assignment_issue(&raw.assignments));
        if raw.words.is_empty() {
            if let Some(issue) = issue {
                let mut cmd = self.build(&raw.assignments, &[], &Traits::default());
                if cmd.text.is_empty() {
                    cmd.text = "(( … ))".to_owned();
                }
                cmd.unanalysable = Some(issue);
                self.out.push(cmd);
            } else if raw.assignments.iter().any(|a| a.dialect) {
                let mut cmd = self.build(&raw.assignments, &[], &Traits::default());
                cmd.unanalysable = Some(DIALECT.to_owned());
                self.out.push(cmd);
            }
        } else {
            self.command(
                &raw.assignments,
                raw.words.as_slice(),
                Traits::default(),
                issue,
            )?;
        }
        self.redirections(&raw.redirects);
        Ok(())
    }

    fn push(&mut self, assigns: &[Word], words: &[Word], traits: &Traits, issue: Option<String>) {
        let mut cmd = self.build(assigns, words, traits);
        cmd.unanalysable = issue;
        self.out.push(cmd);
    }

    /// The command as written: assignments and program verbatim (after
    /// quote removal), arguments with paths normalized.
    fn build(&self, assigns: &[Word], words: &[Word], traits: &Traits) -> SimpleCommand {
        let mut text = String::with_capacity(
            assigns
                .iter()
                .chain(words)
                .map(|a| a.text.len() + 1)
                .sum::<usize>(),
        );
        let mut spans = Spans::default();
        let mut runtime_word = None;
        let mut base_start = 0;
        for (i, w) in assigns.iter().chain(words).enumerate() {
            if i > 0 {
                text.push(' ');
            }
            let start = offset(&text);
            let is_program = i == assigns.len();
            let (value, opaque) = if i <= assigns.len() {
                (Cow::Borrowed(&*w.text), w.opaque())
            } else {
                self.canonical_arg(w)
            };
            if opaque {
                runtime_word.get_or_insert_with(|| w.text.to_string());
            }
            if value.is_empty() {
                text.push_str("''");
                spans.push((start, start, opaque));
            } else {
                text.push_str(&value);
                spans.push((start, offset(&text), opaque));
            }
            if is_program {
                base_start = offset(&text) - offset(program_name(&value)).min(offset(&value));
                if value.is_empty() {
                    base_start = start;
                }
            }
        }
        let past_options = words.get(1..).map_or(0, leading_options);
        SimpleCommand {
            text,
            spans,
            assignments: u32::try_from(assigns.len()).unwrap_or(u32::MAX),
            base_start,
            past_options,
            writes: Vec::new(),
            redirect: None,
            unanalysable: None,
            runtime_word,
            privileged: traits.privileged,
            runs_unseen_code: false,
        }
    }

    /// An argument for matching: paths (starting with `/`, `./` or `../`)
    /// normalized and joined to the working directory; the flag says the
    /// word is only known at run time.
    fn canonical_arg<'a>(&self, w: &'a Word<'_>) -> (Cow<'a, str>, bool) {
        if w.opaque() {
            return (Cow::Borrowed(&*w.text), true);
        }
        let t = &*w.text;
        if !looks_like_path(t) {
            return (Cow::Borrowed(t), false);
        }
        self.path(t)
    }

    /// A path as the running shell would open it, or the text and `true`
    /// when that depends on where the shell is by then.
    fn path<'a>(&self, t: &'a str) -> (Cow<'a, str>, bool) {
        if t.starts_with('/') {
            return if is_clean(t) {
                (Cow::Borrowed(t), false)
            } else {
                (Cow::Owned(clean_argument(t)), false)
            };
        }
        match &self.cwd {
            Some(cwd) if !self.moved => (Cow::Owned(clean_argument(&format!("{cwd}/{t}"))), false),
            _ => (Cow::Borrowed(t), true),
        }
    }

    /// Redirections to and from files are file accesses of their own,
    /// judged by the file tools' rules: a rule allowing `echo *` does not
    /// allow `echo x > ~/.bashrc`.
    fn redirections(&mut self, redirects: &[Redirect]) {
        for r in redirects {
            let (op, write) = match r.kind {
                RedirKind::Write => (">", true),
                RedirKind::Append => (">>", true),
                RedirKind::Read => ("<", false),
                _ => continue,
            };
            let (path, opaque) = if r.target.opaque() || r.target.text.is_empty() {
                (r.target.text.to_string(), true)
            } else {
                let (p, o) = self.path(&r.target.text);
                (p.into_owned(), o)
            };
            if !opaque
                && matches!(
                    path.as_str(),
                    "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/stdin"
                )
            {
                continue;
            }
            self.out.push(SimpleCommand {
                text: format!("{op} {}", if path.is_empty() { "''" } else { &path }),
                writes: if write {
                    vec![path.clone()]
                } else {
                    Vec::new()
                },
                runtime_word: opaque.then(|| r.target.text.to_string()),
                redirect: Some(FileAccess {
                    write,
                    path,
                    opaque,
                }),
                ..SimpleCommand::default()
            });
        }
    }

    /// A command line given as a string (`bash -c`, `eval`, `trap`,
    /// `watch`, `env -S`): its commands inherit the wrapper's privilege and
    /// any reason it cannot be analysed.
    fn script(
        &mut self,
        script: &str,
        traits: &Traits,
        issue: Option<&String>,
    ) -> Result<(), ShellError> {
        let depth = self.depth;
        let first = self.out.len();
        let result = analyse(script, depth + 1, self);
        self.depth = depth;
        result?;
        for cmd in &mut self.out[first..] {
            cmd.privileged |= traits.privileged;
            if cmd.unanalysable.is_none() {
                cmd.unanalysable = issue.cloned();
            }
        }
        Ok(())
    }

    fn command(
        &mut self,
        assigns: &[Word],
        words: &[Word],
        mut traits: Traits,
        issue: Option<String>,
    ) -> Result<(), ShellError> {
        let Some((prog, args)) = words.split_first() else {
            return Ok(());
        };
        traits.wrappers += 1;
        if traits.wrappers > MAX_DEPTH {
            let why = "too many nested wrappers".to_owned();
            self.push(assigns, words, &traits, Some(why));
            return Ok(());
        }
        let issue = issue
            .or_else(|| {
                assigns
                    .iter()
                    .chain(words)
                    .any(|w| w.dialect)
                    .then(|| DIALECT.to_owned())
            })
            .or_else(|| {
                assigns
                    .iter()
                    .chain(words)
                    .any(|w| w.arithmetic_names)
                    .then(|| ARITHMETIC.to_owned())
            });
        if prog.opaque() {
            let why = format!("the program `{}` is only known at run time", prog.text);
            self.push(assigns, words, &traits, Some(issue.unwrap_or(why)));
            return Ok(());
        }
        if prog.text.contains(char::is_whitespace) {
            let why = format!("the program name `{}` contains blanks", prog.text);
            self.push(assigns, words, &traits, Some(why));
            return Ok(());
        }
        let name = program_name(&prog.text);
        let reserved = matches!(
            name,
            "{" | "}"
                | "!"
                | "[["
                | "]]"
                | "if"
                | "then"
                | "elif"
                | "else"
                | "fi"
                | "while"
                | "until"
                | "for"
                | "select"
                | "do"
                | "done"
                | "case"
                | "esac"
                | "function"
                | "coproc"
        );
        if is_assignment(&prog.text)
            || (!prog.quoted && reserved && (traits.wrappers > 1 || !assigns.is_empty()))
        {
            // A reserved word or an assignment where a wrapper expects a
            // program: what runs is not what a rule would see.
            let why = format!("`{name}` stands where a program should be");
            self.push(assigns, words, &traits, Some(why));
            return Ok(());
        }
        let plain = |this: &mut Self, why: Option<String>| {
            this.push(assigns, words, &traits, issue.clone().or(why));
            Ok(())
        };
        match name {
            "sudo" | "doas" => {
                self.push(assigns, words, &traits, issue.clone());
                traits.privileged = true;
                let rest = skip_options(
                    args,
                    "ugpCDhrRtUT",
                    &[
                        "user",
                        "group",
                        "prompt",
                        "chdir",
                        "chroot",
                        "host",
                        "role",
                        "type",
                        "other-user",
                        "close-from",
                        "command-timeout",
                    ],
                );
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
                // `sudo VAR=value command`: the variables go to the command.
                let n = rest.iter().take_while(|w| is_assignment(&w.text)).count();
                let mut inner = assigns.to_vec();
                inner.extend(rest[..n].iter().cloned());
                let issue = issue.or_else(|| assignment_issue(&rest[..n]));
                self.command(&inner, &rest[n..], traits, issue)
            }
            "env" => self.env(assigns, args, traits, issue),
            "nohup" | "builtin" | "setsid" | "stdbuf" | "time" | "nice" | "ionice" | "exec"
            | "timeout" | "command" | "busybox" => {
                if name == "command" && args.iter().any(|a| matches!(a.text.as_ref(), "-v" | "-V"))
                {
                    // Only looks the name up.
                    return plain(self, None);
                }
                let (shorts, longs): (&str, &[&str]) = match name {
                    "time" => ("fo", &["format", "output"]),
                    "nice" => ("n", &["adjustment"]),
                    "ionice" => ("cnpPu", &["class", "classdata", "pid", "pgid", "uid"]),
                    "exec" => ("a", &[]),
                    "stdbuf" => ("ioe", &["input", "output", "error"]),
                    "timeout" => ("sk", &["signal", "kill-after"]),
                    _ => ("", &[]),
                };
                let mut rest = skip_options(args, shorts, longs);
                if name == "timeout" && !rest.is_empty() {
                    rest = &rest[1..];
                }
                if rest.is_empty() || (name == "ionice" && args.iter().any(|a| a.text == "-p")) {
                    return plain(self, None);
                }
                self.command(assigns, rest, traits, issue)
            }
            "xargs" => {
                let rest = skip_options(
                    args,
                    "ILnPsdEa",
                    &[
                        "max-args",
                        "max-procs",
                        "delimiter",
                        "arg-file",
                        "max-lines",
                        "max-chars",
                        "eof",
                        "replace",
                        "process-slot-var",
                    ],
                );
                let replace = args
                    .windows(2)
                    .find(|w| w[0].text == "-I")
                    .map(|w| w[1].text.to_string());
                // What xargs appends or substitutes is only known at run
                // time, so `rm *` governs `xargs rm` and an exact `rm`
                // does not.
                let mut inner: Vec<Word> = if rest.is_empty() {
                    vec![Word {
                        text: Cow::Borrowed("echo"),
                        ..Word::default()
                    }]
                } else {
                    rest.to_vec()
                };
                if let Some(r) = replace.filter(|r| !r.is_empty()) {
                    for w in inner.iter_mut().skip(1) {
                        w.dynamic |= w.text.contains(r.as_str());
                    }
                }
                inner.push(runtime_word(XARGS_ARGS));
                self.command(assigns, &inner, traits, issue)
            }
            "watch" => {
                let rest = skip_options(args, "nq", &["interval", "equexit"]);
                if rest.is_empty() {
                    return plain(self, None);
                }
                if args.iter().any(|a| a.text == "-x" || a.text == "--exec") {
                    return self.command(assigns, rest, traits, issue);
                }
                if rest.iter().any(Word::opaque) {
                    return plain(
                        self,
                        Some("`watch` runs a command only known at run time".to_owned()),
                    );
                }
                let text: Vec<&str> = rest.iter().map(|w| &*w.text).collect();
                self.script(&text.join(" "), &traits, issue.as_ref())
            }
            "eval" => {
                if args.iter().any(Word::opaque) {
                    return plain(
                        self,
                        Some("`eval` runs text only known at run time".to_owned()),
                    );
                }
                self.push(assigns, words, &traits, issue.clone());
                let text: Vec<&str> = args.iter().map(|a| &*a.text).collect();
                self.script(&text.join(" "), &traits, issue.as_ref())
            }
            "trap" => {
                self.push(assigns, words, &traits, issue.clone());
                match args {
                    [handler, _, ..] if !handler.text.starts_with('-') => {
                        if handler.opaque() {
                            if let Some(last) = self.out.last_mut() {
                                last.unanalysable =
                                    Some("the trap handler is only known at run time".to_owned());
                            }
                            return Ok(());
                        }
                        self.script(&handler.text, &traits, issue.as_ref())
                    }
                    _ => Ok(()),
                }
            }
            "alias" => {
                self.push(assigns, words, &traits, issue.clone());
                for a in args {
                    let Some((_, value)) = a.text.split_once('=') else {
                        continue;
                    };
                    if a.opaque() {
                        if let Some(last) = self.out.last_mut() {
                            last.unanalysable =
                                Some("the alias is only known at run time".to_owned());
                        }
                        continue;
                    }
                    self.script(value, &traits, issue.as_ref())?;
                }
                Ok(())
            }
            "source" | "." => plain(
                self,
                Some(format!(
                    "`{name}` runs commands from a file into this shell"
                )),
            ),
            "hash" if args.iter().any(|a| a.text.starts_with("-p")) => {
                plain(self, Some("`hash -p` rebinds a command name".to_owned()))
            }
            "mapfile" | "readarray" | "compgen" | "complete"
                if args
                    .iter()
                    .any(|a| a.text.starts_with("-C") || a.text.starts_with("-F")) =>
            {
                plain(
                    self,
                    Some(format!("`{name}` runs a callback given as text")),
                )
            }
            "bind" if args.iter().any(|a| a.text.starts_with("-x")) => plain(
                self,
                Some("`bind -x` runs a command given as text".to_owned()),
            ),
            "enable" if args.iter().any(|a| a.text.starts_with("-f")) => plain(
                self,
                Some("`enable -f` loads code into the shell".to_owned()),
            ),
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                let why = args
                    .iter()
                    .filter(|a| is_assignment(&a.text))
                    .map(|a| assignment_name(&a.text))
                    .find(|n| changes_what_runs(n))
                    .map(|n| format!("sets {n}, which changes what later commands run"));
                plain(self, why)
            }
            "cd" | "pushd" | "popd" => {
                let r = plain(self, None);
                self.moved = true;
                r
            }
            "find" => {
                self.push(assigns, words, &traits, issue.clone());
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
                        let mut inner = args[start..end].to_vec();
                        for w in &mut inner {
                            w.dynamic |= w.text.contains("{}");
                        }
                        self.command(&[], &inner, traits.clone(), None)?;
                        i = end;
                    }
                    i += 1;
                }
                Ok(())
            }
            n if SHELLS.contains(&n) => self.shell(assigns, words, traits, issue),
            _ => {
                let why = opaque_code(name, args);
                let mut cmd = self.build(assigns, words, &traits);
                cmd.unanalysable = issue.or(why.map(|w| w.to_string()));
                if let Some((_, _, _, values)) = INTERPRETERS
                    .iter()
                    .find(|i| i.0 == name || (i.0 == "python3" && name.starts_with("python3.")))
                {
                    let operand = skip_options(args, values, &[]).first();
                    if operand.is_none_or(|w| w.opaque() || w.text == "-" || reads_stdin(&w.text)) {
                        cmd.runs_unseen_code = true;
                    }
                }
                self.out.push(cmd);
                Ok(())
            }
        }
    }

    /// `env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]… [COMMAND]`.
    fn env(
        &mut self,
        assigns: &[Word],
        args: &[Word],
        traits: Traits,
        issue: Option<String>,
    ) -> Result<(), ShellError> {
        let mut i = 0;
        let mut split: Option<&Word> = None;
        let mut split_text: Option<String> = None;
        while let Some(a) = args.get(i) {
            let t = a.text.as_ref();
            if t == "--" {
                i += 1;
                break;
            }
            if t == "-" {
                i += 1;
                continue;
            }
            if !t.starts_with('-') {
                break;
            }
            i += 1;
            if let Some(v) = t.strip_prefix("--split-string=") {
                split_text = Some(v.to_owned());
                split = Some(a);
                break;
            }
            if t == "--split-string" || t == "-S" {
                split = args.get(i);
                split_text = split.map(|w| w.text.to_string());
                i += 1;
                break;
            }
            if let Some(v) = t.strip_prefix("-S") {
                split_text = Some(v.to_owned());
                split = Some(a);
                break;
            }
            if matches!(t, "-u" | "-C" | "--unset" | "--chdir") {
                i += 1;
            }
        }
        let rest = args.get(i..).unwrap_or(&[]);
        let mut words_view: Vec<Word> = Vec::new();
        words_view.push(Word {
            text: Cow::Borrowed("env"),
            ..Word::default()
        });
        words_view.extend(args.iter().cloned());
        if let (Some(word), Some(text)) = (split, split_text) {
            // `env -S` splits the string into words, with its own quoting;
            // plain words and quotes read the same to the shell parser,
            // anything else is opaque.
            if word.opaque() || text.bytes().any(|c| b";&|<>()$`\\#\n".contains(&c)) {
                let why = "`env -S` splits a string into a command only known at run time";
                self.push(assigns, &words_view, &traits, Some(why.to_owned()));
                return Ok(());
            }
            let mut line = text;
            for w in rest {
                if w.opaque() || w.text.contains('\'') {
                    let why = "`env -S` with arguments only known at run time";
                    self.push(assigns, &words_view, &traits, Some(why.to_owned()));
                    return Ok(());
                }
                line.push_str(" '");
                line.push_str(&w.text);
                line.push('\'');
            }
            return self.script(&line, &traits, issue.as_ref());
        }
        let n = rest.iter().take_while(|w| is_assignment(&w.text)).count();
        let issue = issue.or_else(|| assignment_issue(&rest[..n]));
        if n == rest.len() {
            self.push(assigns, &words_view, &traits, issue);
            return Ok(());
        }
        let mut inner = assigns.to_vec();
        inner.extend(rest[..n].iter().cloned());
        self.command(&inner, &rest[n..], traits, issue)
    }

    /// `bash -c 'script'`, `bash script.sh`, or a shell reading its input.
    fn shell(
        &mut self,
        assigns: &[Word],
        words: &[Word],
        traits: Traits,
        issue: Option<String>,
    ) -> Result<(), ShellError> {
        let name = program_name(&words[0].text);
        let args = &words[1..];
        let mut command_mode = false;
        let mut reads_input = false;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].text.as_ref();
            i += 1;
            if a == "--" || a == "-" {
                break;
            }
            if matches!(a, "--rcfile" | "--init-file") {
                i += 1;
                continue;
            }
            if a.starts_with("--") {
                continue;
            }
            let Some(flags) = a.strip_prefix('-').or_else(|| a.strip_prefix('+')) else {
                i -= 1;
                break;
            };
            command_mode |= flags.contains('c');
            reads_input |= flags.contains('s');
            // `-o NAME` and `-O NAME` take a value, also inside a cluster
            // (`-euxo pipefail`).
            i += flags.chars().filter(|&c| c == 'o' || c == 'O').count();
        }
        match args.get(i) {
            Some(script) if command_mode => {
                if script.opaque() {
                    let why = format!("`{name} -c` runs a command string only known at run time");
                    let mut cmd = self.build(assigns, words, &traits);
                    cmd.unanalysable = Some(issue.unwrap_or(why));
                    cmd.runs_unseen_code = true;
                    self.out.push(cmd);
                    return Ok(());
                }
                self.script(&script.text, &traits, issue.as_ref())
            }
            Some(script) if !reads_input && !script.opaque() && !reads_stdin(&script.text) => {
                let mut cmd = self.build(assigns, words, &traits);
                cmd.unanalysable = issue;
                self.out.push(cmd);
                Ok(())
            }
            operand => {
                let why = match operand {
                    Some(script) if script.opaque() => {
                        format!("the script `{name}` runs is only known at run time")
                    }
                    _ => {
                        format!("`{name}` reads commands from its input, which cannot be analysed")
                    }
                };
                let mut cmd = self.build(assigns, words, &traits);
                cmd.unanalysable = Some(issue.unwrap_or(why));
                cmd.runs_unseen_code = true;
                self.out.push(cmd);
                Ok(())
            }
        }
    }
}

/// Why a program's arguments make it run code the engine cannot read:
/// inline interpreter code, programs that run a command they are handed,
/// and options of ordinary tools that run commands.
fn opaque_code(name: &str, args: &[Word]) -> Option<Cow<'static, str>> {
    let has = |pred: &dyn Fn(&str) -> bool| args.iter().any(|a| pred(&a.text));
    if RUNNERS.contains(&name) {
        return Some(
            format!("`{name}` runs a command it is handed, which is not unwrapped").into(),
        );
    }
    let interpreter = INTERPRETERS
        .iter()
        .find(|i| i.0 == name || (i.0 == "python3" && name.starts_with("python3.")));
    if let Some(&(_, letters, longs, values)) = interpreter {
        // Options end at the script operand.
        let operand_at = args.len() - skip_options(args, values, &[]).len();
        let options = &args[..operand_at.min(args.len())];
        let inline = options.iter().any(|a| {
            let t = a.text.as_ref();
            (t.len() > 1
                && t.starts_with('-')
                && !t.starts_with("--")
                && t[1..].chars().any(|c| letters.contains(c)))
                || longs
                    .iter()
                    .any(|l| t == *l || t.strip_prefix(l).is_some_and(|r| r.starts_with('=')))
        }) || (name == "deno" && args.first().is_some_and(|a| a.text == "eval"));
        if inline {
            return Some(format!("`{name}` runs code given inline").into());
        }
        let operand = args.get(operand_at);
        if name != "deno" && operand.is_none_or(|w| w.text == "-" || reads_stdin(&w.text)) {
            return Some(format!("`{name}` reads its program from its input").into());
        }
        if operand.is_some_and(Word::opaque) {
            return Some(format!("the program `{name}` runs is only known at run time").into());
        }
        return None;
    }
    match name {
        "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => {
            if has(&|a| a == "-f" || a.starts_with("--file")) {
                return None;
            }
            let program = skip_options(args, "Fvf", &[]).first();
            match program {
                Some(p) if p.opaque() => Some("the awk program is only known at run time".into()),
                Some(p)
                    if ["system", "getline", "|", ">\"", "> \"", ">>"]
                        .iter()
                        .any(|s| p.text.contains(s)) =>
                {
                    Some("the awk program runs commands or writes files".into())
                }
                _ => None,
            }
        }
        "sed" | "gsed" => {
            let mut scripts: Vec<&Word> = Vec::new();
            let mut from_file = false;
            let mut i = 0;
            while let Some(a) = args.get(i) {
                let t = a.text.as_ref();
                if t == "-e" || t == "--expression" {
                    scripts.extend(args.get(i + 1));
                    i += 2;
                    continue;
                }
                if t == "-f" || t.starts_with("--file") {
                    from_file = true;
                }
                if let Some(s) = t.strip_prefix("--expression=")
                    && sed_runs_code(s)
                {
                    return Some("the sed script runs commands or opens files".into());
                }
                i += 1;
            }
            if scripts.is_empty() && !from_file {
                scripts.extend(skip_options(args, "l", &["line-length"]).first());
            }
            scripts
                .iter()
                .any(|s| s.opaque() || sed_runs_code(&s.text))
                .then(|| "the sed script runs commands or opens files".into())
        }
        "git" => {
            let mut i = 0;
            while let Some(a) = args.get(i) {
                let t = a.text.as_ref();
                if t == "-c" || t.starts_with("--config-env") || t.starts_with("--exec-path=") {
                    return Some("`git -c` can make git run any command".into());
                }
                if !t.starts_with('-') {
                    break;
                }
                i += if matches!(t, "-C" | "--git-dir" | "--work-tree" | "--namespace") {
                    2
                } else {
                    1
                };
            }
            let sub = args.get(i).map_or("", |a| a.text.as_ref());
            let rest = args.get(i + 1..).unwrap_or(&[]);
            let any = |p: &dyn Fn(&str) -> bool| rest.iter().any(|a| p(&a.text));
            let runs = match sub {
                "filter-branch" => true,
                "rebase" => any(&|a| a == "-x" || a == "--exec" || a.starts_with("--exec=")),
                "bisect" => rest.first().is_some_and(|a| a.text == "run"),
                "submodule" => any(&|a| a == "foreach"),
                "difftool" | "mergetool" => {
                    any(&|a| a == "-x" || a.starts_with("--extcmd") || a.starts_with("--tool-cmd"))
                }
                _ => false,
            };
            runs.then(|| format!("`git {sub}` runs a command it is handed").into())
        }
        "tar" | "gtar" | "bsdtar" => has(&|a| {
            [
                "--checkpoint-action",
                "--to-command",
                "--use-compress-program",
                "--info-script",
                "--new-volume-script",
                "--rsh-command",
                "--rmt-command",
            ]
            .iter()
            .any(|o| a.starts_with(o))
                || a == "-I"
                || a == "-F"
        })
        .then(|| "the tar options run a command".into()),
        "ssh" | "scp" | "sftp" => has(&|a| {
            let l = a.to_ascii_lowercase();
            l.contains("proxycommand") || l.contains("localcommand")
        })
        .then(|| "the ssh options run a local command".into()),
        "rsync" => has(&|a| a == "-e" || a.starts_with("--rsh") || a.starts_with("--rsync-path"))
            .then(|| "the rsync options run a command".into()),
        "vi" | "vim" | "nvim" | "ex" | "view" | "gvim" => {
            has(&|a| a.starts_with('+') || a == "-c" || a == "--cmd" || a == "-S")
                .then(|| "the editor runs commands given inline".into())
        }
        "emacs" => has(&|a| a.starts_with("--eval") || a == "-eval" || a.starts_with("--execute"))
            .then(|| "emacs runs code given inline".into()),
        "man" => has(&|a| a == "-P" || a.starts_with("--pager") || a == "-H")
            .then(|| "man runs the pager it is handed".into()),
        "zip" => has(&|a| a == "-TT" || a.starts_with("--unzip-command"))
            .then(|| "zip runs the command it is handed".into()),
        "npx" | "pnpx" => has(&|a| a == "-c" || a.starts_with("--call"))
            .then(|| "npx runs the command string it is handed".into()),
        "npm" | "pnpm" => (args
            .first()
            .is_some_and(|a| a.text == "exec" || a.text == "x")
            && has(&|a| a == "-c" || a.starts_with("--call")))
        .then(|| "npm exec runs the command string it is handed".into()),
        "make" | "gmake" => has(&|a| a.starts_with("--eval") || a.starts_with("SHELL="))
            .then(|| "make runs code given inline".into()),
        _ => None,
    }
}

/// Whether a sed script runs commands (`e`, `s///e`) or opens files (`w`,
/// `r`, `s///w`). Reads sed's grammar far enough to find each command
/// letter; anything it cannot follow counts as running code.
fn sed_runs_code(script: &str) -> bool {
    let b = script.as_bytes();
    let mut i = 0;
    // Skips a delimited field starting after its opening delimiter; false
    // if it does not end.
    let field = |i: &mut usize, d: u8| -> bool {
        while let Some(&c) = b.get(*i) {
            *i += 1;
            if c == b'\\' {
                *i += 1;
            } else if c == d {
                return true;
            }
        }
        false
    };
    while let Some(&c) = b.get(i) {
        i += 1;
        match c {
            b' ' | b'\t' | b'\n' | b';' | b'{' | b'}' | b'!' | b',' | b'$' | b'~' | b'+' | b'I'
            | b'M' => {}
            b'0'..=b'9' => {}
            b'/' => {
                if !field(&mut i, b'/') {
                    return true;
                }
            }
            b'\\' => {
                let Some(&d) = b.get(i) else { return true };
                i += 1;
                if !field(&mut i, d) {
                    return true;
                }
            }
            b'e' | b'w' | b'W' | b'r' | b'R' => return true,
            b's' | b'y' => {
                let Some(&d) = b.get(i) else { return true };
                i += 1;
                if d == b'\n' || d == b'\\' || !field(&mut i, d) || !field(&mut i, d) {
                    return true;
                }
                if c == b's' {
                    while let Some(&f) = b.get(i) {
                        if matches!(f, b';' | b'\n' | b'}') {
                            break;
                        }
                        if f == b'e' || f == b'w' {
                            return true;
                        }
                        i += 1;
                    }
                }
            }
            b'a' | b'i' | b'c' | b':' | b'b' | b't' | b'T' => {
                // Text or a label up to the end of the line (labels end at
                // `;` too in GNU sed).
                while let Some(&f) = b.get(i) {
                    if f == b'\n' || (c != b'a' && c != b'i' && c != b'c' && f == b';') {
                        break;
                    }
                    i += 1;
                }
            }
            b'q' | b'Q' | b'l' | b'L' | b'p' | b'P' | b'd' | b'D' | b'n' | b'N' | b'g' | b'G'
            | b'h' | b'H' | b'x' | b'=' | b'z' | b'F' | b'#' => {
                if c == b'#' {
                    while b.get(i).is_some_and(|&f| f != b'\n') {
                        i += 1;
                    }
                }
            }
            _ => return true,
        }
    }
    false
}

/// A script operand that is the program's input or another descriptor.
fn reads_stdin(path: &str) -> bool {
    path == "-" || path.starts_with("/dev/") || path.starts_with("/proc/")
}

/// The words after a program's options. `shorts` are the option letters
/// that take a value (the rest of the cluster, or the next word), `longs`
/// the long options that do (`--user root`; `--user=root` is one word).
fn skip_options<'w, 's>(args: &'w [Word<'s>], shorts: &str, longs: &[&str]) -> &'w [Word<'s>] {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text.as_ref();
        if t == "--" {
            return &args[i + 1..];
        }
        if !t.starts_with('-') || t == "-" {
            break;
        }
        i += 1;
        if let Some(long) = t.strip_prefix("--") {
            if !long.contains('=') && longs.contains(&long) {
                i += 1;
            }
            continue;
        }
        let flags = &t[1..];
        if let Some((at, c)) = flags.char_indices().find(|&(_, c)| shorts.contains(c))
            && at + c.len_utf8() == flags.len()
        {
            i += 1;
        }
    }
    args.get(i..).unwrap_or(&[])
}

/// A program's name for deny and ask rules: its base name.
fn program_name(text: &str) -> &str {
    match text.rsplit('/').next() {
        Some(base) if !base.is_empty() => base,
        _ => text,
    }
}

/// A position in a command's text; texts longer than 4 GiB cannot arrive
/// through any API in front of the engine, so saturating is only a guard.
fn offset(text: &str) -> u32 {
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

/// Arguments that are paths for matching: they start with `/`, `./` or
/// `../`. (A bare `.` or `..` stays as written, so `ls .` reads as typed.)
fn looks_like_path(t: &str) -> bool {
    t.starts_with('/') || t.starts_with("./") || t.starts_with("../")
}

/// Where a subcommand may start after options in front of it: for each
/// option among the leading words of `args` (up to eight), a subcommand may
/// follow the option alone or the option and one value, as the program's
/// own grammar decides (`git -C /repo push`, `git --no-pager push`,
/// `kubectl -n prod delete`). Answered as the bits of
/// [`SimpleCommand::past_options`]; only deny and ask rules use them, so
/// reading too many places is the safe side.
fn leading_options(args: &[Word<'_>]) -> u8 {
    let is_option = |i: usize| {
        args.get(i)
            .is_some_and(|w| w.text.starts_with('-') && &*w.text != "-" && &*w.text != "--")
    };
    let mut bits = 0_u8;
    let mut mark = |skipped: usize| {
        // A view needs a word left after what it skips.
        if (1..=8).contains(&skipped) && skipped < args.len() {
            bits |= 1 << (skipped - 1);
        }
    };
    let mut i = 0;
    while is_option(i) && i < 8 {
        mark(i + 1);
        if is_option(i + 1) {
            i += 1;
        } else {
            mark(i + 2);
            i += 2;
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        parse_in(input, Some("/repo"))
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
                &["read l", "echo $l", "< /repo/f", "sort"],
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
    fn commands_read_as_written_with_quotes_removed_and_paths_normalized() {
        let table: &[(&str, &[&str])] = &[
            ("/bin/rm -rf /", &["/bin/rm -rf /"]),
            ("./rm x", &["./rm x"]),
            ("\\rm x", &["rm x"]),
            ("r\"m\" '-rf' x", &["rm -rf x"]),
            ("ls   -la\t  /tmp", &["ls -la /tmp"]),
            ("cat /tmp/../etc/passwd", &["cat /etc/passwd"]),
            ("cat //etc//passwd/.", &["cat /etc/passwd"]),
            ("cat ./src/../../secret", &["cat /secret"]),
            ("cat ../../../../etc/passwd", &["cat /etc/passwd"]),
            ("cat src/main.rs .", &["cat src/main.rs ."]),
            (
                "curl https://x.test/a/../b",
                &["curl https://x.test/a/../b"],
            ),
            ("echo '' x", &["echo '' x"]),
            ("'' x", &["'' x"]),
            ("\"\"", &["''"]),
            ("echo hi > out.txt 2>&1", &["echo hi", "> /repo/out.txt"]),
            ("echo hi >> /etc/hosts", &["echo hi", ">> /etc/hosts"]),
            ("{ ls; } > ./a/../list", &["ls", "> /repo/list"]),
            ("cat <<EOF > /tmp/x\nhi\nEOF", &["cat", "> /tmp/x"]),
            ("ls 2>/dev/null", &["ls"]),
            ("cat < in.txt", &["cat", "< /repo/in.txt"]),
            ("> /etc/passwd", &["> /etc/passwd"]),
            ("exec 3<>/etc/passwd", &["exec", "> /etc/passwd"]),
            ("FOO=1 npm test", &["FOO=1 npm test"]),
            (
                "GIT_DIR=/x /usr/bin/git status",
                &["GIT_DIR=/x /usr/bin/git status"],
            ),
        ];
        for (input, expected) in table {
            assert_eq!(texts(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn views_let_deny_rules_see_through_assignments_and_paths() {
        let cmds = parse_in("A=1 B=2 /usr/bin/rm -rf x", Some("/repo")).unwrap();
        let c = &cmds[0];
        assert_eq!(c.program(), "rm");
        assert_eq!(c.program_as_written(), "/usr/bin/rm");
        assert_eq!(c.assignments().collect::<Vec<_>>(), ["A=1", "B=2"]);
        assert_eq!(c.args().collect::<Vec<_>>(), ["-rf", "x"]);
        let texts: Vec<String> = c.views().map(|v| c.view_text(v).into_owned()).collect();
        assert_eq!(
            texts,
            [
                "A=1 B=2 /usr/bin/rm -rf x",
                "/usr/bin/rm -rf x",
                "rm -rf x",
                "rm x"
            ]
        );
        let plain = &parse("ls -la").unwrap()[0];
        assert_eq!(plain.views().count(), 1);

        // Git's global options stand between the program and what it does:
        // deny and ask rules see past them too.
        let git = &parse("/usr/bin/git -C /repo --no-pager push origin").unwrap()[0];
        let texts: Vec<String> = git.views().map(|v| git.view_text(v).into_owned()).collect();
        assert_eq!(
            texts,
            [
                "/usr/bin/git -C /repo --no-pager push origin",
                "git -C /repo --no-pager push origin",
                "git /repo --no-pager push origin",
                "git --no-pager push origin",
                "git push origin",
                "git origin",
            ]
        );
        let words = git.view_words(View::PastOptions(3));
        let words: Vec<&str> = (0..crate::pattern::Words::count(&words))
            .map(|i| crate::pattern::Words::word(&words, i).text)
            .collect();
        assert_eq!(words, ["git", "push", "origin"]);
        // Without a subcommand after them, there is nothing to see past.
        assert_eq!(parse("git --version").unwrap()[0].views().count(), 1);
        assert_eq!(parse("ls /tmp").unwrap()[0].views().count(), 1);
    }

    #[test]
    fn unwraps_wrappers_with_their_option_grammar() {
        let table: &[(&str, &[&str])] = &[
            ("sudo rm -rf /", &["sudo rm -rf /", "rm -rf /"]),
            ("sudo -u root -- rm x", &["sudo -u root -- rm x", "rm x"]),
            ("sudo -uroot -E rm x", &["sudo -uroot -E rm x", "rm x"]),
            ("sudo -R /x -D /y rm x", &["sudo -R /x -D /y rm x", "rm x"]),
            ("sudo VAR=1 rm x", &["sudo VAR=1 rm x", "VAR=1 rm x"]),
            ("env A=1 B=2 rm x", &["A=1 B=2 rm x"]),
            ("env -i rm x", &["rm x"]),
            ("env - rm x", &["rm x"]),
            ("env -u HOME -C /tmp rm x", &["rm x"]),
            ("env -S 'rm -rf /'", &["rm -rf /"]),
            ("env -S'rm -rf' /", &["rm -rf /"]),
            ("/usr/bin/env rm x", &["rm x"]),
            ("nohup rm x &", &["rm x"]),
            ("timeout 10 rm x", &["rm x"]),
            ("timeout -s KILL 5s rm x", &["rm x"]),
            ("timeout --signal=KILL -k 1 5s rm x", &["rm x"]),
            ("nice -n 5 rm x", &["rm x"]),
            ("nice -10 rm x", &["rm x"]),
            ("ionice -c 3 rm x", &["rm x"]),
            ("stdbuf -oL -e 0 rm x", &["rm x"]),
            ("setsid -f rm x", &["rm x"]),
            ("time -p rm x", &["rm x"]),
            ("time { rm x; }", &["rm x"]),
            ("command rm x", &["rm x"]),
            ("command -v rm", &["command -v rm"]),
            ("builtin exec rm x", &["rm x"]),
            ("exec -a name rm x", &["rm x"]),
            ("xargs rm", &["rm …"]),
            ("xargs -n 1 -I{} rm {}", &["rm {} …"]),
            ("xargs -0 -P 4 rm -f", &["rm -f …"]),
            ("bash -c 'rm -rf /; ls'", &["rm -rf /", "ls"]),
            ("sh -ec \"rm x\"", &["rm x"]),
            ("bash -euxo pipefail -c 'rm x'", &["rm x"]),
            ("bash -o errexit -c 'rm x'", &["rm x"]),
            (
                "sudo bash -c 'nohup env X=1 rm x'",
                &["sudo bash -c nohup env X=1 rm x", "X=1 rm x"],
            ),
            ("bash -c \"bash -c 'rm x'\"", &["rm x"]),
            (
                "find . -name '*.tmp' -exec rm {} \\;",
                &["find . -name *.tmp -exec rm {} ;", "rm {}"],
            ),
            (
                "find . -exec rm {} + -o -execdir ls {} +",
                &["find . -exec rm {} + -o -execdir ls {} +", "rm {}", "ls {}"],
            ),
            ("eval 'rm x'", &["eval rm x", "rm x"]),
            ("trap 'rm x' EXIT", &["trap rm x EXIT", "rm x"]),
            ("watch -n 1 rm x", &["rm x"]),
            ("watch -n 1 -d rm x", &["rm x"]),
            ("watch -x rm x", &["rm x"]),
        ];
        for (input, expected) in table {
            assert_eq!(texts(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn every_construct_is_parsed() {
        let table: &[(&str, &[&str])] = &[
            ("coproc rm x", &["rm x"]),
            ("coproc worker { rm x; }", &["rm x"]),
            ("coproc (rm x)", &["rm x"]),
            ("time { rm x; } 2>/dev/null", &["rm x"]),
            ("case $x in a|b) rm x;; (c) ls;; esac", &["rm x", "ls"]),
            ("case x in *) rm x;& y) ls;;& esac", &["rm x", "ls"]),
            ("case $(id) in\n a) ls\n ;;\nesac", &["id", "ls"]),
            (
                "alias ll='rm -rf /'; ll",
                &["alias ll=rm -rf /", "rm -rf /", "ll"],
            ),
            ("f() { rm x; }; f", &["rm x", "f"]),
            (
                "echo $(( $(id -u) + 1 ))",
                &["id -u", "echo $(( $(id -u) + 1 ))"],
            ),
            ("echo ${x:-$(id)}", &["id", "echo ${x:-$(id)}"]),
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
            "~/bin/rm x",
            "eval \"$X\"",
            "source ./env.sh",
            ". ./env.sh",
            "curl x | sh",
            "bash <<EOF\nrm -rf /\nEOF",
            "bash <<< 'rm -rf /'",
            "bash -c \"$(curl x)\"",
            "PATH=/tmp/evil ls",
            "export LD_PRELOAD=/tmp/x.so",
            "env PATH=/x ls",
            "hash -p /tmp/evil ls",
            "env -S 'rm $X'",
            "sudo -s",
            "python3",
            "python3 -c 'print(1)'",
            "python3 -Ic 'print(1)'",
            "python3 - < x.py",
            "perl -ne 'print' f",
            "perl -E 'say 1'",
            "ruby -e 'x'",
            "node -e 'x'",
            "node --eval=x",
            "php -r 'x'",
            "deno eval 'x'",
            "awk 'BEGIN{system(\"rm x\")}'",
            "awk '{print > \"/etc/x\"}' f",
            "awk '{print | \"sh\"}' f",
            "sed 's/a/b/e' f",
            "sed -e '1e rm x' f",
            "sed 's/a/b/w /etc/x' f",
            "git -c core.pager='rm x' log",
            "git -c alias.x='!rm x' x",
            "git rebase -x 'rm x' main",
            "git bisect run rm x",
            "git submodule foreach 'rm x'",
            "tar --checkpoint-action=exec='rm x' -cf a.tar .",
            "tar -I 'rm x' -cf a.tar .",
            "su -c 'rm x'",
            "runuser -u me -- rm x",
            "chroot / rm x",
            "unshare -r rm x",
            "flock /tmp/l rm x",
            "strace rm x",
            "script -c 'rm x'",
            "parallel rm ::: x",
            "expect -c 'spawn rm x'",
            "gdb -ex 'shell rm x'",
            "fish -c 'rm x'",
            "ssh -o ProxyCommand='rm x' host",
            "rsync -e 'rm x' a b:",
            "vim -c '!rm x'",
            "mapfile -C 'rm x' -c 1 < f",
            "echo $'rm'",
            "$'rm' x",
            "echo $\"rm\"",
            "(( x[$(id)] ))",
        ];
        for input in cases {
            let cmds = parse_in(input, Some("/repo")).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert!(
                cmds.iter().any(|c| c.unanalysable.is_some()),
                "{input:?} should be unanalysable: {cmds:?}"
            );
        }
        for input in [
            "ls -la",
            "git status",
            "git log -p HEAD~1",
            "bash build.sh",
            "python3 script.py",
            "python3 -m pytest -q",
            "node server.js",
            "awk '{print $1}' f",
            "awk -F: '$3 > 100 {print $1}' /etc/passwd",
            "sed -n 's/a/b/p' f",
            "sed -i 's/foo/bar/g; /x/d' f",
            "cat <<EOF\nhi\nEOF",
            "[ -f x ] && ls",
            "tar -czf a.tar.gz src",
            "npm test",
        ] {
            let cmds = parse_in(input, Some("/repo")).unwrap();
            assert!(
                cmds.iter().all(|c| c.unanalysable.is_none()),
                "{input:?}: {cmds:?}"
            );
        }
    }

    #[test]
    fn bash_and_posix_sh_splitting_differently_is_unparseable() {
        assert!(parse("echo $'a\\'b' ; rm x").is_err());
    }

    #[test]
    fn marks_words_only_known_at_run_time() {
        for input in [
            "cat /home/$F",
            "git commit -m \"$(cat msg)\"",
            "xargs rm",
            "rm {a,b}",
            "cat ~/.ssh/id_rsa",
            "cat x=~/a",
            "ls *.rs",
            "ls [ab].rs",
            "cat ./x",
        ] {
            let cmds = parse(input).unwrap();
            assert!(
                cmds.iter().any(|c| c.runtime_word.is_some()),
                "{input:?}: {cmds:?}"
            );
        }
        for input in ["cat /home/a 'x$y' '~' '*'", "[ -f x ]", "git log HEAD~1"] {
            let cmds = parse(input).unwrap();
            assert!(cmds[0].runtime_word.is_none(), "{input:?}: {cmds:?}");
        }
        // After `cd`, relative paths depend on where the shell went.
        let cmds = parse_in("cd /tmp && cat ../etc/passwd", Some("/repo")).unwrap();
        assert_eq!(cmds[1].runtime_word.as_deref(), Some("../etc/passwd"));
        let cmds = parse_in("echo x > $OUT", Some("/repo")).unwrap();
        assert!(
            cmds[1]
                .redirect
                .as_ref()
                .is_some_and(|f| f.opaque && f.write)
        );
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
            "case x in a) ls;;",
            "case x a) ls;; esac",
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
