//! `anchorage plan SESSION [--json] [--save] [--search DIR]…`: per screw, the plan (stored,
//! or proposed from its ST-HU trajectory or caliper), the isthmus widths, the four
//! distances from the screw's surface to the outer cortex, the planned-breach grade, the
//! automatic and the caliper thickness, and the angles. The numbers come from
//! `anchorage_core::pipeline::plans::plan_rows`.

use std::path::PathBuf;

use super::CliError;
use anchorage_core::pipeline::plans::{PlanRow, PlanSource, plan_rows};
use anchorage_core::pipeline::study::load_series_searching;
use anchorage_core::session::Session;

/// Arguments of `plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The session file.
    pub session: PathBuf,
    /// Print JSON (snake_case names with units) instead of the text table.
    #[arg(long)]
    pub json: bool,
    /// Store the proposed plans in the session file (screws that had none).
    #[arg(long)]
    pub save: bool,
    /// A folder to look in for a series that is not where the session says.
    #[arg(long, value_name = "DIR")]
    pub search: Vec<PathBuf>,
}

/// Runs `plan`.
pub fn run(a: &PlanArgs) -> Result<(), CliError> {
    let mut session = Session::load(&a.session)?;
    let (series, notes) = load_series_searching(&session, &a.session, &a.search)?;
    for n in &notes {
        eprintln!("anchorage: note: {n}");
    }
    let rows = plan_rows(&session, |uid| {
        series
            .iter()
            .find(|s| s.series.uid == uid)
            .map(|s| &s.volume)
    });
    for r in &rows {
        if let Some(e) = &r.error {
            eprintln!("anchorage: warning: {} {}: {e}", r.level, r.side);
        }
    }
    if a.save {
        let mut changed = false;
        for (screw, row) in session.screws.iter_mut().zip(&rows) {
            if screw.plan.is_none() && row.plan_source == Some(PlanSource::Proposed) {
                screw.plan = row.plan.clone();
                changed |= screw.plan.is_some();
            }
        }
        if changed {
            session.save(&a.session)?;
        }
    }
    if a.json {
        super::print_json(&serde_json::json!({ "screws": rows }))
    } else {
        super::print_out(&text_table(&rows))
    }
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.decimals$}"))
}

/// The rows as an aligned text table.
fn text_table(rows: &[PlanRow]) -> String {
    let header = [
        "screw",
        "size mm",
        "isthmus T×CC mm",
        "auto mm",
        "caliper mm",
        "med mm",
        "lat mm",
        "cran mm",
        "caud mm",
        "grade",
        "medial°",
        "cc°",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in rows {
        lines.push(vec![
            format!("{} {}", r.level, r.side),
            format!("{:.1}×{:.0}", r.screw_diameter_mm, r.screw_length_mm),
            match (
                r.isthmus_width_transverse_mm,
                r.isthmus_width_craniocaudal_mm,
            ) {
                (Some(t), Some(c)) => format!("{t:.2}×{c:.2}"),
                _ => "-".into(),
            },
            num(r.pedicle_thickness_auto_mm, 2),
            num(r.pedicle_thickness_caliper_mm, 2),
            num(r.distance_medial_mm, 2),
            num(r.distance_lateral_mm, 2),
            num(r.distance_cranial_mm, 2),
            num(r.distance_caudal_mm, 2),
            r.breach_grade.map_or("-".into(), |g| g.to_string()),
            num(r.screw_medial_deg, 1),
            num(r.screw_craniocaudal_deg, 1),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for l in &lines {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}", w = *w))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
