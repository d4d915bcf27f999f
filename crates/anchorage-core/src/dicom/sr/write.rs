//! Building the SR of a session: measure it on its series ([`crate::pipeline`]), then the
//! TID 1500 tree — language, observers (the rater, and Anchorage as the device), the
//! procedures, the image library of every referenced image, and the measurement groups
//! ([`super::groups`]) — in a Comprehensive SR data set, written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dicom::core::value::PrimitiveValue;
use dicom::core::{DataElement, VR};
use dicom::dictionary_std::{tags, uids};
use dicom::object::{FileMetaTableBuilder, InMemDicomObject};

use super::codes::{self as c};
use super::content::{ImageRef, Item, Relationship as Rel, Value, image_item, put_seq};
use super::error::SrError;
use super::groups::{RoiContext, level_group, patient_group, roi_group, screw_group};
use super::header::COMPREHENSIVE_SR;
use super::header::{Instance, StudyHeader, dicom_date_time, put_character_set, put_header};
use crate::dicom::header::{FileKind, read_header};
use crate::dicom::write::{
    IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, derive_uid, fnv1a64,
};
use crate::export::{MIN_KEY_CHARS, pseudonym_uid};
use crate::measure::find_slice;
use crate::pipeline::study::{LoadedSeries, load_series_searching};
use crate::pipeline::{Measured, Pipeline};
use crate::session::{Session, write_atomic};

/// Choices for one SR export.
#[derive(Debug, Clone, Default)]
pub struct SrOptions {
    /// The rater (Person Observer Name, `Family^Given`); without one, only Anchorage is
    /// named as the (device) observer.
    pub observer: Option<String>,
    /// Pseudonymise with this project key: the patient named by the pseudonym of the
    /// per-screw table, every UID replaced by its keyed pseudonym, no dates, no notes.
    pub pseudonymize_key: Option<String>,
    /// Folders to look in for a series that is not where the session says.
    pub search: Vec<PathBuf>,
    /// The time written as ContentDate/Time, `YYYY-MM-DDTHH:MM:SSZ`; now when `None`.
    pub time_utc: Option<String>,
}

/// An SR ready to write, and what a reader must know about it.
#[derive(Debug, Clone)]
pub struct SrExport {
    /// The Part 10 file's bytes.
    pub bytes: Vec<u8>,
    /// The SOP Instance UID of the SR.
    pub sop_instance_uid: String,
    /// How many measurement groups it holds.
    pub groups: usize,
    /// Series found elsewhere, ROIs left out and measurement warnings.
    pub notes: Vec<String>,
}

