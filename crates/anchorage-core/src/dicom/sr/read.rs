//! Reading an SR that Anchorage wrote back into a session, against the images it
//! references: each ROI group gives an ROI (its id from the Tracking Identifier, role
//! from the Measurement Method, level and side from the Finding Site, image and frame
//! from the SCOORD's reference, exact points from the ROI-GEOMETRY item, checked against
//! the SCOORD), each screw group a screw plan, the patient group the risk model's inputs,
//! the protocol choices and the model files. Derived values are not read back: `anchorage
//! measure` recomputes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dicom::dictionary_std::tags;
use dicom::object::InMemDicomObject;

use super::codes::{self as c, CodedConcept};
use super::content::{GraphicType, ImageRef, Item, Value, opt_str};
use super::error::{SrError, tag_name};
use super::groups::{ExactGeometry, scoord_points};
use super::header::{COMPREHENSIVE_SR, SR_MANUFACTURER};
use crate::dicom::guard::{ReadUpTo, check_file, open_checked};
use crate::dicom::series::{ScanReport, scan};
use crate::export::pseudonym_uid;
use crate::session::{Level, Roi, RoiKind, Screw, SeriesRef, Session};

/// A session recreated from an SR.
#[derive(Debug, Clone)]
pub struct ImportedSr {
    /// The session (series paths absolute, where the images were found).
    pub session: Session,
    /// How many ROIs were read.
    pub rois: usize,
    /// How many screws were read.
    pub screws: usize,
}

/// Reads the SR at `sr` and recreates its session against the images under `images`.
/// A pseudonymised SR references its images by keyed pseudonyms: give the same project
/// key to find them.
pub fn import_sr(
    sr: &Path,
    images: &Path,
    project_key: Option<&str>,
) -> Result<ImportedSr, SrError> {
    let obj = open_sr(sr)?;
    let in_file = |e: SrError| SrError::InFile {
        path: sr.to_path_buf(),
        source: Box::new(e),
    };
    let root = Item::from_dicom(&obj, "1").map_err(in_file)?;
    let foreign = |reason: String| SrError::Foreign {
        path: sr.to_path_buf(),
        reason,
    };
    if !root.named(&c::IMAGING_MEASUREMENT_REPORT) {
        return Err(foreign(
            "its title is not (126000, DCM, \"Imaging Measurement Report\")".into(),
        ));
    }
    let measurements = root.child(&c::IMAGING_MEASUREMENTS).ok_or_else(|| {
        in_file(missing(
            "1",
            "the Imaging Measurements container (126010, DCM)",
        ))
    })?;
    let patient = measurements
        .children
        .iter()
        .find(|g| {
            g.child_code(&c::FINDING)
                .is_some_and(|f| f.is(&c::PATIENT_SUMMARY))
        })
        .ok_or_else(|| foreign("no patient group (99ANCHORAGE, PATIENT-SUMMARY)".into()))?;

    let report = scan(images).map_err(|e| SrError::Images(e.to_string()))?;
    let index = ImageIndex::new(&report, project_key);
    let evidence = evidence_series(&obj);

    let mut session = Session {
        patient_id: opt_str(&obj, tags::PATIENT_ID).unwrap_or_default(),
        study_instance_uid: index
            .real(&opt_str(&obj, tags::STUDY_INSTANCE_UID).unwrap_or_default()),
        ..Session::default()
    };
    for (k, g) in measurements.children.iter().enumerate() {
        let at = format!("1.{}", k + 1);
        if !g.named(&c::MEASUREMENT_GROUP) {
            continue;
        }
        if g.child_text(&c::ROI_GEOMETRY).is_some() {
            let roi = read_roi(g, &at, &index, &evidence, images).map_err(|e| match e {
                e @ SrError::MissingImage { .. } => e,
                e => in_file(e),
            })?;
            if !session
                .series
                .iter()
                .any(|s| s.series_instance_uid == roi.series_uid)
            {
                session
                    .series
                    .push(index.series_ref(&roi.series_uid, images));
            }
            session.rois.push(roi);
        } else if g
            .child_code(&c::FINDING)
            .is_some_and(|f| f.is(&c::BONE_SCREW))
        {
            session.screws.push(read_screw(g, &at).map_err(in_file)?);
        }
    }
    read_patient(patient, &mut session).map_err(in_file)?;
    session.next_roi_id = session.rois.iter().map(|r| r.id + 1).max().unwrap_or(1);
    session
        .check()
        .map_err(|reason| in_file(content("1", tags::CONTENT_SEQUENCE, reason)))?;
    Ok(ImportedSr {
        rois: session.rois.len(),
        screws: session.screws.len(),
        session,
    })
}

