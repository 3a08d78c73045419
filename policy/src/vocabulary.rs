//! Closed sets of names: the enums whose values travel as lower-case words
//! (in JSON, in the store, in query strings). Each is declared once with
//! [`vocabulary!`](crate::vocabulary), which derives its name list, its
//! `Display` and its `FromStr` from one table, so that the words a parser
//! accepts and the words an error lists cannot drift apart.

use std::fmt;

/// An enum that is one of a fixed list of names.
pub trait Vocabulary:
    Copy + Eq + fmt::Display + std::str::FromStr<Err = UnknownName> + 'static
{
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// Every value's name, in the order of [`Vocabulary::ALL`].
    const NAMES: &'static [&'static str];
    /// The value's name.
    fn name(self) -> &'static str;
}

/// A word that is not one of a vocabulary's names. Its message lists the
/// accepted ones: "must be one of: allow, ask, deny".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The names that would have been accepted.
    pub accepted: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "must be one of: {}", self.accepted.join(", "))
    }
}

impl std::error::Error for UnknownName {}

/// Gives an existing fieldless enum its names: an inherent `as_str`,
/// `Display`, `FromStr` (failing with [`UnknownName`]) and [`Vocabulary`].
/// The serde spelling of the enum must be the same (`rename_all =
/// "snake_case"` for these names); each crate's tests check that it is.
///
/// ```
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Colour { Red, DarkBlue }
/// bosun_policy::vocabulary!(Colour { Red => "red", DarkBlue => "dark_blue" });
/// assert_eq!("dark_blue".parse::<Colour>(), Ok(Colour::DarkBlue));
/// assert_eq!(
///     "green".parse::<Colour>().unwrap_err().to_string(),
///     "must be one of: red, dark_blue"
/// );
/// ```
#[macro_export]
macro_rules! vocabulary {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The name used in JSON, in the store and in messages.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }

        impl $crate::vocabulary::Vocabulary for $ty {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            const NAMES: &'static [&'static str] = &[$($name),+];
            fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::vocabulary::UnknownName;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    $($name => Ok(Self::$variant),)+
                    _ => Err($crate::vocabulary::UnknownName {
                        accepted: <Self as $crate::vocabulary::Vocabulary>::NAMES,
                    }),
                }
            }
        }
    };
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::Vocabulary;
    use crate::{Action, ArgKind, ExecutionMode, Layer, RiskLevel, ToolCategory};

    /// Every name parses back to its value, and serde spells it the same.
    fn agrees<T: Vocabulary + serde::Serialize + std::fmt::Debug>()
    where
        <T as std::str::FromStr>::Err: std::fmt::Debug,
    {
        assert_eq!(T::ALL.len(), T::NAMES.len());
        for (value, name) in T::ALL.iter().zip(T::NAMES) {
            assert_eq!(value.name(), *name);
            assert_eq!(value.to_string(), *name);
            assert_eq!(name.parse::<T>().unwrap(), *value);
            assert_eq!(serde_json::to_value(value).unwrap(), *name);
        }
        assert!("".parse::<T>().is_err());
    }

    #[test]
    fn the_policy_vocabularies_spell_their_names_as_serde_does() {
        agrees::<Action>();
        agrees::<ExecutionMode>();
        agrees::<Layer>();
        agrees::<ArgKind>();
        agrees::<RiskLevel>();
        agrees::<ToolCategory>();
    }

    #[test]
    fn an_unknown_name_lists_the_accepted_ones() {
        let error = "Allow".parse::<Action>().unwrap_err();
        assert_eq!(error.to_string(), "must be one of: allow, ask, deny");
    }
}
