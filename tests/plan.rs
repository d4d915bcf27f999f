//! The automatic pedicle measurement along planned screws, against the phantom's analytic
//! anatomy: isthmus widths (the narrowest cross-section perpendicular to the screw, found
//! by ray casting against the analytic pedicle), distances and the Gertzbein–Robbins
//! grade of screws placed along each pedicle, angled a few degrees, and shifted through
//! the lateral cortex by 2, 3, 5 and 7 mm; on the bundled sample (noisy CT read from its
//! files) and on phantoms with other pedicle sizes (noise-free, sampled in memory).

use std::error::Error;
use std::path::{Path, PathBuf};

use anchorage_core::dicom::volume::{LoadControl, Volume, load};
use anchorage_core::geometry::add_scaled;
use anchorage_core::phantom::anatomy::Pedicle;
use anchorage_core::phantom::in_memory::ct_volume_in_memory;
use anchorage_core::phantom::{Anatomy, PhantomOptions, Pose};
use anchorage_core::plan::{BreachGrade, PedicleMeasurement, Sampler, ScrewPlan, measure_pedicle};
use anchorage_core::session::Side;

type TestResult = Result<(), Box<dyn Error>>;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

fn sample_ct() -> Result<Volume, Box<dyn Error>> {
    let report = anchorage_core::dicom::series::scan(&sample().join("ct"))?;
    let series = report.series.first().ok_or("no CT series")?;
    Ok(load(series, &LoadControl::default())?)
}

fn side_of(p: &Pedicle) -> Side {
    if p.side.sign() > 0.0 {
        Side::L
    } else {
        Side::R
    }
}

/// A screw through the isthmus centre, its axis rotated from the pedicle's by `medial_deg`
/// (towards the midline) and `cranial_deg`, moved `shift_mm` laterally, entering
/// `posterior_length` behind the isthmus.
fn screw(p: &Pedicle, medial_deg: f64, cranial_deg: f64, shift_mm: f64) -> ScrewPlan {
    let side = side_of(p);
    let base = ScrewPlan::through("t", [0.0; 3], p.direction()).expect("axis");
    let a = base.angles(side);
    let dir = anchorage_core::plan::direction_from_angles(
        side,
        anchorage_core::plan::ScrewAngles {
            medial_deg: a.medial_deg + medial_deg,
            craniocaudal_deg: a.craniocaudal_deg + cranial_deg,
        },
    );
    let c = add_scaled(p.isthmus_centre_mm, shift_mm, p.lateral());
    let entry = add_scaled(c, -p.posterior_length_mm, dir);
    ScrewPlan::through("t", entry, add_scaled(entry, 1.0, dir)).expect("plan")
}

/// The truth: in planes perpendicular to the screw every 0.1 mm over ±2 mm about the
/// isthmus, the analytic pedicle's extents along the plane's medial and cranial axes
/// (outline by bisection on 360 rays from the axis); the plane of the smallest
/// transverse extent gives (transverse, cranio-caudal).
fn truth_isthmus(p: &Pedicle, plan: &ScrewPlan) -> (f64, f64) {
    truth_isthmus_posed(p, plan, Pose::default())
}

/// [`truth_isthmus`] of a screw planned in patient coordinates on a phantom turned by
/// `pose`: the analytic pedicle is asked in its own frame.
fn truth_isthmus_posed(p: &Pedicle, plan: &ScrewPlan, pose: Pose) -> (f64, f64) {
    let f = plan.frame(side_of(p));
    let mut best = (f64::INFINITY, f64::NAN);
    for k in -20..=20 {
        let depth = p.posterior_length_mm + k as f64 * 0.1;
        let c = plan.point_at(depth);
        let inside = |x: f64, y: f64| {
            p.classify(pose.to_anatomy(add_scaled(add_scaled(c, x, f.medial), y, f.cranial)))
                .is_some()
        };
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for r in 0..360 {
            let t = r as f64 * std::f64::consts::TAU / 360.0;
            let (dx, dy) = (t.cos(), t.sin());
            let (mut a, mut b) = (0.0, 15.0);
            for _ in 0..30 {
                let m = 0.5 * (a + b);
                if inside(m * dx, m * dy) {
                    a = m;
                } else {
                    b = m;
                }
            }
            let q = [a * dx, a * dy];
            for i in 0..2 {
                lo[i] = lo[i].min(q[i]);
                hi[i] = hi[i].max(q[i]);
            }
        }
        let (wt, wc) = (hi[0] - lo[0], hi[1] - lo[1]);
        if wt < best.0 {
            best = (wt, wc);
        }
    }
    best
}

