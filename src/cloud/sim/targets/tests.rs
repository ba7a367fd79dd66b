//! Tests of the target families through `SimCloud`.
