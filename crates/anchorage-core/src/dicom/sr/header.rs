//! The SR's header modules: Patient and General Study copied from the source images
//! (the SR belongs to their study), SR Document Series, General Equipment, SR Document
//! General and SOP Common; and their pseudonymised form.

use std::path::Path;

use dicom::core::value::PrimitiveValue;
use dicom::core::{DataElement, Tag, VR};
use dicom::dictionary_std::tags;
use dicom::object::InMemDicomObject;

use super::codes::{PRIVATE_SCHEME, PRIVATE_SCHEME_NAME};
use super::content::{opt_str, put_seq};
use super::error::SrError;
use crate::dicom::guard::{ReadUpTo, check_file, open_checked};
use crate::export::pseudonym;

/// SOP Class UID of Comprehensive SR Storage.
pub const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
/// Manufacturer (0008,0070) of every SR Anchorage writes; the reader requires it.
pub const SR_MANUFACTURER: &str = "Anchorage";
/// The patient and study attributes the SR copies from its source images.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudyHeader {
    /// PatientName (0010,0010).
    pub patient_name: String,
    /// PatientID (0010,0020).
    pub patient_id: String,
    /// PatientBirthDate (0010,0030).
    pub patient_birth_date: String,
    /// PatientSex (0010,0040).
    pub patient_sex: String,
    /// StudyInstanceUID (0020,000D).
    pub study_instance_uid: String,
    /// StudyDate (0008,0020).
    pub study_date: String,
    /// StudyTime (0008,0030).
    pub study_time: String,
    /// ReferringPhysicianName (0008,0090).
    pub referring_physician: String,
    /// StudyID (0020,0010).
    pub study_id: String,
    /// AccessionNumber (0008,0050).
    pub accession_number: String,
}

impl StudyHeader {
    /// Reads the header of one source image (checked before dicom-rs reads it).
    pub fn read(path: &Path) -> Result<StudyHeader, SrError> {
        let err = |reason: String| SrError::Image {
            path: path.to_path_buf(),
            reason,
        };
        let layout = check_file(path).map_err(|e| err(e.reason))?;
        let obj =
            open_checked(path, &layout, ReadUpTo::BeforePixelData).map_err(|e| err(e.reason))?;
        let get = |tag: Tag| opt_str(&obj, tag).unwrap_or_default();
        Ok(StudyHeader {
            patient_name: get(tags::PATIENT_NAME),
            patient_id: get(tags::PATIENT_ID),
            patient_birth_date: get(tags::PATIENT_BIRTH_DATE),
            patient_sex: get(tags::PATIENT_SEX),
            study_instance_uid: get(tags::STUDY_INSTANCE_UID),
            study_date: get(tags::STUDY_DATE),
            study_time: get(tags::STUDY_TIME),
            referring_physician: get(tags::REFERRING_PHYSICIAN_NAME),
            study_id: get(tags::STUDY_ID),
            accession_number: get(tags::ACCESSION_NUMBER),
        })
    }

    /// The header with the patient named only by `pseudonym(key, patient_id)` (as the
    /// pseudonymised per-screw table names it), the study by `uid(study)`, and every other
    /// identifying value (birth date, sex, dates, accession number, study ID, referring
    /// physician) left empty.
    pub fn pseudonymized(
        &self,
        key: &str,
        patient_id: &str,
        uid: impl Fn(&str) -> String,
    ) -> StudyHeader {
        let alias = pseudonym(key, patient_id);
        StudyHeader {
            patient_name: alias.clone(),
            patient_id: alias,
            study_instance_uid: uid(&self.study_instance_uid),
            ..StudyHeader::default()
        }
    }
}

/// Identity and time of the SR instance itself.
#[derive(Debug, Clone)]
pub struct Instance {
    /// SeriesInstanceUID of the SR's own series.
    pub series_instance_uid: String,
    /// SOPInstanceUID of the SR.
    pub sop_instance_uid: String,
    /// ContentDate, `YYYYMMDD` (UTC).
    pub date: String,
    /// ContentTime, `HHMMSS` (UTC).
    pub time: String,
}

fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

