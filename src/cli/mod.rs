//! The command line: `anchorage [gui] [PATH]`, `info`, `stats` and the other commands of
//! interfaces.md. Each command is a thin layer over the core; errors are printed on
//! stderr and give exit status 1, usage errors exit status 2.

mod bench;
mod bench_analysis;
mod bench_cohort;
mod cohort;
mod cohort_analyze;
mod info;
mod measure;
mod models;
mod pacs;
mod phantom;
mod plan;
mod report;
mod sr;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Anchorage: CT/MRI measurements for pedicle-screw loosening (HU ratio, PBQ).
#[derive(Debug, Parser)]
#[command(name = "anchorage", version, about, long_about = None)]
pub struct Cli {
    /// The command; without one, the workstation opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A folder of DICOM files, a DICOMDIR or a session file to open in the workstation.
    pub path: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the workstation window (the default).
    Gui {
        /// A folder of DICOM files, a DICOMDIR or a session file.
        path: Option<PathBuf>,
    },
    /// List the series under PATH with their geometry, and every skipped file.
    Info(info::InfoArgs),
    /// ROI statistics (n, mean, sd, min, max, median, area_mm2) as JSON.
    Stats(stats::StatsArgs),
    /// Recompute every ROI of a saved session and write the per-screw table.
    Measure(measure::MeasureArgs),
    /// Per screw: the plan, isthmus widths, distances to the cortex, breach grade.
    Plan(plan::PlanArgs),
    /// Write the synthetic CT and MR phantom with its ground truth and example session.
    Phantom(phantom::PhantomArgs),
    /// Benchmarks: `bench load PATH`, `bench cohort [--db DB]`, `bench analysis`.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// The stress model of the bone around a pedicle screw, as JSON.
    Stress(models::StressArgs),
    /// The loosening-risk nomogram, as JSON.
    Risk(models::RiskArgs),
    /// The session's measurements as a DICOM SR (TID 1500 Measurement Report).
    Sr(sr::SrArgs),
    /// Recreate a session from an SR that Anchorage wrote, against its images.
    SrImport(sr::SrImportArgs),
    /// The session's planning report as PDF (screws, risk and nomogram, key images).
    Report(report::ReportArgs),
    /// The cohort database: `cohort init|add|outcomes|status|export|demo`.
    #[command(subcommand)]
    Cohort(cohort::CohortCommand),
    /// DICOM exchange with a PACS: `pacs echo|find|retrieve|store --pacs AET@HOST:PORT`.
    #[command(subcommand)]
    Pacs(pacs::PacsCommand),
}

/// A command's failure: the message for stderr.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::error::Error> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli, gui: impl FnOnce(Option<PathBuf>) -> Result<(), CliError>) -> ExitCode {
    let result = match cli.command {
        None => gui(cli.path),
        Some(Command::Gui { path }) => gui(path.or(cli.path)),
        Some(Command::Info(a)) => info::run(&a),
        Some(Command::Stats(a)) => stats::run(&a),
        Some(Command::Measure(a)) => measure::run(&a),
        Some(Command::Plan(a)) => plan::run(&a),
        Some(Command::Bench(c)) => bench::run(&c),
        Some(Command::Phantom(a)) => phantom::run(&a),
        Some(Command::Stress(a)) => models::run_stress(&a),
        Some(Command::Risk(a)) => models::run_risk(&a),
        Some(Command::Cohort(c)) => cohort::run(&c),
        Some(Command::Sr(a)) => sr::run(&a),
        Some(Command::SrImport(a)) => sr::run_import(&a),
        Some(Command::Report(a)) => report::run(&a),
        Some(Command::Pacs(c)) => pacs::run(&c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(m)) => {
            eprintln!("anchorage: {m}");
            ExitCode::from(1)
        }
    }
}

/// Prints a value as pretty JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(v)?;
    print_out(&(s + "\n"))
}

/// Writes text to stdout; a closed pipe (`anchorage info … | head`) is not an error.
pub(crate) fn print_out(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// The project key of `--pseudonymize`: `None` without the flag, an error naming both
/// ways to give it when the flag comes without a key.
pub(crate) fn pseudonym_key(
    pseudonymize: bool,
    project_key: &Option<String>,
) -> Result<Option<String>, CliError> {
    match (pseudonymize, project_key) {
        (false, _) => Ok(None),
        (true, Some(k)) => Ok(Some(k.clone())),
        (true, None) => Err(CliError(
            "--pseudonymize needs a project key (--project-key or ANCHORAGE_PROJECT_KEY)".into(),
        )),
    }
}
