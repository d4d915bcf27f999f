//! DICOM networking with a PACS (DIMSE over dicom-ul's upper layer): C-ECHO, study-root
//! C-FIND of studies and their series, retrieve of a study by C-GET or by C-MOVE to a
//! storage service of our own, and C-STORE of files. Synchronous and blocking: callers
//! that must stay responsive (the window) run it on a thread of their own.
//!
//! Owns: the node's address as a typed value ([`node`]), typed status codes
//! ([`status`]), the errors that name the peer and the step ([`error`]), the message
//! layer with its timeouts ([`assoc`]) and the services ([`echo`], [`find`],
//! [`retrieve`], [`store`]). Every network step (connect, association, each response) is
//! bounded by the configured timeout; nothing read from the network is trusted.
//! Anchorage talks only to the node the user configured, and to nobody else.

pub mod assoc;
pub mod echo;
pub mod error;
pub mod find;
mod incoming;
mod move_scp;
pub mod node;
pub mod retrieve;
pub mod sop;
pub mod status;
pub mod store;
