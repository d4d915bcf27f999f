//! Places the protocol ROIs on the phantom and computes the ground truth.
//!
//! Each ROI is placed as measurements.md describes, rounded to 0.01 pixel, checked
//! analytically (margins) and on the noise-free label volume (tissues), and measured on
//! the noise-free volume with this module's own rasterisation ([`super::roi`]).

use std::collections::BTreeMap;

use super::anatomy::{Anatomy, Level, Side, Tissue};
use super::fit::{
    Plane, ellipse_fits_section, largest_ellipse_in_section, largest_scale, ring_in_tissue,
};
use super::geometry::{SeriesGeometry, TruthVolume, distance, dot, sub};
use super::roi::{EllipsePx, Raster, RoiPx, TrajectoryPx, rasterise};
use super::series::{Identity, SeriesPlan};
use super::truth::*;
use super::{PHANTOM_VERSION, PhantomError, PhantomOptions, screw_diameter_mm};

/// Everything the truth is computed from.
pub(crate) struct Inputs<'a> {
    pub opts: &'a PhantomOptions,
    pub anatomy: &'a Anatomy,
    pub identity: &'a Identity,
    pub ct: &'a SeriesPlan,
    pub mr: &'a SeriesPlan,
    pub ct_volume: &'a TruthVolume,
    pub mr_volume: &'a TruthVolume,
}

/// Smallest accepted distance between a pixel centre and an ROI's outline (pixels).
const MIN_BOUNDARY_GAP_PX: f64 = 1e-4;
/// Margin of the B-HU ellipses from the cortex (pixels).
const B_HU_MARGIN_PX: f64 = 2.0;
/// Margin of the MR pedicle ellipses from the cortex (mm).
const MR_PEDICLE_MARGIN_MM: f64 = 1.0;
/// How far into the body (from its posterior wall, along the axis) the screw tip lies.
const TIP_FRACTION: f64 = 0.8;

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn floor2(v: f64) -> f64 {
    (v * 100.0 + 1e-9).floor() / 100.0
}

fn roi_err(what: String) -> PhantomError {
    PhantomError::Roi(what)
}

/// Builds the whole ground-truth document.
pub(crate) fn build(inp: &Inputs<'_>) -> Result<GroundTruth, PhantomError> {
    let b_hu = b_hu_rois(inp)?;
    let (trajectories, calipers) = screw_rois(inp)?;
    let pedicles = mr_pedicle_rois(inp)?;
    let csf = csf_rois(inp)?;
    let expected = expected_results(&b_hu, &trajectories, &calipers, &pedicles, &csf)?;
    let sd = |plan: &SeriesPlan| plan.effective_sd();
    Ok(GroundTruth {
        format: TRUTH_FORMAT.into(),
        version: TRUTH_VERSION,
        generator: GeneratorTruth {
            name: "anchorage phantom".into(),
            phantom_version: PHANTOM_VERSION,
            seed: inp.opts.seed,
            preset: inp.opts.preset.clone(),
            noise: inp.opts.noise,
        },
        conventions: conventions(),
        patient: inp.identity.patient(),
        study: inp.identity.study(),
        ct: series_truth(inp.ct),
        mr: series_truth(inp.mr),
        noise: NoiseTruth {
            enabled: inp.opts.noise,
            ct_sd_hu: inp.ct.noise_sd,
            ct_effective_sd_hu: sd(inp.ct),
            mr_sd_si: inp.mr.noise_sd,
            mr_effective_sd_si: sd(inp.mr),
            notes: "Independent Gaussian noise per pixel (splitmix64 + Box-Muller, one stream \
                    per slice), added to the true value and rounded to the nearest integer; \
                    stored values are clamped to 0..4095, which only affects air."
                .into(),
        },
        tissues: inp
            .anatomy
            .tissues()
            .into_iter()
            .map(|(t, v)| TissueTruth {
                name: t.name(),
                code: t.code(),
                ct_hu: v.ct_hu,
                mr_si: v.mr_si,
            })
            .collect(),
        levels: level_truths(inp.anatomy)?,
        ct_rois: CtRoisTruth {
            b_hu,
            trajectories,
            calipers,
        },
        mr_rois: MrRoisTruth { pedicles, csf },
        expected,
    })
}

