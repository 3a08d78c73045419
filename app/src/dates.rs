//! How pages write time: an instant as a UTC date and time, to the
//! precision its place needs ([`Timestamp::format`], the same text on the
//! server and in the browser), and a span of time in words ([`span`],
//! [`duration`]).

pub use bosun_wire::time::{Precision, Timestamp};

/// `at` as pages write it, in UTC: [`Timestamp::format`] of its API text,
/// for the views that still carry a `chrono` instant from the service.
#[cfg(feature = "ssr")]
pub fn absolute(at: chrono::DateTime<chrono::Utc>, precision: Precision) -> String {
    Timestamp::from(at).format(precision)
}

/// An instant to the minute, or `never` for one that has not come and
/// will not: a token or key never used, one that never expires.
pub fn minute_or_never(at: Option<&Timestamp>) -> String {
    at.map_or_else(|| "never".to_owned(), |at| at.format(Precision::Minute))
}

/// A span in whole minutes, as a waiting request's age or time left:
/// `under a minute`, `12 min`, `3 h 5 min`. Negative spans read as none.
pub fn span(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "under a minute".into(),
        1..=59 => format!("{minutes} min"),
        _ => format!("{} h {} min", minutes / 60, minutes % 60),
    }
}

/// How long something took, as precisely as its length deserves: `850 ms`,
/// `12.4 s`, `3 min 05 s`, `2 h 07 min`.
pub fn duration(ms: i64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{}.{} s", ms / 1000, ms % 1000 / 100)
    } else if ms < 3_600_000 {
        format!("{} min {:02} s", ms / 60_000, ms % 60_000 / 1000)
    } else {
        format!("{} h {:02} min", ms / 3_600_000, ms % 3_600_000 / 60_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_durations_read_in_words() {
        assert_eq!(span(-5), "under a minute");
        assert_eq!(span(59_999), "under a minute");
        assert_eq!(span(12 * 60_000), "12 min");
        assert_eq!(span(185 * 60_000), "3 h 5 min");
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_400), "12.4 s");
        assert_eq!(duration(185_000), "3 min 05 s");
        assert_eq!(duration(7_620_000), "2 h 07 min");
    }
}
