//! The workstation window driven as a user drives it (egui_kittest, no GPU): open a study,
//! scroll slices, change the window, draw ROIs by dragging and read their statistics from
//! the screen (they must equal the core's `measure_roi`), undo, redo, delete, and see the
//! first image before a held-back series has finished loading.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anchorage_app::loader::{DicomSource, Source};
use anchorage_app::{App, Options};
use anchorage_core::dicom::error::LoadError;
use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::{LoadControl, Volume};
use anchorage_core::measure::measure_roi;
use anchorage_core::session::{RoiKind, Session};
use dicom::core::value::{C, PrimitiveValue};
use dicom::core::{DataElement, VR};
use dicom::dictionary_std::{tags, uids};
use dicom::object::{FileMetaTableBuilder, InMemDicomObject};
use egui::{Event, Key, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const ROWS: usize = 48;
const COLS: usize = 64;
const SLICES: usize = 20;

/// The stored value of the synthetic CT at (slice, row, column): a ramp with texture, so
/// ROI statistics depend on exactly which pixels are inside.
fn stored(k: usize, r: usize, c: usize) -> i16 {
    (1000 + 3 * r + 2 * c + 5 * k + (r * 7 + c * 13 + k * 3) % 17) as i16
}

/// Writes an axial CT series (48 × 64, 0.8 × 0.6 mm pixels, 2 mm apart, header window
/// C 40 / W 400) and one file that is not DICOM.
fn write_study(dir: &Path) {
    for k in 0..SLICES {
        let mut obj = InMemDicomObject::new_empty();
        let mut put = |tag, vr, v: PrimitiveValue| obj.put(DataElement::new(tag, vr, v));
        let t = |s: &str| PrimitiveValue::from(s);
        let us = |v: u16| PrimitiveValue::U16(C::from_elem(v, 1));
        let sop = format!("2.25.1234.{}", k + 1);
        put(tags::SOP_CLASS_UID, VR::UI, t(uids::CT_IMAGE_STORAGE));
        put(tags::SOP_INSTANCE_UID, VR::UI, t(&sop));
        put(tags::STUDY_DATE, VR::DA, t("20240131"));
        put(tags::MODALITY, VR::CS, t("CT"));
        put(tags::SERIES_DESCRIPTION, VR::LO, t("Test lumbar CT"));
        put(tags::PATIENT_NAME, VR::PN, t("TEST^PATIENT"));
        put(tags::PATIENT_ID, VR::LO, t("T-001"));
        put(tags::SLICE_THICKNESS, VR::DS, t("2.0"));
        put(tags::STUDY_INSTANCE_UID, VR::UI, t("2.25.1234"));
        put(tags::SERIES_INSTANCE_UID, VR::UI, t("2.25.1234.0"));
        put(tags::SERIES_NUMBER, VR::IS, t("2"));
        put(tags::INSTANCE_NUMBER, VR::IS, t(&(k + 1).to_string()));
        let z = format!("-10\\-20\\{}", 2 * k);
        put(tags::IMAGE_POSITION_PATIENT, VR::DS, t(&z));
        put(
            tags::IMAGE_ORIENTATION_PATIENT,
            VR::DS,
            t("1\\0\\0\\0\\1\\0"),
        );
        put(tags::FRAME_OF_REFERENCE_UID, VR::UI, t("2.25.1234.9"));
        put(tags::SAMPLES_PER_PIXEL, VR::US, us(1));
        put(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, t("MONOCHROME2"));
        put(tags::ROWS, VR::US, us(ROWS as u16));
        put(tags::COLUMNS, VR::US, us(COLS as u16));
        put(tags::PIXEL_SPACING, VR::DS, t("0.8\\0.6"));
        put(tags::BITS_ALLOCATED, VR::US, us(16));
        put(tags::BITS_STORED, VR::US, us(16));
        put(tags::HIGH_BIT, VR::US, us(15));
        put(tags::PIXEL_REPRESENTATION, VR::US, us(1));
        put(tags::WINDOW_CENTER, VR::DS, t("40"));
        put(tags::WINDOW_WIDTH, VR::DS, t("400"));
        put(tags::RESCALE_INTERCEPT, VR::DS, t("-1024"));
        put(tags::RESCALE_SLOPE, VR::DS, t("1"));
        let words: Vec<u16> = (0..ROWS * COLS)
            .map(|i| stored(k, i / COLS, i % COLS) as u16)
            .collect();
        put(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(C::from_vec(words)),
        );
        let meta = FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN);
        let file = obj.with_meta(meta).expect("meta");
        file.write_to_file(dir.join(format!("im{k:03}.dcm")))
            .expect("write");
    }
    std::fs::write(dir.join("notes.txt"), "not an image").expect("write");
}