fn conventions() -> Conventions {
    Conventions {
        coordinates: "DICOM patient coordinates (LPS), mm: x to patient left, y to posterior, \
                      z to superior. CT and MR share one frame of reference."
            .into(),
        pixels: "Pixel units (column, row); the centre of the first pixel is (0, 0). \
                 PixelSpacing is [row spacing, column spacing]."
            .into(),
        slice_index: "0-based index in the series sorted by ascending position along \
                      n = row direction x column direction: CT inferior to superior; MR \
                      (n = (-1,0,0)) from patient left to right."
            .into(),
        ellipse: "Pixel (c, r) is inside when u^2/rx^2 + v^2/ry^2 <= 1, u = (c-cx)cos(a) + \
                  (r-cy)sin(a), v = -(c-cx)sin(a) + (r-cy)cos(a), a = angle_deg."
            .into(),
        trajectory: "Pixel inside when its centre's projection on the line (x0,y0)-(x1,y1) \
                     falls between the ends and its distance from the line is <= width/2."
            .into(),
        expected: "Means over exactly the member pixels of the noise-free volume; \
                   sd_of_mean = effective noise SD / sqrt(n)."
            .into(),
    }
}

fn series_truth(plan: &SeriesPlan) -> SeriesTruth {
    let g = &plan.geometry;
    SeriesTruth {
        directory: plan.directory.clone(),
        modality: plan.modality.code().into(),
        series_instance_uid: plan.series_instance_uid.clone(),
        series_number: plan.series_number,
        series_description: plan.description.clone(),
        rows: g.rows,
        columns: g.columns,
        pixel_spacing_mm: [g.row_spacing_mm, g.column_spacing_mm],
        slice_spacing_mm: g.slice_spacing_mm,
        slice_thickness_mm: plan.slice_thickness_mm,
        count: g.slices,
        image_orientation: g.orientation(),
        slice_normal: g.normal(),
        first_position_mm: g.position(0),
        last_position_mm: g.position(g.slices.saturating_sub(1)),
        rescale_slope: plan.rescale_intercept.map(|_| 1.0),
        rescale_intercept: plan.rescale_intercept,
        bits_stored: plan.bits_stored,
        slices: plan.slices.clone(),
    }
}

fn level_truths(anatomy: &Anatomy) -> Result<Vec<LevelTruth>, PhantomError> {
    let value = |t: Tissue| {
        anatomy
            .value(t)
            .ok_or_else(|| PhantomError::Internal(format!("no value for {}", t.name())))
    };
    let mut out = Vec::new();
    for body in &anatomy.bodies {
        let tissue = Tissue::BodyCancellous(body.level);
        let v = value(tissue)?;
        let mut pedicles = Vec::new();
        for ped in anatomy.pedicles.iter().filter(|p| p.level == body.level) {
            let t = Tissue::PedicleCancellous(ped.level, ped.side);
            let pv = value(t)?;
            pedicles.push(PedicleTruth {
                side: ped.side,
                tissue: t.name(),
                cancellous_hu: pv.ct_hu,
                cancellous_mr_si: pv.mr_si,
                isthmus_centre_mm: ped.isthmus_centre_mm,
                isthmus_width_mm: ped.isthmus_width_mm,
                isthmus_height_mm: ped.isthmus_height_mm,
                cortex_mm: ped.cortex_mm,
                convergence_deg: ped.convergence_deg,
                axis_direction: ped.direction(),
                entry_point_mm: ped.entry_point_mm(),
                posterior_length_mm: ped.posterior_length_mm,
                anterior_length_mm: ped.anterior_length_mm,
            });
        }
        let s = &body.section;
        out.push(LevelTruth {
            level: body.level,
            body: BodyTruth {
                tissue: tissue.name(),
                z_inferior_mm: body.z_inferior_mm,
                z_superior_mm: body.z_superior_mm,
                centre_mm: body.centre_mm(),
                half_width_mm: s.semi_x_mm,
                depth_mm: s.max_y_mm - s.min_y_mm(),
                posterior_wall_y_mm: s.max_y_mm,
                shell_mm: body.shell_mm,
                endplate_mm: body.endplate_mm,
                cancellous_hu: v.ct_hu,
                cancellous_mr_si: v.mr_si,
            },
            pedicles,
        });
    }
    Ok(out)
}

fn slice_ref(plan: &SeriesPlan, k: usize) -> Result<SliceRef, PhantomError> {
    let s = plan
        .slices
        .get(k)
        .ok_or_else(|| PhantomError::Internal(format!("slice {k} not planned")))?;
    Ok(SliceRef {
        slice_index: k,
        sop_instance_uid: s.sop_instance_uid.clone(),
        file: s.file.clone(),
    })
}

