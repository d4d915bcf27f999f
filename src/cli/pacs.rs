//! `anchorage pacs echo|find|retrieve|store --pacs AET@HOST:PORT [--aet OURS]
//! [--timeout S]`: DICOM query/retrieve and storage with the one node given.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::{CliError, print_json, print_out};
use anchorage_core::pacs::echo::echo;
use anchorage_core::pacs::find::{FindQuery, find_studies};
use anchorage_core::pacs::node::{DEFAULT_OUR_AET, DEFAULT_TIMEOUT_S, PacsConfig, PacsNode};
use anchorage_core::pacs::retrieve::{RetrieveMethod, retrieve_study};
use anchorage_core::pacs::store::store_files;

/// The PACS commands.
#[derive(Debug, clap::Subcommand)]
pub enum PacsCommand {
    /// C-ECHO: is the node there, and does it accept our AE title?
    Echo(NodeArgs),
    /// C-FIND: the studies that match, each with its series.
    Find(FindArgs),
    /// Retrieve a study into a folder by C-GET (default) or C-MOVE.
    Retrieve(RetrieveArgs),
    /// C-STORE each file to the node.
    Store(StoreArgs),
}

/// The node and how we talk to it.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    /// The node: AET@HOST:PORT, e.g. ORTHANC@127.0.0.1:4242.
    #[arg(long, env = "ANCHORAGE_PACS")]
    pub pacs: String,
    /// Our AE title (the calling AE title; the PACS must know it for C-MOVE).
    #[arg(long, default_value = DEFAULT_OUR_AET, env = "ANCHORAGE_AET")]
    pub aet: String,
    /// Seconds each network step may take: connect, association, each response.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_S)]
    pub timeout: u64,
}

impl NodeArgs {
    fn config(&self) -> Result<PacsConfig, CliError> {
        let node: PacsNode = self.pacs.parse()?;
        Ok(PacsConfig::new(node, &self.aet, self.timeout)?)
    }
}

/// Arguments of `pacs find`.
#[derive(Debug, clap::Args)]
pub struct FindArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// Patient ID.
    #[arg(long)]
    patient_id: Option<String>,
    /// Patient name, DICOM wildcards allowed (`DOE^*`).
    #[arg(long)]
    patient_name: Option<String>,
    /// Study date or range: YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD-, -YYYYMMDD.
    #[arg(long)]
    study_date: Option<String>,
    /// A modality the study holds.
    #[arg(long, value_parser = ["CT", "MR"])]
    modality: Option<String>,
    /// JSON on stdout instead of a table.
    #[arg(long)]
    json: bool,
}

/// How `pacs retrieve` gets the instances.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    /// C-GET: no inbound connection.
    Get,
    /// C-MOVE to our AE title at `--port` (the PACS must list it).
    Move,
}

/// Arguments of `pacs retrieve`.
#[derive(Debug, clap::Args)]
pub struct RetrieveArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// The StudyInstanceUID.
    #[arg(long)]
    study: String,
    /// The folder to write the instances into (created when missing).
    #[arg(long)]
    out: PathBuf,
    /// C-GET (default) or C-MOVE.
    #[arg(long, value_enum, default_value = "get")]
    method: MethodArg,
    /// The port our storage service listens on for C-MOVE.
    #[arg(long, default_value_t = 11112)]
    port: u16,
}

/// Arguments of `pacs store`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// The DICOM files to send.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Runs a PACS command.
pub fn run(c: &PacsCommand) -> Result<(), CliError> {
    match c {
        PacsCommand::Echo(a) => {
            let cfg = a.config()?;
            let t = echo(&cfg)?;
            print_out(&format!(
                "{}: C-ECHO succeeded in {:.0} ms\n",
                cfg.peer,
                t.as_secs_f64() * 1000.0
            ))
        }
        PacsCommand::Find(a) => find(a),
        PacsCommand::Retrieve(a) => retrieve(a),
        PacsCommand::Store(a) => store(a),
    }
}

fn find(a: &FindArgs) -> Result<(), CliError> {
    let cfg = a.node.config()?;
    let q = FindQuery {
        patient_id: a.patient_id.clone(),
        patient_name: a.patient_name.clone(),
        study_date: a.study_date.clone(),
        modality: a.modality.clone(),
    };
    let studies = find_studies(&cfg, &q)?;
    if a.json {
        return print_json(&studies);
    }
    let mut out = format!("{} studies on {}\n", studies.len(), cfg.peer);
    for s in &studies {
        out.push_str(&format!(
            "{}  {}  {}  {}  {}  {}\n",
            s.study_date,
            s.patient_id,
            s.patient_name,
            s.modalities.join("/"),
            s.study_description,
            s.study_instance_uid
        ));
        for r in &s.series {
            out.push_str(&format!(
                "    series {:>4}  {:<3} {:>5} images  {}  {}\n",
                r.series_number.map(|n| n.to_string()).unwrap_or_default(),
                r.modality,
                r.number_of_instances
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "?".into()),
                r.series_description,
                r.series_instance_uid
            ));
        }
    }
    print_out(&out)
}

fn retrieve(a: &RetrieveArgs) -> Result<(), CliError> {
    let cfg = a.node.config()?;
    let method = match a.method {
        MethodArg::Get => RetrieveMethod::Get,
        MethodArg::Move => RetrieveMethod::Move { port: a.port },
    };
    let cancel = AtomicBool::new(false);
    let mut last = 0;
    let mut progress = |p: &anchorage_core::pacs::retrieve::Progress| {
        if p.completed == last {
            return;
        }
        last = p.completed;
        let total = p
            .total()
            .map(|t| t.to_string())
            .unwrap_or_else(|| "?".into());
        let file = p
            .last_file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_default();
        eprintln!("[{}/{}] {}", p.completed, total, file);
    };
    let report = retrieve_study(&cfg, &a.study, &a.out, method, &cancel, &mut progress)?;
    print_out(&format!(
        "retrieved study {} from {}: {} instances into {}{}\n",
        report.study_uid,
        cfg.peer,
        report.files.len(),
        report.out_dir.display(),
        if report.warning > 0 {
            format!(" ({} with warnings)", report.warning)
        } else {
            String::new()
        }
    ))
}

fn store(a: &StoreArgs) -> Result<(), CliError> {
    let cfg = a.node.config()?;
    let mut failed = 0usize;
    let mut progress = |o: &anchorage_core::pacs::store::StoreOutcome| match &o.result {
        Ok(s) => eprintln!(
            "stored {} ({}), status {s}",
            o.path.display(),
            o.sop_instance_uid
        ),
        Err(e) => {
            failed += 1;
            eprintln!("NOT stored: {e}");
        }
    };
    let outcomes = store_files(&cfg, &a.files, &mut progress)?;
    let stored = outcomes.iter().filter(|o| o.result.is_ok()).count();
    print_out(&format!(
        "{} of {} files stored on {}\n",
        stored,
        a.files.len(),
        cfg.peer
    ))?;
    if failed > 0 || stored < a.files.len() {
        return Err(CliError(format!(
            "{} of {} files were not stored on {}",
            a.files.len() - stored,
            a.files.len(),
            cfg.peer
        )));
    }
    Ok(())
}
