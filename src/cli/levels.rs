//! `anchorage levels PATH [--series UID] [--known LEVEL@SLICE] [--json]`: the vertebral
//! bodies and discs found along the spine of a CT or sagittal MR series, labelled from the
//! sacrum or from one confirmed level. A thin layer over [`anchorage_core::levels`].

use std::path::PathBuf;

use serde::Serialize;

use super::{CliError, print_json, print_out};
use anchorage_core::dicom::series::scan;
use anchorage_core::dicom::volume::{LoadControl, load};
use anchorage_core::geometry::Vec3;
use anchorage_core::levels::{Known, Levels, find_levels, relabel};
use anchorage_core::session::Level;

/// Arguments of `levels`.
#[derive(Debug, clap::Args)]
pub struct LevelsArgs {
    /// A DICOM file, a folder or a DICOMDIR.
    pub path: PathBuf,
    /// SeriesInstanceUID; may be left out when PATH holds one series.
    #[arg(long)]
    pub series: Option<String>,
    /// LEVEL@SLICE: the body cut by this 0-based slice is LEVEL (e.g. L3@80); the other
    /// bodies are counted from it. Axial-like series only (a sagittal MR's slices run
    /// along the spine and cut no single body).
    #[arg(long, value_name = "LEVEL@SLICE")]
    pub known: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One body as printed.
#[derive(Debug, Serialize)]
struct BodyOut {
    label: Option<Level>,
    superior_mm: f64,
    inferior_mm: f64,
    superior_slice: Option<f64>,
    inferior_slice: Option<f64>,
    centre_mm: Vec3,
    confidence: f64,
}

/// One disc as printed.
#[derive(Debug, Serialize)]
struct DiscOut {
    name: String,
    superior_mm: f64,
    inferior_mm: f64,
    slice: Option<f64>,
    centre_mm: Vec3,
}

/// The whole answer.
#[derive(Debug, Serialize)]
struct Report {
    series_uid: String,
    modality: String,
    labelled_by: String,
    sacrum_found: bool,
    axis_origin_mm: Vec3,
    axis_direction: Vec3,
    bodies: Vec<BodyOut>,
    discs: Vec<DiscOut>,
}

fn parse_known(s: &str) -> Result<(Level, usize), CliError> {
    let bad = || CliError(format!("--known {s}: expected LEVEL@SLICE, e.g. L3@80"));
    let (l, k) = s.split_once('@').ok_or_else(bad)?;
    let level = Level::parse(l).ok_or_else(bad)?;
    let slice = k.trim().parse::<usize>().map_err(|_| bad())?;
    Ok((level, slice))
}

fn report(l: &Levels) -> Report {
    Report {
        series_uid: l.series_uid.clone(),
        modality: l.modality.clone(),
        labelled_by: l.labelled_by.text(),
        sacrum_found: l.sacrum_found,
        axis_origin_mm: l.axis.origin_mm,
        axis_direction: l.axis.direction,
        bodies: l
            .bodies
            .iter()
            .map(|b| BodyOut {
                label: b.level,
                superior_mm: b.superior_mm,
                inferior_mm: b.inferior_mm,
                superior_slice: b.superior_slice,
                inferior_slice: b.inferior_slice,
                centre_mm: b.centre_mm,
                confidence: b.confidence,
            })
            .collect(),
        discs: l
            .discs
            .iter()
            .map(|d| DiscOut {
                name: d.name(),
                superior_mm: d.superior_mm,
                inferior_mm: d.inferior_mm,
                slice: d.slice,
                centre_mm: d.centre_mm,
            })
            .collect(),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into())
}

fn table(r: &Report) -> String {
    let mut s = format!(
        "series {} ({}), labelled by {}\nbody   superior mm (slice)   inferior mm (slice)   centre LPS mm                 confidence\n",
        r.series_uid, r.modality, r.labelled_by
    );
    for b in &r.bodies {
        let name = b.label.map(Level::as_str).unwrap_or("?");
        s += &format!(
            "{name:<6} {:>8.1} ({:>6})     {:>8.1} ({:>6})     ({:7.1}, {:7.1}, {:7.1})   {:.2}\n",
            b.superior_mm,
            opt(b.superior_slice),
            b.inferior_mm,
            opt(b.inferior_slice),
            b.centre_mm[0],
            b.centre_mm[1],
            b.centre_mm[2],
            b.confidence
        );
    }
    for d in &r.discs {
        s += &format!(
            "disc {:<8} {:>8.1} to {:>8.1} mm (slice {})\n",
            d.name,
            d.superior_mm,
            d.inferior_mm,
            opt(d.slice)
        );
    }
    s
}

/// Runs `levels`.
pub fn run(a: &LevelsArgs) -> Result<(), CliError> {
    let known = a.known.as_deref().map(parse_known).transpose()?;
    let scanned = scan(&a.path)?;
    let series = scanned.pick(a.series.as_deref(), &a.path)?;
    let volume = load(series, &LoadControl::default())?;
    let mut levels = find_levels(series, &volume, None)?;
    if let Some((level, slice)) = known {
        let k = Known::at_slice(level, &volume, slice, Some(&levels.axis)).ok_or_else(|| {
            CliError(format!(
                "--known {level}@{slice}: the series has {} slice(s), and the slice must cross the spine's axis (a sagittal MR's slices run along it: confirm the level on the CT of the same frame of reference, whose levels the MR shares, or in the window)",
                volume.planes.len()
            ))
        })?;
        relabel(&mut levels, k)?;
    }
    let r = report(&levels);
    if a.json {
        print_json(&r)
    } else {
        print_out(&table(&r))
    }
}
