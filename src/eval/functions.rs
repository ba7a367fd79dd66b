//! HCL built-in functions.
