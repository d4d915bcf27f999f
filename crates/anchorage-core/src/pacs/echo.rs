//! C-ECHO: is the node there and does it accept us?

use std::time::{Duration, Instant};

use dicom::dictionary_std::tags;

use super::assoc::{Dimse, EXPLICIT_LE, IMPLICIT_LE, command, data_set_type, field, ui, us};
use super::error::{PacsError, Step};
use super::node::PacsConfig;
use super::sop::VERIFICATION;
use super::status::StatusKind;

/// Sends one C-ECHO and returns the round trip time (association to release).
pub fn echo(cfg: &PacsConfig) -> Result<Duration, PacsError> {
    let start = Instant::now();
    let contexts = [(
        VERIFICATION.to_string(),
        vec![IMPLICIT_LE.to_string(), EXPLICIT_LE.to_string()],
    )];
    let mut d = Dimse::open(cfg, &contexts, &[])?;
    match echo_on(&mut d) {
        Ok(()) => {
            // The echo succeeded; a failed release says nothing more about the node.
            let _ = d.release();
            Ok(start.elapsed())
        }
        Err(e) => {
            d.abort();
            Err(e)
        }
    }
}

fn echo_on(
    d: &mut Dimse<dicom_ul::ClientAssociation<std::net::TcpStream>>,
) -> Result<(), PacsError> {
    let Some((pc, _)) = d.context_for(VERIFICATION, &[]) else {
        return Err(PacsError::NoContext {
            peer: d.peer().clone(),
            what: "Verification (C-ECHO)".into(),
        });
    };
    let id = d.next_message_id();
    let cmd = command(vec![
        ui(tags::AFFECTED_SOP_CLASS_UID, VERIFICATION),
        us(tags::COMMAND_FIELD, field::C_ECHO_RQ),
        us(tags::MESSAGE_ID, id),
        data_set_type(false),
    ]);
    d.send(Step::Echo, pc, &cmd, None)?;
    let rsp = d.expect(Step::Echo)?;
    if rsp.field() != Some(field::C_ECHO_RSP) {
        return Err(d.error(Step::Echo, "the answer is not a C-ECHO response"));
    }
    let Some(status) = rsp.status() else {
        return Err(d.error(Step::Echo, "the response has no status"));
    };
    match status.kind() {
        StatusKind::Success | StatusKind::Warning => Ok(()),
        _ => Err(PacsError::Status {
            peer: d.peer().clone(),
            step: Step::Echo,
            status,
            comment: rsp.text(tags::ERROR_COMMENT),
        }),
    }
}