fn measure(
    v: &Volume,
    p: &Pedicle,
    plan: &ScrewPlan,
    d: f64,
) -> Result<PedicleMeasurement, Box<dyn Error>> {
    let s = Sampler::new(v)?;
    Ok(measure_pedicle(&s, plan, side_of(p), d, 45.0)?)
}

/// Checks the isthmus widths of every pedicle for one screw pose; returns the largest
/// errors (transverse, cranio-caudal).
fn check_widths(
    v: &Volume,
    a: &Anatomy,
    medial: f64,
    cranial: f64,
    label: &str,
) -> Result<(f64, f64), Box<dyn Error>> {
    let (mut et, mut ec) = (0.0f64, 0.0f64);
    for p in &a.pedicles {
        let plan = screw(p, medial, cranial, 0.0);
        let m = measure(v, p, &plan, 4.5)?;
        let (wt, wc) = truth_isthmus(p, &plan);
        let (dt, dc) = (
            m.isthmus_width_transverse_mm - wt,
            m.isthmus_width_craniocaudal_mm - wc,
        );
        println!(
            "{label} {:?} {:?}: transverse {:.2} (truth {wt:.2}, {dt:+.2}), cranio-caudal {:.2} (truth {wc:.2}, {dc:+.2})",
            p.level, p.side, m.isthmus_width_transverse_mm, m.isthmus_width_craniocaudal_mm
        );
        et = et.max(dt.abs());
        ec = ec.max(dc.abs());
    }
    println!("{label}: largest errors transverse {et:.2} mm, cranio-caudal {ec:.2} mm");
    Ok((et, ec))
}

/// On the bundled sample (isotropic 0.7 mm voxels with partial volume, noise 15 HU):
/// transverse and cranio-caudal isthmus widths within the 0.3 mm of the truth,
/// for straight screws and screws angled 3° medially, laterally, cranially and caudally.
#[test]
fn isthmus_widths_on_the_sample() -> TestResult {
    let v = sample_ct()?;
    let a = Anatomy::lumbar();
    for (m, c) in [(0.0, 0.0), (3.0, 0.0), (-3.0, 0.0), (0.0, 3.0), (0.0, -3.0)] {
        let (et, ec) = check_widths(&v, &a, m, c, &format!("sample medial {m:+} cranial {c:+}"))?;
        assert!(et <= 0.3, "transverse error {et:.2} mm");
        assert!(ec <= 0.3, "cranio-caudal error {ec:.2} mm");
    }
    Ok(())
}

/// The phantom of `opts` as a planning CT, as the sample is: isotropic 0.7 mm voxels,
/// sampled with partial volume (each voxel the mean over its box, as a scanner gives it).
fn planning_ct(opts: PhantomOptions) -> PhantomOptions {
    let mut o = opts;
    o.partial_volume = true;
    o.ct.slice_spacing_mm = 0.7;
    o
}

/// The check on planning CTs (0.7 mm, partial volume; noise-free): the bundled
/// anatomy and pedicles scaled 0.8 and 1.2, for straight screws and screws angled 3° medially and
/// cranially: transverse and cranio-caudal isthmus widths within 0.3 mm of the truth.
#[test]
fn isthmus_widths_on_scaled_pedicles() -> TestResult {
    for scale in [1.0, 0.8, 1.2] {
        let opts = planning_ct(PhantomOptions {
            pedicle_scale: scale,
            ..PhantomOptions::default()
        });
        let v = ct_volume_in_memory(&opts);
        let a = opts.anatomy();
        for (m, c) in [(0.0, 0.0), (3.0, 3.0)] {
            let (et, ec) = check_widths(
                &v,
                &a,
                m,
                c,
                &format!("scale {scale} medial {m:+} cranial {c:+}"),
            )?;
            assert!(et <= 0.3, "scale {scale}: transverse error {et:.2} mm");
            assert!(ec <= 0.3, "scale {scale}: cranio-caudal error {ec:.2} mm");
        }
    }
    Ok(())
}

