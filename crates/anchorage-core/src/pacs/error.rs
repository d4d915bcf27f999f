//! The PACS exchange's errors: each names the peer (`AE@host:port`) and the step that
//! failed, and says what happened in words (a refused connection, a rejected association
//! with its reason, a timeout with its length, a failure status with its code).

use std::fmt;
use std::path::PathBuf;

use super::node::{NodeError, PacsNode};
use super::status::DimseStatus;

/// The step of an exchange, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Opening the TCP connection.
    Connect,
    /// A-ASSOCIATE request and its answer.
    Associate,
    /// C-ECHO.
    Echo,
    /// C-FIND.
    Find,
    /// C-GET (with its C-STORE sub-operations).
    Get,
    /// C-MOVE (with the incoming associations of its sub-operations).
    Move,
    /// C-STORE.
    Store,
    /// A-RELEASE.
    Release,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Connect => "connect",
            Step::Associate => "association",
            Step::Echo => "C-ECHO",
            Step::Find => "C-FIND",
            Step::Get => "C-GET",
            Step::Move => "C-MOVE",
            Step::Store => "C-STORE",
            Step::Release => "release",
        })
    }
}

/// Everything that can go wrong talking to a PACS.
#[derive(Debug, thiserror::Error)]
pub enum PacsError {
    /// A node or AE title that cannot be used.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A query value that cannot be sent (a malformed date range, say).
    #[error("query: {0}")]
    BadQuery(String),
    /// Nothing listens on the port.
    #[error("{peer}: connection refused (is the PACS running and the port right?)")]
    Refused {
        /// The node.
        peer: PacsNode,
    },
    /// The TCP connection failed otherwise (unknown host, unreachable network).
    #[error("{peer}: cannot connect: {message}")]
    Connect {
        /// The node.
        peer: PacsNode,
        /// The system's words.
        message: String,
    },
    /// No answer within the timeout.
    #[error("{peer}: no answer within {timeout_s} s during the {step}")]
    Timeout {
        /// The node.
        peer: PacsNode,
        /// The step that waited.
        step: Step,
        /// The limit, in seconds.
        timeout_s: u64,
    },
    /// The peer refused the association (A-ASSOCIATE-RJ).
    #[error("{peer}: association rejected by the peer: {reason}")]
    Rejected {
        /// The node.
        peer: PacsNode,
        /// Permanent or transient, the source and its reason, e.g. "called AE title not
        /// recognized".
        reason: String,
    },
    /// The peer accepted none of the services or transfer syntaxes proposed.
    #[error("{peer}: the peer accepted no presentation context for {what}")]
    NoContext {
        /// The node.
        peer: PacsNode,
        /// The service or SOP class and transfer syntax.
        what: String,
    },
    /// The peer aborted the association (A-ABORT).
    #[error("{peer}: association aborted by the peer during the {step} ({source_text})")]
    Aborted {
        /// The node.
        peer: PacsNode,
        /// The step.
        step: Step,
        /// Who aborted and why, as the A-ABORT says.
        source_text: String,
    },
    /// The peer closed the TCP connection.
    #[error("{peer}: connection closed by the peer during the {step}")]
    Closed {
        /// The node.
        peer: PacsNode,
        /// The step.
        step: Step,
    },
    /// The peer answered with something DICOM does not allow there.
    #[error("{peer}: {step}: {message}")]
    Protocol {
        /// The node.
        peer: PacsNode,
        /// The step.
        step: Step,
        /// What was wrong.
        message: String,
    },
    /// Another network or encoding failure.
    #[error("{peer}: {step}: {message}")]
    Network {
        /// The node.
        peer: PacsNode,
        /// The step.
        step: Step,
        /// The cause, with its causes.
        message: String,
    },
    /// The peer answered with a failure status.
    #[error("{peer}: {step} failed with status {status}{}", comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default())]
    Status {
        /// The node.
        peer: PacsNode,
        /// The step.
        step: Step,
        /// The status.
        status: DimseStatus,
        /// The Error Comment (0000,0902), when the peer gave one.
        comment: Option<String>,
    },
    /// A local file could not be read or written.
    #[error("{message}: {}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A retrieve stopped before the study was complete (cancelled, cut off, or failed).
    #[error(
        "{peer}: retrieve of study {study} incomplete ({completed} completed, {failed} failed, {remaining} remaining): {cause}"
    )]
    Interrupted {
        /// The node.
        peer: PacsNode,
        /// The StudyInstanceUID.
        study: String,
        /// Instances received and written.
        completed: u32,
        /// Instances the peer reported failed.
        failed: u32,
        /// Instances not (yet) sent, as last reported, or unknown (0).
        remaining: u32,
        /// Why it stopped.
        cause: Box<PacsError>,
    },
    /// The user cancelled.
    #[error("cancelled by the user")]
    Cancelled,
}

/// The message of an error and all its causes, joined by ": ".
pub(crate) fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        next = s.source();
    }
    text
}

/// The first I/O error in the chain of causes.
pub(crate) fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = next {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        next = s.source();
    }
    None
}

/// Whether an I/O error is a socket timeout.
pub(crate) fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}
