//! C-FIND, study root: the studies that match a query (patient ID, patient name pattern,
//! study date range, modality), then each study's series (one series-level C-FIND per
//! study), over one association.

use std::net::TcpStream;

use dicom::core::{DataElement, PrimitiveValue, Tag, VR};
use dicom::dictionary_std::tags;
use dicom::object::InMemDicomObject;
use dicom_ul::ClientAssociation;

use super::assoc::{Dimse, EXPLICIT_LE, IMPLICIT_LE, command, data_set_type, field, ui, us};
use super::error::{PacsError, Step};
use super::node::PacsConfig;
use super::sop::STUDY_ROOT_FIND;
use super::status::StatusKind;

/// What to look for; an empty field matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindQuery {
    /// Patient ID, exact (DICOM wildcards `*` and `?` allowed).
    pub patient_id: Option<String>,
    /// Patient name, with DICOM wildcards (`DOE^*`).
    pub patient_name: Option<String>,
    /// Study date or range: `YYYYMMDD`, `YYYYMMDD-YYYYMMDD`, `YYYYMMDD-`, `-YYYYMMDD`.
    pub study_date: Option<String>,
    /// A modality the study must hold (`CT`, `MR`, …), matched on Modalities in Study.
    pub modality: Option<String>,
}

/// One study found, with its series.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StudyRecord {
    /// Study Instance UID.
    pub study_instance_uid: String,
    /// Patient ID.
    pub patient_id: String,
    /// Patient's name as the PACS holds it.
    pub patient_name: String,
    /// Study date, YYYYMMDD.
    pub study_date: String,
    /// Study description.
    pub study_description: String,
    /// Accession number.
    pub accession_number: String,
    /// Modalities in the study.
    pub modalities: Vec<String>,
    /// Number of instances in the study, when the PACS says.
    pub number_of_instances: Option<u32>,
    /// The study's series, by series number.
    pub series: Vec<SeriesRecord>,
}

/// One series of a study.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeriesRecord {
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// Modality.
    pub modality: String,
    /// Series number, when given.
    pub series_number: Option<i32>,
    /// Series description.
    pub series_description: String,
    /// Number of instances, when the PACS says.
    pub number_of_instances: Option<u32>,
}

impl FindQuery {
    /// Checks the values: no backslash (a multi-value separator), no control characters,
    /// a well-formed date range, a modality of capital letters.
    pub fn check(&self) -> Result<(), PacsError> {
        for (name, v) in [
            ("patient ID", &self.patient_id),
            ("patient name", &self.patient_name),
        ] {
            if let Some(v) = v
                && (v.contains('\\') || v.chars().any(|c| c.is_control()) || v.len() > 64)
            {
                return Err(PacsError::BadQuery(format!(
                    "{name} {v:?}: at most 64 characters, without backslash or control characters"
                )));
            }
        }
        if let Some(d) = &self.study_date
            && !is_date_range(d)
        {
            return Err(PacsError::BadQuery(format!(
                "study date {d:?}: expected YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD"
            )));
        }
        if let Some(m) = &self.modality
            && (m.is_empty() || m.len() > 16 || !m.chars().all(|c| c.is_ascii_uppercase()))
        {
            return Err(PacsError::BadQuery(format!(
                "modality {m:?}: expected capital letters such as CT or MR"
            )));
        }
        Ok(())
    }
}

fn is_date(s: &str) -> bool {
    s.len() == 8 && s.chars().all(|c| c.is_ascii_digit())
}

/// `YYYYMMDD`, `YYYYMMDD-YYYYMMDD`, `YYYYMMDD-` or `-YYYYMMDD`.
pub fn is_date_range(s: &str) -> bool {
    match s.split_once('-') {
        None => is_date(s),
        Some((a, b)) => {
            (a.is_empty() || is_date(a))
                && (b.is_empty() || is_date(b))
                && !(a.is_empty() && b.is_empty())
        }
    }
}

fn key(tag: Tag, vr: VR, value: Option<&str>) -> DataElement<InMemDicomObject> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => DataElement::new(tag, vr, PrimitiveValue::from(v)),
        None => DataElement::new(tag, vr, PrimitiveValue::Empty),
    }
}

fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok().map(|s| s.to_string()))
        .unwrap_or_default()
        .trim_end_matches(['\0', ' '])
        .trim()
        .to_string()
}

fn number<T: std::str::FromStr>(obj: &InMemDicomObject, tag: Tag) -> Option<T> {
    text(obj, tag).parse().ok()
}

/// Finds the studies matching `q`, each with its series.
pub fn find_studies(cfg: &PacsConfig, q: &FindQuery) -> Result<Vec<StudyRecord>, PacsError> {
    q.check()?;
    let contexts = [(
        STUDY_ROOT_FIND.to_string(),
        vec![EXPLICIT_LE.to_string(), IMPLICIT_LE.to_string()],
    )];
    let mut d = Dimse::open(cfg, &contexts, &[])?;
    match find_on(&mut d, q) {
        Ok(studies) => {
            let _ = d.release();
            Ok(studies)
        }
        Err(e) => {
            d.abort();
            Err(e)
        }
    }
}

