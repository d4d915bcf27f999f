//! The DIMSE message layer over a dicom-ul association: opening an association with the
//! timeouts set, sending a command (always implicit VR little endian) with its data set
//! split into P-DATA PDUs that fit the peer's limit, and receiving whole messages put
//! back together from their fragments. Every failure becomes a [`PacsError`] that names
//! the peer and the step; nothing read from the network is trusted to be well formed.

use std::collections::VecDeque;
use std::net::TcpStream;

use dicom::core::{DataElement, PrimitiveValue, Tag, VR};
use dicom::dictionary_std::tags;
use dicom::encoding::TransferSyntaxIndex;
use dicom::encoding::transfer_syntax::TransferSyntax;
use dicom::object::InMemDicomObject;
use dicom::transfer_syntax::{TransferSyntaxRegistry, entries};
use dicom_ul::association::Error as UlError;
use dicom_ul::pdu::{PDataValue, PDataValueType, PresentationContextNegotiated};
use dicom_ul::{ClientAssociation, ClientAssociationOptions, Pdu, ServerAssociation};

use super::error::{PacsError, Step, io_cause, is_timeout, with_causes};
use super::node::{PacsConfig, PacsNode};
use super::status::DimseStatus;

/// The largest PDU we ask peers to send us (bytes): large PDUs make retrieves faster.
pub const OUR_MAX_PDU: u32 = 262_138;

/// The largest data fragment we send in one PDU, whatever the peer allows.
const MAX_SEND_FRAGMENT: usize = 1 << 20;

/// Implicit VR little endian, the command set's encoding.
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
/// Explicit VR little endian.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// Command Field values (PS3.7 E.1).
pub mod field {
    /// C-STORE-RQ.
    pub const C_STORE_RQ: u16 = 0x0001;
    /// C-STORE-RSP.
    pub const C_STORE_RSP: u16 = 0x8001;
    /// C-GET-RQ.
    pub const C_GET_RQ: u16 = 0x0010;
    /// C-GET-RSP.
    pub const C_GET_RSP: u16 = 0x8010;
    /// C-FIND-RQ.
    pub const C_FIND_RQ: u16 = 0x0020;
    /// C-FIND-RSP.
    pub const C_FIND_RSP: u16 = 0x8020;
    /// C-MOVE-RQ.
    pub const C_MOVE_RQ: u16 = 0x0021;
    /// C-MOVE-RSP.
    pub const C_MOVE_RSP: u16 = 0x8021;
    /// C-ECHO-RQ.
    pub const C_ECHO_RQ: u16 = 0x0030;
    /// C-ECHO-RSP.
    pub const C_ECHO_RSP: u16 = 0x8030;
    /// C-CANCEL-RQ.
    pub const C_CANCEL_RQ: u16 = 0x0FFF;
}

/// Command Data Set Type value meaning "no data set follows".
const NO_DATA_SET: u16 = 0x0101;

/// A PDU link: the client or the server side of an association.
pub(crate) trait Link {
    /// Sends one PDU.
    fn send_pdu(&mut self, pdu: &Pdu) -> Result<(), UlError>;
    /// Receives one PDU.
    fn receive_pdu(&mut self) -> Result<Pdu, UlError>;
    /// The largest PDU the peer accepts.
    fn peer_max_pdu(&self) -> u32;
    /// The negotiated presentation contexts.
    fn contexts(&self) -> &[PresentationContextNegotiated];
}

impl Link for ClientAssociation<TcpStream> {
    fn send_pdu(&mut self, pdu: &Pdu) -> Result<(), UlError> {
        self.send(pdu)
    }
    fn receive_pdu(&mut self) -> Result<Pdu, UlError> {
        self.receive()
    }
    fn peer_max_pdu(&self) -> u32 {
        self.acceptor_max_pdu_length()
    }
    fn contexts(&self) -> &[PresentationContextNegotiated] {
        self.presentation_contexts()
    }
}