/// Opens the file, checked before dicom-rs reads it, and refuses what Anchorage did not
/// write.
/// Whether `path` is a readable Comprehensive SR (the kind Anchorage writes): the test
/// the window makes before opening a file as an SR. Reads the header only.
pub fn is_sr_file(path: &Path) -> bool {
    open_sr(path).is_ok()
}

fn open_sr(sr: &Path) -> Result<InMemDicomObject, SrError> {
    let unreadable = |reason: String| SrError::Unreadable {
        path: sr.to_path_buf(),
        reason,
    };
    let layout = check_file(sr).map_err(|e| unreadable(e.reason))?;
    if layout.unparsed_tail_bytes > 0 {
        return Err(unreadable(format!(
            "the file ends inside an element: {} bytes at the end are not a whole element (truncated?)",
            layout.unparsed_tail_bytes
        )));
    }
    let obj = open_checked(sr, &layout, ReadUpTo::PixelData)
        .map_err(|e| unreadable(e.reason))?
        .into_inner();
    let foreign = |reason: String| SrError::Foreign {
        path: sr.to_path_buf(),
        reason,
    };
    let class = opt_str(&obj, tags::SOP_CLASS_UID).unwrap_or_default();
    if class != COMPREHENSIVE_SR {
        return Err(foreign(format!(
            "{} is {class:?}, not Comprehensive SR {COMPREHENSIVE_SR}",
            tag_name(tags::SOP_CLASS_UID)
        )));
    }
    let maker = opt_str(&obj, tags::MANUFACTURER).unwrap_or_default();
    if maker != SR_MANUFACTURER {
        return Err(foreign(format!(
            "{} is {maker:?}, not {SR_MANUFACTURER:?}",
            tag_name(tags::MANUFACTURER)
        )));
    }
    if obj.get(tags::CONTENT_SEQUENCE).is_none() {
        return Err(unreadable(format!(
            "no {} (truncated?)",
            tag_name(tags::CONTENT_SEQUENCE)
        )));
    }
    Ok(obj)
}

fn content(at: &str, tag: dicom::core::Tag, reason: impl Into<String>) -> SrError {
    SrError::Content {
        at: at.to_string(),
        tag: tag_name(tag),
        reason: reason.into(),
    }
}

fn missing(at: &str, what: &str) -> SrError {
    content(at, tags::CONTENT_SEQUENCE, format!("no {what}"))
}

/// SOP Instance UID → Series Instance UID, from the Current Requested Procedure Evidence
/// Sequence (UIDs as written).
fn evidence_series(obj: &InMemDicomObject) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let studies = obj
        .get(tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE)
        .and_then(|e| e.items())
        .unwrap_or_default();
    for study in studies {
        for series in study
            .get(tags::REFERENCED_SERIES_SEQUENCE)
            .and_then(|e| e.items())
            .unwrap_or_default()
        {
            let Some(uid) = opt_str(series, tags::SERIES_INSTANCE_UID) else {
                continue;
            };
            for sop in series
                .get(tags::REFERENCED_SOP_SEQUENCE)
                .and_then(|e| e.items())
                .unwrap_or_default()
            {
                if let Some(i) = opt_str(sop, tags::REFERENCED_SOP_INSTANCE_UID) {
                    out.insert(i, uid.clone());
                }
            }
        }
    }
    out
}

/// The images found, by SOP Instance UID and frame; and the pseudonym → UID map of a
/// pseudonymised SR.
struct ImageIndex<'a> {
    report: &'a ScanReport,
    /// (SOP Instance UID, frame) → (series index, slice index).
    slices: BTreeMap<(String, u32), (usize, usize)>,
    /// Pseudonymous UID → real UID (empty without a key).
    unmask: BTreeMap<String, String>,
}

