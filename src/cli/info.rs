//! `anchorage info PATH [--json]`.

use std::path::PathBuf;

use serde::Serialize;

use std::fmt::Write as _;

use super::{CliError, print_json, print_out};
use anchorage_core::dicom::series::{Series, SkippedFile, scan};
use anchorage_core::dicom::volume::transfer_syntax_name;
use anchorage_core::geometry::Vec3;

/// Arguments of `info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// A DICOM file, a folder (searched recursively) or a DICOMDIR.
    pub path: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One series in `info`'s JSON.
#[derive(Debug, Serialize)]
pub struct SeriesSummary {
    /// SeriesInstanceUID.
    pub series_instance_uid: String,
    /// 0, or the part number of a split series.
    pub part: usize,
    /// Modality.
    pub modality: String,
    /// SeriesDescription.
    pub description: String,
    /// SeriesNumber.
    pub series_number: Option<i64>,
    /// StudyInstanceUID.
    pub study_instance_uid: String,
    /// Number of images (slices; the frames of a multi-frame image count one each).
    pub image_count: usize,
    /// Number of files.
    pub file_count: usize,
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub columns: u32,
    /// (row spacing, column spacing), mm.
    pub pixel_spacing_mm: [f64; 2],
    /// Slice spacing from positions, mm.
    pub slice_spacing_mm: Option<f64>,
    /// SliceThickness, mm.
    pub slice_thickness_mm: Option<f64>,
    /// axial, sagittal, coronal or oblique.
    pub orientation: &'static str,
    /// Slice normal (row direction × column direction).
    pub normal: Vec3,
    /// Position of the first slice's first pixel, mm.
    pub first_position_mm: Option<Vec3>,
    /// Position of the last slice's first pixel, mm.
    pub last_position_mm: Option<Vec3>,
    /// PhotometricInterpretation.
    pub photometric_interpretation: String,
    /// BitsStored.
    pub bits_stored: u16,
    /// Signed samples.
    pub signed: bool,
    /// The transfer syntaxes of the files: UID and name.
    pub transfer_syntaxes: Vec<[String; 2]>,
    /// Warnings.
    pub warnings: Vec<String>,
}

impl SeriesSummary {
    /// Summary of a scanned series.
    pub fn of(s: &Series) -> Self {
        let mut ts: Vec<String> = s
            .slices
            .iter()
            .map(|x| x.transfer_syntax_uid.clone())
            .collect();
        ts.sort();
        ts.dedup();
        SeriesSummary {
            series_instance_uid: s.uid.clone(),
            part: s.part,
            modality: s.modality.clone(),
            description: s.description.clone(),
            series_number: s.series_number,
            study_instance_uid: s.study_instance_uid.clone(),
            image_count: s.slices.len(),
            file_count: s.files().len(),
            rows: s.rows,
            columns: s.columns,
            pixel_spacing_mm: s.pixel_spacing_mm,
            slice_spacing_mm: s.slice_spacing_mm,
            slice_thickness_mm: s.slice_thickness_mm,
            orientation: s.orientation.as_str(),
            normal: s.normal,
            first_position_mm: s.slices.first().map(|x| x.plane.origin_mm),
            last_position_mm: s.slices.last().map(|x| x.plane.origin_mm),
            photometric_interpretation: s.photometric.clone(),
            bits_stored: s.bits_stored,
            signed: s.signed,
            transfer_syntaxes: ts
                .into_iter()
                .map(|u| {
                    let n = transfer_syntax_name(&u);
                    [u, n]
                })
                .collect(),
            warnings: s.warnings.clone(),
        }
    }
}

/// `info`'s JSON document.
#[derive(Debug, Serialize)]
pub struct InfoReport {
    /// The path scanned.
    pub path: PathBuf,
    /// Files looked at.
    pub files_examined: usize,
    /// Series found.
    pub series: Vec<SeriesSummary>,
    /// Files not used, with the reason.
    pub skipped: Vec<SkippedFile>,
}

/// Runs `info`.
pub fn run(a: &InfoArgs) -> Result<(), CliError> {
    let report = scan(&a.path)?;
    let doc = InfoReport {
        path: a.path.clone(),
        files_examined: report.files_examined,
        series: report.series.iter().map(SeriesSummary::of).collect(),
        skipped: report.skipped.clone(),
    };
    if a.json {
        print_json(&doc)?;
    } else {
        print_out(&text(&doc))?;
    }
    if doc.series.is_empty() {
        let first = doc
            .skipped
            .first()
            .map(|f| format!("; first: {}: {}", f.reason, f.path.display()))
            .unwrap_or_default();
        return Err(CliError(format!(
            "no DICOM image series found ({} file(s) examined, {} skipped{first}): {}",
            doc.files_examined,
            doc.skipped.len(),
            a.path.display()
        )));
    }
    Ok(())
}

fn text(doc: &InfoReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} series, {} file(s) examined, {} skipped",
        doc.path.display(),
        doc.series.len(),
        doc.files_examined,
        doc.skipped.len()
    );
    for s in &doc.series {
        let _ = writeln!(o);
        let part = if s.part > 0 {
            format!(" (part {})", s.part)
        } else {
            String::new()
        };
        let _ = writeln!(o, "{} {}{part}", s.modality, s.description);
        let _ = writeln!(o, "  SeriesInstanceUID  {}", s.series_instance_uid);
        let _ = writeln!(
            o,
            "  images             {} in {} file(s), {} × {} (rows × columns)",
            s.image_count, s.file_count, s.rows, s.columns
        );
        let _ = writeln!(
            o,
            "  pixel spacing      {:.4} × {:.4} mm (row × column)",
            s.pixel_spacing_mm[0], s.pixel_spacing_mm[1]
        );
        match s.slice_spacing_mm {
            Some(v) => {
                let _ = writeln!(o, "  slice spacing      {v:.4} mm (from positions)");
            }
            None => {
                let _ = writeln!(o, "  slice spacing      — (one slice)");
            }
        }
        let _ = writeln!(o, "  orientation        {}", s.orientation);
        for t in &s.transfer_syntaxes {
            let _ = writeln!(o, "  transfer syntax    {} ({})", t[1], t[0]);
        }
        for w in &s.warnings {
            let _ = writeln!(o, "  warning: {w}");
        }
    }
    if !doc.skipped.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "skipped:");
        for f in &doc.skipped {
            let _ = writeln!(o, "  {}: {}", f.path.display(), f.reason);
        }
    }
    o
}
