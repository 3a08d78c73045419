//! Bosun policy engine (placeholder until the engine lands).
