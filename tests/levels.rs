//! Vertebral levels found, labelled and used (issue 20): endplates against the phantom's
//! analytic truth on phantoms with other grids, level ranges, rotations and tilts; labels
//! from the sacrum or one confirmed level; the protocol proposed at once; misplaced ROIs
//! flagged; the `anchorage levels` command line.

use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::geometry::Vec3;
use anchorage_core::levels::{Known, Levels, LevelsError, find_levels, relabel};
use anchorage_core::phantom::in_memory::{Which, series_in_memory};
use anchorage_core::phantom::{Anatomy, PhantomOptions};
use anchorage_core::session::{LabelSource, Level};

/// The session's level of a phantom level.
fn session_level(l: anchorage_core::phantom::Level) -> Level {
    Level::parse(l.name()).expect("phantom levels are session levels")
}

/// A CT of the default field at `pixel_mm` in-plane (coarser than the sample, to keep the
/// tests quick) and `spacing_mm` between slices, covering z from `z_lo` to `z_hi`.
fn ct_opts(pixel_mm: f64, spacing_mm: f64, z_lo: f64, z_hi: f64, noise: bool) -> PhantomOptions {
    let mut o = PhantomOptions::default();
    o.noise = noise;
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

/// Rotation about z by `axial_deg`, then about x by `tilt_deg` (patient = R·anatomy):
/// returns (to_patient, to_anatomy).
fn pose(axial_deg: f64, tilt_deg: f64) -> (Box<Transform>, Box<Transform>) {
    let (sa, ca) = axial_deg.to_radians().sin_cos();
    let (st, ct) = tilt_deg.to_radians().sin_cos();
    let fwd = move |p: Vec3| {
        let q = [ca * p[0] - sa * p[1], sa * p[0] + ca * p[1], p[2]];
        [q[0], ct * q[1] - st * q[2], st * q[1] + ct * q[2]]
    };
    let back = move |p: Vec3| {
        let q = [p[0], ct * p[1] + st * p[2], -st * p[1] + ct * p[2]];
        [ca * q[0] + sa * q[1], -sa * q[0] + ca * q[1], q[2]]
    };
    (Box::new(fwd), Box::new(back))
}

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

fn ct(opts: &PhantomOptions, to_anatomy: &Transform) -> (Series, Volume) {
    series_in_memory(opts, Which::Ct, to_anatomy)
}

#[test]
fn default_grid_noise_free_labelled_from_the_sacrum() {
    let opts = ct_opts(1.4, 1.25, -107.5, 102.5, false);
    let (s, v) = ct(&opts, &identity);
    let levels = find_levels(&s, &v, None).expect("levels");
    assert!(levels.sacrum_found, "the sacrum is in the series");
    assert_eq!(levels.labelled_by, LabelSource::Sacrum);
    let found = check_against_truth(&levels, &identity, 1.5);
    assert_eq!(
        found,
        [Level::L1, Level::L2, Level::L3, Level::L4, Level::L5, Level::S1]
    );
    assert_eq!(levels.discs.len(), 5);
    assert_eq!(levels.discs[2].name(), "L3/L4");
}