/// Builds the SR of the session saved at `session_path`.
pub fn export_sr(
    session: &Session,
    session_path: &Path,
    opts: &SrOptions,
) -> Result<SrExport, SrError> {
    let study = |source| SrError::Study {
        session: session_path.to_path_buf(),
        source,
    };
    if let Some(k) = &opts.pseudonymize_key
        && k.chars().count() < MIN_KEY_CHARS
    {
        return Err(SrError::Key(format!(
            "the project key must have at least {MIN_KEY_CHARS} characters"
        )));
    }
    let pipeline = Pipeline::new(session, Some(session_path)).map_err(study)?;
    let (loaded, mut notes) =
        load_series_searching(session, session_path, &opts.search).map_err(study)?;
    let measured = pipeline.run(session, |uid| {
        loaded
            .iter()
            .find(|s| s.series.uid == uid)
            .map(|s| (&s.series, &s.volume))
    });
    notes.extend(measured.notices.iter().map(ToString::to_string));
    let first = loaded
        .first()
        .and_then(|s| s.series.slices.first())
        .map(|s| s.path.clone());
    let mut header = match &first {
        Some(p) => StudyHeader::read(p)?,
        None => StudyHeader::default(),
    };
    if header.study_instance_uid.is_empty() {
        header.study_instance_uid = session.study_instance_uid.clone();
    }
    let key = opts.pseudonymize_key.clone();
    let uid = |u: &str| match &key {
        Some(k) => pseudonym_uid(k, u),
        None => u.to_string(),
    };
    if let Some(k) = &key {
        header = header.pseudonymized(k, &session.patient_id, uid);
    }
    let time = opts.time_utc.clone().unwrap_or_else(crate::cohort::now_utc);
    let (date, tm) = dicom_date_time(&time);
    let seed = fnv1a64(
        format!(
            "{}|{time}|{}",
            header.study_instance_uid,
            std::process::id()
        )
        .as_bytes(),
    );
    let inst = Instance {
        series_instance_uid: derive_uid(seed, "anchorage-sr-series"),
        sop_instance_uid: derive_uid(seed, "anchorage-sr-instance"),
        date,
        time: tm,
    };
    let doc = Document::build(session, &loaded, &measured, &header, opts, &uid, &mut notes)?;
    let mut obj = InMemDicomObject::new_empty();
    put_header(&mut obj, &header, &inst);
    for e in doc.root.to_dicom().into_iter() {
        obj.put(e);
    }
    put_seq(
        &mut obj,
        tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
        doc.evidence(&header.study_instance_uid),
    );
    obj.put(DataElement::new(
        tags::PRELIMINARY_FLAG,
        VR::CS,
        PrimitiveValue::from("FINAL"),
    ));
    put_character_set(&mut obj);
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .media_storage_sop_class_uid(COMPREHENSIVE_SR)
        .media_storage_sop_instance_uid(&inst.sop_instance_uid)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME);
    let file = obj
        .with_meta(meta)
        .map_err(|e| SrError::Encode(e.to_string()))?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes)
        .map_err(|e| SrError::Encode(e.to_string()))?;
    Ok(SrExport {
        bytes,
        sop_instance_uid: inst.sop_instance_uid,
        groups: doc.groups,
        notes,
    })
}

/// [`export_sr`], written atomically to `out`.
pub fn write_sr(
    session: &Session,
    session_path: &Path,
    out: &Path,
    opts: &SrOptions,
) -> Result<SrExport, SrError> {
    let export = export_sr(session, session_path, opts)?;
    write_atomic(out, &export.bytes).map_err(|source| SrError::Io {
        path: out.to_path_buf(),
        what: "cannot write the SR",
        source,
    })?;
    Ok(export)
}

/// A referenced image, as written (pseudonymised UIDs where asked).
#[derive(Debug, Clone)]
struct Referenced {
    series_uid: String,
    modality: String,
    frame_of_reference_uid: String,
    image: ImageRef,
}

/// The content tree and the images it references.
struct Document {
    root: Item,
    groups: usize,
    /// Referenced images by (series, SOP instance), in order.
    images: BTreeMap<(String, String), Referenced>,
}

