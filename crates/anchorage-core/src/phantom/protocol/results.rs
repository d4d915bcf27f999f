//! The expected protocol results, computed from the ROIs' noise-free means exactly as
//! measurements.md combines them.

use super::common::*;

pub(super) fn expected_results(
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
