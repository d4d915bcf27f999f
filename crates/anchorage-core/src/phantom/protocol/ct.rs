//! The CT protocol ROIs: B-HU ellipses, screw trajectories and pedicle calipers.

use super::common::*;

/// Margin of the B-HU ellipses from the cortex (pixels).
const B_HU_MARGIN_PX: f64 = 2.0;
/// How far into the body (from its posterior wall, along the axis) the screw tip lies.
const TIP_FRACTION: f64 = 0.8;

pub(super) fn b_hu_rois(inp: &Inputs<'_>) -> Result<Vec<BhuRoiTruth>, PhantomError> {
    let g = &inp.ct.geometry;
    let margin_mm = B_HU_MARGIN_PX * g.row_spacing_mm.max(g.column_spacing_mm);
    let mut out = Vec::new();
    for level in Level::B_HU {
        let what = format!("B-HU {}", level.name());
        let body = inp
            .anatomy
            .body(level)
            .ok_or_else(|| PhantomError::Internal(format!("no body {}", level.name())))?;
        let core = body.core_section();
        let ((cx, cy), (a, b)) = largest_ellipse_in_section(&core, margin_mm + 0.01);
        let z_top = body.z_superior_mm - body.endplate_mm - 1.5;
        let z_bottom = body.z_inferior_mm + body.endplate_mm + 1.5;
        let z_of = |k: usize| g.position(k)[2];
        let k_sup = (0..g.slices)
            .rev()
            .find(|&k| z_of(k) <= z_top && z_of(k) >= z_bottom);
        let k_inf = (0..g.slices).find(|&k| z_of(k) >= z_bottom && z_of(k) <= z_top);
        let k_mid = g.nearest_slice([cx, cy, 0.5 * (body.z_inferior_mm + body.z_superior_mm)]);
        let (Some(k_sup), Some(k_inf), Some((k_mid, _))) = (k_sup, k_inf, k_mid) else {
            return Err(roi_err(format!("{what}: the CT does not cover the body")));
        };
        if !(k_inf < k_mid && k_mid < k_sup) {
            return Err(roi_err(format!("{what}: fewer than three distinct planes")));
        }
        for (plane, k) in [("superior", k_sup), ("mid", k_mid), ("inferior", k_inf)] {
            let z = z_of(k);
            let (pc, pr) = g.pixel_of(k, [cx, cy, z]);
            let mut e = EllipsePx {
                cx: round2(pc),
                cy: round2(pr),
                rx: floor2(a / g.column_spacing_mm),
                ry: floor2(b / g.row_spacing_mm),
                angle_deg: 0.0,
            };
            let mut placed = None;
            for _ in 0..100 {
                let centre = g.patient_of(k, e.cx, e.cy);
                let semi = (e.rx * g.column_spacing_mm, e.ry * g.row_spacing_mm);
                let fits =
                    ellipse_fits_section(&core, (centre[0], centre[1]), semi, margin_mm, 7200);
                let raster = rasterise_checked(&RoiPx::Ellipse(e), g, &what)?;
                if fits && raster.boundary_gap_px > MIN_BOUNDARY_GAP_PX {
                    placed = Some(raster);
                    break;
                }
                e.rx -= 0.01;
                e.ry -= 0.01;
            }
            let raster = placed.ok_or_else(|| roi_err(format!("{what}: no ellipse fits")))?;
            let target = Tissue::BodyCancellous(level);
            check_labels(inp.ct_volume, k, &raster, B_HU_MARGIN_PX, target, &what)?;
            out.push(BhuRoiTruth {
                level,
                plane: plane.into(),
                slice: slice_ref(inp.ct, k)?,
                slice_z_mm: z,
                ellipse_px: e,
                ellipse_mm: ellipse_mm(g, k, &e),
                margin_px: B_HU_MARGIN_PX,
                expected: expectation(inp.ct, inp.anatomy, inp.ct_volume, k, &raster)?,
            });
        }
    }
    Ok(out)
}