/// Statistics of the member pixels on the noise-free volume.
fn expectation(
    plan: &SeriesPlan,
    anatomy: &Anatomy,
    volume: &TruthVolume,
    k: usize,
    raster: &Raster,
) -> Result<RoiExpectation, PhantomError> {
    let mut values = Vec::with_capacity(raster.pixels.len());
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for &(r, c) in &raster.pixels {
        let tissue = volume
            .tissue(k, r, c)
            .ok_or_else(|| PhantomError::Internal(format!("no label at {k},{r},{c}")))?;
        let v = plan
            .tissue_value(anatomy, tissue)
            .ok_or_else(|| PhantomError::Internal(format!("no value for {}", tissue.name())))?;
        values.push(i64::from(v));
        *counts.entry(tissue.name()).or_default() += 1;
    }
    let n = values.len();
    if n == 0 {
        return Err(PhantomError::Internal("an ROI holds no pixel".into()));
    }
    let sum: i64 = values.iter().sum();
    let mean = sum as f64 / n as f64;
    let ss: f64 = values.iter().map(|&v| (v as f64 - mean).powi(2)).sum();
    let noise_free_sd = (n >= 2).then(|| (ss / (n - 1) as f64).sqrt());
    let sigma = plan.effective_sd();
    let g = &plan.geometry;
    Ok(RoiExpectation {
        n,
        mean,
        sd_of_mean: sigma / (n as f64).sqrt(),
        noise_free_sd,
        expected_sd: noise_free_sd.map(|s| (s * s + sigma * sigma).sqrt()),
        min: values.iter().copied().min().unwrap_or(0) as f64,
        max: values.iter().copied().max().unwrap_or(0) as f64,
        area_mm2: n as f64 * g.row_spacing_mm * g.column_spacing_mm,
        tissue_counts: counts,
    })
}

fn ellipse_mm(g: &SeriesGeometry, k: usize, e: &EllipsePx) -> EllipseMm {
    let (s, c) = e.angle_deg.to_radians().sin_cos();
    let centre = g.patient_of(k, e.cx, e.cy);
    let rx_end = g.patient_of(k, e.cx + e.rx * c, e.cy + e.rx * s);
    let ry_end = g.patient_of(k, e.cx - e.ry * s, e.cy + e.ry * c);
    EllipseMm {
        centre_mm: centre,
        rx_end_mm: rx_end,
        ry_end_mm: ry_end,
        rx_mm: distance(centre, rx_end),
        ry_mm: distance(centre, ry_end),
    }
}

/// Checks that every member pixel, and every pixel within `margin_px` of one, has the
/// target label.
fn check_labels(
    volume: &TruthVolume,
    k: usize,
    raster: &Raster,
    margin_px: f64,
    target: Tissue,
    what: &str,
) -> Result<(), PhantomError> {
    let reach = margin_px.floor() as i64;
    for &(r, c) in &raster.pixels {
        for dr in -reach..=reach {
            for dc in -reach..=reach {
                if ((dr * dr + dc * dc) as f64) > margin_px * margin_px {
                    continue;
                }
                let (rr, cc) = (r as i64 + dr, c as i64 + dc);
                let tissue = (rr >= 0 && cc >= 0)
                    .then(|| volume.tissue(k, rr as usize, cc as usize))
                    .flatten();
                if tissue != Some(target) {
                    return Err(PhantomError::Internal(format!(
                        "{what}: pixel ({cc},{rr}) of slice {k} is {:?}, expected {}",
                        tissue.map(Tissue::name),
                        target.name()
                    )));
                }
            }
        }
    }
    Ok(())
}

fn rasterise_checked(roi: &RoiPx, g: &SeriesGeometry, what: &str) -> Result<Raster, PhantomError> {
    rasterise(roi, g.rows, g.columns).map_err(|e| roi_err(format!("{what}: {e}")))
}

