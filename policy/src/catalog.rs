//! The tool catalog: what each tool's argument is, how risky it is by
//! default, and what it does, so that execution modes can decide about tools
//! they have never heard of by name.

use crate::Map;

/// What a tool's single argument is, and so how it is normalized before
/// patterns are matched against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ArgKind {
    /// A shell command line, split into simple commands.
    Command,
    /// A file system path, normalized to an absolute path.
    Path,
    /// A URL, normalized (scheme and host case, default port, dot segments).
    Url,
    /// Free text, matched as given.
    Text,
}

crate::vocabulary!(ArgKind { Command => "command", Path => "path", Url => "url", Text => "text" });

/// How dangerous a tool call is, for the person reviewing it.
///
/// Ordered by how much attention the call deserves: `Unknown` (we could not
/// tell) sits above `Caution` but below `Dangerous`, which is a positive
/// finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RiskLevel {
    /// Reads or lists; nothing changes.
    Safe,
    /// Changes something, or talks to the outside world.
    Caution,
    /// Could not be assessed: unknown tool or unparseable argument.
    Unknown,
    /// Destroys, escalates privileges, or runs code from elsewhere.
    Dangerous,
}

crate::vocabulary!(RiskLevel {
    Safe => "safe",
    Caution => "caution",
    Unknown => "unknown",
    Dangerous => "dangerous",
});

/// What a tool does, as far as execution modes care.
///
/// Custom tools pick the category that describes them; `Other` is treated
/// like the riskier built-in categories (asked about unless the mode is
/// `open`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ToolCategory {
    /// Reads or lists files or data.
    Read,
    /// Creates or modifies files.
    FileWrite,
    /// Deletes files.
    FileDelete,
    /// Runs commands.
    Shell,
    /// Talks to the network.
    Network,
    /// Sends messages to people (email, chat).
    Message,
    /// Anything else.
    Other,
}

crate::vocabulary!(ToolCategory {
    Read => "read",
    FileWrite => "file_write",
    FileDelete => "file_delete",
    Shell => "shell",
    Network => "network",
    Message => "message",
    Other => "other",
});

/// One tool of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Tool {
    /// Unique name, as agents call it (`system_shell`).
    pub name: String,
    /// What the argument is.
    pub arg_kind: ArgKind,
    /// Risk before looking at the argument.
    pub default_risk: RiskLevel,
    /// True when the tool changes nothing; such tools are allowed by the
    /// `restricted` and `read_write` modes.
    pub read_only: bool,
    /// What the tool does, for the `read_write` mode.
    pub category: ToolCategory,
    /// Where a structured (JSON object) input keeps what rules match: a
    /// JSON pointer such as `/command` or `/path`. `None`: the tool takes
    /// only string inputs, and an object input is denied.
    #[cfg_attr(feature = "serde", serde(default))]
    pub subject: Option<String>,
}

impl Tool {
    /// A tool with the given properties; `read_only` follows from `Read`.
    pub fn new(
        name: impl Into<String>,
        arg_kind: ArgKind,
        default_risk: RiskLevel,
        category: ToolCategory,
    ) -> Self {
        Self {
            name: name.into(),
            arg_kind,
            default_risk,
            read_only: category == ToolCategory::Read,
            category,
            subject: None,
        }
    }

    /// The same tool, judging object inputs by the field at `pointer`.
    #[must_use]
    pub fn with_subject(mut self, pointer: impl Into<String>) -> Self {
        self.subject = Some(pointer.into());
        self
    }

    /// Whether the `read_write` mode lets this tool run without asking:
    /// read-only tools and tools that create or modify files.
    pub fn allowed_in_read_write(&self) -> bool {
        self.read_only || self.category == ToolCategory::FileWrite
    }
}

/// The built-in tools every workspace is seeded with.
pub fn builtin_tools() -> Vec<Tool> {
    use ArgKind as K;
    use RiskLevel as R;
    use ToolCategory as C;
    vec![
        // Shell defaults to caution; the command itself raises it.
        Tool::new("system_shell", K::Command, R::Caution, C::Shell).with_subject("/command"),
        Tool::new("read_file", K::Path, R::Safe, C::Read).with_subject("/path"),
        Tool::new("write_file", K::Path, R::Caution, C::FileWrite).with_subject("/path"),
        Tool::new("delete_file", K::Path, R::Dangerous, C::FileDelete).with_subject("/path"),
        Tool::new("list_directory", K::Path, R::Safe, C::Read).with_subject("/path"),
        Tool::new("http_request", K::Url, R::Caution, C::Network).with_subject("/url"),
        // Several recipients are an array: each must be allowed.
        Tool::new("send_email", K::Text, R::Caution, C::Message).with_subject("/to"),
        // A query leaves the organization as it is written.
        Tool::new("web_search", K::Text, R::Caution, C::Network).with_subject("/query"),
    ]
}

/// A workspace's tools, looked up by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tools: Map<String, Tool>,
}

impl Catalog {
    /// A catalog of the given tools; a later tool replaces an earlier one of
    /// the same name.
    pub fn new(tools: impl IntoIterator<Item = Tool>) -> Self {
        Self {
            tools: tools.into_iter().map(|t| (t.name.clone(), t)).collect(),
        }
    }

    /// The built-in catalog ([`builtin_tools`]).
    pub fn builtin() -> Self {
        Self::new(builtin_tools())
    }

    /// The tool called `name`, if the catalog has it.
    pub fn get(&self, name: &str) -> Option<&Tool> {
        self.tools.get(name)
    }

    /// Adds or replaces a tool.
    pub fn insert(&mut self, tool: Tool) {
        self.tools.insert(tool.name.clone(), tool);
    }

    /// All tools, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Tool> {
        self.tools.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_the_seeded_tools() {
        let c = Catalog::builtin();
        let shell = c.get("system_shell").unwrap();
        assert_eq!(shell.arg_kind, ArgKind::Command);
        assert!(!shell.read_only);
        let read = c.get("read_file").unwrap();
        assert!(read.read_only && read.default_risk == RiskLevel::Safe);
        assert!(c.get("write_file").unwrap().allowed_in_read_write());
        assert!(!c.get("delete_file").unwrap().allowed_in_read_write());
        assert_eq!(c.get("http_request").unwrap().arg_kind, ArgKind::Url);
        assert_eq!(c.get("send_email").unwrap().arg_kind, ArgKind::Text);
        assert!(c.get("list_directory").unwrap().read_only);
        // A search query leaves the organization: not read-only.
        let search = c.get("web_search").unwrap();
        assert!(!search.read_only && search.subject.as_deref() == Some("/query"));
        assert_eq!(c.iter().count(), 8);
    }

    #[test]
    fn risk_levels_order_by_attention_needed() {
        assert!(RiskLevel::Safe < RiskLevel::Caution);
        assert!(RiskLevel::Caution < RiskLevel::Unknown);
        assert!(RiskLevel::Unknown < RiskLevel::Dangerous);
    }
}
