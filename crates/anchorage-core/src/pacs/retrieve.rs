//! Retrieving a study into a folder: C-GET (preferred: the instances come back on the same
//! association, no inbound port) or C-MOVE to our own storage service on a port we open
//! for the duration ([`super::move_scp`]). Progress is reported per instance; a retrieve
//! that stops before the study is complete (cancelled, cut off, failed sub-operations) is
//! an [`PacsError::Interrupted`] with its counts, never a success.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use dicom::core::{DataElement, PrimitiveValue, Tag, VR};
use dicom::dictionary_std::tags;
use dicom::object::InMemDicomObject;
use dicom_ul::ClientAssociation;

use super::assoc::{
    Dimse, EXPLICIT_LE, IMPLICIT_LE, Message, command, data_set_type, field, ui, us,
};
use super::error::{PacsError, Step};
use super::incoming::store_request;
use super::move_scp::StoreScp;
use super::node::PacsConfig;
use super::sop::{STUDY_ROOT_GET, STUDY_ROOT_MOVE, storage_classes, storage_contexts};
use super::status::{DimseStatus, StatusKind};

/// How to retrieve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrieveMethod {
    /// C-GET: the instances come back on our association.
    Get,
    /// C-MOVE to our own AE title, which the PACS must know at this port on our host.
    Move {
        /// The port our storage service listens on while the retrieve runs.
        port: u16,
    },
}

/// Where a retrieve stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Instances received and written.
    pub completed: u32,
    /// Sub-operations the PACS reported failed.
    pub failed: u32,
    /// Sub-operations the PACS reported completed with a warning.
    pub warning: u32,
    /// Sub-operations still to come, as the PACS last said (None until it says).
    pub remaining: Option<u32>,
    /// Sub-operations completed, as the PACS last said.
    pub peer_completed: u32,
    /// The file written last.
    pub last_file: Option<PathBuf>,
}

impl Progress {
    /// The total the PACS announced so far, when it did.
    pub fn total(&self) -> Option<u32> {
        self.remaining
            .map(|r| r.saturating_add(self.peer_completed + self.failed + self.warning))
    }
}

/// A complete retrieve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrieveReport {
    /// The StudyInstanceUID.
    pub study_uid: String,
    /// The folder written to.
    pub out_dir: PathBuf,
    /// Every file written, in arrival order.
    pub files: Vec<PathBuf>,
    /// Sub-operations completed with a warning, as the PACS reported.
    pub warning: u32,
    /// The final status.
    pub status: DimseStatus,
}