fn find_on(
    d: &mut Dimse<ClientAssociation<TcpStream>>,
    q: &FindQuery,
) -> Result<Vec<StudyRecord>, PacsError> {
    let study_keys = InMemDicomObject::from_element_iter([
        key(tags::QUERY_RETRIEVE_LEVEL, VR::CS, Some("STUDY")),
        key(tags::STUDY_INSTANCE_UID, VR::UI, None),
        key(tags::PATIENT_ID, VR::LO, q.patient_id.as_deref()),
        key(tags::PATIENT_NAME, VR::PN, q.patient_name.as_deref()),
        key(tags::STUDY_DATE, VR::DA, q.study_date.as_deref()),
        key(tags::STUDY_DESCRIPTION, VR::LO, None),
        key(tags::ACCESSION_NUMBER, VR::SH, None),
        key(tags::MODALITIES_IN_STUDY, VR::CS, q.modality.as_deref()),
        key(tags::NUMBER_OF_STUDY_RELATED_INSTANCES, VR::IS, None),
    ]);
    let mut studies: Vec<StudyRecord> = c_find(d, &study_keys)?
        .iter()
        .map(|o| StudyRecord {
            study_instance_uid: text(o, tags::STUDY_INSTANCE_UID),
            patient_id: text(o, tags::PATIENT_ID),
            patient_name: text(o, tags::PATIENT_NAME),
            study_date: text(o, tags::STUDY_DATE),
            study_description: text(o, tags::STUDY_DESCRIPTION),
            accession_number: text(o, tags::ACCESSION_NUMBER),
            modalities: text(o, tags::MODALITIES_IN_STUDY)
                .split('\\')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect(),
            number_of_instances: number(o, tags::NUMBER_OF_STUDY_RELATED_INSTANCES),
            series: Vec::new(),
        })
        .filter(|s| !s.study_instance_uid.is_empty())
        .collect();
    for study in &mut studies {
        let series_keys = InMemDicomObject::from_element_iter([
            key(tags::QUERY_RETRIEVE_LEVEL, VR::CS, Some("SERIES")),
            key(
                tags::STUDY_INSTANCE_UID,
                VR::UI,
                Some(&study.study_instance_uid),
            ),
            key(tags::SERIES_INSTANCE_UID, VR::UI, None),
            key(tags::MODALITY, VR::CS, None),
            key(tags::SERIES_NUMBER, VR::IS, None),
            key(tags::SERIES_DESCRIPTION, VR::LO, None),
            key(tags::NUMBER_OF_SERIES_RELATED_INSTANCES, VR::IS, None),
        ]);
        let mut series: Vec<SeriesRecord> = c_find(d, &series_keys)?
            .iter()
            .map(|o| SeriesRecord {
                series_instance_uid: text(o, tags::SERIES_INSTANCE_UID),
                modality: text(o, tags::MODALITY),
                series_number: number(o, tags::SERIES_NUMBER),
                series_description: text(o, tags::SERIES_DESCRIPTION),
                number_of_instances: number(o, tags::NUMBER_OF_SERIES_RELATED_INSTANCES),
            })
            .filter(|s| !s.series_instance_uid.is_empty())
            .collect();
        series.sort_by(|a, b| {
            (a.series_number, &a.series_instance_uid)
                .cmp(&(b.series_number, &b.series_instance_uid))
        });
        study.series = series;
    }
    studies.sort_by(|a, b| {
        (&a.patient_id, &a.study_date, &a.study_instance_uid).cmp(&(
            &b.patient_id,
            &b.study_date,
            &b.study_instance_uid,
        ))
    });
    Ok(studies)
}

/// One C-FIND: the identifiers of every pending response.
fn c_find(
    d: &mut Dimse<ClientAssociation<TcpStream>>,
    keys: &InMemDicomObject,
) -> Result<Vec<InMemDicomObject>, PacsError> {
    let Some((pc, _)) = d.context_for(STUDY_ROOT_FIND, &[]) else {
        return Err(PacsError::NoContext {
            peer: d.peer().clone(),
            what: "Study Root Query/Retrieve – FIND".into(),
        });
    };
    let id = d.next_message_id();
    let cmd = command(vec![
        ui(tags::AFFECTED_SOP_CLASS_UID, STUDY_ROOT_FIND),
        us(tags::COMMAND_FIELD, field::C_FIND_RQ),
        us(tags::MESSAGE_ID, id),
        us(tags::PRIORITY, 0),
        data_set_type(true),
    ]);
    let data = d.encode(Step::Find, pc, keys)?;
    d.send(Step::Find, pc, &cmd, Some(&data))?;
    let mut found = Vec::new();
    loop {
        let rsp = d.expect(Step::Find)?;
        if rsp.field() != Some(field::C_FIND_RSP) {
            return Err(d.error(Step::Find, "the answer is not a C-FIND response"));
        }
        let Some(status) = rsp.status() else {
            return Err(d.error(Step::Find, "a response has no status"));
        };
        match status.kind() {
            StatusKind::Pending => {
                if let Some(bytes) = &rsp.data {
                    found.push(d.decode(Step::Find, rsp.pc_id, bytes)?);
                }
            }
            StatusKind::Success | StatusKind::Warning => return Ok(found),
            StatusKind::Failure | StatusKind::Cancel => {
                return Err(PacsError::Status {
                    peer: d.peer().clone(),
                    step: Step::Find,
                    status,
                    comment: rsp.text(tags::ERROR_COMMENT),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges() {
        for ok in ["20240101", "20240101-20241231", "20240101-", "-20241231"] {
            assert!(is_date_range(ok), "{ok}");
        }
        for bad in ["2024", "-", "2024-01-01", "20240101-2024", "abcdefgh"] {
            assert!(!is_date_range(bad), "{bad}");
        }
    }

    #[test]
    fn queries_are_checked() {
        let q = FindQuery {
            patient_name: Some("A\\B".into()),
            ..Default::default()
        };
        assert!(q.check().unwrap_err().to_string().contains("backslash"));
        let q = FindQuery {
            modality: Some("ct".into()),
            ..Default::default()
        };
        assert!(q.check().unwrap_err().to_string().contains("modality"));
    }
}
