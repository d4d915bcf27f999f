//! `anchorage cohort init|add|outcomes|status|export|demo|analyze`: the cohort database
//! ([`anchorage_core::cohort`]). `--db` (or `ANCHORAGE_DB`) is a SQLite file or a
//! `postgres://` URL; without it, `cohort.sqlite` in the user's data folder.

use std::path::PathBuf;

use super::{CliError, print_json, print_out};
use anchorage_core::cohort::ingest::{IngestOptions, from_session, from_table};
use anchorage_core::cohort::outcomes::read_outcomes;
use anchorage_core::cohort::{AddAction, AddReport, Cohort, DbLocation, Opened};
use anchorage_core::session::write_atomic;

/// `cohort` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum CohortCommand {
    /// Create the database (or migrate an older one) and say where it is.
    Init(DbArgs),
    /// Add sessions (recomputed as `anchorage measure` does) or per-screw tables.
    Add(AddArgs),
    /// Import outcomes: patient_id, level, side, loosening, follow_up_months[, judged_by, revision].
    Outcomes(OutcomesArgs),
    /// Patients, screws, outcomes, and what each patient still lacks.
    Status(StatusArgs),
    /// Export per-screw (or per-patient) CSV, or REDCap files.
    Export(ExportArgs),
    /// Add a synthetic cohort and print its stated truth as JSON.
    Demo(DemoArgs),
    /// Validate a risk model on the cohort, refit it, and measure rater agreement.
    Analyze(super::cohort_analyze::AnalyzeArgs),
}

/// The database argument every subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// A SQLite file or a postgres:// URL (default: cohort.sqlite in the user's data
    /// folder, $XDG_DATA_HOME/anchorage or ~/.local/share/anchorage).
    #[arg(long, env = "ANCHORAGE_DB", value_parser = parse_db, hide_env_values = true)]
    pub db: Option<DbLocation>,
}

fn parse_db(s: &str) -> Result<DbLocation, String> {
    DbLocation::parse(s).map_err(|e| e.to_string())
}

impl DbArgs {
    pub(crate) fn location(&self) -> Result<DbLocation, CliError> {
        match &self.db {
            Some(d) => Ok(d.clone()),
            None => DbLocation::default_file().ok_or_else(|| {
                CliError("no --db given and no home folder for the default database".into())
            }),
        }
    }

    /// Opens the database (creating it when `create`), and says on stderr when it was
    /// migrated.
    pub(crate) fn open(&self, create: bool) -> Result<Cohort, CliError> {
        let cohort = Cohort::open(&self.location()?, create)?;
        if let Opened::Migrated { from, backup } = cohort.opened() {
            let kept = backup
                .as_ref()
                .map(|b| format!("; the earlier file is kept as {}", b.display()))
                .unwrap_or_default();
            eprintln!(
                "anchorage: migrated the cohort database {} from schema version {from}{kept}",
                cohort.location()
            );
        }
        Ok(cohort)
    }
}

/// Arguments of `cohort add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Session files, each recomputed from its DICOM files.
    #[arg(required_unless_present = "table", conflicts_with = "table")]
    sessions: Vec<PathBuf>,
    /// Per-screw tables (CSV) written by `anchorage measure`, instead of sessions.
    #[arg(long, num_args = 1.., value_name = "CSV")]
    table: Vec<PathBuf>,
    /// Who measured (default: the USER variable).
    #[arg(long, value_name = "NAME")]
    rater: Option<String>,
    /// A folder to look in for a series not where a session says (several allowed).
    #[arg(long, value_name = "DIR")]
    search: Vec<PathBuf>,
    /// Store keyed pseudonyms instead of the patient ID and StudyInstanceUID.
    #[arg(long)]
    pseudonymize: bool,
    /// The project key for --pseudonymize (at least 8 characters; keep it secret).
    #[arg(long, env = "ANCHORAGE_PROJECT_KEY", hide_env_values = true)]
    project_key: Option<String>,
}

/// Arguments of `cohort outcomes`.
#[derive(Debug, clap::Args)]
pub struct OutcomesArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The outcomes CSV.
    file: PathBuf,
}

/// Arguments of `cohort status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `cohort export`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["csv", "redcap"])))]
pub struct ExportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Write per-screw rows (with --patients, per patient and rater) to this CSV file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// One row per patient and rater.
    #[arg(long, requires = "csv")]
    patients: bool,
    /// Write REDCap's data-dictionary.csv and import.csv into this folder.
    #[arg(long, value_name = "DIR")]
    redcap: Option<PathBuf>,
}

/// Arguments of `cohort demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
    /// How many patients.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    patients: u32,
    /// The seed (the same seed gives the same cohort).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Runs `cohort …`.
