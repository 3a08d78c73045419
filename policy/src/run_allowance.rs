//! "Allow for this run": a reviewer allows a call and every later call of
//! the same tool with the same subject, as the rules read it, until the run
//! ends.
//!
//! Two requests have the same subject when [`normalized_subject`] gives
//! the same text for both: a path normalized and joined to its working
//! directory, a normalized URL, the text as given, or a command line as
//! the engine reads it (every simple command and redirection it would run,
//! each word after quote removal with paths normalized). So `cat ./a` in
//! `/srv` and `cat /srv/a` are the same subject; `rm x` in two directories
//! is too, exactly as a rule `rm x` would match both.
//!
//! A request the engine cannot read in full has no such subject and cannot
//! be allowed for a run: a command with opaque code or a word only the
//! running shell knows (`$VAR`, `~`, a glob — a later call with the same
//! text could do something else), input that does not parse, a tool
//! missing from the catalog, or an input the engine denies outright.
//!
//! An allowance is checked after the enforced rules and before everything
//! else ([`CompiledPolicy::decide_allowed_for_run`]): an enforced `deny` or
//! `ask` still decides, the agent's and workspace's rules and the mode do
//! not.

use std::fmt;

use crate::catalog::{ArgKind, Catalog};
use crate::compile::CompiledPolicy;
use crate::decision::{Decision, Request};
use crate::engine::{self, Fallback};
use crate::path::normalize_path;
use crate::{shell, url};

/// Why a request cannot be allowed for its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAllowable {
    message: String,
}

