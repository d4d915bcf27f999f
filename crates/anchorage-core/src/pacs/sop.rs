//! The SOP classes and transfer syntaxes Anchorage proposes: the query/retrieve models,
//! the storage classes a retrieved study may hold, and the transfer syntaxes we accept
//! (those our decoders read, so a retrieved study opens as it came).

use super::assoc::{EXPLICIT_LE, IMPLICIT_LE};

/// Verification SOP class (C-ECHO).
pub const VERIFICATION: &str = "1.2.840.10008.1.1";
/// Study Root Query/Retrieve Information Model – FIND.
pub const STUDY_ROOT_FIND: &str = "1.2.840.10008.5.1.4.1.2.2.1";
/// Study Root Query/Retrieve Information Model – MOVE.
pub const STUDY_ROOT_MOVE: &str = "1.2.840.10008.5.1.4.1.2.2.2";
/// Study Root Query/Retrieve Information Model – GET.
pub const STUDY_ROOT_GET: &str = "1.2.840.10008.5.1.4.1.2.2.3";

/// Image storage classes proposed with every transfer syntax of [`ACCEPTED_SYNTAXES`]:
/// CT, Enhanced CT, MR, Enhanced MR, Secondary Capture.
pub const IMAGE_CLASSES: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.2",
    "1.2.840.10008.5.1.4.1.1.2.1",
    "1.2.840.10008.5.1.4.1.1.4",
    "1.2.840.10008.5.1.4.1.1.4.1",
    "1.2.840.10008.5.1.4.1.1.7",
];

/// Other storage classes a study may hold, proposed with the uncompressed syntaxes only:
/// CR, DX, MG, US, XA, NM, PET, RT Image, MR Spectroscopy, multi-frame SC (4), the SR
/// classes (Basic, Enhanced, Comprehensive, Comprehensive 3D), Key Object Selection,
/// Grayscale Softcopy Presentation State, Segmentation, Raw Data, Encapsulated PDF.
pub const OTHER_CLASSES: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.2",
    "1.2.840.10008.5.1.4.1.1.6.1",
    "1.2.840.10008.5.1.4.1.1.12.1",
    "1.2.840.10008.5.1.4.1.1.20",
    "1.2.840.10008.5.1.4.1.1.128",
    "1.2.840.10008.5.1.4.1.1.481.1",
    "1.2.840.10008.5.1.4.1.1.4.2",
    "1.2.840.10008.5.1.4.1.1.7.1",
    "1.2.840.10008.5.1.4.1.1.7.2",
    "1.2.840.10008.5.1.4.1.1.7.3",
    "1.2.840.10008.5.1.4.1.1.7.4",
    "1.2.840.10008.5.1.4.1.1.88.11",
    "1.2.840.10008.5.1.4.1.1.88.22",
    "1.2.840.10008.5.1.4.1.1.88.33",
    "1.2.840.10008.5.1.4.1.1.88.34",
    "1.2.840.10008.5.1.4.1.1.88.59",
    "1.2.840.10008.5.1.4.1.1.11.1",
    "1.2.840.10008.5.1.4.1.1.66.4",
    "1.2.840.10008.5.1.4.1.1.66",
    "1.2.840.10008.5.1.4.1.1.104.1",
];

/// Compressed transfer syntaxes our decoders read, each proposed in a context of its own
/// so that the peer can send a compressed image as it keeps it: JPEG baseline, extended,
/// lossless (14 and SV1), JPEG-LS lossless and near-lossless, JPEG 2000 lossless and
/// lossy, RLE.
pub const COMPRESSED_SYNTAXES: &[&str] = &[
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.57",
    "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.80",
    "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.91",
    "1.2.840.10008.1.2.5",
];

/// The uncompressed syntaxes, preferred first.
pub const UNCOMPRESSED_SYNTAXES: &[&str] = &[EXPLICIT_LE, IMPLICIT_LE];

/// Every transfer syntax we accept for incoming instances.
pub fn accepted_syntaxes() -> Vec<&'static str> {
    let mut v = UNCOMPRESSED_SYNTAXES.to_vec();
    v.extend_from_slice(COMPRESSED_SYNTAXES);
    v
}

/// The storage contexts proposed for the C-STORE sub-operations of a C-GET: each image
/// class with the uncompressed syntaxes and once per compressed syntax, every other class
/// with the uncompressed ones. 5 × 10 + 22 = 72 contexts (at most 127 fit with the GET).
pub fn storage_contexts() -> Vec<(String, Vec<String>)> {
    let plain: Vec<String> = UNCOMPRESSED_SYNTAXES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut v = Vec::new();
    for class in IMAGE_CLASSES {
        v.push((class.to_string(), plain.clone()));
        for ts in COMPRESSED_SYNTAXES {
            v.push((class.to_string(), vec![ts.to_string()]));
        }
    }
    for class in OTHER_CLASSES {
        v.push((class.to_string(), plain.clone()));
    }
    v
}

/// Every storage class proposed.
pub fn storage_classes() -> Vec<String> {
    IMAGE_CLASSES
        .iter()
        .chain(OTHER_CLASSES)
        .map(|s| s.to_string())
        .collect()
}
