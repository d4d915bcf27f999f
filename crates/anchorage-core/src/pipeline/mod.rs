//! From a session to the per-screw table, in one place for the window and the command
//! line: find and load the session's series, measure every ROI on its own series, load
//! the model files, and compute the protocol results ([`study`]).

pub mod study;