impl Link for ServerAssociation<TcpStream> {
    fn send_pdu(&mut self, pdu: &Pdu) -> Result<(), UlError> {
        self.send(pdu)
    }
    fn receive_pdu(&mut self) -> Result<Pdu, UlError> {
        self.receive()
    }
    fn peer_max_pdu(&self) -> u32 {
        self.requestor_max_pdu_length()
    }
    fn contexts(&self) -> &[PresentationContextNegotiated] {
        self.presentation_contexts()
    }
}

/// One DIMSE message: its command set and, when one follows, its data set's bytes.
pub(crate) struct Message {
    /// The presentation context it came on.
    pub pc_id: u8,
    /// The command set.
    pub command: InMemDicomObject,
    /// The data set, encoded in the context's transfer syntax.
    pub data: Option<Vec<u8>>,
}

impl Message {
    /// A US element of the command, when present and readable.
    pub fn u16(&self, tag: Tag) -> Option<u16> {
        self.command
            .element_opt(tag)
            .ok()
            .flatten()?
            .to_int::<u16>()
            .ok()
    }
    /// A text element of the command, trimmed, when present and readable.
    pub fn text(&self, tag: Tag) -> Option<String> {
        let s = self
            .command
            .element_opt(tag)
            .ok()
            .flatten()?
            .to_str()
            .ok()?;
        Some(s.trim_end_matches(['\0', ' ']).trim().to_string())
    }
    /// The Command Field.
    pub fn field(&self) -> Option<u16> {
        self.u16(tags::COMMAND_FIELD)
    }
    /// The Status of a response.
    pub fn status(&self) -> Option<DimseStatus> {
        self.u16(tags::STATUS).map(DimseStatus)
    }
}

/// Builds a command set from its elements (the group length is added).
pub(crate) fn command(elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    InMemDicomObject::command_from_element_iter(elements)
}

/// A US command element.
pub(crate) fn us(tag: Tag, v: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(v))
}

/// A UI command element.
pub(crate) fn ui(tag: Tag, v: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::UI, PrimitiveValue::from(v))
}

/// The Command Data Set Type element: whether a data set follows.
pub(crate) fn data_set_type(has_data: bool) -> DataElement<InMemDicomObject> {
    us(
        tags::COMMAND_DATA_SET_TYPE,
        if has_data { 0x0000 } else { NO_DATA_SET },
    )
}

/// Looks up a transfer syntax by UID (trailing padding ignored).
pub(crate) fn transfer_syntax(uid: &str) -> Option<&'static TransferSyntax> {
    TransferSyntaxRegistry.get(uid.trim_end_matches(['\0', ' ']))
}

/// A DIMSE conversation over one association.
pub(crate) struct Dimse<L: Link> {
    link: Option<L>,
    peer: PacsNode,
    timeout_s: u64,
    /// Fragments received but not yet used.
    queue: VecDeque<PDataValue>,
    next_id: u16,
}

impl Dimse<ClientAssociation<TcpStream>> {
    /// Connects to the peer and negotiates the given presentation contexts (abstract
    /// syntax, transfer syntaxes); `scp_roles` lists the SOP classes for which we offer
    /// the SCP role (the C-STORE sub-operations of a C-GET).
    pub fn open(
        cfg: &PacsConfig,
        contexts: &[(String, Vec<String>)],
        scp_roles: &[String],
    ) -> Result<Self, PacsError> {
        let mut opts = ClientAssociationOptions::new()
            .calling_ae_title(cfg.our_aet.clone())
            .called_ae_title(cfg.peer.ae_title.clone())
            .max_pdu_length(OUR_MAX_PDU)
            .connection_timeout(cfg.timeout)
            .read_timeout(cfg.timeout)
            .write_timeout(cfg.timeout);
        for (abstract_syntax, ts) in contexts {
            opts = opts.with_presentation_context(abstract_syntax.clone(), ts.clone());
        }
        for sop in scp_roles {
            opts = opts.with_role_selection(sop.clone(), false, true);
        }
        let timeout_s = cfg.timeout.as_secs();
        let link = opts
            .establish(cfg.peer.socket_address())
            .map_err(|e| ul_error(&cfg.peer, Step::Associate, timeout_s, e))?;
        Ok(Dimse {
            link: Some(link),
            peer: cfg.peer.clone(),
            timeout_s,
            queue: VecDeque::new(),
            next_id: 1,
        })
    }

