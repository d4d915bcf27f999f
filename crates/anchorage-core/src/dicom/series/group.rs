//! Grouping read headers into series: split a SeriesInstanceUID whose images differ in
//! size, orientation or pixel spacing, collapse duplicate SOPInstanceUIDs, sort the
//! slices along the normal and derive the slice spacing with its warnings.

use std::collections::{BTreeMap, HashSet};

use super::types::{Series, SkipKind, SkippedFile, SliceRef};
use crate::dicom::header::FileHeader;
use crate::geometry::{Orientation, cross, dot, norm, sub};

/// The key that splits a series: size, orientation and pixel spacing.
fn split_key(h: &FileHeader) -> (u32, u32, [i64; 6], [i64; 2]) {
    let q = |v: f64, s: f64| (v * s).round() as i64;
    let (iop, sp) = match h.frames.first() {
        Some(f) => (
            [
                q(f.plane.row_dir[0], 1e3),
                q(f.plane.row_dir[1], 1e3),
                q(f.plane.row_dir[2], 1e3),
                q(f.plane.col_dir[0], 1e3),
                q(f.plane.col_dir[1], 1e3),
                q(f.plane.col_dir[2], 1e3),
            ],
            [
                q(f.plane.row_spacing_mm, 1e4),
                q(f.plane.col_spacing_mm, 1e4),
            ],
        ),
        None => ([0; 6], [0; 2]),
    };
    (h.rows, h.columns, iop, sp)
}

pub(super) fn build_series(
    mut headers: Vec<FileHeader>,
    skipped: &mut Vec<SkippedFile>,
) -> Vec<Series> {
    // Duplicate SOPInstanceUIDs: keep the first by path.
    headers.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen = HashSet::new();
    headers.retain(|h| {
        if seen.insert(h.sop_instance_uid.clone()) {
            true
        } else {
            skipped.push(SkippedFile {
                path: h.path.clone(),
                reason: format!(
                    "duplicate of SOPInstanceUID {} already loaded from another file",
                    h.sop_instance_uid
                ),
                kind: SkipKind::Duplicate,
            });
            false
        }
    });
    let mut by_uid: BTreeMap<String, Vec<FileHeader>> = BTreeMap::new();
    for h in headers {
        by_uid
            .entry(h.series_instance_uid.clone())
            .or_default()
            .push(h);
    }
    let mut out = Vec::new();
    for (uid, hs) in by_uid {
        let mut groups: BTreeMap<_, Vec<FileHeader>> = BTreeMap::new();
        let mut order = Vec::new();
        for h in hs {
            let k = split_key(&h);
            if !groups.contains_key(&k) {
                order.push(k);
            }
            groups.entry(k).or_default().push(h);
        }
        // Parts ordered by size (largest first) so part 1 is the main stack.
        let mut parts: Vec<Vec<FileHeader>> = order
            .into_iter()
            .filter_map(|k| groups.remove(&k))
            .collect();
        parts.sort_by_key(|p| std::cmp::Reverse(p.iter().map(|h| h.frames.len()).sum::<usize>()));
        let split = parts.len() > 1;
        for (i, part) in parts.into_iter().enumerate() {
            if let Some(mut s) = make_series(&uid, part) {
                if split {
                    s.part = i + 1;
                    s.warnings.push(format!(
                        "series {uid} mixes image sizes, spacings or orientations: split into parts; this is part {}",
                        i + 1
                    ));
                }
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.study_instance_uid, a.series_number, &a.uid, a.part).cmp(&(
            &b.study_instance_uid,
            b.series_number,
            &b.uid,
            b.part,
        ))
    });
    out
}

