//! `anchorage bench load PATH`: load every series under PATH as the workstation does and
//! report the time to the first slice, the total time, throughput and peak memory.
//! `anchorage bench cohort` is in `bench_cohort.rs`, `anchorage bench analysis` in
//! `bench_analysis.rs`.

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use super::{CliError, print_json};
use anchorage_core::dicom::series::{Series, scan};
use anchorage_core::dicom::volume::{LoadControl, Volume, load, load_slice};
use anchorage_core::display::render::{self, Cut, CutGeometry, WindowLevel, WindowPreset};

/// `bench` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Load every series under PATH and print timings and memory as JSON.
    Load {
        /// A folder, file or DICOMDIR.
        path: PathBuf,
    },
    /// Add 1,000 per-screw tables, then time `cohort status` and the export on 10,000
    /// screws; on an empty database (`--db`, else a temporary SQLite file).
    Cohort {
        /// An empty SQLite file or postgres:// database.
        #[arg(long, value_parser = |s: &str| anchorage_core::cohort::DbLocation::parse(s).map_err(|e| e.to_string()))]
        db: Option<anchorage_core::cohort::DbLocation>,
    },
    /// Time `cohort analyze` on a demo cohort (default 10,000 patients, 1,000 bootstrap
    /// resamples) in a temporary SQLite file.
    Analysis {
        /// Patients in the demo cohort.
        #[arg(long, default_value_t = 10_000)]
        patients: usize,
        /// Bootstrap resamples.
        #[arg(long, default_value_t = 1_000)]
        bootstrap: usize,
    },
    /// Time finding and labelling the vertebral levels of a CT (default: the large
    /// phantom's 512 × 512 × 300 CT, made in memory).
    Levels {
        /// A folder, file or DICOMDIR holding the CT (default: the large phantom).
        path: Option<PathBuf>,
        /// SeriesInstanceUID, where PATH holds several series.
        #[arg(long)]
        series: Option<String>,
        /// Timed runs.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// One series' load figures.
#[derive(Debug, Serialize)]
pub struct SeriesBench {
    /// SeriesInstanceUID.
    pub series_instance_uid: String,
    /// Files read.
    pub files: usize,
    /// Bytes of those files.
    pub bytes: u64,
    /// Voxels loaded.
    pub voxels: usize,
    /// Bytes held by the volume.
    pub voxel_bytes: usize,
    /// From the start of the scan to the first (middle) slice decoded and rendered through
    /// its window as the window's preview does it, s.
    pub first_slice_s: f64,
    /// From the start of the scan to the whole volume in memory, s.
    pub total_s: f64,
    /// File bytes / total time, MiB/s.
    pub throughput_mib_s: f64,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// Files read, all series.
    pub files: usize,
    /// Bytes of those files.
    pub bytes: u64,
    /// Scan (headers of every file) time, s.
    pub scan_s: f64,
    /// First slice of the first series, s from the start.
    pub first_slice_s: f64,
    /// Everything loaded, s from the start.
    pub total_s: f64,
    /// MiB/s over the total time.
    pub throughput_mib_s: f64,
    /// Peak resident memory of the process, MiB (VmHWM).
    pub peak_rss_mib: Option<f64>,
    /// Resident memory before loading, MiB.
    pub baseline_rss_mib: Option<f64>,
    /// Per series.
    pub series: Vec<SeriesBench>,
}

/// A field of /proc/self/status in MiB.
pub fn proc_status_mib(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The first image the window shows of a series: its middle slice decoded on its own
/// ([`load_slice`]), as a one-slice volume, in the automatic window (the header's, else
/// the slice's histogram), rendered to grey levels. Only the texture upload is left out.
fn first_image(s: &Series) -> Result<render::GreyImage, CliError> {
    let k = s.len() / 2;
    let v = Volume::one_slice(s, k, load_slice(s, k)?);
    let window = WindowPreset::Auto
        .window(s.window, render::histogram_window(&v))
        .unwrap_or(WindowLevel::new(0.0, 1.0));
    let g = CutGeometry::new(&v, Cut::Slice);
    Ok(render::render_cut(
        &v,
        &g,
        0,
        window,
        s.is_monochrome1(),
        None,
    ))
}

/// Runs `bench`.
pub fn run(cmd: &BenchCommand) -> Result<(), CliError> {
    let path = match cmd {
        BenchCommand::Load { path } => path,
        BenchCommand::Cohort { db } => return super::bench_cohort::run(db.as_ref()),
        BenchCommand::Analysis {
            patients,
            bootstrap,
        } => return super::bench_analysis::run(*patients, *bootstrap),
        BenchCommand::Levels { path, series, runs } => {
            return super::bench_levels::run(path.as_ref(), series.as_deref(), *runs);
        }
    };
    let baseline = proc_status_mib("VmRSS:");
    let t0 = Instant::now();
    let report = scan(path)?;
    let scan_s = t0.elapsed().as_secs_f64();
    if report.series.is_empty() {
        return Err(CliError(format!(
            "no DICOM image series under {} ({} skipped)",
            path.display(),
            report.skipped.len()
        )));
    }
    let mut out = Vec::new();
    let mut first_slice_s = None;
    for s in &report.series {
        let ts = Instant::now();
        let shown = first_image(s)?;
        let first = t0.elapsed().as_secs_f64();
        std::hint::black_box(shown);
        first_slice_s.get_or_insert(first);
        let v = load(s, &LoadControl::default())?;
        let total = ts.elapsed().as_secs_f64() + scan_s;
        let files = s.files();
        let bytes: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        out.push(SeriesBench {
            series_instance_uid: s.uid.clone(),
            files: files.len(),
            bytes,
            voxels: v.dims().0 * v.dims().1 * v.dims().2,
            voxel_bytes: v.voxel_bytes(),
            first_slice_s: first,
            total_s: total,
            throughput_mib_s: bytes as f64 / (1 << 20) as f64 / total.max(1e-9),
        });
        drop(v);
    }
    let total_s = t0.elapsed().as_secs_f64();
    let bytes: u64 = out.iter().map(|s| s.bytes).sum();
    print_json(&BenchReport {
        files: out.iter().map(|s| s.files).sum(),
        bytes,
        scan_s,
        first_slice_s: first_slice_s.unwrap_or(0.0),
        total_s,
        throughput_mib_s: bytes as f64 / (1 << 20) as f64 / total_s.max(1e-9),
        peak_rss_mib: proc_status_mib("VmHWM:"),
        baseline_rss_mib: baseline,
        series: out,
    })
}
