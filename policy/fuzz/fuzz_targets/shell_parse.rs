//! Shell parsing never panics or overflows the stack, whatever the input,
//! and every command it reports has a canonical text to match.
#![no_main]

use bosun_policy::shell;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(commands) = shell::parse(text) {
        for c in commands {
            assert!(!c.text.is_empty(), "{text:?} gave an empty command: {c:?}");
        }
    }
});
