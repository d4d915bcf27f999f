//! How a file starts: a DICOM Part 10 file (the 'DICM' magic code after a 128-byte
//! preamble, then the File Meta group), or a bare data set with neither preamble nor File
//! Meta group, as some archives and old tools write.
//!
//! DCMTK reads a bare data set by guessing its transfer syntax from the first element, and
//! pydicom does the same with `force=True` (Implicit VR Little Endian unless the first
//! element carries a VR; big endian when its group reads as one). [`sniff`] makes the same
//! guess, but only for a data set whose first element is in group 0008 (every image has
//! SOPClassUID (0008,0016), and writers start with that group): anything else stays "not a
//! DICOM file". The guess is then checked by the same structure walk as any file, and a
//! bare data set must hold native pixel data (a compressed one would need the transfer
//! syntax that only the File Meta group names).

use dicom::core::VR;

/// Implicit VR Little Endian.
pub const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
/// Explicit VR Little Endian.
pub const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// Explicit VR Big Endian (retired).
pub const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";

/// How the bytes of a file start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A Part 10 file: the 'DICM' magic code at this byte (128, after the preamble),
    /// followed by the File Meta group.
    Part10 {
        /// Where 'DICM' is.
        magic_at: u64,
    },
    /// No preamble and no File Meta group: a data set from byte 0, read in the transfer
    /// syntax guessed from its first element header.
    BareDataSet {
        /// The guessed transfer syntax (one of the three uncompressed ones).
        transfer_syntax_uid: &'static str,
    },
}

impl Start {
    /// What [`crate::dicom::header`] says about a bare data set (`None` for Part 10).
    pub fn warning(&self) -> Option<String> {
        match self {
            Start::Part10 { .. } => None,
            Start::BareDataSet {
                transfer_syntax_uid,
            } => Some(format!(
                "no preamble and no File Meta group (not a DICOM Part 10 file): the data set is read as {} ({transfer_syntax_uid}), assumed from its first element as DCMTK and pydicom (force) do",
                syntax_name(transfer_syntax_uid)
            )),
        }
    }
}

fn syntax_name(uid: &str) -> &'static str {
    match uid {
        IMPLICIT_VR_LE => "Implicit VR Little Endian",
        EXPLICIT_VR_LE => "Explicit VR Little Endian",
        EXPLICIT_VR_BE => "Explicit VR Big Endian",
        _ => "an unknown transfer syntax",
    }
}

/// The message for a file that is neither a Part 10 file nor a bare data set.
pub const NOT_DICOM: &str =
    "not a DICOM file (no 'DICM' marker at byte 128, and no data set of group 0008 at byte 0)";

/// The message for a file with the 'DICM' code at byte 0 (the preamble cut off).
pub const DICM_AT_0: &str = "not a DICOM Part 10 file: the 'DICM' marker is at byte 0, not 128 (the 128-byte preamble is missing); DCMTK and pydicom do not read such a file either";

/// How the file whose first bytes are `head` (up to 132 of them: fewer only when the
/// file is shorter) starts; `Err` with [`NOT_DICOM`] when it is not DICOM.
pub fn sniff(head: &[u8]) -> Result<Start, &'static str> {
    if head.get(128..132) == Some(b"DICM") {
        return Ok(Start::Part10 { magic_at: 128 });
    }
    if head.starts_with(b"DICM") {
        // dicom-rs would read it, but DCMTK, GDCM and pydicom (even with force) do not:
        // no reference reader to agree with, so it stays refused, as the scan always did.
        return Err(DICM_AT_0);
    }
    let Some(&[g0, g1, _, _, v0, v1, ..]) = head.get(..8) else {
        return Err(NOT_DICOM);
    };
    let explicit = VR::from_binary([v0, v1]).is_some();
    let transfer_syntax_uid = match (u16::from_le_bytes([g0, g1]), u16::from_be_bytes([g0, g1])) {
        (0x0008, _) if explicit => EXPLICIT_VR_LE,
        (_, 0x0008) if explicit => EXPLICIT_VR_BE,
        (0x0008, _) => IMPLICIT_VR_LE,
        _ => return Err(NOT_DICOM),
    };
    Ok(Start::BareDataSet {
        transfer_syntax_uid,
    })
}

/// The bytes dicom-rs needs in front of a bare data set to read it as a file: the magic
/// code and a File Meta group naming `transfer_syntax_uid` (its only required element).
pub fn synthetic_meta(transfer_syntax_uid: &str) -> Vec<u8> {
    let mut uid = transfer_syntax_uid.as_bytes().to_vec();
    if uid.len() % 2 == 1 {
        uid.push(0);
    }
    // (0002,0010) UI: tag, VR, 2-byte length, value (explicit VR little endian).
    let mut ts = Vec::with_capacity(8 + uid.len());
    ts.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
    ts.extend_from_slice(&(uid.len() as u16).to_le_bytes());
    ts.extend_from_slice(&uid);
    let mut out = Vec::with_capacity(4 + 12 + ts.len());
    out.extend_from_slice(b"DICM");
    // (0002,0000) UL 4: the group's length.
    out.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 0x04, 0x00]);
    out.extend_from_slice(&(ts.len() as u32).to_le_bytes());
    out.extend_from_slice(&ts);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part10_files_with_and_without_preamble() {
        let mut f = vec![0u8; 128];
        f.extend_from_slice(b"DICM");
        assert_eq!(sniff(&f), Ok(Start::Part10 { magic_at: 128 }));
        assert_eq!(sniff(b"DICM\x02\x00\x00\x00UL"), Err(DICM_AT_0));
    }

    #[test]
    fn bare_data_sets_are_guessed_from_the_first_element() {
        // (0008,0005) CS, 10 bytes: implicit, explicit LE, explicit BE.
        let implicit = [0x08, 0, 0x05, 0, 10, 0, 0, 0, b'I', b'S'];
        let explicit_le = [0x08, 0, 0x05, 0, b'C', b'S', 10, 0, b'I', b'S'];
        let explicit_be = [0, 0x08, 0, 0x05, b'C', b'S', 0, 10, b'I', b'S'];
        let ts = |s| match s {
            Ok(Start::BareDataSet {
                transfer_syntax_uid,
            }) => transfer_syntax_uid,
            other => panic!("{other:?}"),
        };
        assert_eq!(ts(sniff(&implicit)), IMPLICIT_VR_LE);
        assert_eq!(ts(sniff(&explicit_le)), EXPLICIT_VR_LE);
        assert_eq!(ts(sniff(&explicit_be)), EXPLICIT_VR_BE);
    }

    #[test]
    fn anything_else_is_not_dicom() {
        assert_eq!(sniff(b""), Err(NOT_DICOM));
        assert_eq!(sniff(b"\x08\x00\x05"), Err(NOT_DICOM));
        assert_eq!(sniff(b"This is not a DICOM file.\n"), Err(NOT_DICOM));
        // A zero preamble without the magic code.
        assert_eq!(sniff(&[0u8; 132]), Err(NOT_DICOM));
        // Group 0010 first: not how a data set starts.
        assert_eq!(sniff(&[0x10, 0, 0x10, 0, 4, 0, 0, 0]), Err(NOT_DICOM));
    }

    #[test]
    fn the_synthetic_meta_group_reads_back() {
        let m = synthetic_meta(IMPLICIT_VR_LE);
        let table = dicom::object::meta::FileMetaTable::from_reader(m.as_slice())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(table.transfer_syntax(), IMPLICIT_VR_LE);
    }
}