struct Fixture {
    _dir: tempfile::TempDir,
    study: PathBuf,
    config: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&study).expect("mkdir");
    write_study(&study);
    Fixture {
        _dir: dir,
        study,
        config,
    }
}

fn harness<'a>(f: &Fixture, source: Arc<dyn Source>) -> Harness<'a, App> {
    let app = App::new(Options {
        config_dir: Some(f.config.clone()),
        source,
        open: Some(f.study.clone()),
        open_last: false,
    });
    Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app)
}

/// Steps frames until `done` holds (panics after 30 s).
fn wait_for(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.step();
    h.step();
}

fn loaded(h: &mut Harness<'_, App>) {
    wait_for(h, "the volume", |a| a.volume().is_some() && !a.is_busy());
}

/// Screen position of image pixel (column, row) in the native view.
fn at(h: &Harness<'_, App>, c: f64, r: f64) -> Pos2 {
    let tf = h.state().viewers().native.expect("native view drawn");
    tf.to_screen(c, r)
}

/// A drag with `button`, holding `mods` from before the press until after the release.
fn drag(h: &mut Harness<'_, App>, button: PointerButton, mods: Modifiers, from: Pos2, to: Pos2) {
    h.event(Event::PointerMoved(from));
    h.event(Event::ModifiersChanged(mods));
    h.event(Event::PointerButton {
        pos: from,
        button,
        pressed: true,
        modifiers: mods,
    });
    for k in 1..=8 {
        let t = k as f32 / 8.0;
        h.event(Event::PointerMoved(from + (to - from) * t));
    }
    h.event(Event::PointerButton {
        pos: to,
        button,
        pressed: false,
        modifiers: mods,
    });
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.step();
    h.step();
}

/// A left drag from image pixel `a` to pixel `b` of the native view.
fn drag_px(h: &mut Harness<'_, App>, a: (f64, f64), b: (f64, f64)) {
    let (from, to) = (at(h, a.0, a.1), at(h, b.0, b.1));
    drag(h, PointerButton::Primary, Modifiers::NONE, from, to);
}

fn has_label(h: &Harness<'_, App>, text: &str) -> bool {
    h.query_by_label(text).is_some()
}

#[test]
fn opens_the_study_and_scrolls_slices() {
    let f = fixture();
    let mut h = harness(&f, Arc::new(DicomSource));
    loaded(&mut h);
    // The browser lists the series, and the ignored file is shown, not hidden.
    assert!(has_label(&h, "CT Test lumbar CT"));
    assert!(has_label(&h, "20 images · axial"));
    assert!(
        h.query_by_label_contains("1 non-DICOM file(s) ignored")
            .is_some()
    );
    // Opens at the middle slice; keys and the wheel change it.
    assert!(has_label(&h, "Im 11/20"), "middle slice shown");
    h.key_press(Key::ArrowDown);
    h.run();
    assert!(has_label(&h, "Im 12/20"));
    h.key_press(Key::ArrowUp);
    h.key_press(Key::ArrowUp);
    h.run();
    assert!(has_label(&h, "Im 10/20"));
    let centre = at(&h, 32.0, 24.0);
    h.hover_at(centre);
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: Vec2::new(0.0, -3.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Unknown,
        modifiers: Modifiers::NONE,
    });
    h.run();
    assert!(has_label(&h, "Im 13/20"), "wheel down: three slices on");
    h.key_press(Key::Home);
    h.run();
    assert!(has_label(&h, "Im 1/20"));
    h.key_press(Key::End);
    h.run();
    assert!(has_label(&h, "Im 20/20"));
    // The reformatted views of a CT are there, with their own slice counters.
    assert!(has_label(&h, "Sagittal (reformat)"));
    assert!(has_label(&h, "Coronal (reformat)"));
    assert!(has_label(&h, "Im 33/64"));
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
}

#[test]
fn window_level_by_presets_and_right_drag() {
    let f = fixture();
    let mut h = harness(&f, Arc::new(DicomSource));
    loaded(&mut h);
    assert!(has_label(&h, "W 400 / L 40"), "the header window first");
    h.key_press(Key::Num1);
    h.run();
    assert!(has_label(&h, "W 1800 / L 400"), "bone preset");
    h.get_by_label("Soft tissue").click();
    h.step();
    h.step();
    assert!(has_label(&h, "W 400 / L 40"));
    h.key_press(Key::Num1);
    h.run();
    // Right-drag 20 points right and 10 down: the step is 1800 / 200 = 9 per point.
    let a = at(&h, 20.0, 20.0);
    drag(
        &mut h,
        PointerButton::Secondary,
        Modifiers::NONE,
        a,
        a + Vec2::new(20.0, 10.0),
    );
    assert!(has_label(&h, "W 2160 / L 490"), "window after the drag");
    // Ctrl + left drag does the same; R resets to the header window.
    h.key_press(Key::R);
    h.run();
    assert!(has_label(&h, "W 400 / L 40"));
    drag(
        &mut h,
        PointerButton::Primary,
        Modifiers::COMMAND,
        a,
        a + Vec2::new(-10.0, 0.0),
    );
    assert!(has_label(&h, "W 360 / L 40"));
}