/// The grade of straight screws on the sample equals the truth's for every pedicle, L1 L
/// (6.8 mm pedicle, 6.5 mm screw: 0.15 mm each side) included; L1 R (6.3 mm pedicle)
/// is a breach.
#[test]
fn straight_screws_grade_as_the_truth() -> TestResult {
    let v = sample_ct()?;
    let a = Anatomy::lumbar();
    for p in &a.pedicles {
        let d = 6.5;
        let truth_breach = d / 2.0 - p.isthmus_width_mm / 2.0;
        let m = measure(&v, p, &screw(p, 0.0, 0.0, 0.0), d)?;
        let want = BreachGrade::from_breach_mm(truth_breach);
        println!(
            "{:?} {:?}: breach {:.2} mm ({}), truth {truth_breach:.2} ({want})",
            p.level, p.side, m.breach_mm, m.breach_grade
        );
        assert_eq!(m.breach_grade, want, "{:?} {:?}", p.level, p.side);
        // Distances: the truth clearance on each side within 0.3 mm.
        let clear = -truth_breach;
        assert!(
            (m.distance_medial_mm - clear).abs() <= 0.3,
            "medial {:.2} vs {clear:.2}",
            m.distance_medial_mm
        );
        assert!(
            (m.distance_lateral_mm - clear).abs() <= 0.3,
            "lateral {:.2} vs {clear:.2}",
            m.distance_lateral_mm
        );
    }
    Ok(())
}

/// Screws shifted laterally through the cortex by 2, 3, 5 and 7 mm get the grade of
/// the truth's breach (shift + radius − half the isthmus width).
#[test]
fn shifted_screws_get_the_right_grade() -> TestResult {
    let v = sample_ct()?;
    let a = Anatomy::lumbar();
    for (level, side) in [
        (
            anchorage_core::phantom::Level::L3,
            anchorage_core::phantom::Side::Left,
        ),
        (
            anchorage_core::phantom::Level::L4,
            anchorage_core::phantom::Side::Right,
        ),
    ] {
        let p = a.pedicle(level, side).ok_or("pedicle")?;
        for shift in [2.0, 3.0, 5.0, 7.0] {
            let d = 6.5;
            let truth = shift + d / 2.0 - p.isthmus_width_mm / 2.0;
            let m = measure(&v, p, &screw(p, 0.0, 0.0, shift), d)?;
            let want = BreachGrade::from_breach_mm(truth);
            println!(
                "{level:?} {side:?} shifted {shift} mm: breach {:.2} mm ({}), lateral {:.2}, truth {truth:.2} ({want})",
                m.breach_mm, m.breach_grade, m.distance_lateral_mm
            );
            assert_eq!(m.breach_grade, want, "{level:?} {side:?} shift {shift}");
            assert!(
                (m.breach_mm - truth.max(0.0)).abs() <= 0.4,
                "breach {:.2} vs {truth:.2}",
                m.breach_mm
            );
            assert!(
                (m.distance_lateral_mm + truth).abs() <= 0.4,
                "lateral {:.2} vs {:.2}",
                m.distance_lateral_mm,
                -truth
            );
        }
    }
    Ok(())
}

