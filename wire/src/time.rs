//! Instants on the wire: [`Timestamp`] carries the RFC 3339 text the REST
//! API writes (UTC, `Z`, fraction digits only when not zero) and formats it
//! as pages show it ([`Precision`]) from that text alone, so the browser
//! needs no date library and writes exactly what the server wrote.
//!
//! With the `chrono` feature (the service's and the server's, not the
//! browser's), a `chrono::DateTime<Utc>` converts to a timestamp and back.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant as the REST API writes it: `2026-11-30T14:05:09Z`, or with
/// 3, 6 or 9 fraction digits when the fraction is not zero
/// (`2026-11-30T14:05:09.123Z`). Serialized as that text.
///
/// Its text is checked when it is read, so formatting never fails; it is
/// not ordered, since text order is not time order once fractions differ.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp(String);

/// How much of an instant a place shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// `2026-11-30`: when someone joined.
    Day,
    /// `2026-11-30 14:05 UTC`: when something was made, changed or used.
    Minute,
    /// `2026-11-30 14:05:09 UTC`: a run's steps and what was allowed in it.
    Second,
    /// `2026-11-30 14:05:09.123 UTC`: events in a trace, which may come
    /// within the same second.
    Millisecond,
}

/// Text that is not an instant in the API's form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTimestamp(String);

impl fmt::Display for InvalidTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a UTC instant like 2026-11-30T14:05:09Z",
            self.0
        )
    }
}

impl std::error::Error for InvalidTimestamp {}

