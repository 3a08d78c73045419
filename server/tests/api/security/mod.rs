//! Attacks on Bosun's promises, each tried the way an attacker would.

mod bad_values;
mod outbound;
mod storage;
mod throttling;
mod worker;