pub fn run(cmd: &CohortCommand) -> Result<(), CliError> {
    match cmd {
        CohortCommand::Init(db) => init(db),
        CohortCommand::Add(a) => add(a),
        CohortCommand::Outcomes(a) => {
            let lines = read_outcomes(&a.file)?;
            let mut c = a.db.open(false)?;
            let n = c.import_outcomes(&a.file, &lines)?;
            print_out(&format!(
                "{n} outcome(s) stored from {}\n",
                a.file.display()
            ))
        }
        CohortCommand::Status(a) => status(a),
        CohortCommand::Export(a) => export(a),
        CohortCommand::Demo(a) => {
            let mut c = a.db.open(true)?;
            let truth = c.add_demo(a.patients as usize, a.seed)?;
            print_json(&truth)
        }
        CohortCommand::Analyze(a) => super::cohort_analyze::run(a),
    }
}

fn init(db: &DbArgs) -> Result<(), CliError> {
    let mut c = db.open(true)?;
    let what = match c.opened() {
        Opened::Created => "created".to_string(),
        Opened::Current => "already current".to_string(),
        Opened::Migrated { from, .. } => format!("migrated from schema version {from}"),
    };
    let v = c.schema_version()?;
    print_out(&format!(
        "cohort database {} ({}, schema version {v}): {what}\n",
        c.location(),
        c.kind()
    ))
}

fn add(a: &AddArgs) -> Result<(), CliError> {
    let key = super::pseudonym_key(a.pseudonymize, &a.project_key)?;
    let rater = a
        .rater
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "unknown".into());
    let opts = IngestOptions {
        rater,
        search: a.search.clone(),
        project_key: key,
    };
    let mut records = Vec::new();
    let mut refused = Vec::new();
    for p in &a.sessions {
        match from_session(p, &opts) {
            Ok((r, notes, notices)) => {
                for n in notes {
                    eprintln!("anchorage: note: {n}");
                }
                for n in notices {
                    eprintln!("anchorage: warning: {}: {n}", p.display());
                }
                records.push(r);
            }
            Err(e) => refused.push(refusal(p, e)),
        }
    }
    for p in &a.table {
        match from_table(p, &opts) {
            Ok(r) => records.push(r),
            Err(e) => refused.push(refusal(p, e)),
        }
    }
    let mut c = a.db.open(true)?;
    let mut reports = c.add_sessions(&records)?;
    reports.extend(refused);
    let mut text = String::new();
    for r in &reports {
        text.push_str(&match r.action {
            AddAction::Refused => format!("refused {}: {}\n", r.path, r.detail),
            AddAction::Unchanged => format!("unchanged {}: {}\n", r.path, r.detail),
            _ => format!(
                "{} {}: {} screw(s), {}\n",
                r.action, r.path, r.screws, r.detail
            ),
        });
    }
    print_out(&text)?;
    let n = reports
        .iter()
        .filter(|r| r.action == AddAction::Refused)
        .count();
    if n > 0 {
        return Err(CliError(format!(
            "{n} of {} input(s) refused (the others were stored)",
            reports.len()
        )));
    }
    Ok(())
}

fn refusal(p: &std::path::Path, e: impl std::fmt::Display) -> AddReport {
    AddReport {
        path: p.display().to_string(),
        action: AddAction::Refused,
        detail: e.to_string(),
        screws: 0,
    }
}

fn status(a: &StatusArgs) -> Result<(), CliError> {
    let mut c = a.db.open(false)?;
    let s = c.status()?;
    if a.json {
        return print_json(&s);
    }
    let mut t = format!(
        "cohort database {} ({}, schema version {})\n{} patients, {} studies, {} sessions ({} earlier versions kept), {} screws, {} outcomes; {} patients complete; {} stored under their session's ID (not a pseudonym)\n",
        s.database,
        s.backend,
        s.schema_version,
        s.patients,
        s.studies,
        s.sessions,
        s.superseded_sessions,
        s.screws,
        s.outcomes,
        s.complete_patients,
        s.identifying_patients
    );
    for p in &s.patient_list {
        let lacks: Vec<&str> = p.lacks.iter().map(|l| l.label()).collect();
        t.push_str(&format!(
            "{}\traters: {}\tscrews: {}\toutcomes: {}\t{}\n",
            p.patient_id,
            p.raters.join(", "),
            p.screws,
            p.outcomes,
            if lacks.is_empty() {
                "complete".to_string()
            } else {
                format!("lacks: {}", lacks.join(", "))
            }
        ));
    }
    print_out(&t)
}

fn export(a: &ExportArgs) -> Result<(), CliError> {
    let mut c = a.db.open(false)?;
    if let Some(path) = &a.csv {
        let bytes = if a.patients {
            c.export_patients_csv()?
        } else {
            c.export_screws_csv()?
        };
        write_atomic(path, &bytes)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("anchorage: wrote {}", path.display());
    }
    if let Some(dir) = &a.redcap {
        for p in c.export_redcap(dir)? {
            eprintln!("anchorage: wrote {}", p.display());
        }
    }
    Ok(())
}
