//! What every view of a frame shares: the data shown ([`Shown`]: series, volume, window,
//! session) and the mapping between image pixels and screen points ([`Transform`]). The
//! viewer lays out the views; the tools and the overlay draw on them.

use egui::{Pos2, Rect};

use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::display::render::WindowLevel;
use anchorage_core::geometry::ImagePlane;
use anchorage_core::measure::edit::{self, PlaneMm};
use anchorage_core::session::Session;

/// What the views show this frame.
pub struct Shown<'a> {
    /// The series.
    pub series: &'a Series,
    /// Its volume, or a one-slice volume while it loads.
    pub volume: &'a Volume,
    /// Changes whenever `volume` is replaced (texture cache key).
    pub volume_id: u64,
    /// `Some(k)` while only slice `k` is decoded (`volume` then holds that slice alone).
    pub preview: Option<usize>,
    /// The window.
    pub window: WindowLevel,
    /// The measurements.
    pub session: &'a Session,
    /// The protocol proposed at once, when there is one: its waiting proposals are
    /// marked on the views that show the spine lengthwise.
    pub protocol: Option<&'a crate::protocol_queue::ProtocolQueue>,
}

/// Maps image pixels (centres at whole numbers) to screen points and back.
#[derive(Debug, Clone, Copy)]
pub struct Transform {
    /// Where the whole image is drawn.
    pub image_rect: Rect,
    /// Image width, pixels.
    pub width: usize,
    /// Image height, pixels.
    pub height: usize,
}

impl Transform {
    /// Screen position of image position (x, y).
    pub fn to_screen(&self, x: f64, y: f64) -> Pos2 {
        let r = self.image_rect;
        Pos2::new(
            r.min.x + ((x + 0.5) / self.width.max(1) as f64) as f32 * r.width(),
            r.min.y + ((y + 0.5) / self.height.max(1) as f64) as f32 * r.height(),
        )
    }

    /// Image position of a screen point.
    pub fn to_image(&self, p: Pos2) -> (f64, f64) {
        let r = self.image_rect;
        (
            ((p.x - r.min.x) / r.width().max(1e-6)) as f64 * self.width as f64 - 0.5,
            ((p.y - r.min.y) / r.height().max(1e-6)) as f64 * self.height as f64 - 0.5,
        )
    }

    /// Screen points per plane millimetre on this view (along the columns).
    pub fn px_per_mm(&self, plane: &ImagePlane) -> f64 {
        self.image_rect.width() as f64 / (self.width.max(1) as f64 * plane.col_spacing_mm)
    }

    /// A screen distance as plane millimetres on this view (0 on a view without a scale).
    pub fn tol_mm(&self, plane: &ImagePlane, px: f32) -> f64 {
        let s = self.px_per_mm(plane);
        if s.is_finite() && s > 0.0 {
            px as f64 / s
        } else {
            0.0
        }
    }

    /// Screen position of an in-plane millimetre position ([`edit`]'s coordinates).
    pub fn mm_to_screen(&self, plane: &ImagePlane, q: PlaneMm) -> Pos2 {
        let (x, y) = edit::mm_to_pixel(plane, q);
        self.to_screen(x, y)
    }

    /// In-plane millimetre position of a screen point.
    pub fn screen_to_mm(&self, plane: &ImagePlane, p: Pos2) -> PlaneMm {
        let (x, y) = self.to_image(p);
        edit::pixel_to_mm(plane, x, y)
    }
}

/// The window's panel sizes for a window of a given size, points: what the panels start
/// at (the user may resize them; their content then scrolls, it never grows them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// The series browser's width.
    pub left: f32,
    /// The protocol and ROI panel's width.
    pub right: f32,
    /// The results and tabs panel's height.
    pub bottom: f32,
}

impl Layout {
    /// Sizes that leave the image views at least about half the window's width and 55 % of
    /// its height, from 1280 × 800 up.
    pub fn for_window(width: f32, height: f32) -> Layout {
        Layout {
            left: (width * 0.15).clamp(170.0, 260.0),
            right: (width * 0.24).clamp(280.0, 380.0),
            bottom: (height * 0.33).clamp(180.0, 380.0),
        }
    }
}
