//! Expression evaluation: values, references and functions.

pub mod functions;
