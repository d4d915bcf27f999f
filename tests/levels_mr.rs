//! Levels found on the sagittal T1 MR (issue 20): every body's endplates within one MR
//! slice spacing (3 mm) of the phantom's analytic truth, every label correct, on the
//! sample's MR and on MR phantoms generated in memory (noise-free, noisy, turned and
//! tilted); the MR's PBQ protocol proposed at once and accepted (the sample, noisy,
//! noise-free, turned and tilted in-memory MRs): every ROI inside its structure on the
//! noise-free labels, every mean and the PBQ within 4.5 standard errors of the truth.

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

mod pbq {
    //! The MR's PBQ protocol proposed at once from the MR's own levels.
    use super::*;
    use anchorage_core::levels::{
        ProtocolProposal, accept_all_passing, check_roi, propose_protocol,
    };
    use anchorage_core::measure::measurement::area_shape;
    use anchorage_core::phantom::{Side as PSide, Tissue, mr_truth_volume};
    use anchorage_core::pipeline::Pipeline;
    use anchorage_core::protocol::Flag;
    use anchorage_core::protocol::placement::PlacementProblem;
    use anchorage_core::session::{Role, SeriesRef, Session, Side};

    fn session_for(series: &Series, levels: &Levels) -> Session {
        let mut s = Session {
            series: vec![SeriesRef {
                path: "mr".into(),
                series_instance_uid: series.uid.clone(),
                modality: "MR".into(),
                description: String::new(),
            }],
            ..Session::default()
        };
        s.set_levels(levels.clone());
        s
    }

    fn phantom_level(l: Level) -> anchorage_core::phantom::Level {
        *anchorage_core::phantom::Level::ALL
            .iter()
            .find(|p| p.name() == l.as_str())
            .expect("a phantom level")
    }

    /// The truth's tissue of a proposal: the pedicle's marrow or the CSF.
    fn tissue_of(p: &ProtocolProposal) -> Tissue {
        let level = phantom_level(p.roi.level.expect("a level"));
        match (p.roi.role, p.roi.side) {
            (Role::PedicleSi, Some(Side::L)) => Tissue::PedicleCancellous(level, PSide::Left),
            (Role::PedicleSi, Some(Side::R)) => Tissue::PedicleCancellous(level, PSide::Right),
            (Role::CsfSi, None) => Tissue::Csf,
            other => panic!("unexpected proposal {other:?}"),
        }
    }

