//! The measurement groups of the report: one per ROI (TID 1410 for ellipses and
//! trajectories, TID 1501 with an inferred-from polyline for a caliper, which has no
//! area), one per level, one per screw and one for the patient (TID 1501, the derived
//! values under the private scheme). Also the SCOORD of an ROI and the exact copy of its
//! geometry, which the reader checks against each other.

use serde::{Deserialize, Serialize};

use super::codes::{self as c, CodedConcept, NumConcept};
use super::content::{GraphicType, ImageRef, Item, Relationship as Rel, Value};
use crate::geometry::{ImagePlane, Vec3};
use crate::measure::RoiMeasurement;
use crate::protocol::{LevelResult, Models, ProtocolResults, ScrewResult};
use crate::session::{Level, Roi, RoiKind, Session, Side};

/// The research-use note written into every report.
pub const INTENDED_USE_NOTE: &str = "Research aid, not a diagnosis: measurements and model \
    estimates for research on pedicle-screw loosening; not for clinical decisions.";

/// The exact geometry of an ROI, as the ROI-GEOMETRY text item holds it (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExactGeometry {
    /// The defining points in patient coordinates (LPS), mm.
    pub points_mm: Vec<Vec3>,
    /// Full width of a trajectory, mm.
    #[serde(default)]
    pub width_mm: Option<f64>,
}

/// Everything an ROI group needs besides the ROI.
#[derive(Debug, Clone)]
pub struct RoiContext<'a> {
    /// The ROI.
    pub roi: &'a Roi,
    /// Its measurement, if it could be measured.
    pub measurement: Option<&'a RoiMeasurement>,
    /// The plane of its image.
    pub plane: ImagePlane,
    /// The image it was drawn on (UIDs as written).
    pub image: ImageRef,
    /// Whether the series is CT (values in HU) rather than MR (signal).
    pub ct: bool,
    /// Tracking Unique Identifier.
    pub tracking_uid: String,
    /// Whether free text (the note) is left out.
    pub pseudonymized: bool,
}

/// The SCOORD of an ROI on its image: pixel coordinates (column, row) with the top left
/// corner of the image at (0, 0) (DICOM's convention: the centre of the first pixel is
/// (0.5, 0.5); Anchorage's own pixel coordinates put it at (0, 0)).
pub fn scoord_points(roi: &Roi, plane: &ImagePlane) -> Option<(GraphicType, Vec<[f64; 2]>)> {
    let px = |p: &Vec3| {
        let (col, row, _) = plane.patient_to_pixel(*p);
        [col + 0.5, row + 0.5]
    };
    match (roi.kind, roi.points_mm.as_slice()) {
        (RoiKind::Ellipse, [centre, a, b]) => {
            let (pc, pa, pb) = (px(centre), px(a), px(b));
            let len = |p: &Vec3| crate::geometry::norm(crate::geometry::sub(*p, *centre));
            let opposite = |p: [f64; 2]| [2.0 * pc[0] - p[0], 2.0 * pc[1] - p[1]];
            // Major axis first, as PS3.3 C.18.6.1.2 asks.
            let (major, minor) = if len(a) >= len(b) { (pa, pb) } else { (pb, pa) };
            Some((
                GraphicType::Ellipse,
                vec![major, opposite(major), minor, opposite(minor)],
            ))
        }
        (RoiKind::Trajectory, [entry, tip]) => {
            let (sc, sr) = (plane.col_spacing_mm, plane.row_spacing_mm);
            let (e, t) = (px(entry), px(tip));
            // In plane millimetres, where the width is measured.
            let (ex, ey, tx, ty) = (e[0] * sc, e[1] * sr, t[0] * sc, t[1] * sr);
            let (dx, dy) = (tx - ex, ty - ey);
            let l = (dx * dx + dy * dy).sqrt();
            if l <= 0.0 {
                return None;
            }
            let half = roi.width_mm.unwrap_or(0.0) / 2.0;
            let (nx, ny) = (-dy / l * half, dx / l * half);
            let corner = |x: f64, y: f64| [x / sc, y / sr];
            let first = corner(ex + nx, ey + ny);
            Some((
                GraphicType::Polyline,
                vec![
                    first,
                    corner(tx + nx, ty + ny),
                    corner(tx - nx, ty - ny),
                    corner(ex - nx, ey - ny),
                    first,
                ],
            ))
        }
        (RoiKind::Caliper, [a, b]) => Some((GraphicType::Polyline, vec![px(a), px(b)])),
        _ => None,
    }
}

