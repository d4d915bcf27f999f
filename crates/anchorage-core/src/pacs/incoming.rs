//! The C-STORE requests that arrive during a retrieve (on the C-GET association, or on
//! the associations the PACS opens for a C-MOVE): each instance is written as a DICOM
//! file, its data set byte for byte as received, and answered with a C-STORE response.

use std::io::Write;
use std::path::{Path, PathBuf};

use dicom::dictionary_std::tags;
use dicom::object::FileMetaTableBuilder;

use super::assoc::{Dimse, Link, Message, command, data_set_type, field, ui, us};
use super::error::{PacsError, Step};
use crate::dicom::write::{IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME};

/// Status "out of resources" (A700H), sent when we cannot write the file.
const OUT_OF_RESOURCES: u16 = 0xA700;
/// Status "cannot understand" (C000H), sent for a malformed request.
const CANNOT_UNDERSTAND: u16 = 0xC000;

/// A file name for an instance: its SOP Instance UID when that is a plain UID (digits and
/// dots, at most 64), else a name made from its position. Nothing from the network
/// reaches the path otherwise.
pub(crate) fn file_name(uid: &str, n: usize) -> String {
    if !uid.is_empty()
        && uid.len() <= 64
        && uid.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !uid.starts_with('.')
    {
        format!("{uid}.dcm")
    } else {
        format!("instance-{n:06}.dcm")
    }
}

/// Writes the file: preamble, `DICM`, the file meta group, the data set as received.
/// Written to a `.part` file first and renamed, so a cut-off retrieve leaves no
/// half-written instance under a final name.
fn write_instance(
    path: &Path,
    sop_class: &str,
    sop_instance: &str,
    ts: &str,
    data: &[u8],
) -> Result<(), PacsError> {
    let file_err = |message: String| PacsError::File {
        path: path.to_path_buf(),
        message,
    };
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance)
        .transfer_syntax(ts)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME)
        .build()
        .map_err(|e| file_err(format!("cannot build the file meta group: {e}")))?;
    let part = path.with_extension("dcm.part");
    let result = (|| -> Result<(), PacsError> {
        let f = std::fs::File::create(&part)
            .map_err(|e| file_err(format!("cannot create the file: {e}")))?;
        let mut w = std::io::BufWriter::new(f);
        w.write_all(&[0u8; 128])
            .and_then(|()| w.write_all(b"DICM"))
            .map_err(|e| file_err(format!("cannot write: {e}")))?;
        meta.write(&mut w)
            .map_err(|e| file_err(format!("cannot write the file meta group: {e}")))?;
        w.write_all(data)
            .and_then(|()| w.flush())
            .map_err(|e| file_err(format!("cannot write: {e}")))?;
        std::fs::rename(&part, path).map_err(|e| file_err(format!("cannot rename: {e}")))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}

/// Handles one C-STORE request: writes the instance into `out_dir` and answers. Returns
/// the file written; an error when the request was malformed (answered with a failure) or
/// the file could not be written (answered with "out of resources").
pub(crate) fn store_request<L: Link>(
    d: &mut Dimse<L>,
    step: Step,
    msg: Message,
    out_dir: &Path,
    n: usize,
) -> Result<PathBuf, PacsError> {
    let msg_id = msg.u16(tags::MESSAGE_ID).unwrap_or(0);
    let sop_class = msg.text(tags::AFFECTED_SOP_CLASS_UID).unwrap_or_default();
    let sop_instance = msg
        .text(tags::AFFECTED_SOP_INSTANCE_UID)
        .unwrap_or_default();
    let ts = d.context_ts(msg.pc_id).unwrap_or_default();
    let outcome = match (&msg.data, sop_class.is_empty() || sop_instance.is_empty()) {
        (Some(data), false) if !data.is_empty() && !ts.is_empty() => {
            let path = out_dir.join(file_name(&sop_instance, n));
            write_instance(&path, &sop_class, &sop_instance, &ts, data)
                .map(|()| path)
                .map_err(|e| (OUT_OF_RESOURCES, e))
        }
        _ => Err((
            CANNOT_UNDERSTAND,
            d.error(step, "a C-STORE request without its UIDs or data set"),
        )),
    };
    let status = match &outcome {
        Ok(_) => 0,
        Err((code, _)) => *code,
    };
    let rsp = command(vec![
        ui(tags::AFFECTED_SOP_CLASS_UID, &sop_class),
        us(tags::COMMAND_FIELD, field::C_STORE_RSP),
        us(tags::MESSAGE_ID_BEING_RESPONDED_TO, msg_id),
        data_set_type(false),
        us(tags::STATUS, status),
        ui(tags::AFFECTED_SOP_INSTANCE_UID, &sop_instance),
    ]);
    d.send(step, msg.pc_id, &rsp, None)?;
    outcome.map_err(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn names_come_only_from_plain_uids() {
        assert_eq!(file_name("1.2.3", 0), "1.2.3.dcm");
        assert_eq!(file_name("../../etc/passwd", 4), "instance-000004.dcm");
        assert_eq!(file_name("1.2/3", 5), "instance-000005.dcm");
        assert_eq!(file_name("..", 6), "instance-000006.dcm");
        assert_eq!(file_name("", 7), "instance-000007.dcm");
    }
}
