//! The exported PNG as a key image (issue 21): at scale 1 the image's native size (and
//! native × scale when enlarged), each ROI's label beside it in the ROI's colour, a scale
//! bar as long in pixels as its stated mm over the pixel spacing, in the core and through
//! the window's export panel.

mod common;

use std::path::Path;

use anchorage_core::dicom::series::{Series, scan};
use anchorage_core::dicom::volume::{LoadControl, Volume, load};
use anchorage_core::display::annotate::SCALE_BAR_RGB;
use anchorage_core::display::render::WindowPreset;
use anchorage_core::display::snapshot::{Caption, KeyImage, Outline, Rgb, key_image, render};
use anchorage_core::measure::{find_slice, measure_roi};
use anchorage_core::session::{Roi, Session};
use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The sample's CT series and volume.
fn ct() -> (Series, Volume) {
    let report = scan(&sample().join("ct")).expect("scan the sample CT");
    let series = report.series.into_iter().next().expect("one series");
    let volume = load(&series, &LoadControl::default()).expect("load the sample CT");
    (series, volume)
}

/// Distinct colours, one per ROI.
const COLOURS: [[u8; 3]; 6] = [
    [255, 40, 40],
    [40, 255, 40],
    [60, 120, 255],
    [255, 40, 255],
    [40, 255, 255],
    [255, 140, 0],
];

/// The slice of the CT that holds most of the example session's ROIs, and those ROIs.
fn rois_on_a_slice(volume: &Volume, series: &Series) -> (usize, Vec<Roi>) {
    let s = Session::load(&sample().join("example-session.json")).expect("example");
    let on = |r: &Roi| {
        (r.series_uid == series.uid)
            .then(|| find_slice(volume, &r.sop_instance_uid, r.frame))
            .flatten()
    };
    let mut slices: Vec<usize> = s.rois.iter().filter_map(on).collect();
    slices.sort_unstable();
    let slice = slices
        .iter()
        .copied()
        .max_by_key(|k| slices.iter().filter(|x| *x == k).count())
        .expect("ROIs on the CT");
    let rois: Vec<Roi> = s
        .rois
        .iter()
        .filter(|r| on(r) == Some(slice))
        .cloned()
        .collect();
    (slice, rois)
}

fn outlines<'a>(rois: &'a [Roi], volume: &Volume) -> Vec<Outline<'a>> {
    rois.iter()
        .zip(COLOURS.iter().cycle())
        .map(|(roi, rgb)| {
            let m = measure_roi(roi, volume).expect("measured");
            let mut label = vec![format!("ROI #{}", roi.id)];
            if let Some(s) = &m.stats {
                label.push(format!("mean {:.1} HU", s.mean.unwrap_or(f64::NAN)));
                label.push(format!("area {:.2} mm²", s.area_mm2));
            }
            if let Some(l) = m.length_mm {
                label.push(format!("length {l:.2} mm"));
            }
            Outline {
                roi,
                rgb: *rgb,
                label,
            }
        })
        .collect()
}

/// Pixels of `img` within `r` of the hue of `rgb` (one of `COLOURS`): its bright channels
/// at least 100 and its dark ones at least 60 under them, as anti-aliased text on the
/// label's dark box is.
fn count_colour(img: &Rgb, r: anchorage_core::display::annotate::PixelRect, rgb: [u8; 3]) -> usize {
    let mut n = 0;
    for y in r.y0..r.y1 {
        for x in r.x0..r.x1 {
            let Some(p) = img.get(x, y) else {
                continue;
            };
            let high = (0..3).filter(|&c| rgb[c] > 128).map(|c| p[c]).min();
            let low = (0..3).filter(|&c| rgb[c] <= 128).map(|c| p[c]).max();
            if let (Some(h), Some(l)) = (high, low)
                && h >= 100
                && l as u16 + 60 <= h as u16
            {
                n += 1;
            }
        }
    }
    n
}

/// The longest horizontal run of exactly `rgb`.
fn longest_run(img: &Rgb, rgb: [u8; 3]) -> i64 {
    let mut best = 0;
    for y in 0..img.height as i64 {
        let mut run = 0;
        for x in 0..img.width as i64 {
            if img.get(x, y) == Some(rgb) {
                run += 1;
                best = best.max(run);
            } else {
                run = 0;
            }
        }
    }
    best
}

