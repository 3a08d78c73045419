//! Parsing of user input into values the rest of the code can trust. Each
//! failure names the field and the problem.

use bosun_wire::vocabulary::Vocabulary;

use crate::{Error, Result};

/// The longest name people give a thing (an agent, a token, a key, a
/// member, a provider's display name), in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The bounds of a new password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 512;

/// One of a vocabulary's names (see [`bosun_wire::vocabulary`]), or an
/// error naming the field and listing the accepted names. For a name the
/// store gave back, see [`stored`].
pub fn one_of<T: Vocabulary>(field: &'static str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|unknown: bosun_wire::vocabulary::UnknownName| {
            Error::invalid(field, unknown.to_string())
        })
}

/// One of a vocabulary's names as the store gave it back (`what`, e.g.
/// "agent execution_mode"): one that does not parse is a corrupt row, our
/// fault and not the caller's, answered like every other
/// ([`Error::corrupt`]).
pub fn stored<T: Vocabulary>(what: &str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|unknown: bosun_wire::vocabulary::UnknownName| Error::corrupt(what, unknown))
}

/// One of a fixed list of words, or an error listing them.
pub fn choice(field: &'static str, value: &str, accepted: &[&'static str]) -> Result<&'static str> {
    accepted
        .iter()
        .find(|word| **word == value)
        .copied()
        .ok_or_else(|| Error::invalid(field, format!("must be one of: {}", accepted.join(", "))))
}

/// Free text with an upper bound (descriptions, instructions); may be empty.
pub fn text(field: &'static str, value: &str, max_chars: usize) -> Result<String> {
    at_most(field, value, max_chars)?;
    if value.contains('\0') {
        return Err(Error::invalid(field, "must not contain NUL characters"));
    }
    Ok(value.to_owned())
}

/// [`text`], kept without the whitespace around it.
pub fn trimmed_text(field: &'static str, value: &str, max_chars: usize) -> Result<String> {
    text(field, value, max_chars).map(|text| text.trim().to_owned())
}

/// The bound counts what was sent, before any trimming, so that it is the
/// `maxLength` the API document states: a value the document refuses is
/// never one the server takes.
fn at_most(field: &'static str, value: &str, max_chars: usize) -> Result<()> {
    if value.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(())
}

/// A machine name such as a tool's: lower-case letters, digits and
/// underscores, starting with a letter.
pub fn identifier(field: &'static str, value: &str) -> Result<String> {
    let valid_start = value.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let valid_rest = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if value.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if !valid_start || !valid_rest || value.len() > 64 {
        return Err(Error::invalid(
            field,
            "must be 1 to 64 lower-case letters, digits or underscores, starting with a letter",
        ));
    }
    Ok(value.to_owned())
}

/// A normalized (trimmed, lower-case) email address.
pub fn email(field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if value.len() > 254 {
        return Err(Error::invalid(field, "must be at most 254 characters"));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(Error::invalid(
            field,
            "must be an email address like name@example.com",
        ));
    };
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || value.chars().any(char::is_whitespace)
    {
        return Err(Error::invalid(
            field,
            "must be an email address like name@example.com",
        ));
    }
    Ok(value.to_lowercase())
}

/// A display name or label: trimmed, non-empty, bounded, no control characters.
pub fn label(field: &'static str, value: &str, max_chars: usize) -> Result<String> {
    at_most(field, value, max_chars)?;
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// A new password: long enough to resist guessing, short enough to hash.
pub fn new_password(field: &'static str, value: &str) -> Result<()> {
    let chars = value.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_name_that_does_not_parse_is_ours_to_fix_not_the_callers() {
        let mode: bosun_policy::ExecutionMode = stored("agent execution_mode", "open").unwrap();
        assert_eq!(mode, bosun_policy::ExecutionMode::Open);
        let corrupt =
            stored::<bosun_policy::ExecutionMode>("agent execution_mode", "wide_open").unwrap_err();
        assert_eq!(corrupt.code(), crate::Code::Internal);
        let invalid =
            one_of::<bosun_policy::ExecutionMode>("execution_mode", "wide_open").unwrap_err();
        assert_eq!(invalid.code(), crate::Code::InvalidInput);
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            email("email", "  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_name_the_field() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a@b@c",
            "ada lovelace@example.com",
        ] {
            let error = email("email", bad).unwrap_err();
            assert!(
                error.to_string().starts_with("email: "),
                "{bad:?} gave {error}"
            );
        }
    }

    #[test]
    fn labels_reject_empty_long_and_control_characters() {
        assert_eq!(label("name", " Ada ", 10).unwrap(), "Ada");
        assert!(label("name", "   ", 10).is_err());
        assert!(label("name", "abcdefghijk", 10).is_err());
        assert!(label("name", "a\u{7}b", 10).is_err());
    }

    #[test]
    fn bounds_count_the_text_as_sent_with_its_surrounding_whitespace() {
        // An API document's `maxLength` counts every character sent.
        assert_eq!(label("name", " abcdefghij", 11).unwrap(), "abcdefghij");
        assert!(label("name", " abcdefghij", 10).is_err());
        assert_eq!(trimmed_text("note", "ab\n", 3).unwrap(), "ab");
        assert!(trimmed_text("note", "ab\n", 2).is_err());
    }

    #[test]
    fn enum_names_are_parsed_and_a_wrong_one_lists_the_accepted_names() {
        let mode: bosun_policy::ExecutionMode = one_of("execution_mode", "read_write").unwrap();
        assert_eq!(mode, bosun_policy::ExecutionMode::ReadWrite);
        let error = one_of::<bosun_policy::ExecutionMode>("execution_mode", "yolo").unwrap_err();
        assert_eq!(
            error.to_string(),
            "execution_mode: must be one of: restricted, read_write, open, locked"
        );
        let error = one_of::<bosun_wire::vocabulary::Role>("role", "owner").unwrap_err();
        assert_eq!(error.to_string(), "role: must be one of: admin, member");
    }

    #[test]
    fn identifiers_are_lower_snake_case() {
        assert!(identifier("name", "run_tests2").is_ok());
        for bad in ["", "Run", "2run", "run-tests", "run tests"] {
            assert!(identifier("name", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(new_password("password", "short").is_err());
        assert!(new_password("password", "long enough").is_ok());
    }
}
