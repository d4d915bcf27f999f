//! `cargo bench --bench display`: what scrolling and measuring cost on a 300 × 512 × 512 CT
//! volume, through the functions the window calls:
//!
//! - `slice_prep`: a native 512 × 512 slice through the window (`render::render_cut` with
//!   the viewer's cached `Lut`), texture upload excluded; also with a new window, when the
//!   viewer rebuilds its table first (a window/level drag).
//! - `reformat`: a sagittal (fixed column) and a coronal (fixed row) cut of the volume.
//! - `roi_stats`: the statistics of a 100 mm² ellipse (`measure::measure_roi`, as the ROI
//!   panel and the live readout do it).
//!
//! The volume is built in memory (a smooth body with noise); no file is read.

use std::hint::black_box;

use anchorage_core::dicom::volume::{RawMapping, Volume, Voxels};
use anchorage_core::display::render::{Cut, CutGeometry, Lut, WindowLevel, render_cut};
use anchorage_core::geometry::ImagePlane;
use anchorage_core::measure::{RoiTarget, measure_roi};
use anchorage_core::session::Role;
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array3;

const SLICES: usize = 300;
const SIZE: usize = 512;
const SPACING_MM: f64 = 0.7;

/// A 300 × 512 × 512 CT volume: an elliptic body of soft tissue in air, a bone disc, noise.
fn ct_volume() -> Volume {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let c = SIZE as f64 / 2.0;
    let raw = Array3::from_shape_fn((SLICES, SIZE, SIZE), |(z, r, col)| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 41) as i16 - 20;
        let (x, y) = (
            (col as f64 - c) / (0.42 * c * 2.0),
            (r as f64 - c) / (0.3 * c * 2.0),
        );
        let b = ((col as f64 - c).hypot(r as f64 - c * 1.4)) / (20.0 + (z % 30) as f64);
        let hu: i16 = if b <= 1.0 {
            700
        } else if x * x + y * y <= 1.0 {
            40
        } else {
            -1000
        };
        hu + 1024 + noise
    });
    let planes = (0..SLICES)
        .map(|z| ImagePlane {
            origin_mm: [-c * SPACING_MM, -c * SPACING_MM, z as f64],
            row_dir: [1.0, 0.0, 0.0],
            col_dir: [0.0, 1.0, 0.0],
            row_spacing_mm: SPACING_MM,
            col_spacing_mm: SPACING_MM,
        })
        .collect();
    Volume {
        voxels: Voxels::Scaled {
            raw,
            map: RawMapping {
                slope: 1.0,
                offset: -1024.0,
                shift: 0,
                padding: None,
            },
        },
        planes,
        sop_instance_uids: (0..SLICES).map(|z| format!("1.2.3.{z}")).collect(),
        frames: vec![0; SLICES],
        slice_spacing_mm: 1.0,
        normal: [0.0, 0.0, 1.0],
    }
}

fn benches(crit: &mut Criterion) {
    let volume = ct_volume();
    let Voxels::Scaled { map, .. } = &volume.voxels else {
        return;
    };
    let window = WindowLevel::new(40.0, 400.0);
    let lut = Lut::new(map, window, false);

    let axial = CutGeometry::new(&volume, Cut::Slice);
    crit.bench_function("slice_prep/axial_512x512_cached_lut", |b| {
        b.iter(|| render_cut(&volume, &axial, black_box(150), window, false, Some(&lut)))
    });
    crit.bench_function("slice_prep/axial_512x512_new_window", |b| {
        b.iter(|| {
            let w = WindowLevel::new(black_box(41.0), 400.0);
            let lut = Lut::new(map, w, false);
            render_cut(&volume, &axial, 150, w, false, Some(&lut))
        })
    });

    let sagittal = CutGeometry::new(&volume, Cut::Column);
    let coronal = CutGeometry::new(&volume, Cut::Row);
    crit.bench_function("reformat/sagittal_512x300", |b| {
        b.iter(|| {
            render_cut(
                &volume,
                &sagittal,
                black_box(256),
                window,
                false,
                Some(&lut),
            )
        })
    });
    crit.bench_function("reformat/coronal_512x300", |b| {
        b.iter(|| render_cut(&volume, &coronal, black_box(256), window, false, Some(&lut)))
    });

    // 100 mm²: a circle of radius √(100/π) ≈ 5.64 mm, on the middle slice.
    let Some(target) = RoiTarget::of_slice("1.2.3", &volume, 150) else {
        return;
    };
    let r_mm = (100.0 / std::f64::consts::PI).sqrt();
    let roi = target.ellipse(Role::BHuMid, (256.0, 300.0), r_mm, r_mm, 0.0);
    crit.bench_function("roi_stats/ellipse_100mm2", |b| {
        b.iter(|| measure_roi(black_box(&roi), &volume))
    });
}

criterion_group! {
    name = display;
    config = Criterion::default().sample_size(50);
    targets = benches
}
criterion_main!(display);
