//! Vertebral levels found, labelled and used (issue 20): endplates against the phantom's
//! analytic truth on phantoms with other grids, level ranges, rotations and tilts; labels
//! from the sacrum or one confirmed level; the protocol proposed at once; misplaced ROIs
//! flagged; the `anchorage levels` command line.

use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::geometry::Vec3;
use anchorage_core::levels::{Known, Levels, LevelsError, find_levels, relabel};
use anchorage_core::phantom::in_memory::{Which, series_in_memory};
use anchorage_core::phantom::{Anatomy, PhantomOptions, Pose};
use anchorage_core::session::{LabelSource, Level};

/// The session's level of a phantom level.
fn session_level(l: anchorage_core::phantom::Level) -> Level {
    Level::parse(l.name()).expect("phantom levels are session levels")
}

/// A CT of the default field at `pixel_mm` in-plane (coarser than the sample, to keep the
/// tests quick) and `spacing_mm` between slices, covering z from `z_lo` to `z_hi`.
fn ct_opts(pixel_mm: f64, spacing_mm: f64, z_lo: f64, z_hi: f64, noise: bool) -> PhantomOptions {
    let mut o = PhantomOptions {
        noise,
        ..PhantomOptions::default()
    };
    o.ct.pixel_mm = pixel_mm;
    o.ct.columns = (134.4 / pixel_mm).round() as usize;
    o.ct.rows = (123.2 / pixel_mm).round() as usize;
    o.ct.first_column_x_mm = -66.5;
    o.ct.first_row_y_mm = -36.4;
    o.ct.slice_spacing_mm = spacing_mm;
    o.ct.first_slice_z_mm = z_lo;
    o.ct.slices = ((z_hi - z_lo) / spacing_mm).floor() as usize + 1;
    o
}

type Transform = dyn Fn(Vec3) -> Vec3 + Sync;

/// Every body found matches a phantom body (endplates within `tol_mm`, measured along
/// the anatomy's z through the found axis), with the label of that body; returns the
/// levels found, cranial to caudal.
fn check_against_truth(levels: &Levels, to_anatomy: &Transform, tol_mm: f64) -> Vec<Level> {
    let anatomy = Anatomy::lumbar();
    let mut found = Vec::new();
    for b in &levels.bodies {
        let z_sup = to_anatomy(levels.axis.point_at(b.superior_mm))[2];
        let z_inf = to_anatomy(levels.axis.point_at(b.inferior_mm))[2];
        let truth = anatomy
            .bodies
            .iter()
            .find(|t| (t.z_superior_mm - z_sup).abs() < 6.0)
            .unwrap_or_else(|| panic!("no phantom body has its superior endplate near {z_sup:.2}"));
        assert!(
            (truth.z_superior_mm - z_sup).abs() <= tol_mm
                && (truth.z_inferior_mm - z_inf).abs() <= tol_mm,
            "{:?}: found {z_sup:.2}..{z_inf:.2}, truth {}..{}",
            truth.level,
            truth.z_superior_mm,
            truth.z_inferior_mm
        );
        assert_eq!(
            b.level,
            Some(session_level(truth.level)),
            "label of the body at {z_sup:.1}"
        );
        found.push(session_level(truth.level));
    }
    found
}

fn identity(p: Vec3) -> Vec3 {
    p
}

fn ct(opts: &PhantomOptions) -> (Series, Volume) {
    series_in_memory(opts, Which::Ct)
}

#[test]
fn default_grid_noise_free_labelled_from_the_sacrum() {
    let opts = ct_opts(1.4, 1.25, -107.5, 102.5, false);
    let (s, v) = ct(&opts);
    let levels = find_levels(&s, &v, None).expect("levels");
    assert!(levels.sacrum_found, "the sacrum is in the series");
    assert_eq!(levels.labelled_by, LabelSource::Sacrum);
    let found = check_against_truth(&levels, &identity, 1.5);
    assert_eq!(
        found,
        [
            Level::L1,
            Level::L2,
            Level::L3,
            Level::L4,
            Level::L5,
            Level::S1
        ]
    );
    assert_eq!(levels.discs.len(), 5);
    assert_eq!(levels.discs[2].name(), "L3/L4");
}

