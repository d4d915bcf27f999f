//! How ROIs and their values are written in the window: an ROI's title ("Ellipse #3 ·
//! B-HU mid L3 L"), its statistics as lines of text (values to 0.1, areas and lengths to
//! 0.01 mm), and the unit of a series' values (HU or SI).

use anchorage_core::dicom::series::Series;
use anchorage_core::measure::RoiMeasurement;
use anchorage_core::session::{Roi, RoiKind};

/// "Ellipse #3 · B-HU mid L3 L".
pub fn title(roi: &Roi) -> String {
    let kind = match roi.kind {
        RoiKind::Ellipse => "Ellipse",
        RoiKind::Trajectory => "Trajectory",
        RoiKind::Caliper => "Caliper",
    };
    let id = if roi.id == 0 {
        "(new)".to_string()
    } else {
        format!("#{}", roi.id)
    };
    let mut t = format!("{kind} {id} · {}", roi.role.label());
    if let Some(l) = roi.level {
        t.push_str(&format!(" {l}"));
    }
    if let Some(s) = roi.side {
        t.push_str(&format!(" {s}"));
    }
    t
}

fn f1(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.1}"))
}

/// The statistics as lines of text; `compact` joins them for the label beside the ROI.
/// Values to 0.1 (HU or SI), areas and lengths to 0.01 mm.
pub fn stats_lines(m: &RoiMeasurement, unit: &str, compact: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = &m.stats {
        if compact {
            out.push(format!("mean {} ± {} {unit}", f1(s.mean), f1(s.sd)));
            out.push(format!("min {}  max {}  n {}", f1(s.min), f1(s.max), s.n));
            out.push(format!("area {:.2} mm²", s.area_mm2));
        } else {
            out.push(format!("mean {} {unit}", f1(s.mean)));
            out.push(format!("SD {} {unit}", f1(s.sd)));
            out.push(format!("min {} {unit}", f1(s.min)));
            out.push(format!("max {} {unit}", f1(s.max)));
            out.push(format!("median {} {unit}", f1(s.median)));
            out.push(format!("n {}", s.n));
            out.push(format!("area {:.2} mm²", s.area_mm2));
        }
    }
    if let Some(l) = m.length_mm {
        out.push(format!("length {l:.2} mm"));
    }
    out
}

/// The unit of values: HU for CT, SI otherwise.
pub fn unit(series: &Series) -> &'static str {
    if series.modality.eq_ignore_ascii_case("CT") {
        "HU"
    } else {
        "SI"
    }
}