impl<'a> ImageIndex<'a> {
    fn new(report: &'a ScanReport, key: Option<&str>) -> ImageIndex<'a> {
        let mut slices = BTreeMap::new();
        let mut unmask = BTreeMap::new();
        for (si, s) in report.series.iter().enumerate() {
            for (k, sl) in s.slices.iter().enumerate() {
                slices.insert((sl.sop_instance_uid.clone(), sl.frame), (si, k));
                if let Some(key) = key {
                    unmask.insert(
                        pseudonym_uid(key, &sl.sop_instance_uid),
                        sl.sop_instance_uid.clone(),
                    );
                }
            }
            if let Some(key) = key {
                for u in [&s.uid, &s.study_instance_uid, &s.frame_of_reference_uid] {
                    unmask.insert(pseudonym_uid(key, u), u.clone());
                }
            }
        }
        ImageIndex {
            report,
            slices,
            unmask,
        }
    }

    /// The real UID of a UID as written.
    fn real(&self, uid: &str) -> String {
        self.unmask
            .get(uid)
            .cloned()
            .unwrap_or_else(|| uid.to_string())
    }

    fn series_ref(&self, uid: &str, images: &Path) -> SeriesRef {
        let s = self.report.series.iter().find(|s| s.uid == uid);
        SeriesRef {
            path: s
                .and_then(|s| s.folder())
                .unwrap_or_else(|| images.to_path_buf()),
            series_instance_uid: uid.to_string(),
            modality: s.map(|s| s.modality.clone()).unwrap_or_default(),
            description: s.map(|s| s.description.clone()).unwrap_or_default(),
        }
    }
}

/// The level and side of a group: its Finding Site (with a Laterality modifier), or a
/// Laterality of its own.
fn level_side(
    g: &Item,
    at: &str,
) -> Result<(Option<Level>, Option<crate::session::Side>), SrError> {
    let site = g.child(&c::FINDING_SITE);
    let level = match site.map(|s| &s.value) {
        Some(Value::Code(code)) => Some(c::level_of(code).ok_or_else(|| {
            content(
                at,
                tags::CONCEPT_CODE_SEQUENCE,
                format!("finding site {} is not a vertebral level", code.describe()),
            )
        })?),
        _ => None,
    };
    let lat = site
        .and_then(|s| s.child_code(&c::LATERALITY))
        .or_else(|| g.child_code(&c::LATERALITY));
    let side = match lat {
        Some(code) => Some(c::side_of(code).ok_or_else(|| {
            content(
                at,
                tags::CONCEPT_CODE_SEQUENCE,
                format!("laterality {} is not left or right", code.describe()),
            )
        })?),
        None => None,
    };
    Ok((level, side))
}

/// The SCOORD of a group (an Image Region, or inferred from its Length) and its image.
fn find_scoord(g: &Item) -> Option<(GraphicType, &Vec<[f32; 2]>, &ImageRef)> {
    let items = g
        .children
        .iter()
        .chain(g.children.iter().flat_map(|i| i.children.iter()));
    items.into_iter().find_map(|i| match &i.value {
        Value::Scoord {
            graphic_type,
            points,
        } => i.children.iter().find_map(|ch| match &ch.value {
            Value::Image(r) => Some((*graphic_type, points, r)),
            _ => None,
        }),
        _ => None,
    })
}

fn read_roi(
    g: &Item,
    at: &str,
    index: &ImageIndex<'_>,
    evidence: &BTreeMap<String, String>,
    images: &Path,
) -> Result<Roi, SrError> {
    let ident = g.child_text(&c::TRACKING_IDENTIFIER).unwrap_or_default();
    let id = ident
        .strip_prefix("ROI ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            content(
                at,
                tags::TEXT_VALUE,
                format!("tracking identifier {ident:?} does not start with \"ROI <id>:\""),
            )
        })?;
    let role = g
        .child_code(&c::MEASUREMENT_METHOD)
        .and_then(c::role_of)
        .ok_or_else(|| {
            missing(
                at,
                "Measurement Method naming the ROI's role (99ANCHORAGE, ROLE-…)",
            )
        })?;
    let (level, side) = level_side(g, at)?;
    let (graphic_type, points, image) =
        find_scoord(g).ok_or_else(|| missing(at, "SCOORD selected from an image"))?;
    let kind = match (graphic_type, points.len()) {
        (GraphicType::Ellipse, _) => RoiKind::Ellipse,
        (GraphicType::Polyline, 2) => RoiKind::Caliper,
        (GraphicType::Polyline, _) => RoiKind::Trajectory,
    };
    let text = g.child_text(&c::ROI_GEOMETRY).unwrap_or_default();
    let exact: ExactGeometry = serde_json::from_str(text).map_err(|e| {
        content(
            at,
            tags::TEXT_VALUE,
            format!("the ROI geometry is not readable: {e}"),
        )
    })?;
    let sop = index.real(&image.sop_instance_uid);
    let frame = image.frame_number.map_or(0, |f| f.saturating_sub(1));
    let written_series = evidence
        .get(&image.sop_instance_uid)
        .cloned()
        .unwrap_or_default();
    let Some(&(si, k)) = index.slices.get(&(sop.clone(), frame)) else {
        return Err(SrError::MissingImage {
            sop_instance_uid: sop,
            series_uid: index.real(&written_series),
            images: images.to_path_buf(),
        });
    };
    let (Some(series), Some(slice)) = (
        index.report.series.get(si),
        index.report.series.get(si).and_then(|s| s.slices.get(k)),
    ) else {
        return Err(missing(at, "image in the scanned series"));
    };
    let roi = Roi {
        id,
        kind,
        role,
        level,
        side,
        series_uid: series.uid.clone(),
        sop_instance_uid: sop,
        frame,
        points_mm: exact.points_mm,
        width_mm: exact.width_mm,
        note: g.child_text(&c::ROI_NOTE).unwrap_or_default().to_string(),
    };
    // The exact copy must say what the SCOORD says (an SR edited elsewhere would not).
    let expected = scoord_points(&roi, &slice.plane).ok_or_else(|| {
        content(
            at,
            tags::TEXT_VALUE,
            "the ROI geometry does not fit its kind",
        )
    })?;
    let agrees = expected.0 == graphic_type
        && expected.1.len() == points.len()
        && expected.1.iter().zip(points.iter()).all(|(e, p)| {
            (e[0] - f64::from(p[0])).abs() <= 1e-3 + 1e-6 * e[0].abs()
                && (e[1] - f64::from(p[1])).abs() <= 1e-3 + 1e-6 * e[1].abs()
        });
    if !agrees {
        return Err(content(
            at,
            tags::GRAPHIC_DATA,
            "the SCOORD does not match the ROI geometry item (was the SR edited by another program?)",
        ));
    }
    Ok(roi)
}