fn make_series(uid: &str, headers: Vec<FileHeader>) -> Option<Series> {
    let first = headers.first()?.clone();
    let plane0 = first.frames.first()?.plane;
    let normal = cross(plane0.row_dir, plane0.col_dir);
    let mut warnings: Vec<String> = Vec::new();
    let mut uniform_format = true;
    for h in &headers {
        for w in &h.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
        if h.bits_stored != first.bits_stored
            || h.signed != first.signed
            || h.bits_allocated != first.bits_allocated
        {
            uniform_format = false;
        }
    }
    let mut slices: Vec<SliceRef> = headers
        .iter()
        .flat_map(|h| {
            h.frames.iter().enumerate().map(move |(k, f)| SliceRef {
                path: h.path.clone(),
                frame: k as u32,
                transfer_syntax_uid: h.transfer_syntax_uid.clone(),
                sop_instance_uid: h.sop_instance_uid.clone(),
                instance_number: h.instance_number,
                plane: f.plane,
                slope: f.slope,
                intercept: f.intercept,
                position_mm: dot(f.plane.origin_mm, normal),
            })
        })
        .collect();
    slices.sort_by(|a, b| {
        a.position_mm
            .total_cmp(&b.position_mm)
            .then(a.instance_number.cmp(&b.instance_number))
            .then(a.frame.cmp(&b.frame))
    });
    let steps: Vec<f64> = slices
        .windows(2)
        .map(|w| w[1].position_mm - w[0].position_mm)
        .collect();
    // Assumed positions give no measured spacing.
    let slice_spacing_mm = if headers.iter().any(|h| h.positions_assumed) {
        None
    } else {
        spacing_and_warnings(&steps, &mut warnings)
    };
    if let (Some(a), Some(b)) = (slices.first(), slices.last()) {
        let d = sub(b.plane.origin_mm, a.plane.origin_mm);
        let along = dot(d, normal);
        let across = norm(sub(
            d,
            [along * normal[0], along * normal[1], along * normal[2]],
        ));
        if along.abs() > 1e-6 {
            let tilt_deg = (across / along.abs()).atan().to_degrees();
            if tilt_deg > 0.5 {
                warnings.push(format!(
                    "slice positions do not run along the slice normal (gantry tilt or sheared stack, {tilt_deg:.1}°): reformatted views are approximate"
                ));
            }
        }
    }
    // Frames of one multi-frame file are not split by orientation as files are: say when
    // they are not parallel (a localizer or MPR scout), since no slice spacing then holds.
    let tilt = slices
        .iter()
        .map(|s| {
            let n = cross(s.plane.row_dir, s.plane.col_dir);
            let c = dot(n, normal).abs() / (norm(n) * norm(normal)).max(1e-12);
            c.min(1.0).acos().to_degrees()
        })
        .fold(0.0, f64::max);
    if tilt > 1.0 {
        warnings.push(format!(
            "slices are not parallel (their orientations differ by up to {tilt:.1}°: a localizer or MPR, not a stack): the slice spacing is that along the first slice's normal, and reformatted views are approximate"
        ));
    }
    Some(Series {
        uid: uid.to_string(),
        part: 0,
        modality: first.modality.clone(),
        description: first.series_description.clone(),
        series_number: first.series_number,
        patient_name: first.patient_name.clone(),
        patient_id: first.patient_id.clone(),
        patient_birth_date: first.patient_birth_date.clone(),
        study_instance_uid: first.study_instance_uid.clone(),
        study_date: first.study_date.clone(),
        frame_of_reference_uid: first.frame_of_reference_uid.clone(),
        rows: first.rows,
        columns: first.columns,
        pixel_spacing_mm: [plane0.row_spacing_mm, plane0.col_spacing_mm],
        slice_spacing_mm,
        slice_thickness_mm: first.slice_thickness_mm,
        normal,
        orientation: Orientation::from_normal(normal),
        bits_allocated: first.bits_allocated,
        bits_stored: first.bits_stored,
        signed: first.signed,
        uniform_format,
        photometric: first.photometric.clone(),
        padding: first.padding,
        window: first.window,
        slices,
        warnings,
    })
}

/// The slice spacing (median step) and warnings for duplicates, gaps and non-uniform
/// steps.
fn spacing_and_warnings(steps: &[f64], warnings: &mut Vec<String>) -> Option<f64> {
    if steps.is_empty() {
        return None;
    }
    let dup = steps.iter().filter(|s| s.abs() < 1e-4).count();
    if dup > 0 {
        warnings.push(format!(
            "{dup} slice(s) share a position with another slice (several echoes, phases or repeats in one series?)"
        ));
    }
    let mut nz: Vec<f64> = steps.iter().copied().filter(|s| s.abs() >= 1e-4).collect();
    if nz.is_empty() {
        return None;
    }
    nz.sort_by(f64::total_cmp);
    let median = nz[nz.len() / 2];
    let tol = 0.01 * median + 1e-3;
    let mut gaps = Vec::new();
    let mut irregular = 0;
    for (i, s) in steps.iter().enumerate() {
        if s.abs() < 1e-4 || (s - median).abs() <= tol {
            continue;
        }
        let ratio = s / median;
        if ratio > 1.5 && (ratio - ratio.round()).abs() < 0.1 {
            gaps.push(format!(
                "between slices {i} and {} ({:.0} missing)",
                i + 1,
                ratio.round() - 1.0
            ));
        } else {
            irregular += 1;
        }
    }
    if !gaps.is_empty() {
        warnings.push(format!("missing slices: {}", gaps.join(", ")));
    }
    if irregular > 0 {
        let (lo, hi) = (nz[0], nz[nz.len() - 1]);
        warnings.push(format!(
            "non-uniform slice spacing: steps from {lo:.3} to {hi:.3} mm ({irregular} differ from the median {median:.3} mm)"
        ));
    }
    Some(median)
}
