//! The protocols and the per-screw table on hand-made measurements, against values
//! computed by hand from measurements.md.

use anchorage_core::export::{REQUIRED_COLUMNS, screw_table};
use anchorage_core::measure::RoiMeasurement;
use anchorage_core::measure::stats::RoiStats;
use anchorage_core::protocol::{Flag, FlagKind, Measurements, Models, compute_results};
use anchorage_core::session::{Level, PatientInputs, Roi, RoiKind, Role, Screw, Session, Side};

fn roi(role: Role, level: Level, side: Option<Side>) -> Roi {
    Roi {
        id: 0,
        kind: role.kind().unwrap_or(RoiKind::Ellipse),
        role,
        level: Some(level),
        side,
        series_uid: "s".into(),
        sop_instance_uid: "i".into(),
        frame: 0,
        points_mm: vec![],
        width_mm: None,
        note: String::new(),
    }
}

/// Adds an area ROI with the given mean and pixel count.
fn area(
    s: &mut Session,
    m: &mut Measurements,
    role: Role,
    level: Level,
    side: Option<Side>,
    mean: f64,
    n: usize,
) -> u64 {
    let id = s.add_roi(roi(role, level, side));
    let mut st = RoiStats::from_values(vec![mean; n], 0.5);
    st.mean = Some(mean);
    m.insert(
        id,
        RoiMeasurement {
            roi_id: id,
            slice: 0,
            stats: Some(st),
            length_mm: None,
            warnings: vec![],
        },
    );
    id
}

fn caliper(s: &mut Session, m: &mut Measurements, level: Level, side: Side, length_mm: f64) -> u64 {
    let id = s.add_roi(roi(Role::PedicleThickness, level, Some(side)));
    m.insert(
        id,
        RoiMeasurement {
            roi_id: id,
            slice: 0,
            stats: None,
            length_mm: Some(length_mm),
            warnings: vec![],
        },
    );
    id
}

fn screw(level: Level, side: Side, d: f64) -> Screw {
    Screw {
        level,
        side,
        diameter_mm: d,
        length_mm: 45.0,
        interference_mm: 0.5,
        emg_threshold_ma: None,
        insertion_torque_nm: None,
        plan: None,
    }
}

/// A complete patient: L3 B-HU planes 100/130/160 (B-HU 130), ST-HU L 260, R 234
/// (level 247, ratio 1.9), PBQ pedicles and CSF.
fn complete() -> (Session, Measurements) {
    let mut s = Session {
        patient_id: "P1".into(),
        study_instance_uid: "1.2".into(),
        ..Session::default()
    };
    let mut m = Measurements::new();
    // Very different pixel counts: each plane still weighs the same.
    area(
        &mut s,
        &mut m,
        Role::BHuSuperior,
        Level::L3,
        None,
        100.0,
        10,
    );
    area(&mut s, &mut m, Role::BHuMid, Level::L3, None, 130.0, 500);
    area(
        &mut s,
        &mut m,
        Role::BHuInferior,
        Level::L3,
        None,
        160.0,
        40,
    );
    area(
        &mut s,
        &mut m,
        Role::StHu,
        Level::L3,
        Some(Side::L),
        260.0,
        80,
    );
    area(
        &mut s,
        &mut m,
        Role::StHu,
        Level::L3,
        Some(Side::R),
        234.0,
        80,
    );
    caliper(&mut s, &mut m, Level::L3, Side::L, 10.0);
    caliper(&mut s, &mut m, Level::L3, Side::R, 6.0);
    for (i, l) in [Level::L1, Level::L2, Level::L3, Level::L4]
        .into_iter()
        .enumerate()
    {
        area(
            &mut s,
            &mut m,
            Role::PedicleSi,
            l,
            Some(Side::L),
            400.0 + 10.0 * i as f64,
            20,
        );
        area(
            &mut s,
            &mut m,
            Role::PedicleSi,
            l,
            Some(Side::R),
            420.0 + 10.0 * i as f64,
            20,
        );
    }
    area(&mut s, &mut m, Role::CsfSi, Level::L3, None, 125.0, 30);
    s.screws = vec![
        screw(Level::L3, Side::L, 6.5),
        screw(Level::L3, Side::R, 6.5),
    ];
    s.patient = PatientInputs {
        age_years: Some(70.0),
        goutallier: Some(3),
    };
    (s, m)
}

