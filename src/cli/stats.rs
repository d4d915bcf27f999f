//! `anchorage stats PATH [--series UID] --slice N (--ellipse … | --trajectory …)`.

use std::path::PathBuf;

use super::{CliError, print_json};
use anchorage_core::dicom::series::scan;
use anchorage_core::dicom::volume::{LoadControl, load};
use anchorage_core::measure::roi::{EllipsePx, ShapePx, TrajectoryPx};
use anchorage_core::measure::stats::roi_stats;

/// Arguments of `stats`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("roi").required(true).args(["ellipse", "trajectory"])))]
pub struct StatsArgs {
    /// A DICOM file, a folder or a DICOMDIR.
    pub path: PathBuf,
    /// SeriesInstanceUID; may be left out when PATH holds one series.
    #[arg(long)]
    pub series: Option<String>,
    /// 0-based slice index in the geometrically sorted series.
    #[arg(long)]
    pub slice: usize,
    /// CX,CY,RX,RY[,DEG]: centre (column, row) and semi-axes in pixels; DEG turns the RX
    /// axis from +column towards +row.
    #[arg(long, value_name = "CX,CY,RX,RY[,DEG]", allow_hyphen_values = true)]
    pub ellipse: Option<String>,
    /// X0,Y0,X1,Y1,W: centre line from (X0,Y0) to (X1,Y1) and width, in pixels.
    #[arg(long, value_name = "X0,Y0,X1,Y1,W", allow_hyphen_values = true)]
    pub trajectory: Option<String>,
}

fn numbers(s: &str, what: &str, counts: &[usize]) -> Result<Vec<f64>, CliError> {
    let v: Result<Vec<f64>, _> = s.split(',').map(|x| x.trim().parse::<f64>()).collect();
    let v = v.map_err(|_| CliError(format!("--{what} {s}: expected comma-separated numbers")))?;
    if !counts.contains(&v.len()) {
        return Err(CliError(format!(
            "--{what} {s}: expected {} numbers, found {}",
            counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" or "),
            v.len()
        )));
    }
    Ok(v)
}

/// Parses the ROI arguments into a pixel-space shape.
pub fn parse_shape(a: &StatsArgs) -> Result<ShapePx, CliError> {
    let shape = if let Some(e) = &a.ellipse {
        let v = numbers(e, "ellipse", &[4, 5])?;
        ShapePx::Ellipse(EllipsePx {
            cx: v[0],
            cy: v[1],
            rx: v[2],
            ry: v[3],
            angle_rad: v.get(4).copied().unwrap_or(0.0).to_radians(),
        })
    } else if let Some(t) = &a.trajectory {
        let v = numbers(t, "trajectory", &[5])?;
        ShapePx::Trajectory(TrajectoryPx {
            x0: v[0],
            y0: v[1],
            x1: v[2],
            y1: v[3],
            width: v[4],
        })
    } else {
        return Err(CliError("give --ellipse or --trajectory".into()));
    };
    shape.validate().map_err(CliError)?;
    Ok(shape)
}

/// Runs `stats`.
pub fn run(a: &StatsArgs) -> Result<(), CliError> {
    let shape = parse_shape(a)?;
    let report = scan(&a.path)?;
    let series = report.pick(a.series.as_deref(), &a.path)?;
    let Some(slice) = series.slices.get(a.slice) else {
        return Err(CliError(format!(
            "--slice {}: the series has {} slice(s), 0..{}",
            a.slice,
            series.len(),
            series.len().saturating_sub(1)
        )));
    };
    // Load only the slice asked for, through the same path as the workstation.
    let mut one = series.clone();
    one.slices = vec![slice.clone()];
    let volume = load(&one, &LoadControl::default())?;
    let st = roi_stats(&volume, 0, &shape);
    for w in &st.warnings {
        eprintln!("anchorage: warning: {w}");
    }
    print_json(&st)
}