fn need_num(g: &Item, at: &str, concept: &CodedConcept) -> Result<f64, SrError> {
    g.child_num(concept).ok_or_else(|| {
        missing(
            at,
            &format!(
                "{} ({}, {})",
                concept.meaning, concept.scheme, concept.value
            ),
        )
    })
}

fn read_screw(g: &Item, at: &str) -> Result<Screw, SrError> {
    let (level, side) = level_side(g, at)?;
    let (Some(level), Some(side)) = (level, side) else {
        return Err(missing(at, "finding site with laterality for the screw"));
    };
    Ok(Screw {
        level,
        side,
        diameter_mm: need_num(g, at, &c::SCREW_DIAMETER.name)?,
        length_mm: need_num(g, at, &c::SCREW_LENGTH.name)?,
        interference_mm: need_num(g, at, &c::INTERFERENCE.name)?,
        emg_threshold_ma: g.child_num(&c::EMG_THRESHOLD.name),
        insertion_torque_nm: g.child_num(&c::INSERTION_TORQUE.name),
        plan: None,
    })
}

fn read_patient(g: &Item, session: &mut Session) -> Result<(), SrError> {
    let at = "patient group";
    let level = |concept: &CodedConcept| -> Result<Level, SrError> {
        let code = g.child_code(concept).ok_or_else(|| {
            missing(
                at,
                &format!(
                    "{} ({}, {})",
                    concept.meaning, concept.scheme, concept.value
                ),
            )
        })?;
        c::level_of(code).ok_or_else(|| {
            content(
                at,
                tags::CONCEPT_CODE_SEQUENCE,
                format!("{} is not a vertebral level", code.describe()),
            )
        })
    };
    session.choices.reference_level = level(&c::REFERENCE_LEVEL)?;
    session.choices.csf_level = level(&c::CSF_LEVEL)?;
    session.patient.age_years = g.child_num(&c::AGE.name);
    session.patient.goutallier = match g.child_num(&c::GOUTALLIER.name) {
        None => None,
        Some(v) if v.fract() == 0.0 && (0.0..=4.0).contains(&v) => Some(v as u8),
        Some(v) => {
            return Err(content(
                at,
                tags::FLOATING_POINT_VALUE,
                format!("Goutallier grade {v} is not 0..4"),
            ));
        }
    };
    session.models.force_n = g.child_num(&c::FORCE.name);
    session.models.modulus_mpa = g.child_num(&c::MODULUS.name);
    session.models.poisson = g.child_num(&c::POISSON.name);
    session.models.yield_mpa = g.child_num(&c::YIELD_STRESS.name);
    session.models.stress_model = g.child_text(&c::STRESS_MODEL_FILE).map(PathBuf::from);
    session.models.risk_model = g.child_text(&c::RISK_MODEL_FILE).map(PathBuf::from);
    Ok(())
}
