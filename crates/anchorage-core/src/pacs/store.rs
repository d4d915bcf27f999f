//! C-STORE of DICOM files: each file is offered in its own SOP class and transfer syntax,
//! with explicit and implicit VR little endian as a fallback for files that are not
//! compressed (re-encoded when the peer takes only those), all over one association.

use std::net::TcpStream;
use std::path::{Path, PathBuf};

use dicom::dictionary_std::tags;
use dicom::object::{DefaultDicomObject, OpenFileOptions};
use dicom_ul::ClientAssociation;

use super::assoc::{
    Dimse, EXPLICIT_LE, IMPLICIT_LE, command, data_set_type, field, transfer_syntax, ui, us,
};
use super::error::{PacsError, Step};
use super::node::PacsConfig;
use super::status::{DimseStatus, StatusKind};

/// Transfer syntaxes that can be re-encoded as explicit or implicit VR little endian
/// without touching pixel data: the little and big endian ones and deflate.
const REENCODABLE: &[&str] = &[
    EXPLICIT_LE,
    IMPLICIT_LE,
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
];

/// The outcome for one file.
#[derive(Debug)]
pub struct StoreOutcome {
    /// The file.
    pub path: PathBuf,
    /// Its SOP Instance UID (empty when the file could not be read).
    pub sop_instance_uid: String,
    /// The peer's status, or why the file was not stored.
    pub result: Result<DimseStatus, PacsError>,
}

struct Prepared {
    path: PathBuf,
    obj: DefaultDicomObject,
    class: String,
    instance: String,
    ts: String,
}

fn clean(s: &str) -> String {
    s.trim_end_matches(['\0', ' ']).to_string()
}

/// Sends every file; `progress` is called after each with its outcome. A file that cannot
/// be read or is refused is reported and the others still sent; an error that ends the
/// association (a timeout, an abort) ends the run and is returned, after the outcomes
/// reported so far.
pub fn store_files(
    cfg: &PacsConfig,
    files: &[PathBuf],
    progress: &mut dyn FnMut(&StoreOutcome),
) -> Result<Vec<StoreOutcome>, PacsError> {
    let mut outcomes = Vec::new();
    let mut ready = Vec::new();
    for path in files {
        match OpenFileOptions::new().open_file(path) {
            Ok(obj) => {
                let meta = obj.meta();
                let p = Prepared {
                    path: path.clone(),
                    class: clean(meta.media_storage_sop_class_uid()),
                    instance: clean(meta.media_storage_sop_instance_uid()),
                    ts: clean(meta.transfer_syntax()),
                    obj,
                };
                ready.push(p);
            }
            Err(e) => {
                let o = StoreOutcome {
                    path: path.clone(),
                    sop_instance_uid: String::new(),
                    result: Err(PacsError::File {
                        path: path.clone(),
                        message: format!("not a readable DICOM file: {e}"),
                    }),
                };
                progress(&o);
                outcomes.push(o);
            }
        }
    }
    if ready.is_empty() {
        return Ok(outcomes);
    }
    let mut contexts: Vec<(String, Vec<String>)> = Vec::new();
    for p in &ready {
        let own = (p.class.clone(), vec![p.ts.clone()]);
        let plain = (
            p.class.clone(),
            vec![EXPLICIT_LE.to_string(), IMPLICIT_LE.to_string()],
        );
        for c in [own, plain] {
            if !contexts.contains(&c) {
                contexts.push(c);
            }
        }
    }
    if contexts.len() > 127 {
        return Err(PacsError::BadQuery(format!(
            "{} SOP class and transfer syntax pairs do not fit in one association (127); send fewer files at a time",
            contexts.len()
        )));
    }
    let mut d = Dimse::open(cfg, &contexts, &[])?;
    for p in ready {
        let (path, instance) = (p.path.clone(), p.instance.clone());
        match store_one(&mut d, p) {
            Ok(result) => {
                let o = StoreOutcome {
                    path,
                    sop_instance_uid: instance,
                    result,
                };
                progress(&o);
                outcomes.push(o);
            }
            Err(e) => {
                d.abort();
                return Err(e);
            }
        }
    }
    let _ = d.release();
    Ok(outcomes)
}

/// Sends one file. The outer error ends the association; the inner one is this file's.
fn store_one(
    d: &mut Dimse<ClientAssociation<TcpStream>>,
    p: Prepared,
) -> Result<Result<DimseStatus, PacsError>, PacsError> {
    let mut prefer = vec![p.ts.as_str()];
    if REENCODABLE.contains(&p.ts.as_str()) {
        prefer.extend([EXPLICIT_LE, IMPLICIT_LE]);
    }
    let Some((pc, ts_uid)) = d.context_for(&p.class, &prefer) else {
        return Ok(Err(PacsError::NoContext {
            peer: d.peer().clone(),
            what: format!(
                "SOP class {} in transfer syntax {} ({})",
                p.class,
                p.ts,
                p.path.display()
            ),
        }));
    };
    let Some(ts) = transfer_syntax(&ts_uid) else {
        return Ok(Err(
            d.error(Step::Store, format!("unknown transfer syntax {ts_uid}"))
        ));
    };
    let mut data = Vec::new();
    if let Err(e) = p.obj.write_dataset_with_ts(&mut data, ts) {
        return Ok(Err(file_error(
            &p.path,
            format!("cannot encode the data set: {e}"),
        )));
    }
    let id = d.next_message_id();
    let cmd = command(vec![
        ui(tags::AFFECTED_SOP_CLASS_UID, &p.class),
        us(tags::COMMAND_FIELD, field::C_STORE_RQ),
        us(tags::MESSAGE_ID, id),
        us(tags::PRIORITY, 0),
        data_set_type(true),
        ui(tags::AFFECTED_SOP_INSTANCE_UID, &p.instance),
    ]);
    d.send(Step::Store, pc, &cmd, Some(&data))?;
    let rsp = d.expect(Step::Store)?;
    if rsp.field() != Some(field::C_STORE_RSP) {
        return Err(d.error(Step::Store, "the answer is not a C-STORE response"));
    }
    let Some(status) = rsp.status() else {
        return Err(d.error(Step::Store, "the response has no status"));
    };
    Ok(match status.kind() {
        StatusKind::Success | StatusKind::Warning => Ok(status),
        _ => Err(PacsError::Status {
            peer: d.peer().clone(),
            step: Step::Store,
            status,
            comment: rsp.text(tags::ERROR_COMMENT),
        }),
    })
}

fn file_error(path: &Path, message: String) -> PacsError {
    PacsError::File {
        path: path.to_path_buf(),
        message,
    }
}