#[test]
fn noisy_thin_slices_and_thick_slices() {
    // 0.6 mm with noise, over L3–S1.
    let opts = ct_opts(1.4, 0.6, -110.0, 38.0, true);
    let (s, v) = ct(&opts);
    let levels = find_levels(&s, &v, None).expect("levels at 0.6 mm");
    assert_eq!(levels.labelled_by, LabelSource::Sacrum);
    let found = check_against_truth(&levels, &identity, 1.5);
    assert_eq!(found, [Level::L3, Level::L4, Level::L5, Level::S1]);
    // 3 mm with noise, the whole phantom (T12 cut by the top, so not a body). Sampled at
    // pixel centres without partial volume, an endplate is known only to within the
    // slice spacing, and the half-height crossing lies midway: up to 1.5 mm off when a
    // surface falls on a slice centre; this grid lies 0.25 mm off every surface (all at
    // multiples of 0.5 mm).
    let opts = ct_opts(1.4, 3.0, -113.75, 120.0, true);
    let (s, v) = ct(&opts);
    let levels = find_levels(&s, &v, None).expect("levels at 3 mm");
    let found = check_against_truth(&levels, &identity, 1.5);
    assert_eq!(
        found,
        [
            Level::L1,
            Level::L2,
            Level::L3,
            Level::L4,
            Level::L5,
            Level::S1
        ]
    );
    // Slice indices of the endplates agree with their positions.
    for b in &levels.bodies {
        let k = b
            .superior_slice
            .expect("axial slices stack along the spine");
        let z = -113.75 + 3.0 * k;
        assert!(
            (z - b.superior_mm).abs() < 0.5,
            "slice {k} vs {}",
            b.superior_mm
        );
    }
}

#[test]
fn without_the_sacrum_one_confirmed_level_labels_the_rest() {
    // L2 to L4 with half a disc above and below: no sacrum, so unlabelled.
    let opts = ct_opts(1.4, 1.25, -35.0, 73.0, true);
    let (s, v) = ct(&opts);
    let mut levels = find_levels(&s, &v, None).expect("levels");
    assert!(!levels.sacrum_found);
    assert_eq!(levels.labelled_by, LabelSource::Unlabelled);
    assert!(levels.bodies.iter().all(|b| b.level.is_none()));
    // "This is L3" on a slice through the middle body (z = 20 mm, slice 44).
    let known = Known::at_slice(Level::L3, &v, 44, Some(&levels.axis)).expect("slice");
    relabel(&mut levels, known).expect("relabel");
    let found = check_against_truth(&levels, &identity, 1.5);
    assert_eq!(found, [Level::L2, Level::L3, Level::L4]);
    assert_eq!(levels.discs[0].name(), "L2/L3");
    // A wrong confirmation relabels every body; a correction relabels them back.
    let wrong = Known::at_slice(Level::L4, &v, 44, Some(&levels.axis)).expect("slice");
    relabel(&mut levels, wrong).expect("relabel");
    assert_eq!(levels.bodies[0].level, Some(Level::L3));
    relabel(&mut levels, known).expect("relabel");
    assert_eq!(levels.bodies[0].level, Some(Level::L2));
    // The same through find_levels, and a confirmation on a disc is refused.
    let direct = find_levels(&s, &v, Some(known)).expect("levels");
    assert_eq!(direct.bodies[1].level, Some(Level::L3));
    let on_disc = Known::at_slice(Level::L3, &v, 59, Some(&levels.axis)).expect("slice"); // z = 38.75
    let err = relabel(&mut levels, on_disc).expect_err("a disc is no body");
    assert!(matches!(err, LevelsError::KnownNotOnBody { .. }), "{err}");
    assert!(err.to_string().contains("disc L2/L3"), "{err}");
    // The point 34 % below L3's superior endplate.
    let p = levels.place(Level::L3, 0.34).expect("L3");
    assert_eq!(
        levels.locate(p).map(|l| l.to_string()).as_deref(),
        Some("L3, 34 % below the superior endplate")
    );
}

#[test]
fn a_scan_ending_inside_a_lumbar_body_is_no_sacrum() {
    // The field ends 26 mm into L5 (L5: -67..-40): bone to the scan's end below a disc,
    // but no longer than a body, so it may be a cut L5 — not taken for a fused sacrum.
    for z_lo in [-60.0, -66.0] {
        let opts = ct_opts(1.4, 1.25, z_lo, 73.0, true);
        let (s, v) = ct(&opts);
        let levels = find_levels(&s, &v, None).expect("levels");
        assert!(!levels.sacrum_found, "{z_lo}");
        assert_eq!(levels.bodies.len(), 3, "{z_lo}");
        assert!(levels.bodies.iter().all(|b| b.level.is_none()), "{z_lo}");
    }
    // A fused sacrum with 40 mm in the field (more than 1.25 × the longest body): S1.
    let mut opts = ct_opts(1.4, 1.25, -117.0, 38.0, true);
    opts.fused_sacrum = true;
    let (s, v) = ct(&opts);
    let levels = find_levels(&s, &v, None).expect("levels");
    assert_eq!(levels.labelled_by, LabelSource::Sacrum);
    let labels: Vec<_> = levels.bodies.iter().map(|b| b.level).collect();
    assert_eq!(
        labels,
        [
            Some(Level::L3),
            Some(Level::L4),
            Some(Level::L5),
            Some(Level::S1)
        ]
    );
    let s1 = &levels.bodies[3];
    assert!((s1.superior_mm + 77.0).abs() <= 1.5, "{}", s1.superior_mm);
}