impl NotAllowable {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for NotAllowable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NotAllowable {}

/// The subject of `request` as the rules match it, for remembering and
/// recognising an allowance; see the module documentation.
///
/// ```
/// use bosun_policy::{Catalog, Request};
/// use bosun_policy::run_allowance::normalized_subject;
/// let catalog = Catalog::builtin();
/// let relative = Request::new("read_file", "src/../a.txt").with_working_dir("/repo");
/// assert_eq!(normalized_subject(&catalog, &relative).unwrap(), "/repo/a.txt");
/// assert!(normalized_subject(&catalog, &Request::new("system_shell", "rm $X")).is_err());
/// ```
pub fn normalized_subject(
    catalog: &Catalog,
    request: &Request<'_>,
) -> Result<String, NotAllowable> {
    let Some(tool) = catalog.get(request.tool) else {
        return Err(NotAllowable::new(format!(
            "`{}` is not in the tool catalog",
            request.tool
        )));
    };
    if request.input.contains('\0') {
        return Err(NotAllowable::new("the input holds a NUL character"));
    }
    match tool.arg_kind {
        // `~` is only known at run time, and so is what it names.
        ArgKind::Path if request.input.starts_with('~') => Err(NotAllowable::new(
            "the path starts with `~`, known only when the tool runs",
        )),
        ArgKind::Path => normalize_path(request.input, request.working_dir)
            .map_err(|error| NotAllowable::new(error.to_string())),
        ArgKind::Url => {
            url::normalize_url(request.input).map_err(|error| NotAllowable::new(error.to_string()))
        }
        ArgKind::Text => Ok(request.input.to_owned()),
        ArgKind::Command => command_subject(request),
    }
}

/// A command line as the engine reads it: one line per simple command or
/// redirection, each word quoted where the shell would need it, so that
/// different words never give the same text.
fn command_subject(request: &Request<'_>) -> Result<String, NotAllowable> {
    let commands = shell::parse_in(request.input, request.working_dir)
        .map_err(|error| NotAllowable::new(error.to_string()))?;
    if commands.is_empty() {
        return Ok(shell_quoted(request.input.trim()));
    }
    let mut lines = Vec::with_capacity(commands.len());
    for command in &commands {
        if let Some(why) = &command.unanalysable {
            return Err(NotAllowable::new(format!(
                "the command cannot be analysed: {why}"
            )));
        }
        if let Some(word) = &command.runtime_word {
            return Err(NotAllowable::new(format!(
                "`{word}` is known only when the command runs"
            )));
        }
        let line = match &command.redirect {
            Some(file) => {
                let op = command.text.split_once(' ').map_or("", |(op, _)| op);
                format!("{op} {}", shell_quoted(&file.path))
            }
            None => command
                .assignments()
                .chain([command.program_as_written()])
                .chain(command.args())
                .map(shell_quoted)
                .collect::<Vec<_>>()
                .join(" "),
        };
        lines.push(line);
    }
    Ok(lines.join("\n"))
}

/// A word as a shell would need it written to read it back as one word.
fn shell_quoted(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl CompiledPolicy {
    /// Decides a request whose subject its run allows: the enforced rules
    /// first, as always; where none of them decides, the allowance allows
    /// (reason `run_allowance`). The agent's rules, the workspace's and the
    /// mode are not consulted. Opaque code is still judged by every rule
    /// and the mode, and a tool missing from the catalog is still asked
    /// about: neither has a subject an allowance could be for.
    ///
    /// ```
    /// use bosun_policy::*;
    /// let deny = Rule::new("d", ToolSelector::parse("system_shell"), Action::Deny, Some(RulePattern::parse("npm publish *").unwrap()));
    /// let enforced = Rule::new("e", ToolSelector::parse("system_shell"), Action::Ask, Some(RulePattern::parse("git push *").unwrap()));
    /// let layers = Layers { enforced: vec![enforced], agent: vec![deny], ..Layers::default() };
    /// let policy = CompiledPolicy::compile(&layers, ExecutionMode::Locked, &Catalog::builtin());
    /// let allowed = policy.decide_allowed_for_run(&Request::new("system_shell", "npm publish ."));
    /// assert_eq!((allowed.action, allowed.reason), (Action::Allow, Reason::RunAllowance));
    /// let asked = policy.decide_allowed_for_run(&Request::new("system_shell", "git push origin"));
    /// assert_eq!(asked.action, Action::Ask);
    /// ```
    pub fn decide_allowed_for_run(&self, request: &Request<'_>) -> Decision {
        engine::decide_with(self, self.table(), request, Fallback::RunAllowance)
    }

    /// [`normalized_subject`] by the catalog the policy was compiled with.
    pub fn normalized_subject(&self, request: &Request<'_>) -> Result<String, NotAllowable> {
        normalized_subject(&self.table().catalog, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(tool: &str, input: &str, dir: Option<&str>) -> Result<String, NotAllowable> {
        let mut request = Request::new(tool, input);
        if let Some(dir) = dir {
            request = request.with_working_dir(dir);
        }
        normalized_subject(&Catalog::builtin(), &request)
    }

    #[test]
    fn paths_urls_and_commands_are_compared_as_the_rules_read_them() {
        assert_eq!(
            subject("delete_file", "logs/./old.log", Some("/srv")),
            subject("delete_file", "/srv/logs//old.log", None)
        );
        assert_eq!(
            subject("http_request", "HTTPS://Example.com:443/a/../b", None),
            subject("http_request", "https://example.com/b", None)
        );
        assert_eq!(
            subject("system_shell", "cat ./a.txt", Some("/srv")),
            subject("system_shell", "cat '/srv/a.txt'", None)
        );
        assert_ne!(
            subject("system_shell", "cat ./a.txt", Some("/srv")),
            subject("system_shell", "cat ./a.txt", Some("/home"))
        );
    }

    #[test]
    fn different_words_never_share_a_subject() {
        assert_ne!(
            subject("system_shell", "echo 'a b'", None),
            subject("system_shell", "echo a b", None)
        );
        assert_ne!(
            subject("system_shell", "echo 'a\nb'", None),
            subject("system_shell", "echo a; b", None)
        );
        assert_ne!(
            subject("system_shell", "echo hi > /tmp/x", None),
            subject("system_shell", "echo hi '>' /tmp/x", None)
        );
    }

    #[test]
    fn what_only_the_running_shell_knows_cannot_be_allowed_for_a_run() {
        for input in [
            "rm $TARGET",
            "ls *.rs",
            "cat ~/.ssh/id_rsa",
            "python3 -c 'print(1)'",
            "echo hi > $OUT",
            "echo 'unterminated",
        ] {
            assert!(subject("system_shell", input, None).is_err(), "{input}");
        }
        assert!(subject("read_file", "~/.bashrc", None).is_err());
        assert!(subject("read_file", "/../etc", None).is_err());
        assert!(subject("custom_tool", "anything", None).is_err());
    }
}
