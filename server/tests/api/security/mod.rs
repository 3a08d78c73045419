//! Security: what Bosun's guarantees look like to the people and agents it
//! governs when they try to get around them.

mod expiry;
mod revocation;
mod runtime_keys;
mod settings;