#[test]
fn rotated_and_tilted_spines() {
    for (axial, tilt) in [(20.0, 0.0), (0.0, 12.0), (-15.0, -8.0)] {
        let mut opts = ct_opts(1.4, 1.25, -120.0, 110.0, true);
        opts.pose = Pose {
            axial_rotation_deg: axial,
            sagittal_tilt_deg: tilt,
        };
        let pose = opts.pose;
        let back = move |p: Vec3| pose.to_anatomy(p);
        let (s, v) = ct(&opts);
        let levels = find_levels(&s, &v, None)
            .unwrap_or_else(|e| panic!("axial {axial}°, tilt {tilt}°: {e}"));
        let found = check_against_truth(&levels, &back, 1.5);
        assert_eq!(
            found.last(),
            Some(&Level::S1),
            "axial {axial}°, tilt {tilt}°"
        );
        assert!(
            found.contains(&Level::L1),
            "axial {axial}°, tilt {tilt}°: {found:?}"
        );
        let truth_axis = pose.spine_axis();
        assert!(
            anchorage_core::geometry::dot(levels.axis.direction, truth_axis) > 0.998,
            "tilt {tilt}°: axis {:?}",
            levels.axis.direction
        );
    }
}

#[test]
fn refusals() {
    // A CT of soft tissue only (above the spine's top): no spine.
    let opts = ct_opts(1.4, 2.0, 140.0, 200.0, false);
    let (s, v) = ct(&opts);
    let err = find_levels(&s, &v, None).expect_err("no spine");
    assert!(matches!(err, LevelsError::NoSpine { .. }), "{err}");
    // One body only (L3 with its discs).
    let opts = ct_opts(1.4, 1.25, 2.0, 38.0, false);
    let (s, v) = ct(&opts);
    let err = find_levels(&s, &v, None).expect_err("one body");
    assert!(
        matches!(err, LevelsError::TooFewBodies { found: 1, .. }),
        "{err}"
    );
}

mod sample {
    use super::*;
    use anchorage_core::dicom::series::scan;
    use anchorage_core::dicom::volume::{LoadControl, load};
    use anchorage_core::levels::{
        EllipseRefusal, accept_all_passing, propose_ellipse_checked, propose_protocol,
    };
    use anchorage_core::measure::measurement::{RoiTarget, area_shape, labelled};
    use anchorage_core::measure::propose::EllipseSettings;
    use anchorage_core::phantom::{Tissue, ct_truth_volume};
    use anchorage_core::pipeline::Pipeline;
    use anchorage_core::protocol::Flag;
    use anchorage_core::protocol::placement::PlacementProblem;
    use anchorage_core::session::{Role, SeriesRef, Session};
    use std::path::Path;