/// Retrieves study `study_uid` into `out_dir` (created when missing). `cancel` is looked
/// at between messages; `progress` is called after each instance and each pending
/// response.
pub fn retrieve_study(
    cfg: &PacsConfig,
    study_uid: &str,
    out_dir: &Path,
    method: RetrieveMethod,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RetrieveReport, PacsError> {
    if study_uid.is_empty()
        || study_uid.len() > 64
        || !study_uid.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return Err(PacsError::BadQuery(format!(
            "study {study_uid:?} is not a UID (digits and dots, at most 64)"
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| PacsError::File {
        path: out_dir.to_path_buf(),
        message: format!("cannot create the folder: {e}"),
    })?;
    let mut run = Run {
        cfg,
        study_uid,
        out_dir,
        cancel,
        progress,
        state: Progress::default(),
        files: Vec::new(),
    };
    let (step, result) = match method {
        RetrieveMethod::Get => (Step::Get, run.get()),
        RetrieveMethod::Move { port } => (Step::Move, run.r#move(port)),
    };
    let interrupted = |state: &Progress, cause: PacsError| PacsError::Interrupted {
        peer: cfg.peer.clone(),
        study: study_uid.to_string(),
        completed: state.completed,
        failed: state.failed,
        remaining: state.remaining.unwrap_or(0),
        cause: Box::new(cause),
    };
    match result {
        Err(e) => Err(interrupted(&run.state, e)),
        Ok((status, comment)) => {
            let s = &run.state;
            let complete = status.is_done() && s.failed == 0 && s.remaining.unwrap_or(0) == 0;
            if complete {
                Ok(RetrieveReport {
                    study_uid: study_uid.to_string(),
                    out_dir: out_dir.to_path_buf(),
                    files: run.files,
                    warning: s.warning,
                    status,
                })
            } else {
                let cause = if status.kind() == StatusKind::Cancel {
                    PacsError::Cancelled
                } else {
                    PacsError::Status {
                        peer: cfg.peer.clone(),
                        step,
                        status,
                        comment,
                    }
                };
                Err(interrupted(s, cause))
            }
        }
    }
}

struct Run<'a> {
    cfg: &'a PacsConfig,
    study_uid: &'a str,
    out_dir: &'a Path,
    cancel: &'a AtomicBool,
    progress: &'a mut dyn FnMut(&Progress),
    state: Progress,
    files: Vec<PathBuf>,
}

fn count(msg: &Message, tag: Tag) -> Option<u32> {
    msg.u16(tag).map(u32::from)
}

impl Run<'_> {
    fn identifier(&self) -> InMemDicomObject {
        InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::QUERY_RETRIEVE_LEVEL,
                VR::CS,
                PrimitiveValue::from("STUDY"),
            ),
            DataElement::new(
                tags::STUDY_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(self.study_uid),
            ),
        ])
    }

    /// Takes the counts of a C-GET or C-MOVE response. A final response without a
    /// Remaining count means none remain (PS3.4 C.4.2.1.6).
    fn take_counts(&mut self, msg: &Message, is_final: bool) {
        match count(msg, tags::NUMBER_OF_REMAINING_SUBOPERATIONS) {
            Some(r) => self.state.remaining = Some(r),
            None if is_final => self.state.remaining = Some(0),
            None => {}
        }
        if let Some(c) = count(msg, tags::NUMBER_OF_COMPLETED_SUBOPERATIONS) {
            self.state.peer_completed = c;
        }
        if let Some(f) = count(msg, tags::NUMBER_OF_FAILED_SUBOPERATIONS) {
            self.state.failed = f;
        }
        if let Some(w) = count(msg, tags::NUMBER_OF_WARNING_SUBOPERATIONS) {
            self.state.warning = w;
        }
    }

    fn stored(&mut self, path: PathBuf) {
        self.files.push(path.clone());
        self.state.completed = self.files.len() as u32;
        self.state.last_file = Some(path);
        (self.progress)(&self.state);
    }

    fn send_cancel(
        d: &mut Dimse<ClientAssociation<TcpStream>>,
        step: Step,
        pc: u8,
        id: u16,
    ) -> Result<(), PacsError> {
        let cmd = command(vec![
            us(tags::COMMAND_FIELD, field::C_CANCEL_RQ),
            us(tags::MESSAGE_ID_BEING_RESPONDED_TO, id),
            data_set_type(false),
        ]);
        d.send(step, pc, &cmd, None)
    }

    /// Sends the study-level C-GET or C-MOVE request (`class`, `rq_field`, plus `extra`
    /// command elements) with the identifier; returns its context and message ID.
    fn send_request(
        &self,
        d: &mut Dimse<ClientAssociation<TcpStream>>,
        step: Step,
        (class, what): (&str, &str),
        rq_field: u16,
        extra: Vec<DataElement<InMemDicomObject>>,
    ) -> Result<(u8, u16), PacsError> {
        let Some((pc, _)) = d.context_for(class, &[]) else {
            return Err(PacsError::NoContext {
                peer: d.peer().clone(),
                what: what.into(),
            });
        };
        let id = d.next_message_id();
        let mut elements = vec![
            ui(tags::AFFECTED_SOP_CLASS_UID, class),
            us(tags::COMMAND_FIELD, rq_field),
            us(tags::MESSAGE_ID, id),
            us(tags::PRIORITY, 0),
            data_set_type(true),
        ];
        elements.extend(extra);
        let data = d.encode(step, pc, &self.identifier())?;
        d.send(step, pc, &command(elements), Some(&data))?;
        Ok((pc, id))
    }

    /// A C-GET or C-MOVE response: its counts taken, then `None` while pending (progress
    /// reported), else the final status and comment (or Cancelled when we cancelled).
    fn response(
        &mut self,
        d: &Dimse<ClientAssociation<TcpStream>>,
        (step, rsp): (Step, &str),
        msg: &Message,
        cancel_sent: bool,
    ) -> Result<Option<(DimseStatus, Option<String>)>, PacsError> {
        let Some(status) = msg.status() else {
            return Err(d.error(step, format!("a {rsp} response has no status")));
        };
        let pending = status.kind() == StatusKind::Pending;
        self.take_counts(msg, !pending);
        if pending {
            (self.progress)(&self.state);
            return Ok(None);
        }
        if cancel_sent {
            return Err(PacsError::Cancelled);
        }
        Ok(Some((status, msg.text(tags::ERROR_COMMENT))))
    }

    /// C-GET; returns the final status and its comment.
    fn get(&mut self) -> Result<(DimseStatus, Option<String>), PacsError> {
        let mut contexts = vec![(
            STUDY_ROOT_GET.to_string(),
            vec![EXPLICIT_LE.to_string(), IMPLICIT_LE.to_string()],
        )];
        contexts.extend(storage_contexts());
        let mut d = Dimse::open(self.cfg, &contexts, &storage_classes())?;
        let r = self.get_on(&mut d);
        match &r {
            Ok(_) => {
                let _ = d.release();
            }
            Err(_) => d.abort(),
        }
        r
    }

    fn get_on(
        &mut self,
        d: &mut Dimse<ClientAssociation<TcpStream>>,
    ) -> Result<(DimseStatus, Option<String>), PacsError> {
        let (pc, id) = self.send_request(
            d,
            Step::Get,
            (STUDY_ROOT_GET, "Study Root Query/Retrieve – GET"),
            field::C_GET_RQ,
            Vec::new(),
        )?;
        let mut cancel_sent = false;
        loop {
            if self.cancel.load(Ordering::Relaxed) && !cancel_sent {
                Self::send_cancel(d, Step::Get, pc, id)?;
                cancel_sent = true;
            }
            let msg = d.expect(Step::Get)?;
            match msg.field() {
                Some(field::C_STORE_RQ) => {
                    let n = self.files.len();
                    let path = store_request(d, Step::Get, msg, self.out_dir, n)?;
                    self.stored(path);
                }
                Some(field::C_GET_RSP) => {
                    if let Some(done) = self.response(d, (Step::Get, "C-GET"), &msg, cancel_sent)? {
                        return Ok(done);
                    }
                }
                _ => {
                    return Err(
                        d.error(Step::Get, "expected a C-STORE request or a C-GET response")
                    );
                }
            }
        }
    }

    /// C-MOVE to our own storage service on `port`.
    fn r#move(&mut self, port: u16) -> Result<(DimseStatus, Option<String>), PacsError> {
        let scp = StoreScp::start(self.cfg, port, self.out_dir)?;
        let contexts = [(
            STUDY_ROOT_MOVE.to_string(),
            vec![EXPLICIT_LE.to_string(), IMPLICIT_LE.to_string()],
        )];
        let mut d = match Dimse::open(self.cfg, &contexts, &[]) {
            Ok(d) => d,
            Err(e) => {
                let _ = scp.finish();
                return Err(e);
            }
        };
        let r = self.move_on(&mut d, &scp);
        match &r {
            Ok(_) => {
                let _ = d.release();
            }
            Err(_) => d.abort(),
        }
        // The PACS has sent what it will send once its final response came.
        let (files, scp_error) = scp.finish();
        for f in files {
            if !self.files.contains(&f) {
                self.stored(f);
            }
        }
        match (r, scp_error) {
            (Err(e), _) => Err(e),
            (Ok(_), Some(e)) => Err(e),
            (Ok(v), None) => Ok(v),
        }
    }

    fn move_on(
        &mut self,
        d: &mut Dimse<ClientAssociation<TcpStream>>,
        scp: &StoreScp,
    ) -> Result<(DimseStatus, Option<String>), PacsError> {
        let destination = DataElement::new(
            tags::MOVE_DESTINATION,
            VR::AE,
            PrimitiveValue::from(self.cfg.our_aet.as_str()),
        );
        let (pc, id) = self.send_request(
            d,
            Step::Move,
            (STUDY_ROOT_MOVE, "Study Root Query/Retrieve – MOVE"),
            field::C_MOVE_RQ,
            vec![destination],
        )?;
        let mut cancel_sent = false;
        loop {
            if self.cancel.load(Ordering::Relaxed) && !cancel_sent {
                Self::send_cancel(d, Step::Move, pc, id)?;
                cancel_sent = true;
            }
            let msg = d.expect(Step::Move)?;
            for f in scp.received()? {
                self.stored(f);
            }
            if msg.field() != Some(field::C_MOVE_RSP) {
                return Err(d.error(Step::Move, "expected a C-MOVE response"));
            }
            if let Some(done) = self.response(d, (Step::Move, "C-MOVE"), &msg, cancel_sent)? {
                return Ok(done);
            }
        }
    }
}
