//! `anchorage plan` on the sample (plans proposed from the ST-HU trajectories, measured
//! against the phantom's truth), `--save` storing the plans (session version 2), the
//! per-screw table's plan columns after the existing ones with the existing columns
//! unchanged, a version-1 session migrating, and the errors.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

use anchorage_core::pipeline::measure_on_disk;
use anchorage_core::session::{SESSION_VERSION, Session};
use serde_json::Value;

type TestResult = Result<(), Box<dyn Error>>;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

fn anchorage(args: &[&str]) -> Result<(bool, String, String), Box<dyn Error>> {
    let out = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(args)
        .output()?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

/// The truth's isthmus width of a level and side ("L3", "L").
fn truth_width(truth: &Value, level: &str, side: &str) -> Option<f64> {
    truth["levels"]
        .as_array()?
        .iter()
        .find(|l| l["level"] == level)?["pedicles"]
        .as_array()?
        .iter()
        .find(|p| p["side"] == side)?["isthmus_width_mm"]
        .as_f64()
}

#[test]
fn plan_json_on_the_sample_matches_the_truth() -> TestResult {
    let session = sample().join("example-session.json");
    let (ok, out, err) = anchorage(&["plan", session.to_str().ok_or("path")?, "--json"])?;
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out)?;
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(
        sample().join("ground-truth.json"),
    )?)?;
    let rows = v["screws"].as_array().ok_or("screws")?;
    assert!(!rows.is_empty());
    for r in rows {
        let (level, side) = (
            r["level"].as_str().ok_or("level")?,
            r["side"].as_str().ok_or("side")?,
        );
        let want = truth_width(&truth, level, side).ok_or("truth width")?;
        let got = r["isthmus_width_transverse_mm"].as_f64().ok_or("width")?;
        assert!(
            (got - want).abs() <= 0.4,
            "{level} {side}: {got:.2} vs {want:.2}"
        );
        assert_eq!(r["plan_source"], "proposed");
        assert_eq!(
            r["pedicle_thickness_auto_mm"],
            r["isthmus_width_transverse_mm"]
        );
        let caliper = r["pedicle_thickness_caliper_mm"]
            .as_f64()
            .ok_or("caliper")?;
        assert!((caliper - want).abs() < 0.05, "caliper {caliper}");
        for k in [
            "distance_medial_mm",
            "distance_lateral_mm",
            "distance_cranial_mm",
            "distance_caudal_mm",
            "screw_medial_deg",
            "screw_craniocaudal_deg",
            "isthmus_width_craniocaudal_mm",
        ] {
            assert!(r[k].is_f64(), "{k} missing in {r}");
        }
        // The trajectories were drawn along the pedicles: medial angle = convergence.
        assert_eq!(r["breach_grade"], "A");
        assert!(r["screw_craniocaudal_deg"].as_f64().ok_or("cc")?.abs() < 0.01);
    }
    // The text table has a header and one line per screw.
    let (ok, text, _) = anchorage(&["plan", session.to_str().ok_or("path")?])?;
    assert!(ok);
    assert!(text.starts_with("screw"), "{text}");
    assert_eq!(text.lines().count(), rows.len() + 1);
    Ok(())
}