fn annotated(
    volume: &Volume,
    series: &Series,
    slice: usize,
    rois: &[Roi],
    scale: usize,
) -> KeyImage {
    let o = outlines(rois, volume);
    let caption = Caption::of(series, None, slice);
    key_image(volume, slice, WindowPreset::CT_BONE, &o, &caption, scale).expect("key image")
}

#[test]
fn the_key_image_has_native_size_labels_beside_each_roi_and_a_true_scale_bar() {
    let (series, volume) = ct();
    let (_, rows, cols) = volume.dims();
    let (slice, rois) = rois_on_a_slice(&volume, &series);
    assert!(rois.len() >= 2, "{} ROI(s) on the slice", rois.len());
    let spacing = volume.planes[slice].col_spacing_mm;
    for scale in [1usize, 2] {
        let k = annotated(&volume, &series, slice, &rois, scale);
        if let Ok(dir) = std::env::var("ANCHORAGE_KEY_IMAGE_DIR") {
            let png = k.image.to_png().expect("png");
            std::fs::write(Path::new(&dir).join(format!("key-image-x{scale}.png")), png)
                .expect("write");
        }
        assert_eq!(
            (k.image.width, k.image.height),
            (cols * scale, rows * scale),
            "native size × {scale}"
        );
        // One label per ROI, beside it: not on it, at most a few pixels away sideways,
        // and drawn in the ROI's colour (pixels the plain picture does not have there).
        let plain = render(
            &volume,
            slice,
            WindowPreset::CT_BONE,
            &outlines(&rois, &volume),
            scale,
        )
        .expect("plain");
        assert_eq!(k.labels.len(), rois.len(), "a label for every ROI");
        for (i, (id, roi_box, label_box)) in k.labels.iter().enumerate() {
            assert!(!roi_box.overlaps(label_box), "ROI #{id}'s label covers it");
            let gap = (label_box.x0 - roi_box.x1).max(roi_box.x0 - label_box.x1);
            assert!(
                (0..=8 * scale as i64).contains(&gap),
                "ROI #{id}: label {gap} px from it ({roi_box:?}, {label_box:?})"
            );
            let rgb = COLOURS[i % COLOURS.len()];
            let added = count_colour(&k.image, *label_box, rgb)
                .saturating_sub(count_colour(&plain, *label_box, rgb));
            assert!(added >= 15, "ROI #{id}: {added} label pixels in its colour");
            for (_, _, other) in &k.labels[i + 1..] {
                assert!(!label_box.overlaps(other), "labels overlap");
            }
        }
        // The scale bar: its pixels as long as its stated mm over the pixel spacing.
        let bar = k.scale_bar.expect("a scale bar");
        let expected = bar.mm * scale as f64 / spacing;
        let measured = longest_run(&k.image, SCALE_BAR_RGB) as f64;
        assert!(
            (measured - expected).abs() <= 1.0,
            "scale bar of {} mm: {measured} px, expected {expected:.1} px (spacing {spacing} mm, × {scale})",
            bar.mm
        );
    }
}

/// The PNG written by the window's export panel, decoded.
/// The `k`-th text field of the window.
fn field<'a>(h: &'a Harness<'_, anchorage_app::App>, k: usize) -> egui_kittest::Node<'a> {
    h.get_all_by_role(egui::accesskit::Role::TextInput)
        .nth(k)
        .expect("text field")
}

fn decode(path: &Path) -> image::RgbImage {
    image::open(path).expect("a PNG").to_rgb8()
}

