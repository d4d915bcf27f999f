//! A picture of one native slice with its ROIs: the slice's pixels through a window, the
//! outline of every ROI drawn on it (ellipses and trajectories by their member pixels'
//! border, calipers as lines), enlarged by a whole factor, as PNG bytes. The workstation
//! exports it as the "view snapshot"; it needs no GPU and is the same on every machine.

use crate::dicom::volume::Volume;
use crate::display::render::WindowLevel;
use crate::measure::{area_shape, find_slice};
use crate::session::{Roi, RoiKind};

/// An ROI to draw and its colour.
pub struct Outline<'a> {
    /// The ROI.
    pub roi: &'a Roi,
    /// RGB colour.
    pub rgb: [u8; 3],
}

/// An RGB picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Rgb {
    /// Width, pixels.
    pub width: usize,
    /// Height, pixels.
    pub height: usize,
    /// Row-major RGB bytes.
    pub pixels: Vec<u8>,
}

impl Rgb {
    fn put(&mut self, x: i64, y: i64, rgb: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            let i = (y as usize * self.width + x as usize) * 3;
            if let Some(p) = self.pixels.get_mut(i..i + 3) {
                p.copy_from_slice(&rgb);
            }
        }
    }

    /// The picture as PNG bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, String> {
        let img =
            image::RgbImage::from_raw(self.width as u32, self.height as u32, self.pixels.clone())
                .ok_or("the picture's size does not match its pixels")?;
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| format!("cannot encode the PNG: {e}"))?;
        Ok(out.into_inner())
    }
}

/// Renders slice `slice` of `volume` through `window`, `scale` times enlarged, with the
/// outlines of the ROIs drawn on that image (ROIs of other images are skipped).
pub fn render(
    volume: &Volume,
    slice: usize,
    window: WindowLevel,
    outlines: &[Outline],
    scale: usize,
) -> Option<Rgb> {
    let (_, rows, cols) = volume.dims();
    let plane = volume.planes.get(slice)?;
    let s = scale.max(1);
    let mut img = Rgb {
        width: cols * s,
        height: rows * s,
        pixels: vec![0; cols * rows * s * s * 3],
    };
    for y in 0..img.height {
        for x in 0..img.width {
            let g = window.grey(volume.value(slice, y / s, x / s).unwrap_or(f64::NAN));
            img.put(x as i64, y as i64, [g, g, g]);
        }
    }
    for o in outlines {
        if find_slice(volume, &o.roi.sop_instance_uid, o.roi.frame) != Some(slice) {
            continue;
        }
        if o.roi.kind == RoiKind::Caliper {
            let pts: Vec<(f64, f64)> = o
                .roi
                .points_mm
                .iter()
                .map(|p| {
                    let (c, r, _) = plane.patient_to_pixel(*p);
                    (c, r)
                })
                .collect();
            if let [a, b] = pts.as_slice() {
                let n = (((b.0 - a.0).hypot(b.1 - a.1)) * s as f64 * 2.0)
                    .ceil()
                    .max(1.0) as usize;
                for i in 0..=n {
                    let t = i as f64 / n as f64;
                    let (c, r) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                    img.put(
                        ((c + 0.5) * s as f64) as i64,
                        ((r + 0.5) * s as f64) as i64,
                        o.rgb,
                    );
                }
            }
            continue;
        }
        let Ok((shape, _)) = area_shape(o.roi, plane) else {
            continue;
        };
        // Sub-pixels of the enlarged picture whose centre is inside, bordering one outside.
        let inside = |x: i64, y: i64| {
            let c = (x as f64 + 0.5) / s as f64 - 0.5;
            let r = (y as f64 + 0.5) / s as f64 - 0.5;
            shape.contains(c * plane.col_spacing_mm, r * plane.row_spacing_mm)
        };
        for y in 0..img.height as i64 {
            for x in 0..img.width as i64 {
                if inside(x, y)
                    && (!inside(x - 1, y)
                        || !inside(x + 1, y)
                        || !inside(x, y - 1)
                        || !inside(x, y + 1))
                {
                    img.put(x, y, o.rgb);
                }
            }
        }
    }
    Some(img)
}
