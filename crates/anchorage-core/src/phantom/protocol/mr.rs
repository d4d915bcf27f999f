//! The MR protocol ROIs: pedicle marrow ellipses (PBQ) and CSF ellipses.

use super::common::*;

/// Margin of the MR pedicle ellipses from the cortex (mm).
const MR_PEDICLE_MARGIN_MM: f64 = 1.0;

/// Fits an ellipse of semi-axes λ·base (mm, along the column and row directions)
/// about `centre` on MR slice k so that its `margin`-wide neighbourhood is `target`.
#[allow(clippy::too_many_arguments)]
fn fit_mr_ellipse(
    inp: &Inputs<'_>,
    k: usize,
    centre: [f64; 3],
    base_mm: (f64, f64),
    margin_mm: f64,
    target: Tissue,
    what: &str,
) -> Result<(EllipsePx, Raster), PhantomError> {
    let g = &inp.mr.geometry;
    let (pc, pr) = g.pixel_of(k, centre);
    let (cx, cy) = (round2(pc), round2(pr));
    let plane = Plane {
        origin: g.patient_of(k, cx, cy),
        u: g.row_direction,
        v: g.column_direction,
    };
    let fits = |semi: (f64, f64), m: f64| ring_in_tissue(inp.anatomy, &plane, semi, m, target);
    let lambda = largest_scale(1.0, |l| {
        fits((l * base_mm.0, l * base_mm.1), margin_mm + 0.02)
    });
    let mut e = EllipsePx {
        cx,
        cy,
        rx: floor2(lambda * base_mm.0 / g.column_spacing_mm),
        ry: floor2(lambda * base_mm.1 / g.row_spacing_mm),
        angle_deg: 0.0,
    };
    for _ in 0..100 {
        if e.rx <= 0.5 || e.ry <= 0.5 {
            break;
        }
        let semi = (e.rx * g.column_spacing_mm, e.ry * g.row_spacing_mm);
        let raster = rasterise_checked(&RoiPx::Ellipse(e), g, what)?;
        if fits(semi, margin_mm) && raster.boundary_gap_px > MIN_BOUNDARY_GAP_PX {
            check_labels(inp.mr_volume, k, &raster, 0.0, target, what)?;
            return Ok((e, raster));
        }
        e.rx -= 0.01;
        e.ry -= 0.01;
    }
    Err(roi_err(format!("{what}: no ellipse fits")))
}

pub(super) fn mr_pedicle_rois(inp: &Inputs<'_>) -> Result<Vec<MrRoiTruth>, PhantomError> {
    let g = &inp.mr.geometry;
    let mut out = Vec::new();
    for level in Level::PBQ {
        for side in Side::BOTH {
            let what = format!("MR pedicle {} {}", level.name(), side.code());
            let Some(ped) = inp.anatomy.pedicle(level, side) else {
                return Err(PhantomError::Internal(format!("{what}: no anatomy")));
            };
            let p = ped.isthmus_centre_mm;
            let Some((k, offset)) = g.nearest_slice(p) else {
                return Err(roi_err(format!(
                    "{what}: the MR does not cover the pedicle"
                )));
            };
            let x = g.position(k)[0];
            // Where the axis crosses the slice, kept within the pedicle's middle part.
            let d = ped.direction();
            let reach = ped.posterior_length_mm - ped.cortex_mm - 3.0;
            let s = ((x - p[0]) / d[0]).clamp(-reach, 3.0);
            let centre = [x, p[1] + s * d[1], p[2]];
            let core_half_height = 0.5 * ped.isthmus_height_mm - ped.cortex_mm;
            let base = (0.6 * core_half_height, core_half_height);
            let target = Tissue::PedicleCancellous(level, side);
            let (e, raster) =
                fit_mr_ellipse(inp, k, centre, base, MR_PEDICLE_MARGIN_MM, target, &what)?;
            out.push(MrRoiTruth {
                level,
                side: Some(side),
                kind: "pedicle".into(),
                preferred: true,
                slice: slice_ref(inp.mr, k)?,
                slice_x_mm: x,
                distance_to_target_mm: offset.abs(),
                ellipse_px: e,
                ellipse_mm: ellipse_mm(g, k, &e),
                margin_mm: MR_PEDICLE_MARGIN_MM,
                expected: expectation(inp.mr, inp.anatomy, inp.mr_volume, k, &raster)?,
            });
        }
    }
    Ok(out)
}

pub(super) fn csf_rois(inp: &Inputs<'_>) -> Result<Vec<MrRoiTruth>, PhantomError> {
    let g = &inp.mr.geometry;
    let sac = inp.anatomy.dural_sac;
    let margin_mm = g.row_spacing_mm.max(g.column_spacing_mm);
    let mut out = Vec::new();
    for level in [Level::L3, Level::L2, Level::L4] {
        let what = format!("CSF {}", level.name());
        let Some(body) = inp.anatomy.body(level) else {
            return Err(PhantomError::Internal(format!("{what}: no anatomy")));
        };
        let z = body.centre_mm()[2];
        let Some((k, offset)) = g.nearest_slice([sac.centre_x_mm, sac.centre_y_mm, z]) else {
            return Err(roi_err(format!(
                "{what}: the MR does not cover the midline"
            )));
        };
        let x = g.position(k)[0];
        let centre = [x, sac.centre_y_mm, z];
        let base = (sac.semi_y_mm, 2.0 * sac.semi_y_mm);
        let (e, raster) = fit_mr_ellipse(inp, k, centre, base, margin_mm, Tissue::Csf, &what)?;
        out.push(MrRoiTruth {
            level,
            side: None,
            kind: "csf".into(),
            preferred: level == Level::L3,
            slice: slice_ref(inp.mr, k)?,
            slice_x_mm: x,
            distance_to_target_mm: offset.abs(),
            ellipse_px: e,
            ellipse_mm: ellipse_mm(g, k, &e),
            margin_mm,
            expected: expectation(inp.mr, inp.anatomy, inp.mr_volume, k, &raster)?,
        });
    }
    Ok(out)
}