    /// Releases the association (errors are of no consequence once the work is done, but
    /// they are returned for the caller to decide).
    pub fn release(mut self) -> Result<(), PacsError> {
        let Some(link) = self.link.take() else {
            return Ok(());
        };
        link.release()
            .map_err(|e| ul_error(&self.peer, Step::Release, self.timeout_s, e))
    }

    /// Aborts the association (after an error of ours).
    pub fn abort(mut self) {
        if let Some(link) = self.link.take() {
            let _ = link.abort();
        }
    }
}

impl Dimse<ServerAssociation<TcpStream>> {
    /// Wraps an association a peer opened with us (the C-MOVE sub-operations).
    pub fn accepted(link: ServerAssociation<TcpStream>, peer: PacsNode, timeout_s: u64) -> Self {
        Dimse {
            link: Some(link),
            peer,
            timeout_s,
            queue: VecDeque::new(),
            next_id: 1,
        }
    }
}

impl<L: Link> Dimse<L> {
    /// The peer.
    pub fn peer(&self) -> &PacsNode {
        &self.peer
    }

    /// A new message ID.
    pub fn next_message_id(&mut self) -> u16 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    fn link(&mut self, step: Step) -> Result<&mut L, PacsError> {
        let peer = self.peer.clone();
        self.link.as_mut().ok_or(PacsError::Protocol {
            peer,
            step,
            message: "the association is already closed".into(),
        })
    }

    /// The negotiated presentation contexts.
    pub fn contexts(&self) -> &[PresentationContextNegotiated] {
        self.link.as_ref().map(|l| l.contexts()).unwrap_or(&[])
    }

    /// The accepted context for an abstract syntax, preferring the given transfer
    /// syntaxes in order (any accepted one when `prefer` is empty).
    pub fn context_for(&self, abstract_syntax: &str, prefer: &[&str]) -> Option<(u8, String)> {
        let clean = |s: &str| s.trim_end_matches(['\0', ' ']).to_string();
        let mine: Vec<(u8, String)> = self
            .contexts()
            .iter()
            .filter(|c| clean(&c.abstract_syntax) == abstract_syntax)
            .map(|c| (c.id, clean(&c.transfer_syntax)))
            .collect();
        if prefer.is_empty() {
            return mine.into_iter().next();
        }
        prefer
            .iter()
            .find_map(|p| mine.iter().find(|(_, ts)| ts == p).cloned())
    }

    /// The transfer syntax of a context id.
    pub fn context_ts(&self, pc_id: u8) -> Option<String> {
        self.contexts()
            .iter()
            .find(|c| c.id == pc_id)
            .map(|c| c.transfer_syntax.trim_end_matches(['\0', ' ']).to_string())
    }

    /// An error in the current step.
    pub fn error(&self, step: Step, message: impl Into<String>) -> PacsError {
        PacsError::Protocol {
            peer: self.peer.clone(),
            step,
            message: message.into(),
        }
    }

    /// Sends a command and, when given, its data set (already encoded).
    pub fn send(
        &mut self,
        step: Step,
        pc_id: u8,
        cmd: &InMemDicomObject,
        data: Option<&[u8]>,
    ) -> Result<(), PacsError> {
        let mut bytes = Vec::with_capacity(256);
        cmd.write_dataset_with_ts(&mut bytes, &entries::IMPLICIT_VR_LITTLE_ENDIAN.erased())
            .map_err(|e| self.error(step, format!("cannot encode the command: {e}")))?;
        self.send_fragments(step, pc_id, PDataValueType::Command, &bytes)?;
        if let Some(d) = data {
            self.send_fragments(step, pc_id, PDataValueType::Data, d)?;
        }
        Ok(())
    }