    fn sample_ct() -> (Series, Volume) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/ct");
        let report = scan(&dir).expect("scan");
        let series = report.pick(None, &dir).expect("one series").clone();
        let volume = load(&series, &LoadControl::default()).expect("load");
        (series, volume)
    }

    fn session_for(series: &Series) -> Session {
        Session {
            series: vec![SeriesRef {
                path: "ct".into(),
                series_instance_uid: series.uid.clone(),
                modality: "CT".into(),
                description: String::new(),
            }],
            ..Session::default()
        }
    }

    #[test]
    fn sample_levels_proposals_and_checks() {
        let (series, volume) = sample_ct();
        let levels = find_levels(&series, &volume, None).expect("levels of the sample");
        let found = check_against_truth(&levels, &identity, 1.5);
        assert_eq!(
            found,
            [
                Level::L1,
                Level::L2,
                Level::L3,
                Level::L4,
                Level::L5,
                Level::S1
            ]
        );

        // The protocol proposed at once: 3 planes × L1–L5, each inside its level's
        // cancellous bone on the noise-free labels, each mean within 4.5 SE of the truth.
        let mut session = session_for(&series);
        session.set_levels(levels.clone());
        let proposals = propose_protocol(&session, &levels, &series, &volume);
        let got: Vec<String> = proposals
            .iter()
            .map(|p| format!("{:?} {:?} {}", p.roi.level, p.roi.role, p.slice))
            .collect();
        assert_eq!(proposals.len(), 15, "3 planes × 5 levels: {got:?}");
        let truth = ct_truth_volume(&PhantomOptions::default());
        let anatomy = Anatomy::lumbar();
        for p in &proposals {
            let level = p.roi.level.expect("a level");
            assert!(p.passes(), "{:?} {level}: {:?}", p.roi.role, p.problems);
            let plane = volume.planes[p.slice];
            let (shape, _) = area_shape(&p.roi, &plane).expect("shape");
            let mut n = 0;
            shape.for_each_pixel_scaled(
                volume.dims().2,
                volume.dims().1,
                [plane.col_spacing_mm, plane.row_spacing_mm],
                |c, r| {
                    n += 1;
                    let t = truth.tissue(p.slice, r, c);
                    assert!(
                        matches!(t, Some(Tissue::BodyCancellous(l)) if l.name() == level.as_str()),
                        "{level} {:?}: pixel ({c}, {r}) is {t:?}",
                        p.roi.role
                    );
                },
            );
            assert!(n > 100, "{level} {:?}: only {n} pixels", p.roi.role);
            let st = p.stats.as_ref().expect("stats");
            let hu = anatomy
                .bodies
                .iter()
                .find(|b| b.level.name() == level.as_str())
                .and_then(|b| anatomy.value(Tissue::BodyCancellous(b.level)))
                .expect("truth")
                .ct_hu as f64;
            let (mean, sd) = (st.mean.expect("mean"), st.sd.expect("sd"));
            let se = sd / (st.n as f64).sqrt();
            assert!(
                (mean - hu).abs() <= 4.5 * se,
                "{level} {:?}: {mean} vs {hu} (SE {se})",
                p.roi.role
            );
        }

        // Accepting all gives the truth's B-HU for every level, without flags.
        let ids = accept_all_passing(&mut session, &proposals);
        assert_eq!(ids.len(), 15);
        let pipeline = Pipeline::new(&session, None).expect("pipeline");
        let measured = pipeline.run(&session, |uid| {
            (uid == series.uid).then_some((&series, &volume))
        });
        assert!(measured.placement.is_empty(), "{:?}", measured.placement);
        for level in [Level::L1, Level::L2, Level::L3, Level::L4, Level::L5] {
            let r = measured
                .results
                .levels
                .iter()
                .find(|l| l.level == level)
                .expect("level result");
            let hu = truth_hu(level);
            let b = r.b_hu.expect("B-HU");
            assert_eq!(r.b_hu_planes, 3);
            assert!((b - hu).abs() < 2.0, "{level}: B-HU {b} vs {hu}");
        }

        // Misplaced ROIs: on a disc, in the wrong level, outside the body.
        let t = |k: usize| RoiTarget::of_slice(&series.uid, &volume, k).expect("slice");
        let centre = |k: usize| {
            let (c, r, _) = volume.planes[k].patient_to_pixel([0.0, 3.0, 0.0]);
            (c, r)
        };
        // Slice 155: z = 1.0 mm, the disc L3/L4; slice 134: z = −13.7, L4's middle.
        let on_disc = labelled(
            t(155).ellipse(Role::BHuMid, centre(155), 8.0, 8.0, 0.0),
            Some(Level::L3),
            None,
        );
        let wrong = labelled(
            t(134).ellipse(Role::BHuMid, centre(134), 8.0, 8.0, 0.0),
            Some(Level::L3),
            None,
        );
        let too_big = labelled(
            t(180).ellipse(Role::BHuInferior, centre(180), 30.0, 12.0, 0.0),
            Some(Level::L3),
            None,
        );
        let mut bad = session_for(&series);
        bad.set_levels(levels.clone());
        bad.screws.push(anchorage_core::session::Screw::planned(
            Level::L3,
            anchorage_core::session::Side::L,
        ));
        let ids: Vec<u64> = [on_disc, wrong, too_big]
            .into_iter()
            .map(|r| bad.add_roi(r))
            .collect();
        let measured = pipeline.run(&bad, |uid| {
            (uid == series.uid).then_some((&series, &volume))
        });
        let problem = |id: u64| {
            measured
                .placement
                .iter()
                .find(|p| p.roi_id == id)
                .map(|p| p.problem)
        };
        assert_eq!(
            problem(ids[0]),
            Some(PlacementProblem::OnDisc {
                upper: Some(Level::L3),
                lower: Some(Level::L4)
            })
        );
        assert_eq!(
            problem(ids[1]),
            Some(PlacementProblem::WrongLevel { found: Level::L4 })
        );
        assert_eq!(problem(ids[2]), Some(PlacementProblem::OutsideCrossSection));
        let l3 = measured
            .results
            .levels
            .iter()
            .find(|l| l.level == Level::L3)
            .expect("L3");
        let texts: Vec<String> = l3.flags.iter().map(ToString::to_string).collect();
        assert!(
            texts.contains(&format!(
                "misplaced: B-HU mid L3 (ROI {}) on the disc L3/L4",
                ids[0]
            )),
            "{texts:?}"
        );
        assert!(l3.flags.iter().any(|f| matches!(f, Flag::Misplaced { .. })));
        let flags_col = measured
            .table
            .columns
            .iter()
            .position(|c| *c == "flags")
            .expect("flags");
        let cell = format!("{:?}", measured.table.rows[0][flags_col]);
        assert!(cell.contains("in L4's body"), "{cell}");
        assert!(cell.contains("leaves the body's cross-section"), "{cell}");

        // The disc-slice click: the sample's middle slice (150, z = −2.5 mm) is on the disc
        // L3/L4; a click there is refused, with the levels by the disc, without them by
        // the open region.
        let click = centre(150);
        let with =
            propose_ellipse_checked(&volume, 150, click, &EllipseSettings::CT, Some(&levels));
        assert!(
            matches!(&with, Err(EllipseRefusal::OnDisc { disc, .. }) if disc == "L3/L4"),
            "{with:?}"
        );
        let without = propose_ellipse_checked(&volume, 150, click, &EllipseSettings::CT, None);
        assert!(without.is_err(), "{without:?}");
    }

    fn truth_hu(level: Level) -> f64 {
        let anatomy = Anatomy::lumbar();
        anatomy
            .bodies
            .iter()
            .find(|b| b.level.name() == level.as_str())
            .and_then(|b| anatomy.value(Tissue::BodyCancellous(b.level)))
            .expect("truth")
            .ct_hu as f64
    }
}

