//! Our storage service for a C-MOVE: a listener on the port the user gave, open only while
//! the retrieve runs, accepting associations called with our AE title and writing each
//! instance they send ([`super::incoming`]). It runs on its own thread; the retrieve
//! collects what arrived through a channel.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use dicom::dictionary_std::tags;
use dicom_ul::ServerAssociationOptions;

use super::assoc::{Dimse, OUR_MAX_PDU, command, data_set_type, field, ui, us};
use super::error::{PacsError, Step};
use super::incoming::store_request;
use super::node::{PacsConfig, PacsNode};
use super::sop::accepted_syntaxes;

/// A running storage service.
pub(crate) struct StoreScp {
    stop: Arc<AtomicBool>,
    rx: Receiver<Result<PathBuf, PacsError>>,
    handle: Option<JoinHandle<()>>,
}

impl StoreScp {
    /// Opens the port and starts accepting.
    pub fn start(cfg: &PacsConfig, port: u16, out_dir: &Path) -> Result<StoreScp, PacsError> {
        let listener = TcpListener::bind(("0.0.0.0", port)).map_err(|e| PacsError::Connect {
            peer: PacsNode {
                ae_title: cfg.our_aet.clone(),
                host: "0.0.0.0".into(),
                port,
            },
            message: format!("cannot open our storage port for the C-MOVE: {e}"),
        })?;
        listener
            .set_nonblocking(true)
            .map_err(|e| PacsError::Connect {
                peer: cfg.peer.clone(),
                message: format!("cannot set up our storage port: {e}"),
            })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = channel();
        let ctx = Ctx {
            our_aet: cfg.our_aet.clone(),
            peer: cfg.peer.clone(),
            timeout: cfg.timeout,
            out_dir: out_dir.to_path_buf(),
            stop: stop.clone(),
            tx,
        };
        let handle = std::thread::Builder::new()
            .name("anchorage-store-scp".into())
            .spawn(move || ctx.serve(listener))
            .map_err(|e| PacsError::Connect {
                peer: cfg.peer.clone(),
                message: format!("cannot start the storage service: {e}"),
            })?;
        Ok(StoreScp {
            stop,
            rx,
            handle: Some(handle),
        })
    }

    /// The files written since the last call; the first error of the service, if any.
    pub fn received(&self) -> Result<Vec<PathBuf>, PacsError> {
        let mut v = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(Ok(p)) => v.push(p),
                Ok(Err(e)) => return Err(e),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return Ok(v),
            }
        }
    }

    /// Stops the service (after the association in progress ends) and returns what
    /// arrived since the last look, and its first error.
    pub fn finish(mut self) -> (Vec<PathBuf>, Option<PacsError>) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let mut files = Vec::new();
        let mut error = None;
        while let Ok(r) = self.rx.try_recv() {
            match r {
                Ok(p) => files.push(p),
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
        }
        (files, error)
    }
}

impl Drop for StoreScp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Ctx {
    our_aet: String,
    peer: PacsNode,
    timeout: Duration,
    out_dir: PathBuf,
    stop: Arc<AtomicBool>,
    tx: Sender<Result<PathBuf, PacsError>>,
}

impl Ctx {
    fn serve(self, listener: TcpListener) {
        let mut n = 0usize;
        while !self.stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((socket, _)) => {
                    if let Err(e) = self.association(socket, &mut n) {
                        let _ = self.tx.send(Err(e));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => {
                    let _ = self.tx.send(Err(PacsError::Connect {
                        peer: self.peer.clone(),
                        message: format!("our storage port failed: {e}"),
                    }));
                    return;
                }
            }
        }
    }

    fn association(&self, socket: TcpStream, n: &mut usize) -> Result<(), PacsError> {
        let setup = |e: std::io::Error| PacsError::Network {
            peer: self.peer.clone(),
            step: Step::Move,
            message: format!("incoming association: {e}"),
        };
        socket.set_nonblocking(false).map_err(setup)?;
        let mut opts = ServerAssociationOptions::new()
            .accept_called_ae_title()
            .ae_title(self.our_aet.clone())
            .promiscuous(true)
            .max_pdu_length(OUR_MAX_PDU)
            .read_timeout(self.timeout)
            .write_timeout(self.timeout);
        for ts in accepted_syntaxes() {
            opts = opts.with_transfer_syntax(ts);
        }
        let timeout_s = self.timeout.as_secs();
        let link = opts
            .establish(socket)
            .map_err(|e| super::assoc::ul_error(&self.peer, Step::Move, timeout_s, e))?;
        let mut d = Dimse::accepted(link, self.peer.clone(), timeout_s);
        while let Some(msg) = d.receive(Step::Move)? {
            match msg.field() {
                Some(field::C_STORE_RQ) => {
                    let path = store_request(&mut d, Step::Move, msg, &self.out_dir, *n)?;
                    *n += 1;
                    let _ = self.tx.send(Ok(path));
                }
                Some(field::C_ECHO_RQ) => {
                    let rsp = command(vec![
                        ui(tags::AFFECTED_SOP_CLASS_UID, super::sop::VERIFICATION),
                        us(tags::COMMAND_FIELD, field::C_ECHO_RSP),
                        us(
                            tags::MESSAGE_ID_BEING_RESPONDED_TO,
                            msg.u16(tags::MESSAGE_ID).unwrap_or(0),
                        ),
                        data_set_type(false),
                        us(tags::STATUS, 0),
                    ]);
                    d.send(Step::Move, msg.pc_id, &rsp, None)?;
                }
                _ => {
                    let e = d.error(Step::Move, "an incoming message other than C-STORE");
                    if let Some(link) = d.into_link() {
                        let _ = link.abort();
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}
