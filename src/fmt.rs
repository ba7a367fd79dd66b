//! Canonical formatting of HCL files (`eipform fmt`).