/// Reads the statistics of the selected ROI from the ROI panel and checks them against
/// the core.
fn check_stats_on_screen(h: &Harness<'_, App>) {
    let app = h.state();
    let roi = app.session().rois.last().expect("an ROI").clone();
    let volume = app.volume().expect("volume");
    let m = measure_roi(&roi, &volume).expect("measurable");
    if let Some(s) = &m.stats {
        assert!(s.n >= 5, "a real ROI, n = {}", s.n);
        let f1 = |v: Option<f64>| format!("{:.1}", v.expect("value"));
        for label in [
            format!("mean {} HU", f1(s.mean)),
            format!("SD {} HU", f1(s.sd)),
            format!("min {} HU", f1(s.min)),
            format!("max {} HU", f1(s.max)),
            format!("median {} HU", f1(s.median)),
            format!("n {}", s.n),
            format!("area {:.2} mm²", s.area_mm2),
        ] {
            assert!(has_label(h, &label), "the panel shows {label:?}");
        }
    }
    if let Some(l) = m.length_mm {
        assert!(has_label(h, &format!("length {l:.2} mm")));
    }
}

#[test]
fn draw_an_ellipse_and_read_the_core_statistics() {
    let f = fixture();
    let mut h = harness(&f, Arc::new(DicomSource));
    loaded(&mut h);
    h.key_press(Key::E);
    h.run();
    let (a, b) = (at(&h, 20.0, 12.0), at(&h, 44.0, 34.0));
    drag(&mut h, PointerButton::Primary, Modifiers::NONE, a, b);
    let app = h.state();
    assert_eq!(app.session().rois.len(), 1);
    let roi = &app.session().rois[0];
    assert_eq!(roi.kind, RoiKind::Ellipse);
    // Drawn where it was dragged: centre (32, 23), semi-axes 12 × 0.6 and 11 × 0.8 mm.
    let volume = app.volume().expect("volume");
    let plane = volume.planes[10];
    let (c, r, d) = plane.patient_to_pixel(roi.points_mm[0]);
    assert!(
        (c - 32.0).abs() < 0.05 && (r - 23.0).abs() < 0.05 && d.abs() < 1e-9,
        "{c} {r}"
    );
    assert_eq!(roi.sop_instance_uid, "2.25.1234.11");
    check_stats_on_screen(&h);
    // Saved automatically, beside the study.
    let path = app.session_path().expect("session path").to_path_buf();
    assert_eq!(path, f.study.join("anchorage-session.json"));
    let saved = Session::load(&path).expect("saved session");
    assert_eq!(saved.rois, app.session().rois);
    assert_eq!(saved.series.len(), 1);
}

#[test]
fn trajectory_and_caliper_statistics() {
    let f = fixture();
    let mut h = harness(&f, Arc::new(DicomSource));
    loaded(&mut h);
    h.get_by_label("Trajectory").click();
    h.step();
    drag_px(&mut h, (10.0, 10.0), (40.0, 30.0));
    let roi = h.state().session().rois.last().expect("trajectory").clone();
    assert_eq!(roi.kind, RoiKind::Trajectory);
    assert_eq!(roi.width_mm, Some(6.5), "the default screw diameter");
    check_stats_on_screen(&h);
    h.key_press(Key::C);
    h.run();
    drag_px(&mut h, (5.0, 40.0), (25.0, 40.0));
    let roi = h.state().session().rois.last().expect("caliper").clone();
    assert_eq!(roi.kind, RoiKind::Caliper);
    // 20 columns of 0.6 mm.
    let m = measure_roi(&roi, &h.state().volume().expect("volume")).expect("length");
    assert!((m.length_mm.expect("length") - 12.0).abs() < 0.05);
    check_stats_on_screen(&h);
}