#[test]
fn saved_plans_add_the_columns_and_keep_the_others() -> TestResult {
    let dir = tempfile::tempdir()?;
    let copy = dir.path().join("session.json");
    // The sample's session as version 1 wrote it (version 2 only added optional fields).
    let text = std::fs::read_to_string(sample().join("example-session.json"))?
        .replace(&format!("\"version\": {SESSION_VERSION}"), "\"version\": 1");
    std::fs::write(&copy, text)?;
    let search = sample();
    let (s, c) = (search.to_str().ok_or("path")?, copy.to_str().ok_or("path")?);
    let (ok, _, err) = anchorage(&["measure", c, "--search", s])?;
    assert!(ok, "{err}");
    let (ok, before, _) = anchorage(&["measure", c, "--search", s])?;
    assert!(ok);
    // A version-1 session is read; --save writes version 2 with the plans.
    let v1: Value = serde_json::from_str(&std::fs::read_to_string(&copy)?)?;
    assert_eq!(v1["version"], 1);
    let (ok, _, err) = anchorage(&["plan", c, "--save", "--search", s])?;
    assert!(ok, "{err}");
    let v2: Value = serde_json::from_str(&std::fs::read_to_string(&copy)?)?;
    assert_eq!(v2["version"], SESSION_VERSION);
    assert!(
        v2["screws"][0]["plan"]["entry_mm"].is_array(),
        "{}",
        v2["screws"][0]
    );
    let (ok, after, err) = anchorage(&["measure", c, "--search", s])?;
    assert!(ok, "{err}");
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len());
    let header: Vec<&str> = a[0].split(',').collect();
    let plan_cols = anchorage_core::export::PLAN_COLUMNS;
    assert_eq!(&header[header.len() - plan_cols.len()..], &plan_cols[..]);
    for (lb, la) in b.iter().zip(&a) {
        // Without plans the new cells are empty; with them, the existing cells are the
        // same bytes.
        let cut = la.len()
            - la.split(',')
                .rev()
                .take(plan_cols.len())
                .map(|x| x.len() + 1)
                .sum::<usize>();
        let empty = lb.len()
            - lb.split(',')
                .rev()
                .take(plan_cols.len())
                .map(|x| x.len() + 1)
                .sum::<usize>();
        assert_eq!(&la[..cut], &lb[..empty]);
    }
    for row in &a[1..] {
        let cells: Vec<&str> = row.split(',').collect();
        let grade = cells[cells.len() - 3];
        assert_eq!(grade, "A", "{row}");
        let auto: f64 = cells[cells.len() - 9].parse()?;
        let caliper: f64 = cells[cells.len() - 8].parse()?;
        assert!((auto - caliper).abs() < 0.4, "{row}");
    }
    Ok(())
}

#[test]
fn a_version_1_session_measures_the_same_after_saving_as_version_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let original = dir.path().join("v1.json");
    let text = std::fs::read_to_string(sample().join("example-session.json"))?
        .replace(&format!("\"version\": {SESSION_VERSION}"), "\"version\": 1");
    assert!(text.contains("\"version\": 1"));
    std::fs::write(&original, text)?;
    let v1 = Session::load(&original)?;
    let saved = dir.path().join("v2.json");
    v1.save(&saved)?;
    let text = std::fs::read_to_string(&saved)?;
    assert!(text.contains(&format!("\"version\": {SESSION_VERSION}")));
    assert!(
        !text.contains("\"plan\""),
        "no plan is written for screws without one"
    );
    let v2 = Session::load(&saved)?;
    assert_eq!(v1, v2);
    let search = [sample()];
    let (m1, _) = measure_on_disk(&v1, &original, &search)?;
    let (m2, _) = measure_on_disk(&v2, &saved, &search)?;
    assert_eq!(m1.table, m2.table);
    Ok(())
}

#[test]
fn errors_name_the_file() -> TestResult {
    let (ok, _, err) = anchorage(&["plan", "/nonexistent/session.json"])?;
    assert!(!ok);
    assert!(err.contains("/nonexistent/session.json"), "{err}");
    Ok(())
}