    /// Proposes, checks every proposal against the noise-free labels and the truth's
    /// values, accepts all and checks the PBQ; returns |PBQ − truth| and its tolerance.
    fn check(
        opts: &PhantomOptions,
        series: &Series,
        volume: &Volume,
        levels: Option<Levels>,
        what: &str,
    ) -> (f64, f64) {
        let levels = levels.unwrap_or_else(|| find_levels(series, volume, None).expect("levels"));
        let mut session = session_for(series, &levels);
        let proposals = propose_protocol(&session, &levels, series, volume);
        let got: Vec<String> = proposals
            .iter()
            .map(|p| {
                format!(
                    "{:?} {:?} {:?} {}",
                    p.roi.level, p.roi.side, p.roi.role, p.slice
                )
            })
            .collect();
        assert_eq!(
            proposals.len(),
            9,
            "{what}: 4 levels × 2 sides + CSF: {got:?}"
        );
        let truth = mr_truth_volume(opts);
        let anatomy = opts.anatomy();
        // Relative variances of the pedicle mean and of the CSF, for the PBQ's tolerance.
        let mut segmental = std::collections::BTreeMap::<Level, Vec<(f64, f64)>>::new();
        let mut csf = None;
        for p in &proposals {
            assert!(p.passes(), "{what}: {:?}: {:?}", p.roi, p.problems);
            let tissue = tissue_of(p);
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
                    assert_eq!(t, Some(tissue), "{what}: {tissue:?}: pixel ({c}, {r})");
                },
            );
            assert!(n >= 20, "{what}: {tissue:?}: only {n} pixels");
            let si = anatomy.value(tissue).expect("truth").mr_si as f64;
            let st = p.stats.as_ref().expect("stats");
            let (mean, sd) = (st.mean.expect("mean"), st.sd.expect("sd"));
            // Noise-free: the SD is 0; the SE then has the floor of the rounding.
            let se = (sd / (st.n as f64).sqrt()).max(0.5 / (st.n as f64).sqrt());
            assert!(
                (mean - si).abs() <= 4.5 * se,
                "{what}: {tissue:?}: mean {mean} vs {si} (SE {se})"
            );
            match p.roi.role {
                Role::CsfSi => csf = Some((si, se)),
                _ => segmental
                    .entry(p.roi.level.expect("level"))
                    .or_default()
                    .push((si, se)),
            }
        }
        // The truth's PBQ from the tissue values, and its SE from the ROIs' SEs.
        let (csf_si, csf_se) = csf.expect("a CSF proposal");
        let segs: Vec<f64> = segmental
            .values()
            .map(|v| v.iter().map(|x| x.0).sum::<f64>() / v.len() as f64)
            .collect();
        let pedicle_mean = segs.iter().sum::<f64>() / segs.len() as f64;
        // Var(pedicle mean) = Σ (SE_i / (2 · 4))² over the 8 ROIs.
        let var_ped: f64 = segmental
            .values()
            .flatten()
            .map(|x| (x.1 / 8.0).powi(2))
            .sum();
        let pbq_truth = pedicle_mean / csf_si;
        let rel_se = (var_ped / pedicle_mean.powi(2) + (csf_se / csf_si).powi(2)).sqrt();
        let tol = 4.5 * rel_se * pbq_truth;

        // A pedicle ROI moved along the spine onto the disc below its body is flagged.
        let l1 = proposals
            .iter()
            .find(|p| p.roi.role == Role::PedicleSi && p.roi.level == Some(Level::L1))
            .expect("an L1 pedicle proposal");
        let disc = &levels.discs[0];
        let t = levels.axis.position_mm(l1.roi.points_mm[0]);
        let shift = 0.5 * (disc.superior_mm + disc.inferior_mm) - t;
        let mut moved = l1.roi.clone();
        for p in &mut moved.points_mm {
            *p = anchorage_core::geometry::add_scaled(*p, shift, levels.axis.direction);
        }
        assert_eq!(
            check_roi(&levels, &moved, volume),
            [PlacementProblem::OnDisc {
                upper: Some(Level::L1),
                lower: Some(Level::L2)
            }],
            "{what}"
        );

        let ids = accept_all_passing(&mut session, &proposals);
        assert_eq!(ids.len(), 9);
        let pipeline = Pipeline::new(&session, None).expect("pipeline");
        let measured = pipeline.run(&session, |uid| {
            (uid == series.uid).then_some((series, volume))
        });
        assert!(measured.placement.is_empty(), "{:?}", measured.placement);
        let patient = &measured.results.patient;
        let pbq = patient.pbq.expect("PBQ");
        assert_eq!(
            patient.pbq_levels,
            [Level::L1, Level::L2, Level::L3, Level::L4]
        );
        assert!(
            !patient.flags.iter().any(|f| matches!(
                f,
                Flag::PbqWithout { .. } | Flag::PbqNeedsCsf { .. } | Flag::PbqNeedsPedicle
            )),
            "{what}: {:?}",
            patient.flags
        );
        let err = (pbq - pbq_truth).abs();
        eprintln!(
            "{what}: PBQ {pbq:.4}, truth {pbq_truth:.4}, |error| {err:.4} (tolerance {tol:.4})"
        );
        assert!(
            err <= tol,
            "{what}: PBQ {pbq} vs truth {pbq_truth} (tolerance {tol})"
        );
        (err, tol)
    }

    #[test]
    fn sample_mr_pbq_proposed_and_accepted() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/mr");
        let report = scan(&dir).expect("scan");
        let series = report.pick(None, &dir).expect("one series").clone();
        let volume = load(&series, &LoadControl::default()).expect("load");
        check(
            &PhantomOptions::default(),
            &series,
            &volume,
            None,
            "sample MR",
        );
        // The same with the levels of the CT of the same frame of reference, as the
        // window shares them.
        let ct_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/ct");
        let ct_report = scan(&ct_dir).expect("scan");
        let ct = ct_report.pick(None, &ct_dir).expect("one series").clone();
        assert_eq!(ct.frame_of_reference_uid, series.frame_of_reference_uid);
        let ct_volume = load(&ct, &LoadControl::default()).expect("load");
        let ct_levels = find_levels(&ct, &ct_volume, None).expect("CT levels");
        check(
            &PhantomOptions::default(),
            &series,
            &volume,
            Some(ct_levels),
            "sample MR with the CT's levels",
        );
        // The truth file's PBQ is the same number.
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/ground-truth.json"),
            )
            .expect("truth"),
        )
        .expect("json");
        let anatomy = Anatomy::lumbar();
        let si = |t: Tissue| anatomy.value(t).expect("value").mr_si as f64;
        let ped: f64 = anatomy
            .pedicles
            .iter()
            .filter(|p| p.level != anchorage_core::phantom::Level::L5)
            .map(|p| si(Tissue::PedicleCancellous(p.level, p.side)))
            .sum::<f64>()
            / 8.0;
        let file_pbq = truth["expected"]["pbq"]["pbq"].as_f64().expect("pbq");
        assert!(
            (file_pbq - ped / si(Tissue::Csf)).abs() < 1e-3,
            "{file_pbq}"
        );
    }

    #[test]
    fn noisy_and_noise_free_in_memory_mr() {
        for noise in [true, false] {
            let opts = PhantomOptions {
                noise,
                seed: 7,
                ..PhantomOptions::default()
            };
            let (s, v) = mr(&opts);
            check(&opts, &s, &v, None, &format!("in-memory MR, noise {noise}"));
        }
    }

    #[test]
    fn posed_noisy_in_memory_mr() {
        for (axial, tilt) in [(0.0, 8.0), (10.0, 8.0), (-15.0, -8.0)] {
            let mut opts = PhantomOptions {
                seed: 11,
                ..PhantomOptions::default()
            };
            opts.pose = Pose {
                axial_rotation_deg: axial,
                sagittal_tilt_deg: tilt,
            };
            let (s, v) = mr(&opts);
            check(
                &opts,
                &s,
                &v,
                None,
                &format!("in-memory MR, axial {axial}°, tilt {tilt}°"),
            );
        }
    }
}