/// The Tracking Identifier of an ROI: `ROI <id>: <role> <level> <side>`; the reader takes
/// the id back from it.
pub fn roi_tracking_identifier(roi: &Roi) -> String {
    let mut s = format!("ROI {}: {}", roi.id, roi.role.label());
    if let Some(l) = roi.level {
        s.push_str(&format!(" {l}"));
    }
    if let Some(side) = roi.side {
        s.push_str(&format!(" {side}"));
    }
    s
}

fn tracking(identifier: String, uid: &str) -> [Item; 2] {
    [
        Item::text(Rel::HasObsContext, c::TRACKING_IDENTIFIER, identifier),
        Item::new(
            Rel::HasObsContext,
            c::TRACKING_UID,
            Value::UidRef(uid.to_string()),
        ),
    ]
}

/// The finding site (level, with laterality) of a group; a side without a level is a
/// laterality modifier of its own.
fn site(level: Option<Level>, side: Option<Side>) -> Option<Item> {
    let lat = side.map(|s| Item::code(Rel::HasConceptMod, c::LATERALITY, c::side_code(s)));
    match (level, lat) {
        (Some(l), lat) => {
            let mut item = Item::code(Rel::HasConceptMod, c::FINDING_SITE, c::level_code(l));
            item.children.extend(lat);
            Some(item)
        }
        (None, lat) => lat,
    }
}

fn group(template: &'static str, header: impl IntoIterator<Item = Item>) -> Item {
    let mut g = Item::container(Rel::Contains, c::MEASUREMENT_GROUP, Some(template));
    g.children.extend(header);
    g
}

fn stat(
    name: CodedConcept,
    unit: CodedConcept,
    value: Option<f64>,
    derivation: CodedConcept,
) -> Option<Item> {
    value.filter(|v| v.is_finite()).map(|v| {
        Item::num(name, v, unit).with(Item::code(Rel::HasConceptMod, c::DERIVATION, derivation))
    })
}

fn opt_num(concept: NumConcept, value: Option<f64>) -> Option<Item> {
    value
        .filter(|v| v.is_finite())
        .map(|v| Item::private_num(concept, v))
}