    fn send_fragments(
        &mut self,
        step: Step,
        pc_id: u8,
        kind: PDataValueType,
        bytes: &[u8],
    ) -> Result<(), PacsError> {
        let (peer, timeout_s) = (self.peer.clone(), self.timeout_s);
        let link = self.link(step)?;
        // PDV item header: 4 bytes length, 1 context id, 1 control header.
        let room = (link.peer_max_pdu() as usize)
            .clamp(4096, MAX_SEND_FRAGMENT)
            .saturating_sub(6);
        let mut chunks = bytes.chunks(room).peekable();
        if bytes.is_empty() {
            let pdu = Pdu::PData {
                data: vec![PDataValue {
                    presentation_context_id: pc_id,
                    value_type: kind,
                    is_last: true,
                    data: Vec::new(),
                }],
            };
            return link
                .send_pdu(&pdu)
                .map_err(|e| ul_error(&peer, step, timeout_s, e));
        }
        while let Some(chunk) = chunks.next() {
            let pdu = Pdu::PData {
                data: vec![PDataValue {
                    presentation_context_id: pc_id,
                    value_type: kind.clone(),
                    is_last: chunks.peek().is_none(),
                    data: chunk.to_vec(),
                }],
            };
            link.send_pdu(&pdu)
                .map_err(|e| ul_error(&peer, step, timeout_s, e))?;
        }
        Ok(())
    }

    fn next_fragment(&mut self, step: Step) -> Result<Option<PDataValue>, PacsError> {
        loop {
            if let Some(v) = self.queue.pop_front() {
                return Ok(Some(v));
            }
            let (peer, timeout_s) = (self.peer.clone(), self.timeout_s);
            let link = self.link(step)?;
            let pdu = link
                .receive_pdu()
                .map_err(|e| ul_error(&peer, step, timeout_s, e))?;
            match pdu {
                Pdu::PData { data } => self.queue.extend(data),
                Pdu::ReleaseRQ => {
                    let _ = link.send_pdu(&Pdu::ReleaseRP);
                    self.link = None;
                    return Ok(None);
                }
                Pdu::AbortRQ { source } => {
                    self.link = None;
                    return Err(PacsError::Aborted {
                        peer,
                        step,
                        source_text: format!("{source:?}"),
                    });
                }
                other => {
                    return Err(
                        self.error(step, format!("unexpected {}", other.short_description()))
                    );
                }
            }
        }
    }

    /// Receives the next whole message. `None` when the peer released the association
    /// (answered here) before sending one.
    pub fn receive(&mut self, step: Step) -> Result<Option<Message>, PacsError> {
        let mut cmd = Vec::new();
        let pc_id = loop {
            let Some(v) = self.next_fragment(step)? else {
                return Ok(None);
            };
            if v.value_type != PDataValueType::Command {
                return Err(self.error(step, "a data fragment came before its command"));
            }
            cmd.extend_from_slice(&v.data);
            if v.is_last {
                break v.presentation_context_id;
            }
        };
        let command = InMemDicomObject::read_dataset_with_ts(
            cmd.as_slice(),
            &entries::IMPLICIT_VR_LITTLE_ENDIAN.erased(),
        )
        .map_err(|e| self.error(step, format!("unreadable command set: {e}")))?;
        let has_data = command
            .element_opt(tags::COMMAND_DATA_SET_TYPE)
            .ok()
            .flatten()
            .and_then(|e| e.to_int::<u16>().ok())
            .is_some_and(|t| t != NO_DATA_SET);
        let mut msg = Message {
            pc_id,
            command,
            data: None,
        };
        if has_data {
            let mut data = Vec::new();
            loop {
                let Some(v) = self.next_fragment(step)? else {
                    return Err(self.error(step, "released before the data set was sent"));
                };
                if v.value_type != PDataValueType::Data || v.presentation_context_id != pc_id {
                    return Err(self.error(step, "a command fragment came inside a data set"));
                }
                data.extend_from_slice(&v.data);
                if v.is_last {
                    break;
                }
            }
            msg.data = Some(data);
        }
        Ok(Some(msg))
    }

