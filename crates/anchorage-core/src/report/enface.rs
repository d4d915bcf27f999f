//! Each screw's en-face view at its pedicle's isthmus, for the report's key images: the
//! plane perpendicular to the planned screw at the isthmus depth the automatic pedicle
//! measurement found ([`crate::pipeline::plans::plan_rows`], the plan stored in the
//! session or, without one, the plan proposed from the screw's trajectory or caliper),
//! rendered by [`crate::display::oblique::screw_view`] through the CT bone window with the
//! screw's circle drawn on it.

use super::types::{ImagePixels, TitledImage};
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::display::annotate::Rgb;
use crate::display::oblique::{ScrewViewKind, ViewOptions, screw_view};
use crate::display::render::WindowPreset;
use crate::pipeline::plans::{PlanSource, plan_rows};
use crate::plan::Sampler;
use crate::session::Session;

/// The screw's outline colour (as a selected ROI in the window).
const SCREW_RGB: [u8; 3] = [255, 220, 40];
/// Size of an en-face view: 160 pixels of 0.25 mm (40 mm across).
const VIEW: ViewOptions = ViewOptions {
    size_px: 160,
    pixel_mm: 0.25,
};

/// The en-face view at the isthmus of every screw whose plan could be measured, in the
/// session's screw order.
pub fn en_face_views<'a>(
    session: &Session,
    find: impl Fn(&str) -> Option<(&'a Series, &'a Volume)> + Copy,
) -> Vec<TitledImage> {
    plan_rows(session, |uid| find(uid).map(|(_, v)| v))
        .into_iter()
        .filter_map(|row| {
            let plan = row.plan.as_ref()?;
            let m = row.measurement.as_ref()?;
            let (_, volume) = find(&plan.series_uid)?;
            let sampler = Sampler::new(volume).ok()?;
            let view = screw_view(
                &sampler,
                plan,
                row.side,
                row.screw_diameter_mm,
                row.screw_length_mm,
                ScrewViewKind::EnFace {
                    depth_mm: m.isthmus_depth_mm,
                },
                VIEW,
            )
            .ok()?;
            let grey = view.to_grey(WindowPreset::CT_BONE);
            let mut rgb = Rgb {
                width: grey.width,
                height: grey.height,
                pixels: grey.pixels.iter().flat_map(|g| [*g, *g, *g]).collect(),
            };
            draw_polygon(&mut rgb, &view.outline_px, SCREW_RGB);
            let source = match row.plan_source {
                Some(PlanSource::Proposed) => " (proposed plan)",
                _ => "",
            };
            Some(TitledImage {
                title: format!(
                    "{} {} en face at the isthmus, {:.1} mm from the entry{source}: {:.2} × {:.2} mm, grade {}",
                    row.level,
                    row.side,
                    m.isthmus_depth_mm,
                    m.isthmus_width_transverse_mm,
                    m.isthmus_width_craniocaudal_mm,
                    m.breach_grade
                ),
                image: ImagePixels::Rgb(rgb),
                mm_per_px: Some(VIEW.pixel_mm),
            })
        })
        .collect()
}

/// Draws the closed polygon `points` (pixel column, row) one pixel wide.
fn draw_polygon(img: &mut Rgb, points: &[[f64; 2]], rgb: [u8; 3]) {
    let n = points.len();
    for k in 0..n {
        let (Some(a), Some(b)) = (points.get(k), points.get((k + 1) % n)) else {
            continue;
        };
        let steps = ((b[0] - a[0]).hypot(b[1] - a[1]) * 2.0).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let (x, y) = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t);
            img.put(x.round() as i64, y.round() as i64, rgb);
        }
    }
}
