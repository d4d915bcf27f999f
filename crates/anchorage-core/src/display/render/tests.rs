//! Unit tests of the parent module.

use super::*;
use crate::geometry::ImagePlane;
use ndarray::Array3;

fn volume(voxels: Voxels, normal: Vec3) -> Volume {
    let nz = match &voxels {
        Voxels::Scaled { raw, .. } => raw.dim().0,
        Voxels::Float(v) => v.dim().0,
    };
    let plane = |z: usize| ImagePlane {
        origin_mm: [0.0, 0.0, z as f64 * 2.0],
        row_dir: [1.0, 0.0, 0.0],
        col_dir: [0.0, 1.0, 0.0],
        row_spacing_mm: 0.5,
        col_spacing_mm: 0.7,
    };
    Volume {
        voxels,
        planes: (0..nz).map(plane).collect(),
        sop_instance_uids: (0..nz).map(|z| format!("1.{z}")).collect(),
        frames: vec![0; nz],
        slice_spacing_mm: 2.0,
        normal,
    }
}

fn ramp(nz: usize, ny: usize, nx: usize) -> Volume {
    let raw = Array3::from_shape_fn((nz, ny, nx), |(z, r, c)| (z * 100 + r * 10 + c) as i16);
    let map = RawMapping {
        slope: 1.0,
        offset: 0.0,
        shift: 0,
        padding: Some((0, 0)),
    };
    volume(Voxels::Scaled { raw, map }, [0.0, 0.0, 1.0])
}

#[test]
fn window_maps_linearly_and_clamps() {
    let w = WindowLevel::new(100.0, 200.0);
    assert_eq!(w.grey(0.0), 0);
    assert_eq!(w.grey(-50.0), 0);
    assert_eq!(w.grey(200.0), 255);
    assert_eq!(w.grey(100.0), 128);
    assert_eq!(w.grey(f64::NAN), 0);
    assert_eq!(WindowLevel::new(0.0, -5.0).width, WindowLevel::MIN_WIDTH);
}

#[test]
fn lut_agrees_with_window_and_blacks_padding() {
    let map = RawMapping {
        slope: 2.0,
        offset: -1024.0,
        shift: 0,
        padding: Some((-2000, -2000)),
    };
    let w = WindowLevel::new(40.0, 400.0);
    let lut = Lut::new(&map, w, false);
    for raw in [-32768i16, -2000, 0, 400, 532, 600, 32767] {
        let expect = if raw == -2000 {
            0
        } else {
            w.grey(map.value(raw))
        };
        assert_eq!(lut.get(raw), expect, "raw {raw}");
    }
    let inv = Lut::new(&map, w, true);
    assert_eq!(inv.get(0), 255 - w.grey(map.value(0)));
    assert_eq!(inv.get(-2000), 0, "padding stays black when inverted");
}

#[test]
fn native_slice_and_both_reformats() {
    let v = ramp(3, 4, 5);
    let w = WindowLevel::new(127.5, 255.0); // value v → grey v for 0..=255
    let g = CutGeometry::new(&v, Cut::Slice);
    assert_eq!((g.width, g.height, g.count), (5, 4, 3));
    assert_eq!(g.spacing_mm, [0.7, 0.5]);
    let img = render_cut(&v, &g, 1, w, false, None);
    assert_eq!(img.pixels[0], 100);
    assert_eq!(img.pixels[5 + 2], 112); // row 1, column 2

    // Fixed row 2: columns across, slices down with the highest slice (superior) on top.
    let g = CutGeometry::new(&v, Cut::Row);
    assert_eq!((g.width, g.height, g.count, g.flip), (5, 3, 4, true));
    assert_eq!(g.spacing_mm, [0.7, 2.0]);
    assert_eq!(g.down, [0.0, 0.0, -1.0]);
    let img = render_cut(&v, &g, 2, w, false, None);
    assert_eq!(&img.pixels[0..5], &[220, 221, 222, 223, 224]);
    assert_eq!(img.pixels[2 * 5 + 4], 24);

    // Fixed column 3: rows across.
    let g = CutGeometry::new(&v, Cut::Column);
    assert_eq!((g.width, g.height, g.count), (4, 3, 5));
    assert_eq!(g.spacing_mm, [0.5, 2.0]);
    let img = render_cut(&v, &g, 3, w, false, None);
    assert_eq!(&img.pixels[0..4], &[203, 213, 223, 233]);
    // Padding (raw 0 at z=r=c=0) is black.
    let img = render_cut(&v, &CutGeometry::new(&v, Cut::Slice), 0, w, true, None);
    assert_eq!(img.pixels[0], 0);
    assert_eq!(img.pixels[1], 254);
}

#[test]
fn voxel_mapping_round_trips() {
    let v = ramp(6, 4, 5);
    for cut in Cut::ALL {
        let g = CutGeometry::new(&v, cut);
        let p = [4.0, 2.0, 3.0];
        let (x, y, i) = g.from_voxel(p);
        assert_eq!(g.to_voxel(i as usize, x, y), p, "{cut:?}");
    }
}

#[test]
fn float_volume_and_out_of_range() {
    let vals = Array3::from_shape_fn((2, 2, 2), |(z, r, c)| {
        if (z, r, c) == (0, 0, 0) {
            f32::NAN
        } else {
            (z * 4 + r * 2 + c) as f32 * 10.0
        }
    });
    let v = volume(Voxels::Float(vals), [0.0, 0.0, 1.0]);
    let w = WindowLevel::new(127.5, 255.0);
    let g = CutGeometry::new(&v, Cut::Slice);
    let img = render_cut(&v, &g, 0, w, false, None);
    assert_eq!(img.pixels, vec![0, 10, 20, 30]);
    let img = render_cut(&v, &g, 9, w, false, None);
    assert_eq!(img.pixels, vec![0; 4]);
}

#[test]
fn percentiles_and_presets() {
    let raw = Array3::from_shape_fn((1, 10, 10), |(_, r, c)| (r * 10 + c) as i16);
    let map = RawMapping {
        slope: 1.0,
        offset: 0.0,
        shift: 0,
        padding: None,
    };
    let v = volume(Voxels::Scaled { raw, map }, [0.0, 0.0, 1.0]);
    let w = percentile_window(&v, 10.0, 90.0).unwrap();
    // Nearest rank: the 10th and 90th of the values 0..=99.
    assert_eq!((w.centre, w.width), (49.0, 80.0));
    let h = histogram_window(&v).unwrap();
    assert_eq!((h.centre, h.width), (49.0, 98.0));
    assert_eq!(
        WindowPreset::Auto.window(Some((30.0, 60.0)), Some(h)),
        Some(WindowLevel::new(30.0, 60.0))
    );
    assert_eq!(WindowPreset::Auto.window(None, Some(h)), Some(h));
    assert_eq!(
        WindowPreset::CtBone.window(None, None),
        Some(WindowLevel::new(400.0, 1800.0))
    );
}

#[test]
fn thumbnail_keeps_aspect_and_averages() {
    let img = GreyImage {
        width: 4,
        height: 2,
        pixels: vec![0, 100, 200, 200, 0, 100, 200, 200],
    };
    let t = thumbnail(&img, 2, 1.0);
    assert_eq!((t.width, t.height), (2, 1));
    assert_eq!(t.pixels, vec![50, 200]);
    let t = thumbnail(&img, 4, 2.0);
    assert_eq!((t.width, t.height), (4, 4));
}