/// The group of one ROI.
pub fn roi_group(ctx: &RoiContext<'_>) -> Option<Item> {
    let roi = ctx.roi;
    let (graphic_type, points) = scoord_points(roi, &ctx.plane)?;
    let scoord = Item::new(
        Rel::Contains,
        c::IMAGE_REGION,
        Value::Scoord {
            graphic_type,
            points: points.iter().map(|p| [p[0] as f32, p[1] as f32]).collect(),
        },
    )
    .with(Item::new(
        Rel::SelectedFrom,
        c::SOURCE,
        Value::Image(ctx.image.clone()),
    ));
    let caliper = roi.kind == RoiKind::Caliper;
    let mut g = group(
        if caliper { "1501" } else { "1410" },
        tracking(roi_tracking_identifier(roi), &ctx.tracking_uid),
    );
    g.children.push(Item::code(
        Rel::Contains,
        c::FINDING,
        c::finding_code(roi.role),
    ));
    g.children.push(Item::code(
        Rel::Contains,
        c::MEASUREMENT_METHOD,
        c::role_code(roi.role),
    ));
    g.children.extend(site(roi.level, roi.side));
    let m = ctx.measurement;
    if caliper {
        // A line has no area: its length, inferred from the polyline (TID 300).
        let length = m.and_then(|m| m.length_mm);
        let mut scoord = scoord;
        scoord.relationship = Some(Rel::InferredFrom);
        match length {
            Some(l) => g
                .children
                .push(Item::num(c::LENGTH, l, c::UNIT_MM).with(scoord)),
            None => g.children.push(scoord),
        }
    } else {
        if let Some(st) = m.and_then(|m| m.stats.as_ref()) {
            let (name, unit) = if ctx.ct {
                (c::ATTENUATION_COEFFICIENT, c::UNIT_HU)
            } else {
                (c::MR_SIGNAL_INTENSITY, c::UNIT_SIGNAL)
            };
            let stats = [
                (st.mean, c::MEAN),
                (st.sd, c::STANDARD_DEVIATION),
                (st.min, c::MINIMUM),
                (st.max, c::MAXIMUM),
                (st.median, c::MEDIAN),
            ];
            for (v, d) in stats {
                g.children.extend(stat(name, unit, v, d));
            }
            g.children
                .push(Item::num(c::AREA, st.area_mm2, c::UNIT_MM2));
        }
        g.children.push(scoord);
    }
    let exact = ExactGeometry {
        points_mm: roi.points_mm.clone(),
        width_mm: roi.width_mm,
    };
    let json = serde_json::to_string(&exact).unwrap_or_default();
    g.children
        .push(Item::text(Rel::Contains, c::ROI_GEOMETRY, json));
    if !ctx.pseudonymized && !roi.note.trim().is_empty() {
        g.children
            .push(Item::text(Rel::Contains, c::ROI_NOTE, roi.note.clone()));
    }
    Some(g)
}

/// The group of one level's derived values.
pub fn level_group(l: &LevelResult, uid: &str) -> Item {
    let mut g = group("1501", tracking(format!("Level {}", l.level), uid));
    g.children
        .push(Item::code(Rel::Contains, c::FINDING, c::LEVEL_SUMMARY));
    g.children.extend(site(Some(l.level), None));
    let values = [
        (c::B_HU, l.b_hu),
        (
            c::B_HU_PLANES,
            (l.b_hu_planes > 0).then_some(l.b_hu_planes as f64),
        ),
        (c::ST_HU_LEFT, l.st_hu_left),
        (c::ST_HU_RIGHT, l.st_hu_right),
        (c::ST_HU, l.st_hu),
        (c::HU_RATIO, l.hu_ratio),
        (c::PEDICLE_SI_LEFT, l.pedicle_si_left),
        (c::PEDICLE_SI_RIGHT, l.pedicle_si_right),
        (c::SEGMENTAL_SI, l.segmental_si),
    ];
    for (concept, v) in values {
        g.children.extend(opt_num(concept, v));
    }
    for f in &l.flags {
        g.children
            .push(Item::text(Rel::Contains, c::FLAG, f.to_string()));
    }
    g
}

fn algorithm(name: &str, version: &str) -> [Item; 2] {
    [
        Item::text(Rel::HasConceptMod, c::ALGORITHM_NAME, name),
        Item::text(Rel::HasConceptMod, c::ALGORITHM_VERSION, version),
    ]
}