#[test]
fn complete_patient_matches_hand_computation() {
    let (s, m) = complete();
    let r = compute_results(&s, &m, &Models::default());
    let l3 = r.levels.iter().find(|l| l.level == Level::L3).unwrap();
    assert_eq!(l3.b_hu, Some(130.0));
    assert_eq!(l3.b_hu_planes, 3);
    assert_eq!(l3.st_hu, Some(247.0));
    assert!((l3.hu_ratio.unwrap() - 1.9).abs() < 1e-12);
    // Segmental SI: 410, 420, 430, 440 → mean 425; PBQ = 425 / 125 = 3.4.
    assert!((r.patient.pbq.unwrap() - 3.4).abs() < 1e-12);
    assert_eq!(r.patient.pbq_levels.len(), 4);
    assert!((r.patient.hu_ratio.unwrap() - 1.9).abs() < 1e-12);
    let left = &r.screws[0];
    assert!((left.hu_ratio.unwrap() - 2.0).abs() < 1e-12);
    assert_eq!(left.b_hu_level, Some(Level::L3));
    assert_eq!(left.clearance_mm, Some(3.5));
    assert_eq!(left.psc_mm, Some(1.75));
    // Stress: the spec's reference row D 6.5, T 10, δB 0.5 → σH 40.733 MPa.
    assert!((left.stress.as_ref().unwrap().sigma_h_mpa - 40.733).abs() < 1e-3);
    let right = &r.screws[1];
    assert_eq!(right.clearance_mm, Some(-0.5));
    assert!(
        texts(&right.flags)
            .iter()
            .any(|f| f.starts_with("negative clearance")),
        "{:?}",
        right.flags
    );
    // Risk from age 70, PBQ 3.4, HU ratio 1.9, grade 3: LP by hand.
    let lp = -5.266 + 0.0577 * 70.0 + 1.597 * 3.4 - 3.191 * 1.9 + 2.885;
    let risk = r.patient.risk.as_ref().unwrap();
    assert!((risk.linear_predictor - lp).abs() < 1e-9);
    assert!(r.patient.flags.is_empty(), "{:?}", r.patient.flags);
    assert!(left.flags.is_empty(), "{:?}", left.flags);
}

/// The flags' texts, as the per-screw table writes them.
fn texts(flags: &[Flag]) -> Vec<String> {
    flags.iter().map(ToString::to_string).collect()
}

#[test]
fn incomplete_and_fallback_cases_are_flagged() {
    let (mut s, mut m) = complete();
    // Drop the inferior B-HU plane, the right L4 pedicle and the L3 CSF; add a CSF ROI at L2
    // and choose it deliberately.
    let drop =
        |s: &mut Session, m: &mut Measurements, role: Role, level: Level, side: Option<Side>| {
            let id = s
                .rois
                .iter()
                .find(|r| {
                    r.role == role && r.level == Some(level) && (side.is_none() || r.side == side)
                })
                .unwrap()
                .id;
            s.rois.retain(|r| r.id != id);
            m.remove(&id);
        };
    drop(&mut s, &mut m, Role::BHuInferior, Level::L3, None);
    drop(&mut s, &mut m, Role::PedicleSi, Level::L4, Some(Side::R));
    drop(&mut s, &mut m, Role::CsfSi, Level::L3, None);
    area(&mut s, &mut m, Role::CsfSi, Level::L2, None, 100.0, 30);
    s.choices.csf_level = Level::L2;
    // A screw at L4, whose B-HU was not measured: falls back on L3.
    s.screws.push(screw(Level::L4, Side::L, 6.5));
    s.screws[2].emg_threshold_ma = Some(8.0);
    let r = compute_results(&s, &m, &Models::default());
    let l3 = r.levels.iter().find(|l| l.level == Level::L3).unwrap();
    assert_eq!(l3.b_hu, Some(115.0));
    assert!(
        texts(&l3.flags)
            .iter()
            .any(|f| f.contains("2 of 3 planes") && f.contains("B-HU inferior")),
        "{:?}",
        l3.flags
    );
    // PBQ: L4 from the left side only (440 - 10 = 430 → segmental 430).
    let pbq = (410.0 + 420.0 + 430.0 + 430.0) / 4.0 / 100.0;
    assert!((r.patient.pbq.unwrap() - pbq).abs() < 1e-12);
    assert!(
        texts(&r.patient.flags)
            .iter()
            .any(|f| f.contains("PBQ without L4 R")),
        "{:?}",
        r.patient.flags
    );
    assert!(
        texts(&r.patient.flags)
            .iter()
            .any(|f| f.contains("fallback level: CSF ROI at L2")),
        "{:?}",
        r.patient.flags
    );
    let l4 = &r.screws[2];
    assert_eq!(l4.b_hu_level, Some(Level::L3));
    assert!(
        texts(&l4.flags)
            .iter()
            .any(|f| f.starts_with("fallback level: B-HU of L3")),
        "{:?}",
        l4.flags
    );
    assert!(
        texts(&l4.flags)
            .iter()
            .any(|f| f.starts_with("EMG below 11 mA")),
        "{:?}",
        l4.flags
    );
    assert!(
        texts(&l4.flags).iter().any(|f| f.contains("no ST-HU")),
        "{:?}",
        l4.flags
    );
    assert_eq!(l4.st_hu, None);
    assert_eq!(l4.hu_ratio, None);
    // The same, by the flags' types.
    let kinds: Vec<FlagKind> = l4.flags.iter().map(Flag::kind).collect();
    assert!(kinds.contains(&FlagKind::FallbackLevel), "{kinds:?}");
    assert!(kinds.contains(&FlagKind::EmgBelowThreshold), "{kinds:?}");
    assert!(
        l4.flags.iter().any(|f| matches!(
            f,
            Flag::NoStHu {
                level: Level::L4,
                side: Side::L
            }
        )),
        "{:?}",
        l4.flags
    );
}

