//! Levels found on the sagittal T1 MR (issue 20): every body's endplates within one MR
//! slice spacing (3 mm) of the phantom's analytic truth, every label correct, on the
//! sample's MR and on MR phantoms generated in memory (noise-free, noisy, turned and
//! tilted); the MR's PBQ protocol proposed at once and accepted.

use anchorage_core::dicom::series::{Series, scan};
use anchorage_core::dicom::volume::{LoadControl, Volume, load};
use anchorage_core::geometry::Vec3;
use anchorage_core::levels::{Known, Levels, find_levels};
use anchorage_core::phantom::in_memory::{Which, series_in_memory};
use anchorage_core::phantom::{Anatomy, PhantomOptions, Pose};
use anchorage_core::session::{LabelSource, Level};
use std::path::Path;

/// One MR slice spacing: the tolerance on every endplate (mm).
const TOL_MM: f64 = 3.0;

fn session_level(l: anchorage_core::phantom::Level) -> Level {
    Level::parse(l.name()).expect("phantom levels are session levels")
}

/// Every body found matches a phantom body (endplates within [`TOL_MM`] along the
/// anatomy's z through the found axis) with that body's label; returns the labels found
/// (cranial to caudal) and the worst endplate error (mm).
fn check_against_truth(levels: &Levels, pose: Pose, what: &str) -> (Vec<Level>, f64) {
    let anatomy = Anatomy::lumbar();
    let back = |p: Vec3| pose.to_anatomy(p);
    let mut found = Vec::new();
    let mut worst = 0.0f64;
    for b in &levels.bodies {
        let z_sup = back(levels.axis.point_at(b.superior_mm))[2];
        let z_inf = back(levels.axis.point_at(b.inferior_mm))[2];
        let truth = anatomy
            .bodies
            .iter()
            .find(|t| (t.z_superior_mm - z_sup).abs() < 8.0)
            .unwrap_or_else(|| panic!("{what}: no phantom body near {z_sup:.2}"));
        let e_sup = (truth.z_superior_mm - z_sup).abs();
        let e_inf = (truth.z_inferior_mm - z_inf).abs();
        eprintln!(
            "{what}: {:?} sup {z_sup:.2} (truth {}) inf {z_inf:.2} (truth {})",
            truth.level, truth.z_superior_mm, truth.z_inferior_mm
        );
        assert!(
            e_sup <= TOL_MM && e_inf <= TOL_MM,
            "{what} {:?}: found {z_sup:.2}..{z_inf:.2}, truth {}..{}",
            truth.level,
            truth.z_superior_mm,
            truth.z_inferior_mm
        );
        worst = worst.max(e_sup).max(e_inf);
        assert_eq!(b.level, Some(session_level(truth.level)), "{what}: label");
        found.push(session_level(truth.level));
    }
    (found, worst)
}

fn mr(opts: &PhantomOptions) -> (Series, Volume) {
    series_in_memory(opts, Which::Mr)
}

const L1_S1: [Level; 6] = [
    Level::L1,
    Level::L2,
    Level::L3,
    Level::L4,
    Level::L5,
    Level::S1,
];

#[test]
fn in_memory_mr_noise_free_noisy_turned_and_tilted() {
    let mut worst = 0.0f64;
    for (noise, axial, tilt) in [
        (false, 0.0, 0.0),
        (true, 0.0, 0.0),
        (true, 15.0, 8.0),
        (true, -10.0, -10.0),
    ] {
        let mut opts = PhantomOptions {
            noise,
            ..PhantomOptions::default()
        };
        opts.pose = Pose {
            axial_rotation_deg: axial,
            sagittal_tilt_deg: tilt,
        };
        let what = format!("noise {noise}, axial {axial}°, tilt {tilt}°");
        let (s, v) = mr(&opts);
        let levels = find_levels(&s, &v, None).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(levels.labelled_by, LabelSource::Sacrum, "{what}");
        let (found, w) = check_against_truth(&levels, opts.pose, &what);
        assert_eq!(found, L1_S1, "{what}");
        let truth_axis = opts.pose.spine_axis();
        assert!(
            anchorage_core::geometry::dot(levels.axis.direction, truth_axis) > 0.998,
            "{what}: axis {:?}",
            levels.axis.direction
        );
        worst = worst.max(w);
    }
    eprintln!("worst endplate error on the in-memory MRs: {worst:.2} mm");
}

#[test]
fn without_the_sacrum_one_confirmed_level_labels_the_rest() {
    // Rows from z = 73 down to z = -35: L2 to L4 with part of a disc above and below.
    let mut opts = PhantomOptions::default();
    opts.mr.first_row_z_mm = 73.0;
    opts.mr.rows = 144;
    let (s, v) = mr(&opts);
    let levels = find_levels(&s, &v, None).expect("levels");
    assert!(!levels.sacrum_found);
    assert!(levels.bodies.iter().all(|b| b.level.is_none()));
    let known = Known {
        level: Level::L3,
        point_mm: [0.0, 0.0, 20.0],
    };
    let levels = find_levels(&s, &v, Some(known)).expect("levels");
    assert!(matches!(levels.labelled_by, LabelSource::Known { .. }));
    let (found, worst) = check_against_truth(&levels, Pose::default(), "L2-L4 MR");
    assert_eq!(found, [Level::L2, Level::L3, Level::L4]);
    eprintln!("worst endplate error on the L2-L4 MR: {worst:.2} mm");
    // The axis: the anatomy's z (upright).
    assert!(
        levels.axis.direction[2] > 0.999,
        "{:?}",
        levels.axis.direction
    );
}

#[test]
fn sample_mr_levels() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/mr");
    let report = scan(&dir).expect("scan");
    let series = report.pick(None, &dir).expect("one series").clone();
    let volume = load(&series, &LoadControl::default()).expect("load");
    let levels = find_levels(&series, &volume, None).expect("levels of the sample MR");
    let (found, worst) = check_against_truth(&levels, Pose::default(), "sample MR");
    assert_eq!(found, L1_S1);
    eprintln!("worst endplate error on the sample MR: {worst:.2} mm");
}