    /// Receives a message, treating a release as an error.
    pub fn expect(&mut self, step: Step) -> Result<Message, PacsError> {
        self.receive(step)?
            .ok_or_else(|| self.error(step, "the peer released the association mid-exchange"))
    }

    /// Encodes an identifier data set in a context's transfer syntax.
    pub fn encode(
        &self,
        step: Step,
        pc_id: u8,
        obj: &InMemDicomObject,
    ) -> Result<Vec<u8>, PacsError> {
        let ts_uid = self.context_ts(pc_id).unwrap_or_default();
        let ts = transfer_syntax(&ts_uid)
            .ok_or_else(|| self.error(step, format!("unknown transfer syntax {ts_uid}")))?;
        let mut out = Vec::new();
        obj.write_dataset_with_ts(&mut out, ts)
            .map_err(|e| self.error(step, format!("cannot encode the identifier: {e}")))?;
        Ok(out)
    }

    /// Decodes a data set received on a context.
    pub fn decode(
        &self,
        step: Step,
        pc_id: u8,
        bytes: &[u8],
    ) -> Result<InMemDicomObject, PacsError> {
        let ts_uid = self.context_ts(pc_id).unwrap_or_default();
        let ts = transfer_syntax(&ts_uid)
            .ok_or_else(|| self.error(step, format!("unknown transfer syntax {ts_uid}")))?;
        InMemDicomObject::read_dataset_with_ts(bytes, ts)
            .map_err(|e| self.error(step, format!("unreadable data set: {e}")))
    }

    /// Takes the link back (to release or abort it).
    pub fn into_link(mut self) -> Option<L> {
        self.link.take()
    }
}

/// Turns a dicom-ul error into one that says what happened, to whom, in which step.
pub(crate) fn ul_error(peer: &PacsNode, step: Step, timeout_s: u64, e: UlError) -> PacsError {
    let peer = peer.clone();
    match e {
        UlError::Rejected { association_rj, .. } => PacsError::Rejected {
            peer,
            reason: format!(
                "{} ({:?} rejection)",
                association_rj.source, association_rj.result
            )
            .to_lowercase(),
        },
        UlError::NoAcceptedPresentationContexts { .. } => PacsError::NoContext {
            peer,
            what: "any of the services proposed".into(),
        },
        UlError::Aborted { .. } => PacsError::Aborted {
            peer,
            step,
            source_text: "A-ABORT".into(),
        },
        UlError::ConnectionClosed { .. } => PacsError::Closed { peer, step },
        UlError::UnexpectedPdu { pdu, .. } if matches!(*pdu, Pdu::AbortRQ { .. }) => {
            let source_text = match *pdu {
                Pdu::AbortRQ { source } => format!("{source:?}"),
                _ => String::new(),
            };
            PacsError::Aborted {
                peer,
                step,
                source_text,
            }
        }
        UlError::Connect { source, .. } | UlError::ToAddress { source, .. } => {
            if source.kind() == std::io::ErrorKind::ConnectionRefused {
                PacsError::Refused { peer }
            } else if is_timeout(&source) {
                PacsError::Timeout {
                    peer,
                    step: Step::Connect,
                    timeout_s,
                }
            } else {
                PacsError::Connect {
                    peer,
                    message: source.to_string(),
                }
            }
        }
        other => match io_cause(&other) {
            Some(io) if is_timeout(io) => PacsError::Timeout {
                peer,
                step,
                timeout_s,
            },
            Some(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::BrokenPipe
                        | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                PacsError::Closed { peer, step }
            }
            _ => PacsError::Network {
                peer,
                step,
                message: with_causes(&other),
            },
        },
    }
}