/// The en-face view at the isthmus of each sample pedicle: the screw's axis in
/// cancellous bone, the cortex (> 600 HU) on the ring at the truth's half width both
/// medially and laterally, soft tissue (< 300 HU) 1.5 mm beyond it; the axial-oblique view
/// holds the axis in bone from 2 mm past the entry to the isthmus.
#[test]
fn views_show_the_pedicle_around_the_screw() -> TestResult {
    use anchorage_core::display::oblique::{ScrewViewKind, ViewOptions, screw_view};
    let v = sample_ct()?;
    let s = Sampler::new(&v)?;
    let a = Anatomy::lumbar();
    let opts = ViewOptions {
        size_px: 161,
        pixel_mm: 0.1,
    };
    for p in &a.pedicles {
        let plan = screw(p, 0.0, 0.0, 0.0);
        let side = side_of(p);
        let m = measure_pedicle(&s, &plan, side, 4.5, 45.0)?;
        // The measured isthmus lies within a few mm of the truth's; the view at the
        // truth's isthmus is checked against the truth's half width.
        assert!((m.isthmus_depth_mm - p.posterior_length_mm).abs() <= 3.0);
        let depth = p.posterior_length_mm;
        let view = screw_view(
            &s,
            &plan,
            side,
            4.5,
            45.0,
            ScrewViewKind::EnFace { depth_mm: depth },
            opts,
        )?;
        let at = |mm_right: f64| -> f32 {
            let col = (80.0 + mm_right / 0.1).round() as usize;
            view.values.get(80 * 161 + col).copied().unwrap_or(f32::NAN)
        };
        let centre = at(0.0);
        assert!(
            (150.0..350.0).contains(&centre),
            "{:?} {:?}: centre {centre}",
            p.level,
            p.side
        );
        let half = p.half_width_at(depth - p.posterior_length_mm);
        for sign in [-1.0, 1.0] {
            let ring = (0..=10)
                .map(|k| at(sign * (half - 1.0 + 0.1 * k as f64)))
                .fold(f32::MIN, f32::max);
            assert!(ring > 600.0, "{:?} {:?}: ring {ring}", p.level, p.side);
            let beyond = at(sign * (half + 1.5));
            assert!(
                beyond < 300.0,
                "{:?} {:?}: beyond {beyond}",
                p.level,
                p.side
            );
        }
        let wide = ViewOptions {
            size_px: 201,
            pixel_mm: 0.3,
        };
        let axial = screw_view(
            &s,
            &plan,
            side,
            4.5,
            45.0,
            ScrewViewKind::AxialOblique,
            wide,
        )?;
        let [entry, _] = axial.axis_px;
        for k in 7..(p.posterior_length_mm / 0.3) as usize {
            let row = (entry[1] - k as f64).round() as usize;
            let col = entry[0].round() as usize;
            let val = axial
                .values
                .get(row * 201 + col)
                .copied()
                .unwrap_or(f32::NAN);
            assert!(val > 150.0, "{:?} {:?}: {val} at {k} px", p.level, p.side);
        }
    }
    Ok(())
}

/// On phantoms whose spine is turned (axial rotation) and tilted (sagittal tilt), with
/// screws planned along each pedicle as it lies in the image (the pedicle's axis through
/// the pose) and angled 3° medially and cranially, on planning CTs (0.7 mm, partial
/// volume): both widths within 0.3 mm, the truth asked of the analytic pedicle in its
/// own frame.
#[test]
fn isthmus_widths_on_turned_and_tilted_spines() -> TestResult {
    for (axial, tilt) in [(12.0, 0.0), (0.0, -10.0), (-15.0, 8.0)] {
        let pose = Pose {
            axial_rotation_deg: axial,
            sagittal_tilt_deg: tilt,
        };
        let opts = planning_ct(PhantomOptions {
            pose,
            ..PhantomOptions::default()
        });
        let v = ct_volume_in_memory(&opts);
        let a = Anatomy::lumbar();
        let (mut et, mut ec) = (0.0f64, 0.0f64);
        let mut checked = 0;
        for p in a.pedicles.iter().filter(|p| {
            use anchorage_core::phantom::Level;
            matches!(p.level, Level::L2 | Level::L3 | Level::L4)
        }) {
            for (m, c) in [(0.0, 0.0), (3.0, 3.0)] {
                let upright = screw(p, m, c, 0.0);
                let entry = pose.to_patient(upright.entry_mm);
                let dir = pose.direction_to_patient(upright.direction);
                let plan =
                    ScrewPlan::through("t", entry, add_scaled(entry, 1.0, dir)).ok_or("plan")?;
                let meas = measure(&v, p, &plan, 4.5)?;
                let (wt, wc) = truth_isthmus_posed(p, &plan, pose);
                let (dt, dc) = (
                    meas.isthmus_width_transverse_mm - wt,
                    meas.isthmus_width_craniocaudal_mm - wc,
                );
                println!(
                    "pose {axial:+}/{tilt:+} {:?} {:?} medial {m:+} cranial {c:+}: transverse {:.2} (truth {wt:.2}), cranio-caudal {:.2} (truth {wc:.2})",
                    p.level,
                    p.side,
                    meas.isthmus_width_transverse_mm,
                    meas.isthmus_width_craniocaudal_mm
                );
                et = et.max(dt.abs());
                ec = ec.max(dc.abs());
                checked += 1;
            }
        }
        println!(
            "pose {axial:+}/{tilt:+}: largest errors transverse {et:.2} mm, cranio-caudal {ec:.2} mm"
        );
        assert_eq!(checked, 12);
        assert!(
            et <= 0.3,
            "pose {axial}/{tilt}: transverse error {et:.2} mm"
        );
        assert!(
            ec <= 0.3,
            "pose {axial}/{tilt}: cranio-caudal error {ec:.2} mm"
        );
    }
    Ok(())
}