#[test]
fn the_window_exports_the_key_image_at_native_size_or_enlarged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let s = Session::load(&sample().join("example-session.json")).expect("example");
    s.save(&study.join("anchorage-session.json")).expect("save");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let mut h = harness(&dir.path().join("config"), &study);
    wait_for(&mut h, "both series", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    settle(&mut h);
    let (_, rows, cols) = h.state().volume().expect("volume").dims();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Export")
        .click();
    settle(&mut h);
    // The folder is the panel's first text field (the rater's follows).
    let folder = || egui::accesskit::Role::TextInput;
    h.get_all_by_role(folder())
        .next()
        .expect("folder field")
        .click();
    h.step();
    h.get_all_by_role(folder())
        .next()
        .expect("folder field")
        .type_text(&out.display().to_string());
    settle(&mut h);
    h.get_by_label("Export PNG").click();
    settle(&mut h);
    let written = match h.state().last_export() {
        Some(Ok(p)) => p.clone(),
        other => panic!("export: {other:?}"),
    };
    // Automatic: the small phantom enlarged to at least 512 pixels wide.
    let k = 512usize.div_ceil(cols).min(4);
    let img = decode(&written);
    assert_eq!(
        (img.width() as usize, img.height() as usize),
        (cols * k, rows * k)
    );
    // Native size, chosen in the panel.
    h.get_by_label("PNG size").click();
    settle(&mut h);
    h.get_by_label("native").click();
    settle(&mut h);
    h.get_by_label("Export PNG").click();
    settle(&mut h);
    let img = decode(&written);
    assert_eq!((img.width() as usize, img.height() as usize), (cols, rows));
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
}

#[test]
fn the_window_saves_the_sr_that_anchorage_sr_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let s = Session::load(&sample().join("example-session.json")).expect("example");
    s.save(&study.join("anchorage-session.json")).expect("save");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let mut h = harness(&dir.path().join("config"), &study);
    wait_for(&mut h, "both series", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    settle(&mut h);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Export")
        .click();
    settle(&mut h);
    field(&h, 0).click();
    h.step();
    field(&h, 0).type_text(&out.display().to_string());
    settle(&mut h);
    field(&h, 1).click();
    h.step();
    field(&h, 1).type_text("Rater^Bob");
    settle(&mut h);
    h.get_by_label("Save SR…").click();
    settle(&mut h);
    let written = match h.state().last_export() {
        Some(Ok(p)) => p.clone(),
        other => panic!("export: {other:?}"),
    };
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
    let obj = dicom::object::open_file(&written).expect("a DICOM file");
    let class = obj
        .element(dicom::dictionary_std::tags::SOP_CLASS_UID)
        .expect("SOPClassUID")
        .to_str()
        .expect("text")
        .trim_end_matches('\0')
        .to_string();
    assert_eq!(class, anchorage_core::dicom::sr::COMPREHENSIVE_SR);
    // It reads back into the session the window had open.
    let back = anchorage_core::dicom::sr::import_sr(&written, &study, None).expect("import");
    assert_eq!(back.session.rois, s.rois);
    assert!(
        std::fs::read(&written)
            .expect("read")
            .windows(9)
            .any(|w| w == b"Rater^Bob")
    );

    // Opening the SR in the window recreates the session beside it (its images are found
    // in the folder above) and opens it with the same ROIs.
    h.state_mut()
        .handle(anchorage_app::action::Action::Open(written.clone()));
    wait_for(&mut h, "the SR's session", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    settle(&mut h);
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
    let recreated = out.join("ANCH-0001-report-session.json");
    assert!(recreated.is_file(), "{} is written", recreated.display());
    assert_eq!(
        h.state().session_path(),
        Some(recreated.as_path()),
        "and opened"
    );
    assert!(h.state().note().is_some_and(|n| n.contains("recreated")));
    // The recreated session names the copied study's series, not the sample's.
    let series = &h.state().session().series;
    assert!(!series.is_empty());
    for sr in series {
        let p = if sr.path.is_absolute() {
            sr.path.clone()
        } else {
            out.join(&sr.path)
        };
        assert!(
            std::fs::canonicalize(&p)
                .is_ok_and(|p| p.starts_with(std::fs::canonicalize(&study).unwrap())),
            "{} is in the study copy",
            p.display()
        );
    }
    assert_eq!(h.state().session().rois, s.rois);
    assert_eq!(h.state().session().screws, s.screws);
    // A second opening never overwrites the first recreated session.
    h.state_mut()
        .handle(anchorage_app::action::Action::Open(written.clone()));
    wait_for(&mut h, "the SR's session again", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    assert!(out.join("ANCH-0001-report-session-2.json").is_file());
}