fn b_hu_rois(inp: &Inputs<'_>) -> Result<Vec<BhuRoiTruth>, PhantomError> {
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

fn screw_rois(
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

fn mr_pedicle_rois(inp: &Inputs<'_>) -> Result<Vec<MrRoiTruth>, PhantomError> {
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

fn csf_rois(inp: &Inputs<'_>) -> Result<Vec<MrRoiTruth>, PhantomError> {
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

fn expected_results(
    b_hu: &[BhuRoiTruth],
    trajectories: &[TrajectoryRoiTruth],
    calipers: &[CaliperTruth],
    pedicles: &[MrRoiTruth],
    csf: &[MrRoiTruth],
) -> Result<ExpectedResults, PhantomError> {
    let missing = |what: String| PhantomError::Internal(format!("missing {what}"));

    let mut b_hu_results = Vec::new();
    for level in Level::B_HU {
        let rois: Vec<&BhuRoiTruth> = b_hu.iter().filter(|r| r.level == level).collect();
        let [sup, mid, inf] = rois.as_slice() else {
            return Err(missing(format!("B-HU ROIs of {}", level.name())));
        };
        let means = [sup.expected.mean, mid.expected.mean, inf.expected.mean];
        let var: f64 = rois.iter().map(|r| r.expected.sd_of_mean.powi(2)).sum();
        b_hu_results.push(BhuResult {
            level,
            b_hu: means.iter().sum::<f64>() / 3.0,
            roi_means: means,
            sd_of_mean: var.sqrt() / 3.0,
        });
    }
    let b_hu_of = |level: Level| {
        b_hu_results
            .iter()
            .find(|b| b.level == level)
            .map(|b| b.b_hu)
            .ok_or_else(|| missing(format!("B-HU of {}", level.name())))
    };

    let mut screws = Vec::new();
    let mut levels = Vec::new();
    for level in Level::SCREWED {
        let b = b_hu_of(level)?;
        let mut st = [0.0; 2];
        for (i, side) in Side::BOTH.into_iter().enumerate() {
            let t = trajectories
                .iter()
                .find(|t| t.level == level && t.side == side)
                .ok_or_else(|| missing(format!("trajectory {} {}", level.name(), side.code())))?;
            let c = calipers
                .iter()
                .find(|c| c.level == level && c.side == side)
                .ok_or_else(|| missing(format!("caliper {} {}", level.name(), side.code())))?;
            st[i] = t.expected.mean;
            let clearance = c.thickness_mm - t.screw_diameter_mm;
            screws.push(ScrewResult {
                level,
                side,
                screw_diameter_mm: t.screw_diameter_mm,
                screw_length_mm: t.screw_length_mm,
                st_hu: t.expected.mean,
                b_hu: b,
                b_hu_level: level,
                hu_ratio: t.expected.mean / b,
                pedicle_thickness_mm: c.thickness_mm,
                clearance_mm: clearance,
                psc_mm: clearance / 2.0,
                negative_clearance: clearance < 0.0,
            });
        }
        let st_level = 0.5 * (st[0] + st[1]);
        levels.push(LevelResult {
            level,
            st_hu_left: st[0],
            st_hu_right: st[1],
            st_hu: st_level,
            b_hu: b,
            hu_ratio: st_level / b,
        });
    }
    let patient = levels
        .iter()
        .find(|l| l.level == Level::L3)
        .map(|l| PatientHuRatio {
            level: Level::L3,
            value: l.hu_ratio,
        })
        .ok_or_else(|| missing("L3 HU ratio".into()))?;

    let mut segments = Vec::new();
    for level in Level::PBQ {
        let si = |side: Side| {
            pedicles
                .iter()
                .find(|p| p.level == level && p.side == Some(side))
                .map(|p| p.expected.mean)
                .ok_or_else(|| missing(format!("MR pedicle {} {}", level.name(), side.code())))
        };
        let (l, r) = (si(Side::Left)?, si(Side::Right)?);
        segments.push(PbqSegment {
            level,
            left_si: l,
            right_si: r,
            segmental_si: 0.5 * (l + r),
        });
    }
    let pedicle_mean = segments.iter().map(|s| s.segmental_si).sum::<f64>() / segments.len() as f64;
    let csf_l3 = csf
        .iter()
        .find(|c| c.level == Level::L3)
        .map(|c| c.expected.mean)
        .ok_or_else(|| missing("CSF L3".into()))?;
    let pbq_with_csf_level = csf
        .iter()
        .map(|c| (c.level.name().to_string(), pedicle_mean / c.expected.mean))
        .collect();
    Ok(ExpectedResults {
        b_hu: b_hu_results,
        levels,
        screws,
        patient_hu_ratio: patient,
        pbq: PbqResult {
            segments,
            pedicle_mean_si: pedicle_mean,
            csf_level: Level::L3,
            csf_si: csf_l3,
            pbq: pedicle_mean / csf_l3,
            pbq_with_csf_level,
        },
    })
}
