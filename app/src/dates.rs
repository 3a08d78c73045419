//! How pages write time: an instant as a UTC date and time, to the
//! precision its place needs ([`absolute`], made on the server), and a span
//! of time in words ([`span`], [`duration`]), in the browser too.

/// How much of an instant a place shows.
#[cfg(feature = "ssr")]
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

/// `at` as pages write it, in UTC.
#[cfg(feature = "ssr")]
pub fn absolute(at: chrono::DateTime<chrono::Utc>, precision: Precision) -> String {
    let format = match precision {
        Precision::Day => "%Y-%m-%d",
        Precision::Minute => "%Y-%m-%d %H:%M UTC",
        Precision::Second => "%Y-%m-%d %H:%M:%S UTC",
        Precision::Millisecond => "%Y-%m-%d %H:%M:%S%.3f UTC",
    };
    at.format(format).to_string()
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

    #[cfg(feature = "ssr")]
    #[test]
    fn an_instant_reads_to_the_precision_asked_and_says_utc() {
        use chrono::TimeZone as _;
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 14, 5, 9)
            .unwrap()
            + chrono::Duration::milliseconds(123);
        assert_eq!(absolute(at, Precision::Day), "2026-11-30");
        assert_eq!(absolute(at, Precision::Minute), "2026-11-30 14:05 UTC");
        assert_eq!(absolute(at, Precision::Second), "2026-11-30 14:05:09 UTC");
        assert_eq!(
            absolute(at, Precision::Millisecond),
            "2026-11-30 14:05:09.123 UTC"
        );
    }

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