/// Puts the header modules into the SR data set.
pub fn put_header(obj: &mut InMemDicomObject, h: &StudyHeader, inst: &Instance) {
    put(obj, tags::INSTANCE_CREATION_DATE, VR::DA, &inst.date);
    put(obj, tags::INSTANCE_CREATION_TIME, VR::TM, &inst.time);
    put(obj, tags::SOP_CLASS_UID, VR::UI, COMPREHENSIVE_SR);
    put(obj, tags::SOP_INSTANCE_UID, VR::UI, &inst.sop_instance_uid);
    put(obj, tags::STUDY_DATE, VR::DA, &h.study_date);
    put(obj, tags::CONTENT_DATE, VR::DA, &inst.date);
    put(obj, tags::STUDY_TIME, VR::TM, &h.study_time);
    put(obj, tags::CONTENT_TIME, VR::TM, &inst.time);
    put(obj, tags::ACCESSION_NUMBER, VR::SH, &h.accession_number);
    put(obj, tags::MODALITY, VR::CS, "SR");
    put(obj, tags::MANUFACTURER, VR::LO, SR_MANUFACTURER);
    put(
        obj,
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        &h.referring_physician,
    );
    let mut scheme = InMemDicomObject::new_empty();
    put(
        &mut scheme,
        tags::CODING_SCHEME_DESIGNATOR,
        VR::SH,
        PRIVATE_SCHEME,
    );
    put(
        &mut scheme,
        tags::CODING_SCHEME_NAME,
        VR::ST,
        PRIVATE_SCHEME_NAME,
    );
    put(
        &mut scheme,
        tags::CODING_SCHEME_RESPONSIBLE_ORGANIZATION,
        VR::ST,
        "Anchorage project",
    );
    put_seq(
        obj,
        tags::CODING_SCHEME_IDENTIFICATION_SEQUENCE,
        vec![scheme],
    );
    put(
        obj,
        tags::SERIES_DESCRIPTION,
        VR::LO,
        "Anchorage measurements",
    );
    put(obj, tags::MANUFACTURER_MODEL_NAME, VR::LO, "anchorage");
    put_seq(
        obj,
        tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE,
        Vec::new(),
    );
    put(obj, tags::PATIENT_NAME, VR::PN, &h.patient_name);
    put(obj, tags::PATIENT_ID, VR::LO, &h.patient_id);
    put(obj, tags::PATIENT_BIRTH_DATE, VR::DA, &h.patient_birth_date);
    put(obj, tags::PATIENT_SEX, VR::CS, &h.patient_sex);
    put(
        obj,
        tags::SOFTWARE_VERSIONS,
        VR::LO,
        env!("CARGO_PKG_VERSION"),
    );
    put(obj, tags::STUDY_INSTANCE_UID, VR::UI, &h.study_instance_uid);
    put(
        obj,
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        &inst.series_instance_uid,
    );
    put(obj, tags::STUDY_ID, VR::SH, &h.study_id);
    put(obj, tags::SERIES_NUMBER, VR::IS, "9901");
    put(obj, tags::INSTANCE_NUMBER, VR::IS, "1");
    put(obj, tags::COMPLETION_FLAG, VR::CS, "COMPLETE");
    put(obj, tags::VERIFICATION_FLAG, VR::CS, "UNVERIFIED");
    put_seq(obj, tags::PERFORMED_PROCEDURE_CODE_SEQUENCE, Vec::new());
}

/// Declares UTF-8 (`ISO_IR 192`) when any text of the data set is not ASCII; an ASCII
/// data set keeps the default repertoire (DCMTK's checker warns about ISO_IR 192).
pub fn put_character_set(obj: &mut InMemDicomObject) {
    if !is_ascii(obj) {
        put(obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    }
}

fn is_ascii(obj: &InMemDicomObject) -> bool {
    obj.iter().all(|e| match e.items() {
        Some(items) => items.iter().all(is_ascii),
        None => match e.value() {
            dicom::core::DicomValue::Primitive(PrimitiveValue::Str(s)) => s.is_ascii(),
            dicom::core::DicomValue::Primitive(PrimitiveValue::Strs(v)) => {
                v.iter().all(|s| s.is_ascii())
            }
            _ => true,
        },
    })
}

/// `YYYYMMDD` and `HHMMSS` (UTC) of a `YYYY-MM-DDTHH:MM:SSZ` time.
pub fn dicom_date_time(iso: &str) -> (String, String) {
    let digits: String = iso.chars().filter(char::is_ascii_digit).collect();
    let date = digits.get(..8).unwrap_or("19700101").to_string();
    let time = digits.get(8..14).unwrap_or("000000").to_string();
    (date, time)
}