/// Stored plans in the pipeline: a caliper 2 mm longer than the pedicle raises the
/// disagreement flag, a plan shifted 5 mm laterally the planned-breach flag (grade C at
/// L3 L: 5 + 3.25 − 4.75 = 3.5 mm), and without a caliper the automatic width becomes the
/// thickness behind clearance and σH.
#[test]
fn plan_flags_and_the_automatic_thickness() -> TestResult {
    use anchorage_core::geometry::add_scaled;
    use anchorage_core::plan::ScrewPlan;
    use anchorage_core::protocol::FlagKind;
    use anchorage_core::session::{Level, Role, Side};
    let original = sample().join("example-session.json");
    let mut s = Session::load(&original)?;
    let search = [sample()];
    let ct_uid = s
        .series
        .iter()
        .find(|x| x.modality == "CT")
        .map(|x| x.series_instance_uid.clone())
        .ok_or("no CT")?;
    let traj = |s: &Session, level, side| {
        s.rois
            .iter()
            .find(|r| r.role == Role::StHu && r.level == Some(level) && r.side == Some(side))
            .map(|r| r.points_mm.clone())
    };
    // L3 L: shifted 5 mm laterally (+x for a left pedicle, about 10° off).
    let pts = traj(&s, Level::L3, Side::L).ok_or("no trajectory")?;
    let lat = [10f64.to_radians().cos(), -10f64.to_radians().sin(), 0.0];
    let (e, t) = (add_scaled(pts[0], 5.0, lat), add_scaled(pts[1], 5.0, lat));
    // L3 R: along its trajectory; its caliper lengthened by 2 mm.
    let pr = traj(&s, Level::L3, Side::R).ok_or("no trajectory")?;
    for screw in &mut s.screws {
        match (screw.level, screw.side) {
            (Level::L3, Side::L) => screw.plan = ScrewPlan::through(&ct_uid, e, t),
            (Level::L3, Side::R) => screw.plan = ScrewPlan::through(&ct_uid, pr[0], pr[1]),
            _ => {}
        }
    }
    for r in &mut s.rois {
        if r.role == Role::PedicleThickness && r.level == Some(Level::L3) && r.side == Some(Side::R)
        {
            let (a, b) = (r.points_mm[0], r.points_mm[1]);
            let d = anchorage_core::geometry::normalized(anchorage_core::geometry::sub(b, a))
                .ok_or("caliper")?;
            r.points_mm[1] = add_scaled(b, 2.0, d);
        }
    }
    let (m, _) = measure_on_disk(&s, &original, &search)?;
    let find = |side| {
        m.results
            .screws
            .iter()
            .find(|x| x.screw.level == Level::L3 && x.screw.side == side)
            .ok_or("screw")
    };
    let left = find(Side::L)?;
    let p = left.pedicle.as_ref().ok_or("left not measured")?;
    assert_eq!(p.breach_grade.to_string(), "C", "breach {:.2}", p.breach_mm);
    assert!(
        left.flags
            .iter()
            .any(|f| f.kind() == FlagKind::PlannedBreach)
    );
    let right = find(Side::R)?;
    assert!(
        right
            .flags
            .iter()
            .any(|f| f.kind() == FlagKind::Disagreement),
        "{:?}",
        right.flags
    );
    assert!(
        !right
            .flags
            .iter()
            .any(|f| f.kind() == FlagKind::PlannedBreach)
    );
    // The CSV shows the flag text and the plan cells.
    let csv = String::from_utf8(m.table.to_csv()?)?;
    assert!(csv.contains("planned breach: grade C"), "{csv}");
    assert!(csv.contains("thickness disagreement: caliper"), "{csv}");
    // Without the caliper the automatic width is the thickness.
    s.rois.retain(|r| {
        !(r.role == Role::PedicleThickness && r.level == Some(Level::L3) && r.side == Some(Side::R))
    });
    let (m, _) = measure_on_disk(&s, &original, &search)?;
    let right = m
        .results
        .screws
        .iter()
        .find(|x| x.screw.level == Level::L3 && x.screw.side == Side::R)
        .ok_or("screw")?;
    assert_eq!(right.pedicle_thickness_mm, right.pedicle_thickness_auto_mm);
    assert!(right.pedicle_thickness_caliper_mm.is_none());
    let auto = right.pedicle_thickness_auto_mm.ok_or("auto")?;
    assert!((auto - 9.2).abs() < 0.4, "{auto}");
    assert_eq!(right.clearance_mm, Some(auto - 6.5));
    assert!(right.stress.is_some());
    Ok(())
}