impl Timestamp {
    /// The text, if it is an instant as the API writes them: a year of at
    /// least four digits (signed outside 0000–9999), month, day, hours,
    /// minutes and seconds in range (60 for a leap second), 3, 6 or 9
    /// fraction digits or none, and `Z`.
    pub fn parse(text: &str) -> Result<Self, InvalidTimestamp> {
        if Parts::of(text).is_some() {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidTimestamp(text.chars().take(64).collect()))
        }
    }

    /// The RFC 3339 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant as pages write it, in UTC: `2026-11-30`,
    /// `2026-11-30 14:05 UTC`, `2026-11-30 14:05:09 UTC` or
    /// `2026-11-30 14:05:09.123 UTC` (the fraction cut, not rounded, to
    /// milliseconds).
    pub fn format(&self, precision: Precision) -> String {
        let Some(parts) = Parts::of(&self.0) else {
            // Unreachable: every timestamp's text was checked when made.
            return self.0.clone();
        };
        let Parts {
            date,
            minute,
            second,
            fraction,
        } = parts;
        match precision {
            Precision::Day => date.to_owned(),
            Precision::Minute => format!("{date} {minute} UTC"),
            Precision::Second => format!("{date} {minute}:{second} UTC"),
            Precision::Millisecond => {
                let millis: String = fraction.chars().chain("000".chars()).take(3).collect();
                format!("{date} {minute}:{second}.{millis} UTC")
            }
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The pieces of a checked timestamp's text that pages show.
struct Parts<'a> {
    /// `2026-11-30` (or a signed year of more digits).
    date: &'a str,
    /// `14:05`.
    minute: &'a str,
    /// `09`.
    second: &'a str,
    /// The fraction's digits, empty when there is none.
    fraction: &'a str,
}

impl<'a> Parts<'a> {
    fn of(text: &'a str) -> Option<Self> {
        let (date, time) = text.split_once('T')?;
        let time = time.strip_suffix('Z')?;
        if !(valid_date(date) && time.is_ascii()) {
            return None;
        }
        let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
        let [hour, minute, second] = numbers(clock, ':')?;
        let (hh, mm, ss) = (number(hour)?, number(minute)?, number(second)?);
        let fraction_ok = matches!(fraction.len(), 0 | 3 | 6 | 9)
            && fraction.bytes().all(|digit| digit.is_ascii_digit())
            && !(time.contains('.') && fraction.is_empty());
        let two_digits = [hour, minute, second].iter().all(|part| part.len() == 2);
        (two_digits && hh < 24 && mm < 60 && ss <= 60 && fraction_ok).then(|| Self {
            date,
            minute: &time[..5],
            second,
            fraction,
        })
    }
}

/// `YYYY-MM-DD` with a real day of that month; years outside 0000–9999
/// carry a sign, as RFC 3339's extension for them does.
fn valid_date(date: &str) -> bool {
    let (sign, unsigned) = match date.as_bytes().first() {
        Some(b'+' | b'-') => (true, &date[1..]),
        _ => (false, date),
    };
    let Some([year, month, day]) = numbers(unsigned, '-') else {
        return false;
    };
    let (Some(y), Some(m), Some(d)) = (number(year), number(month), number(day)) else {
        return false;
    };
    let year_ok = if sign {
        year.len() >= 4
    } else {
        year.len() == 4
    };
    // Only leap years matter here, so the sign of the year does not.
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year_ok && month.len() == 2 && day.len() == 2 && (1..=days).contains(&d)
}

/// Exactly three fields separated by `separator`.
fn numbers(text: &str, separator: char) -> Option<[&str; 3]> {
    let mut fields = text.split(separator);
    let found = [fields.next()?, fields.next()?, fields.next()?];
    fields.next().is_none().then_some(found)
}

/// A field of ASCII digits (no sign), as a number.
fn number(field: &str) -> Option<u64> {
    if field.is_empty() || field.len() > 9 || !field.bytes().all(|digit| digit.is_ascii_digit()) {
        return None;
    }
    field.parse().ok()
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use chrono::{DateTime, SecondsFormat, Utc};

    use super::Timestamp;

    impl From<DateTime<Utc>> for Timestamp {
        /// The text chrono's serde writes for the instant, which is what the
        /// REST API has always answered.
        fn from(at: DateTime<Utc>) -> Self {
            Self(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
    }

    impl TryFrom<&Timestamp> for DateTime<Utc> {
        type Error = chrono::ParseError;

        /// The instant back, for the few years chrono cannot hold.
        fn try_from(at: &Timestamp) -> Result<Self, Self::Error> {
            DateTime::parse_from_rfc3339(at.as_str()).map(|at| at.with_timezone(&Utc))
        }
    }
}

#[cfg(feature = "openapi")]
mod schema {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

    use super::Timestamp;

    impl utoipa::PartialSchema for Timestamp {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .description(Some(
                    "An instant in UTC (RFC 3339), e.g. `2026-11-30T14:05:09Z`.",
                ))
                .into()
        }
    }

    impl utoipa::ToSchema for Timestamp {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn an_instant_reads_to_the_precision_asked_and_says_utc() {
        let with_fraction = at("2026-11-30T14:05:09.123Z");
        assert_eq!(with_fraction.format(Precision::Day), "2026-11-30");
        assert_eq!(
            with_fraction.format(Precision::Minute),
            "2026-11-30 14:05 UTC"
        );
        assert_eq!(
            with_fraction.format(Precision::Second),
            "2026-11-30 14:05:09 UTC"
        );
        assert_eq!(
            with_fraction.format(Precision::Millisecond),
            "2026-11-30 14:05:09.123 UTC"
        );
    }

    #[test]
    fn milliseconds_are_zeros_without_a_fraction_and_cut_from_a_longer_one() {
        let whole = at("2026-11-30T14:05:09Z");
        assert_eq!(whole.format(Precision::Second), "2026-11-30 14:05:09 UTC");
        assert_eq!(
            whole.format(Precision::Millisecond),
            "2026-11-30 14:05:09.000 UTC"
        );
        assert_eq!(
            at("2026-11-30T14:05:09.123999Z").format(Precision::Millisecond),
            "2026-11-30 14:05:09.123 UTC"
        );
        assert_eq!(
            at("2026-11-30T14:05:09.000000001Z").format(Precision::Millisecond),
            "2026-11-30 14:05:09.000 UTC"
        );
    }

    #[test]
    fn a_timestamp_is_its_text_on_the_wire() {
        let text = "2026-11-30T14:05:09.120Z";
        let json = serde_json::to_string(&at(text)).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), at(text));
    }

    #[test]
    fn text_that_is_not_an_instant_in_the_api_form_is_refused() {
        for text in [
            "",
            "2026-11-30",
            "2026-11-30T14:05:09",
            "2026-11-30T14:05:09+00:00",
            "2026-11-30 14:05:09Z",
            "2026-11-30T14:05Z",
            "2026-11-30T14:05:09.Z",
            "2026-11-30T14:05:09.12Z",
            "2026-11-30T14:05:09.1234Z",
            "2026-11-30T24:00:00Z",
            "2026-11-30T14:60:00Z",
            "2026-11-30T14:05:61Z",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-11-00T00:00:00Z",
            "26-11-30T14:05:09Z",
            "12026-11-30T14:05:09Z",
            "+2026-1-30T14:05:09Z",
            "2026-11-30T14:05:0٩Z",
            "2026-11-30T1:05:09Z",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text} was accepted");
            assert!(
                serde_json::from_value::<Timestamp>(text.into()).is_err(),
                "{text} was read"
            );
        }
        let error = Timestamp::parse("yesterday").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`yesterday` is not a UTC instant like 2026-11-30T14:05:09Z"
        );
    }

    #[test]
    fn leap_days_leap_seconds_and_far_years_are_instants() {
        for text in [
            "2028-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "0099-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z",
            "-0001-12-31T23:59:59.000001Z",
        ] {
            assert!(Timestamp::parse(text).is_ok(), "{text} was refused");
        }
        assert!(Timestamp::parse("1900-02-29T00:00:00Z").is_err());
        assert_eq!(
            at("+10000-01-01T00:00:00Z").format(Precision::Minute),
            "+10000-01-01 00:00 UTC"
        );
    }

    #[cfg(feature = "chrono")]
    mod with_chrono {
        use chrono::{DateTime, Duration, TimeZone as _, Utc};

        use super::super::*;

        fn instant(nanos: i64) -> DateTime<Utc> {
            Utc.with_ymd_and_hms(2026, 11, 30, 14, 5, 9).unwrap() + Duration::nanoseconds(nanos)
        }

        #[test]
        fn a_timestamp_is_written_exactly_as_chrono_writes_the_instant() {
            for nanos in [0, 120_000_000, 123_000_000, 123_456_000, 123_456_789, 1] {
                let at = instant(nanos);
                let ours = serde_json::to_string(&Timestamp::from(at)).unwrap();
                assert_eq!(ours, serde_json::to_string(&at).unwrap());
                let back = DateTime::<Utc>::try_from(&Timestamp::from(at)).unwrap();
                assert_eq!(back, at);
            }
            assert_eq!(Timestamp::from(instant(0)).as_str(), "2026-11-30T14:05:09Z");
            assert_eq!(
                Timestamp::from(instant(120_000_000)).as_str(),
                "2026-11-30T14:05:09.120Z"
            );
        }

        #[test]
        fn every_precision_reads_as_chrono_formats_it() {
            let formats = [
                (Precision::Day, "%Y-%m-%d"),
                (Precision::Minute, "%Y-%m-%d %H:%M UTC"),
                (Precision::Second, "%Y-%m-%d %H:%M:%S UTC"),
                (Precision::Millisecond, "%Y-%m-%d %H:%M:%S%.3f UTC"),
            ];
            for nanos in [0, 7_000_000, 123_456_000, 999_999_999] {
                let at = instant(nanos);
                for (precision, format) in formats {
                    let expected = at.format(format).to_string();
                    assert_eq!(Timestamp::from(at).format(precision), expected);
                }
            }
        }

        #[test]
        fn whatever_chrono_writes_reads_back_as_a_timestamp() {
            for at in [
                Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(12026, 6, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(-44, 3, 15, 12, 0, 0).unwrap() + Duration::microseconds(5),
            ] {
                let text = serde_json::to_string(&at).unwrap();
                let read: Timestamp = serde_json::from_str(&text).unwrap();
                assert_eq!(read, Timestamp::from(at));
            }
        }
    }
}