mod session_v2 {
    use super::*;
    use anchorage_core::pipeline::measure_on_disk;
    use anchorage_core::session::{SESSION_VERSION, Session};
    use std::path::Path;

    #[test]
    fn a_v1_session_loads_saves_as_v2_and_measures_the_same() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/example-session.json");
        // The sample written as version 1 (the same document: version 2 only adds the
        // optional `levels`).
        let mut raw: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        raw["version"] = serde_json::json!(1);
        let text = serde_json::to_string_pretty(&raw).expect("json");
        let v1 = Session::from_json(&text, &path).expect("v1 loads");
        assert_eq!(SESSION_VERSION, 2);
        assert!(v1.levels.is_empty());
        let saved = v1.to_json();
        let again: serde_json::Value = serde_json::from_str(&saved).expect("json");
        assert_eq!(again["version"], 2);
        assert!(again.get("levels").is_none(), "no levels, no field");
        let v2 = Session::from_json(&saved, &path).expect("v2 loads");
        assert_eq!(v1, v2);
        let (a, _) = measure_on_disk(&v1, &path, &[]).expect("measure v1");
        let (b, _) = measure_on_disk(&v2, &path, &[]).expect("measure v2");
        assert_eq!(a.table, b.table);
        assert!(a.placement.is_empty());

        // With levels: stored, shared with the MR of the same frame of reference, and
        // read back unchanged.
        let (series, volume) = {
            let dir = path.parent().expect("dir").join("ct");
            let report = anchorage_core::dicom::series::scan(&dir).expect("scan");
            let s = report.pick(None, &dir).expect("series").clone();
            let v = anchorage_core::dicom::volume::load(&s, &Default::default()).expect("load");
            (s, v)
        };
        let levels = find_levels(&series, &volume, None).expect("levels");
        let mut with = v2.clone();
        with.set_levels(levels.clone());
        let text = with.to_json();
        let back = Session::from_json(&text, &path).expect("loads");
        assert_eq!(back.levels, vec![levels.clone()]);
        let mr_uid = &v2
            .series
            .iter()
            .find(|s| s.modality == "MR")
            .expect("MR")
            .series_instance_uid;
        assert!(
            back.levels_for(mr_uid, &series.frame_of_reference_uid)
                .is_some()
        );
        assert!(back.levels_for(mr_uid, "1.2.3.other").is_none());
        // The sample session's ROIs lie where their levels say: no misplaced flag.
        let (m, _) = measure_on_disk(&back, &path, &[]).expect("measure with levels");
        assert!(m.placement.is_empty(), "{:?}", m.placement);
        assert_eq!(m.table, a.table);
    }
}