impl Document {
    fn build(
        session: &Session,
        loaded: &[LoadedSeries],
        measured: &Measured,
        header: &StudyHeader,
        opts: &SrOptions,
        uid: &dyn Fn(&str) -> String,
        notes: &mut Vec<String>,
    ) -> Result<Document, SrError> {
        let pseudonymized = opts.pseudonymize_key.is_some();
        let study_seed = fnv1a64(header.study_instance_uid.as_bytes());
        let mut images: BTreeMap<(String, String), Referenced> = BTreeMap::new();
        let mut sop_classes: BTreeMap<PathBuf, String> = BTreeMap::new();
        let mut groups = Vec::new();
        for roi in &session.rois {
            let found = loaded
                .iter()
                .find(|s| s.series.uid == roi.series_uid)
                .and_then(|s| {
                    find_slice(&s.volume, &roi.sop_instance_uid, roi.frame).map(|k| (s, k))
                });
            let Some((series, slice)) = found else {
                notes.push(format!(
                    "ROI {} is left out of the SR: its image {} (frame {}) is not in the loaded series",
                    roi.id, roi.sop_instance_uid, roi.frame
                ));
                continue;
            };
            let (Some(plane), Some(slice_ref)) = (
                series.volume.planes.get(slice),
                series.series.slices.get(slice),
            ) else {
                continue;
            };
            let sop_class = match sop_classes.get(&slice_ref.path) {
                Some(c) => c.clone(),
                None => {
                    let c = sop_class_of(&slice_ref.path)?;
                    sop_classes.insert(slice_ref.path.clone(), c.clone());
                    c
                }
            };
            let frames = series
                .volume
                .sop_instance_uids
                .iter()
                .filter(|u| **u == roi.sop_instance_uid)
                .count();
            let image = ImageRef {
                sop_class_uid: sop_class,
                sop_instance_uid: uid(&roi.sop_instance_uid),
                frame_number: (frames > 1).then_some(roi.frame + 1),
            };
            let tracking_uid = derive_uid(
                study_seed,
                &format!(
                    "roi:{}:{}:{}",
                    uid(&roi.series_uid),
                    image.sop_instance_uid,
                    roi.id
                ),
            );
            let ctx = RoiContext {
                roi,
                measurement: measured.measurements.get(&roi.id),
                plane: *plane,
                image: image.clone(),
                ct: series.series.modality.eq_ignore_ascii_case("CT"),
                tracking_uid,
                pseudonymized,
            };
            let Some(g) = roi_group(&ctx) else {
                notes.push(format!(
                    "ROI {} is left out of the SR: its geometry is broken",
                    roi.id
                ));
                continue;
            };
            groups.push(g);
            images
                .entry((uid(&roi.series_uid), image.sop_instance_uid.clone()))
                .or_insert_with(|| Referenced {
                    series_uid: uid(&roi.series_uid),
                    modality: series.series.modality.clone(),
                    frame_of_reference_uid: uid(&series.series.frame_of_reference_uid),
                    image: ImageRef {
                        frame_number: None,
                        ..image
                    },
                });
        }
        let results = &measured.results;
        for l in &results.levels {
            let t = derive_uid(study_seed, &format!("level:{}", l.level));
            groups.push(level_group(l, &t));
        }
        for s in &results.screws {
            let t = derive_uid(
                study_seed,
                &format!("screw:{}:{}", s.screw.level, s.screw.side),
            );
            groups.push(screw_group(s, &measured.models, &t));
        }
        let t = derive_uid(study_seed, "patient");
        groups.push(patient_group(
            session,
            results,
            &measured.models,
            &t,
            pseudonymized,
        ));

        let count = groups.len();
        let mut root = Item {
            relationship: None,
            name: Some(c::IMAGING_MEASUREMENT_REPORT.code()),
            value: Value::Container {
                template: Some("1500"),
            },
            children: Vec::new(),
        };
        root.children.push(Item::code(
            Rel::HasConceptMod,
            c::LANGUAGE_OF_CONTENT,
            c::ENGLISH,
        ));
        if let Some(name) = opts
            .observer
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            root.children
                .push(Item::code(Rel::HasObsContext, c::OBSERVER_TYPE, c::PERSON));
            root.children.push(Item::new(
                Rel::HasObsContext,
                c::PERSON_OBSERVER_NAME,
                Value::PName(name.to_string()),
            ));
        }
        root.children
            .push(Item::code(Rel::HasObsContext, c::OBSERVER_TYPE, c::DEVICE));
        root.children.push(Item::new(
            Rel::HasObsContext,
            c::DEVICE_OBSERVER_UID,
            Value::UidRef(IMPLEMENTATION_CLASS_UID.into()),
        ));
        root.children.push(Item::text(
            Rel::HasObsContext,
            c::DEVICE_OBSERVER_NAME,
            format!("Anchorage {}", env!("CARGO_PKG_VERSION")),
        ));
        let modalities: Vec<String> = images
            .values()
            .map(|r| r.modality.to_ascii_uppercase())
            .collect();
        let has = |m: &str| {
            modalities.iter().any(|x| x == m)
                || session
                    .series
                    .iter()
                    .any(|s| s.modality.eq_ignore_ascii_case(m))
        };
        for (m, code) in [("CT", c::CT_PROCEDURE), ("MR", c::MR_PROCEDURE)] {
            if has(m) {
                root.children
                    .push(Item::code(Rel::HasConceptMod, c::PROCEDURE_REPORTED, code));
            }
        }
        root.children.push(image_library(&images));
        let mut measurements = Item::container(Rel::Contains, c::IMAGING_MEASUREMENTS, None);
        measurements.children = groups;
        root.children.push(measurements);
        Ok(Document {
            root,
            groups: count,
            images,
        })
    }

    /// The Current Requested Procedure Evidence Sequence: every referenced image by study
    /// and series.
    fn evidence(&self, study_uid: &str) -> Vec<InMemDicomObject> {
        let mut by_series: BTreeMap<&str, Vec<&ImageRef>> = BTreeMap::new();
        for r in self.images.values() {
            by_series.entry(&r.series_uid).or_default().push(&r.image);
        }
        if by_series.is_empty() {
            return Vec::new();
        }
        let series: Vec<InMemDicomObject> = by_series
            .into_iter()
            .map(|(uid, imgs)| {
                let mut s = InMemDicomObject::new_empty();
                put_seq(
                    &mut s,
                    tags::REFERENCED_SOP_SEQUENCE,
                    imgs.into_iter().map(image_item).collect(),
                );
                s.put(DataElement::new(
                    tags::SERIES_INSTANCE_UID,
                    VR::UI,
                    PrimitiveValue::from(uid),
                ));
                s
            })
            .collect();
        let mut study = InMemDicomObject::new_empty();
        put_seq(&mut study, tags::REFERENCED_SERIES_SEQUENCE, series);
        study.put(DataElement::new(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(study_uid),
        ));
        vec![study]
    }
}

