//! The planning report: one PDF per session, made from the session and its loaded series
//! through the one measurement pipeline ([`crate::pipeline::Pipeline`]), as `anchorage
//! measure` and the SR are.
//!
//! What it holds, in order: the patient's identification (name, ID, birth and study date;
//! or, pseudonymised, only the keyed pseudonym of the per-screw table), the software
//! version and the session hash, the models; the screws table ([`table`]: the cells of
//! `anchorage measure --csv`, columns chosen by name from [`REPORT_COLUMNS`]); the flags
//! and notices; the risk with its nomogram drawn and the model's provenance
//! ([`nomogram`]); the key images ([`images`]: the axial slice of each level with its
//! ROIs; each screw's en-face view at its pedicle's isthmus, [`enface`]; then any titled
//! pictures the caller adds); and
//! on every page "Research aid, not a diagnosis.".
//!
//! The bytes depend on the session and the images only: no time stamp, a file identifier
//! derived from the session hash, a font subset named after its glyphs. The session hash
//! is the SHA-256 of the session's canonical JSON ([`crate::session::Session::to_json`],
//! the bytes Anchorage saves), so it equals `sha256sum` of a session file Anchorage
//! wrote, and does not change when a file is re-indented by hand.
//!
//! Pseudonymised, the report names the patient only by [`crate::export::pseudonym`] and
//! the study by [`crate::export::pseudonym_uid`] (as `measure --pseudonymize` and `sr
//! --pseudonymize` do), leaves out dates and series descriptions, and refuses to finish
//! ([`ReportError::WouldLeak`]) if any text it drew still holds the patient's name, ID, a
//! date, a UID or a series description.
//!
//! [`pdf`] is the page writer (pdf-writer, the bundled DejaVu Sans embedded as a subset);
//! [`layout`] the page frame and text flow; [`identity`] the identification and the leak
//! check.

pub mod enface;
pub mod identity;
pub mod images;
pub mod layout;
pub mod nomogram;
pub mod pdf;
pub mod table;
pub mod types;

use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::export::MIN_KEY_CHARS;
use crate::pipeline::study::load_series_searching;
use crate::pipeline::{Measured, Pipeline};
use crate::session::Session;
pub use table::REPORT_COLUMNS;
pub use types::{ImagePixels, PlacedPicture, ReportError, TitledImage};

/// What the caller chooses.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Pseudonymise with this project key (at least [`MIN_KEY_CHARS`] characters).
    pub pseudonymize_key: Option<String>,
    /// Pictures added after the axial key images and the en-face views, in order.
    pub extra_images: Vec<TitledImage>,
}

/// A report made, with what went into it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// The session hash it states (hex SHA-256 of the canonical JSON).
    pub session_sha256: String,
    /// Every picture placed.
    pub pictures: Vec<PlacedPicture>,
    /// The number of pages.
    pub pages: usize,
}

/// The session hash the report states: the hex SHA-256 of the session's canonical JSON
/// ([`Session::to_json`]).
pub fn session_sha256(session: &Session) -> String {
    sha2::Sha256::digest(session.to_json().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The planning report of `session` as PDF bytes: measured with its models (model paths
/// relative to `session_path`) on the series `find` gives by SeriesInstanceUID, as
/// [`Pipeline::run`] does.
pub fn planning_report<'a>(
    session: &Session,
    session_path: Option<&Path>,
    find: impl Fn(&str) -> Option<(&'a Series, &'a Volume)> + Copy,
    opts: &ReportOptions,
) -> Result<Vec<u8>, ReportError> {
    build_report(session, session_path, find, opts).map(|r| r.pdf)
}

/// [`planning_report`], with where each picture went.
pub fn build_report<'a>(
    session: &Session,
    session_path: Option<&Path>,
    find: impl Fn(&str) -> Option<(&'a Series, &'a Volume)> + Copy,
    opts: &ReportOptions,
) -> Result<Report, ReportError> {
    if let Some(k) = &opts.pseudonymize_key
        && k.chars().count() < MIN_KEY_CHARS
    {
        return Err(ReportError::Key);
    }
    let pipeline = Pipeline::new(session, session_path)?;
    let measured = pipeline.run(session, find);
    compose(session, &measured, find, opts)
}

/// The report of a session file whose series are on disk (a series not where the session
/// says is looked for under `search`, in order). Returns the report and one note for each
/// series found elsewhere.
pub fn report_on_disk(
    session: &Session,
    session_path: &Path,
    search: &[PathBuf],
    opts: &ReportOptions,
) -> Result<(Report, Vec<String>), ReportError> {
    if let Some(k) = &opts.pseudonymize_key
        && k.chars().count() < MIN_KEY_CHARS
    {
        return Err(ReportError::Key);
    }
    let pipeline = Pipeline::new(session, Some(session_path))?;
    let (series, notes) = load_series_searching(session, session_path, search)?;
    let find = |uid: &str| {
        series
            .iter()
            .find(|s| s.series.uid == uid)
            .map(|s| (&s.series, &s.volume))
    };
    let measured = pipeline.run(session, find);
    let report = compose(session, &measured, find, opts)?;
    Ok((report, notes))
}

/// Draws the report from what the pipeline measured.
fn compose<'a>(
    session: &Session,
    measured: &Measured,
    find: impl Fn(&str) -> Option<(&'a Series, &'a Volume)> + Copy,
    opts: &ReportOptions,
) -> Result<Report, ReportError> {
    let key = opts.pseudonymize_key.as_deref();
    let hash = session_sha256(session);
    let series: Vec<&Series> = session
        .series
        .iter()
        .filter_map(|s| find(&s.series_instance_uid).map(|(x, _)| x))
        .collect();
    let id = identity::Identity::of(session, &series, key);
    let mut table = measured.table.clone();
    if let Some(k) = key {
        table.pseudonymize(k).map_err(|_| ReportError::Key)?;
    }

    let mut flow = layout::Flow::new(id.header.clone())?;
    flow.title_block(
        &id,
        &hash,
        &measured.models,
        &nomogram::risk_sentence(measured),
    );
    table::draw(&mut flow, &table);
    layout::flags_section(&mut flow, measured, &id);
    nomogram::draw(&mut flow, measured);
    let mut pictures = images::axial_key_images(&mut flow, session, measured, find, key)?;
    let mut views = enface::en_face_views(session, find);
    views.extend(opts.extra_images.iter().cloned());
    pictures.extend(images::extra_images(&mut flow, &views)?);

    let footer = format!(
        "Research aid, not a diagnosis. · anchorage {} · session SHA-256 {hash}",
        env!("CARGO_PKG_VERSION")
    );
    flow.footers(&footer);
    if key.is_some() {
        id.check(flow.doc.texts())?;
    }
    let pages = flow.doc.page_count();
    let file_id: [u8; 16] = {
        let d = sha2::Sha256::digest(format!("anchorage-report:{hash}:{}", key.is_some()));
        let mut out = [0u8; 16];
        for (o, b) in out.iter_mut().zip(d.iter()) {
            *o = *b;
        }
        out
    };
    let meta = pdf::Meta {
        title: "Anchorage planning report".into(),
        producer: format!("anchorage {}", env!("CARGO_PKG_VERSION")),
        file_id,
    };
    let pdf = flow.doc.finish(&meta)?;
    Ok(Report {
        pdf,
        session_sha256: hash,
        pictures,
        pages,
    })
}
