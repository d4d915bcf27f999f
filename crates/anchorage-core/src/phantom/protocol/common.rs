//! What the protocol placement shares between the CT, MR and results steps: the inputs,
//! rounding, slice references, expectations, rasterisation checks and the truth's series
//! and level sections.

pub(super) use std::collections::BTreeMap;

pub(super) use super::super::anatomy::{Anatomy, Level, Side, Tissue};
pub(super) use super::super::fit::{
    Plane, ellipse_fits_section, largest_ellipse_in_section, largest_scale, ring_in_tissue,
};
pub(super) use super::super::geometry::{SeriesGeometry, TruthVolume, distance, dot, sub};
pub(super) use super::super::options::{
    PHANTOM_VERSION, PhantomError, PhantomOptions, screw_diameter_mm,
};
pub(super) use super::super::roi::{EllipsePx, Raster, RoiPx, TrajectoryPx, rasterise};
pub(super) use super::super::series::{Identity, SeriesPlan};
pub(super) use super::super::truth::*;

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
pub(super) const MIN_BOUNDARY_GAP_PX: f64 = 1e-4;

pub(super) fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub(super) fn floor2(v: f64) -> f64 {
    (v * 100.0 + 1e-9).floor() / 100.0
}

pub(super) fn roi_err(what: String) -> PhantomError {
    PhantomError::Roi(what)
}

pub(super) fn conventions() -> Conventions {
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

pub(super) fn series_truth(plan: &SeriesPlan) -> SeriesTruth {
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

pub(super) fn level_truths(anatomy: &Anatomy) -> Result<Vec<LevelTruth>, PhantomError> {
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

pub(super) fn slice_ref(plan: &SeriesPlan, k: usize) -> Result<SliceRef, PhantomError> {
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
pub(super) fn expectation(
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
        // The partial-volume value where the volume has one (integers), else the tissue's.
        let v = match volume.value(k, r, c) {
            Some(v) => v as i64,
            None => i64::from(plan.tissue_value(anatomy, tissue).ok_or_else(|| {
                PhantomError::Internal(format!("no value for {}", tissue.name()))
            })?),
        };
        values.push(v);
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

pub(super) fn ellipse_mm(g: &SeriesGeometry, k: usize, e: &EllipsePx) -> EllipseMm {
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
pub(super) fn check_labels(
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

pub(super) fn rasterise_checked(
    roi: &RoiPx,
    g: &SeriesGeometry,
    what: &str,
) -> Result<Raster, PhantomError> {
    rasterise(roi, g.rows, g.columns).map_err(|e| roi_err(format!("{what}: {e}")))
}
