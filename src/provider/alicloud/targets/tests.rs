//! Tests of the target types through `AlicloudProvider` over a temporary `SimCloud`.