pub(super) fn screw_rois(
    inp: &Inputs<'_>,
) -> Result<(Vec<TrajectoryRoiTruth>, Vec<CaliperTruth>), PhantomError> {
    let g = &inp.ct.geometry;
    if (g.row_spacing_mm - g.column_spacing_mm).abs() > 1e-12 {
        return Err(roi_err("trajectory widths need square CT pixels".into()));
    }
    let mut trajectories = Vec::new();
    let mut calipers = Vec::new();
    for level in Level::SCREWED {
        for side in Side::BOTH {
            let what = format!("screw {} {}", level.name(), side.code());
            let (Some(ped), Some(body)) =
                (inp.anatomy.pedicle(level, side), inp.anatomy.body(level))
            else {
                return Err(PhantomError::Internal(format!("{what}: no anatomy")));
            };
            let p = ped.isthmus_centre_mm;
            let Some((k, _)) = g.nearest_slice(p) else {
                return Err(roi_err(format!(
                    "{what}: the CT does not cover the pedicle"
                )));
            };
            let z = g.position(k)[2];
            let offset = z - p[2];
            let d = ped.direction();
            let Some((s_in, s_out)) = body.section.chord(p, d) else {
                return Err(PhantomError::Internal(format!(
                    "{what}: axis misses the body"
                )));
            };
            let s_tip = s_in + TIP_FRACTION * (s_out - s_in);
            let entry = ped.entry_point_mm();
            let tip = [p[0] + s_tip * d[0], p[1] + s_tip * d[1], z];
            let (x0, y0) = g.pixel_of(k, [entry[0], entry[1], z]);
            let (x1, y1) = g.pixel_of(k, tip);
            let diameter = screw_diameter_mm(level);
            let mut t = TrajectoryPx {
                x0: round2(x0),
                y0: round2(y0),
                x1: round2(x1),
                y1: round2(y1),
                width: diameter / g.column_spacing_mm,
            };
            let mut placed = None;
            for _ in 0..50 {
                let raster = rasterise_checked(&RoiPx::Trajectory(t), g, &what)?;
                if raster.boundary_gap_px > MIN_BOUNDARY_GAP_PX {
                    placed = Some(raster);
                    break;
                }
                t.x1 = round2(t.x1 + 0.01);
            }
            let raster = placed.ok_or_else(|| roi_err(format!("{what}: ambiguous outline")))?;
            let start = g.patient_of(k, t.x0, t.y0);
            let end = g.patient_of(k, t.x1, t.y1);
            let s_end = dot(sub(end, [p[0], p[1], z]), d);
            trajectories.push(TrajectoryRoiTruth {
                level,
                side,
                screw_diameter_mm: diameter,
                screw_length_mm: distance(start, end),
                slice: slice_ref(inp.ct, k)?,
                slice_offset_mm: offset,
                tip_fraction_of_body: (s_end - s_in) / (s_out - s_in),
                trajectory_px: t,
                trajectory_mm: TrajectoryMm {
                    start_mm: start,
                    end_mm: end,
                    width_mm: diameter,
                },
                expected: expectation(inp.ct, inp.anatomy, inp.ct_volume, k, &raster)?,
            });

            let half_h = 0.5 * ped.isthmus_height_mm;
            if offset.abs() >= half_h {
                return Err(roi_err(format!("{what}: slice misses the isthmus")));
            }
            let half = 0.5 * ped.isthmus_width_mm * (1.0 - (offset / half_h).powi(2)).sqrt();
            let e = ped.lateral();
            let start_mm = [p[0] - half * e[0], p[1] - half * e[1], z];
            let end_mm = [p[0] + half * e[0], p[1] + half * e[1], z];
            let (sc, sr) = g.pixel_of(k, start_mm);
            let (ec, er) = g.pixel_of(k, end_mm);
            if !(g.contains_pixel(sc, sr) && g.contains_pixel(ec, er)) {
                return Err(roi_err(format!("{what}: caliper outside the image")));
            }
            calipers.push(CaliperTruth {
                level,
                side,
                slice: slice_ref(inp.ct, k)?,
                slice_offset_mm: offset,
                start_px: [sc, sr],
                end_px: [ec, er],
                start_mm,
                end_mm,
                thickness_mm: distance(start_mm, end_mm),
                isthmus_width_mm: ped.isthmus_width_mm,
            });
        }
    }
    Ok((trajectories, calipers))
}