/// The Image Library (TID 1600): one group per series (modality and frame of reference
/// for all its entries), one IMAGE entry per referenced image.
fn image_library(images: &BTreeMap<(String, String), Referenced>) -> Item {
    let mut library = Item::container(Rel::Contains, c::IMAGE_LIBRARY, None);
    let mut by_series: BTreeMap<&str, Vec<&Referenced>> = BTreeMap::new();
    for r in images.values() {
        by_series.entry(&r.series_uid).or_default().push(r);
    }
    for refs in by_series.values() {
        let Some(first) = refs.first() else { continue };
        let mut g = Item::container(Rel::Contains, c::IMAGE_LIBRARY_GROUP, None);
        let modality = if first.modality.eq_ignore_ascii_case("MR") {
            c::MODALITY_MR
        } else {
            c::MODALITY_CT
        };
        g.children
            .push(Item::code(Rel::HasAcqContext, c::MODALITY, modality));
        if !first.frame_of_reference_uid.is_empty() {
            g.children.push(Item::new(
                Rel::HasAcqContext,
                c::FRAME_OF_REFERENCE_UID,
                Value::UidRef(first.frame_of_reference_uid.clone()),
            ));
        }
        for r in refs {
            g.children.push(Item::new(
                Rel::Contains,
                c::SOURCE,
                Value::Image(r.image.clone()),
            ));
        }
        library.children.push(g);
    }
    library
}

/// The SOP Class UID of an image file.
fn sop_class_of(path: &Path) -> Result<String, SrError> {
    match read_header(path) {
        Ok(FileKind::Image(h)) => Ok(h.sop_class_uid),
        Ok(FileKind::Dicomdir(_)) => Err(SrError::Image {
            path: path.to_path_buf(),
            reason: "a DICOMDIR, not an image".into(),
        }),
        Err(e) => Err(SrError::Image {
            path: path.to_path_buf(),
            reason: e.reason,
        }),
    }
}