#[test]
fn undo_redo_delete_and_a_drag_is_one_step() {
    let f = fixture();
    let mut h = harness(&f, Arc::new(DicomSource));
    loaded(&mut h);
    h.key_press(Key::E);
    h.run();
    drag_px(&mut h, (20.0, 12.0), (44.0, 34.0));
    let drawn = h.state().session().rois.clone();
    assert_eq!(drawn.len(), 1);
    // Move it with the Select tool: a drag of many mouse moves.
    h.key_press(Key::S);
    h.run();
    drag_px(&mut h, (30.0, 23.0), (36.0, 27.0));
    let moved = h.state().session().rois.clone();
    assert_ne!(moved, drawn, "moved");
    assert_eq!(moved[0].id, drawn[0].id);
    check_stats_on_screen(&h);
    // One undo undoes the whole drag.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(h.state().session().rois, drawn);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(h.state().session().rois.is_empty());
    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    h.run();
    assert_eq!(h.state().session().rois, drawn);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run();
    assert_eq!(h.state().session().rois, moved);
    // Delete the selected ROI, and undo that.
    h.event(Event::PointerButton {
        pos: at(&h, 33.0, 25.0),
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.event(Event::PointerButton {
        pos: at(&h, 33.0, 25.0),
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.step();
    assert_eq!(
        h.state().tools().selected,
        Some(moved[0].id),
        "clicked to select"
    );
    h.key_press(Key::Delete);
    h.run();
    assert!(h.state().session().rois.is_empty());
    let saved = Session::load(h.state().session_path().expect("path")).expect("saved");
    assert!(saved.rois.is_empty(), "the deletion is saved");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(h.state().session().rois, moved);
}

#[test]
fn roles_levels_and_sides_from_the_quick_menu() {
    let f = fixture();
    let mut h = harness(&f, Arc::new(DicomSource));
    loaded(&mut h);
    h.key_press(Key::E);
    h.run();
    drag_px(&mut h, (20.0, 12.0), (44.0, 34.0));
    // Right-click on the ROI opens its quick menu.
    let p = at(&h, 32.0, 23.0);
    h.hover_at(p);
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos: p,
            button: PointerButton::Secondary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.step();
    h.step();
    h.get_by_label("Set level").click();
    h.step();
    h.get_by_label("L3").click();
    h.step();
    h.step();
    let roi = &h.state().session().rois[0];
    assert_eq!(roi.level, Some(anchorage_core::session::Level::L3));
}

#[test]
fn reopening_brings_back_the_last_session() {
    let f = fixture();
    {
        let mut h = harness(&f, Arc::new(DicomSource));
        loaded(&mut h);
        h.key_press(Key::C);
        h.run();
        drag_px(&mut h, (5.0, 40.0), (25.0, 40.0));
        assert_eq!(h.state().session().rois.len(), 1);
    }
    // A new window with no path opens the last session.
    let app = App::new(Options {
        config_dir: Some(f.config.clone()),
        source: Arc::new(DicomSource),
        open: None,
        open_last: true,
    });
    let mut h = Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    loaded(&mut h);
    assert_eq!(h.state().session().rois.len(), 1);
    assert!(has_label(&h, "Caliper #1 · Pedicle thickness"));
}

/// A source whose whole-volume load waits until the test lets it go.
struct Held {
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl Source for Held {
    fn load(&self, series: &Series, control: &LoadControl) -> Result<Volume, LoadError> {
        let (lock, cv) = &*self.gate;
        let mut open = lock.lock().expect("lock");
        while !*open {
            open = cv.wait(open).expect("wait");
        }
        drop(open);
        anchorage_core::dicom::volume::load(series, control)
    }
}

fn release(gate: &Arc<(Mutex<bool>, Condvar)>) {
    let (lock, cv) = &**gate;
    *lock.lock().expect("lock") = true;
    cv.notify_all();
}

#[test]
fn the_first_slice_shows_before_the_series_has_loaded() {
    let f = fixture();
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let mut h = harness(
        &f,
        Arc::new(Held {
            gate: Arc::clone(&gate),
        }),
    );
    wait_for(&mut h, "the first image", |a| {
        a.study().and_then(|s| s.current_preview()).is_some()
    });
    assert!(
        h.state().volume().is_none(),
        "the series is still held back"
    );
    assert!(has_label(&h, "Im 11/20"), "the first image is on screen");
    assert!(has_label(&h, "Loading 0/20 slices"), "with a progress bar");
    assert!(has_label(&h, "Cancel"));
    release(&gate);
    loaded(&mut h);
    assert!(h.query_by_label_contains("Loading").is_none());
}

#[test]
fn loading_can_be_cancelled() {
    let f = fixture();
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let mut h = harness(
        &f,
        Arc::new(Held {
            gate: Arc::clone(&gate),
        }),
    );
    wait_for(&mut h, "the first image", |a| {
        a.study().and_then(|s| s.current_preview()).is_some()
    });
    h.get_by_label("Cancel").click();
    h.step();
    release(&gate);
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!h.state().is_busy());
    assert!(h.state().volume().is_none());
    assert!(h.query_by_label_contains("Loading cancelled").is_some());
}