/// The group of one screw: its plan and derived values.
pub fn screw_group(s: &ScrewResult, models: &Models, uid: &str) -> Item {
    let p = &s.screw;
    let mut g = group(
        "1501",
        tracking(format!("Screw {} {}", p.level, p.side), uid),
    );
    g.children
        .push(Item::code(Rel::Contains, c::FINDING, c::BONE_SCREW));
    g.children.extend(site(Some(p.level), Some(p.side)));
    let plan = [
        (c::SCREW_DIAMETER, Some(p.diameter_mm)),
        (c::SCREW_LENGTH, Some(p.length_mm)),
        (c::INTERFERENCE, Some(p.interference_mm)),
        (c::EMG_THRESHOLD, p.emg_threshold_ma),
        (c::INSERTION_TORQUE, p.insertion_torque_nm),
        (c::ST_HU, s.st_hu),
        (c::B_HU, s.b_hu),
        (c::HU_RATIO, s.hu_ratio),
        (c::PEDICLE_THICKNESS, s.pedicle_thickness_mm),
        (c::CLEARANCE, s.clearance_mm),
        (c::PSC, s.psc_mm),
    ];
    for (concept, v) in plan {
        g.children.extend(opt_num(concept, v));
    }
    if let Some(l) = s.b_hu_level {
        g.children
            .push(Item::code(Rel::Contains, c::B_HU_LEVEL, c::level_code(l)));
    }
    if let Some(st) = &s.stress {
        let info = &models.stress.info;
        let mut sigma = Item::private_num(c::SIGMA_H, st.sigma_h_mpa);
        sigma.children.extend(algorithm(&info.name, &info.version));
        g.children.push(sigma);
        g.children
            .push(Item::private_num(c::YIELD_RATIO, st.yield_ratio));
        g.children
            .push(Item::private_num(c::PRESSURE, st.pressure_mpa));
    }
    for f in &s.flags {
        g.children
            .push(Item::text(Rel::Contains, c::FLAG, f.to_string()));
    }
    g
}

/// The patient group: the risk model's inputs and result, the protocol choices, the
/// model names, versions, files and parameters, and the research-use note.
pub fn patient_group(
    session: &Session,
    results: &ProtocolResults,
    models: &Models,
    uid: &str,
    pseudonymized: bool,
) -> Item {
    let p = &results.patient;
    let mut g = group("1501", tracking("Patient".into(), uid));
    g.children
        .push(Item::code(Rel::Contains, c::FINDING, c::PATIENT_SUMMARY));
    let values = [
        (c::PATIENT_HU_RATIO, p.hu_ratio),
        (c::CSF_SI, p.csf_si),
        (c::PBQ, p.pbq),
        (c::AGE, session.patient.age_years),
        (c::GOUTALLIER, session.patient.goutallier.map(f64::from)),
        (c::FORCE, session.models.force_n),
        (c::MODULUS, session.models.modulus_mpa),
        (c::POISSON, session.models.poisson),
        (c::YIELD_STRESS, session.models.yield_mpa),
    ];
    for (concept, v) in values {
        g.children.extend(opt_num(concept, v));
    }
    if let Some(r) = &p.risk {
        g.children
            .push(Item::private_num(c::RISK_POINTS, r.total_points));
        let mut risk = Item::private_num(c::RISK, r.risk);
        risk.children
            .extend(algorithm(&r.model.name, &r.model.version));
        g.children.push(risk);
        let high = if r.high_risk { c::YES } else { c::NO };
        g.children
            .push(Item::code(Rel::Contains, c::HIGH_RISK, high));
    }
    g.children.push(Item::code(
        Rel::Contains,
        c::REFERENCE_LEVEL,
        c::level_code(session.choices.reference_level),
    ));
    g.children.push(Item::code(
        Rel::Contains,
        c::CSF_LEVEL,
        c::level_code(session.choices.csf_level),
    ));
    let stress = &models.stress.info;
    let risk = &models.risk.info;
    g.children.push(Item::text(
        Rel::Contains,
        c::STRESS_MODEL,
        format!("{} {}", stress.name, stress.version),
    ));
    g.children.push(Item::text(
        Rel::Contains,
        c::RISK_MODEL,
        format!("{} {}", risk.name, risk.version),
    ));
    let files = [
        (c::STRESS_MODEL_FILE, &session.models.stress_model),
        (c::RISK_MODEL_FILE, &session.models.risk_model),
    ];
    for (concept, file) in files {
        if let Some(f) = file {
            // Pseudonymised: the file name only (a folder may name a person).
            let shown = if pseudonymized {
                f.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            } else {
                f.to_string_lossy().into_owned()
            };
            g.children.push(Item::text(Rel::Contains, concept, shown));
        }
    }
    for f in &p.flags {
        g.children
            .push(Item::text(Rel::Contains, c::FLAG, f.to_string()));
    }
    g.children.push(Item::text(
        Rel::Contains,
        c::INTENDED_USE,
        INTENDED_USE_NOTE,
    ));
    g
}
