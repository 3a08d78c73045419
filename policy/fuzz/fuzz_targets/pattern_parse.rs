//! Pattern parsing never panics, and a parsed pattern behaves consistently:
//! it matches its own witness, contains itself, and re-parses to itself.
#![no_main]

use bosun_policy::RulePattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pattern) = RulePattern::parse(text) else {
        return;
    };
    assert!(pattern.is_subsumed_by(&pattern));
    assert_eq!(RulePattern::parse(pattern.as_str()).as_ref(), Ok(&pattern));
    let literal: String = pattern.as_str().replace("\\*", "*").replace("\\\\", "\\");
    if pattern.is_literal() {
        assert!(pattern.matches(&literal));
    }
});