#[test]
fn missing_inputs_leave_risk_empty_with_a_reason() {
    let (mut s, m) = complete();
    s.patient.age_years = None;
    let r = compute_results(&s, &m, &Models::default());
    assert!(r.patient.risk.is_none());
    assert!(
        texts(&r.patient.flags)
            .iter()
            .any(|f| f == "incomplete: risk needs age"),
        "{:?}",
        r.patient.flags
    );
}

#[test]
fn table_has_required_columns_in_order_and_empty_cells() {
    let (mut s, mut m) = complete();
    s.screws.push(screw(Level::L5, Side::R, 7.5));
    s.patient.goutallier = None;
    caliper(&mut s, &mut m, Level::L5, Side::L, 9.0); // the other side: not this screw's
    let r = compute_results(&s, &m, &Models::default());
    let t = screw_table(&s, &r, &Models::default());
    let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..REQUIRED_COLUMNS.len()], &REQUIRED_COLUMNS[..]);
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let l5 = &rows[2];
    assert_eq!(l5[col("level")], "L5");
    assert_eq!(l5[col("st_hu")], "");
    assert_eq!(l5[col("pedicle_thickness_mm")], "");
    assert_eq!(l5[col("sigma_h_mpa")], "");
    assert_eq!(l5[col("goutallier")], "");
    assert_eq!(l5[col("risk")], "");
    assert_eq!(l5[col("b_hu_level")], "L3");
    assert!(
        l5[col("flags")].contains("fallback level"),
        "{}",
        l5[col("flags")]
    );
    let l3l = &rows[0];
    assert_eq!(l3l[col("st_hu")], "260.00");
    assert_eq!(l3l[col("hu_ratio")], "2.0000");
    assert_eq!(l3l[col("clearance_mm")], "3.500");
    assert_eq!(l3l[col("pbq")], "3.4000");
    assert!(!csv.contains("NaN"));
    // JSON rows carry null for the same empty cells.
    let js = t.rows_json();
    assert!(js[2]["st_hu"].is_null());
    assert_eq!(js[0]["st_hu"], serde_json::json!(260.0));
}

#[test]
fn pseudonymised_table_holds_no_identifiers_and_is_stable() {
    let (s, m) = complete();
    let r = compute_results(&s, &m, &Models::default());
    let mut t = screw_table(&s, &r, &Models::default());
    assert!(t.pseudonymize("short").is_err());
    t.pseudonymize("project-key-1").unwrap();
    let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
    assert!(!csv.contains(",P1,") && !csv.contains(",1.2,"), "{csv}");
    let js = t.rows_json();
    let id = js[0]["patient_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ANON-") && id.len() == 21, "{id}");
    assert!(
        js[0]["study_instance_uid"]
            .as_str()
            .unwrap()
            .starts_with("2.25.")
    );
    // Stable for the same key, different for another key.
    let mut again = screw_table(&s, &r, &Models::default());
    again.pseudonymize("project-key-1").unwrap();
    assert_eq!(again.rows_json()[0]["patient_id"], js[0]["patient_id"]);
    let mut other = screw_table(&s, &r, &Models::default());
    other.pseudonymize("project-key-2").unwrap();
    assert_ne!(other.rows_json()[0]["patient_id"], js[0]["patient_id"]);
}
