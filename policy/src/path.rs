//! Lexical path normalization, so that `/etc/./passwd`, `/tmp/../etc/passwd`
//! and `//etc/passwd/` all meet a rule written for `/etc/passwd`.
//!
//! Nothing here touches the file system: symbolic links are not resolved
//! (the engine is pure), `~` is an ordinary character, and the result is
//! always absolute, without `.`/`..` components, repeated or trailing `/`.

use std::fmt;

/// Why a path cannot be matched against rules. Each of these denies the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// The path is empty.
    Empty,
    /// The path (or working directory) contains a NUL byte, which no file
    /// system call accepts and which could cut the path short downstream.
    Nul,
    /// `..` climbs above the root directory.
    AboveRoot,
    /// A relative path came without a working directory to resolve it.
    RelativeWithoutWorkingDir,
    /// The working directory itself is not absolute.
    WorkingDirNotAbsolute,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "path is empty",
            Self::Nul => "path contains a NUL character",
            Self::AboveRoot => "path climbs above the root directory",
            Self::RelativeWithoutWorkingDir => {
                "path is relative and the request has no working directory"
            }
            Self::WorkingDirNotAbsolute => "working directory is not an absolute path",
        })
    }
}

impl std::error::Error for PathError {}

/// Normalizes `path` to an absolute path, joining a relative one to
/// `working_dir`.
///
/// ```
/// use bosun_policy::path::normalize_path;
/// assert_eq!(normalize_path("src/../.ssh//id_rsa/.", Some("/home/me")).unwrap(), "/home/me/.ssh/id_rsa");
/// assert!(normalize_path("/../etc/passwd", None).is_err());
/// ```
pub fn normalize_path(path: &str, working_dir: Option<&str>) -> Result<String, PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if path.contains('\0') {
        return Err(PathError::Nul);
    }
    if path.starts_with('/') {
        if is_clean(path) {
            return Ok(path.to_owned());
        }
        return clean_absolute(path);
    }
    let Some(dir) = working_dir else {
        return Err(PathError::RelativeWithoutWorkingDir);
    };
    if dir.contains('\0') {
        return Err(PathError::Nul);
    }
    if !dir.starts_with('/') {
        return Err(PathError::WorkingDirNotAbsolute);
    }
    // The working directory must itself stay below `/`; normalizing it on
    // its own first reports that as the error it is.
    let dir = clean_absolute(dir)?;
    let mut joined = String::with_capacity(dir.len() + 1 + path.len());
    joined.push_str(&dir);
    joined.push('/');
    joined.push_str(path);
    clean_absolute(&joined)
}

/// Whether an absolute path is already normal: no empty, `.` or `..`
/// component and no trailing `/` (except the root itself). Relative paths
/// are never reported clean.
pub(crate) fn is_clean(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    if !path.starts_with('/') {
        return false;
    }
    let b = path.as_bytes();
    b.iter()
        .enumerate()
        .filter(|&(_, &c)| c == b'/')
        .all(|(i, _)| {
            !matches!(
                &b[i + 1..],
                [] | [b'/', ..] | [b'.'] | [b'.', b'/', ..] | [b'.', b'.'] | [b'.', b'.', b'/', ..]
            )
        })
}

fn clean_absolute(path: &str) -> Result<String, PathError> {
    let mut out = String::with_capacity(path.len());
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => match out.rfind('/') {
                Some(at) => out.truncate(at),
                None => return Err(PathError::AboveRoot),
            },
            name => {
                out.push('/');
                out.push_str(name);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// Lexically cleans a path-like shell argument for matching, keeping it
/// relative if it was: `./a//b/../c` becomes `a/c`, `../x/./y` stays
/// `../x/y`, and `/tmp/../etc` becomes `/etc`. An absolute path that climbs
/// above `/` stays at `/` (the kernel does the same with `/..`).
pub(crate) fn clean_argument(arg: &str) -> String {
    let absolute = arg.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for component in arg.split('/') {
        match component {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push(".."),
            },
            name => parts.push(name),
        }
    }
    let body = parts.join("/");
    match (absolute, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_owned(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        let table: &[(&str, Option<&str>, &str)] = &[
            ("/etc/passwd", None, "/etc/passwd"),
            ("//etc///passwd", None, "/etc/passwd"),
            ("/etc/./passwd", None, "/etc/passwd"),
            ("/etc/passwd/.", None, "/etc/passwd"),
            ("/etc/passwd/", None, "/etc/passwd"),
            ("/tmp/../etc/passwd", None, "/etc/passwd"),
            ("/a/b/c/../../d", None, "/a/d"),
            ("/", None, "/"),
            ("/.", None, "/"),
            ("/a/..", None, "/"),
            ("src/main.rs", Some("/repo"), "/repo/src/main.rs"),
            ("./src/../Cargo.toml", Some("/repo/"), "/repo/Cargo.toml"),
            (
                "../../etc/shadow",
                Some("/home/me/repo"),
                "/home/etc/shadow",
            ),
            ("..", Some("/repo"), "/"),
            (".", Some("/repo//x/."), "/repo/x"),
            ("~/.ssh/id_rsa", Some("/w"), "/w/~/.ssh/id_rsa"),
            ("/a/.../b", None, "/a/.../b"),
        ];
        for &(path, dir, expected) in table {
            assert_eq!(
                normalize_path(path, dir).as_deref(),
                Ok(expected),
                "{path:?} in {dir:?}"
            );
        }
    }

    #[test]
    fn rejects_what_cannot_be_matched_safely() {
        let table: &[(&str, Option<&str>, PathError)] = &[
            ("", None, PathError::Empty),
            ("/etc/passwd\0.txt", None, PathError::Nul),
            ("a", Some("/re\0po"), PathError::Nul),
            ("/..", None, PathError::AboveRoot),
            ("/a/../../etc", None, PathError::AboveRoot),
            ("../../../..", Some("/a/b"), PathError::AboveRoot),
            ("x", Some("/../a"), PathError::AboveRoot),
            ("src/x", None, PathError::RelativeWithoutWorkingDir),
            ("src/x", Some("repo"), PathError::WorkingDirNotAbsolute),
        ];
        for (path, dir, expected) in table {
            assert_eq!(
                normalize_path(path, *dir).as_ref(),
                Err(expected),
                "{path:?} in {dir:?}"
            );
        }
    }

    #[test]
    fn cleans_shell_arguments_without_making_them_absolute() {
        let table = [
            ("./a//b/../c", "a/c"),
            ("../x/./y", "../x/y"),
            ("a/../../b", "../b"),
            ("/tmp/../etc/passwd", "/etc/passwd"),
            ("/../../etc", "/etc"),
            ("./", "."),
            ("/home/*/../../etc/passwd", "/etc/passwd"),
        ];
        for (arg, expected) in table {
            assert_eq!(clean_argument(arg), expected, "{arg:?}");
        }
    }
}
