//! Resource schemas, embedded from `schemas/*.json`.
