//! Helpers shared by the window tests that drive the workstation on the sample phantom.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchorage_app::loader::DicomSource;
use anchorage_app::{App, Options};
use egui::{Event, Key, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::Harness;
use serde_json::Value;

/// The bundled sample study.
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

/// The sample's ground truth.
pub fn truth() -> Value {
    let text = std::fs::read_to_string(sample().join("ground-truth.json")).expect("truth");
    serde_json::from_str(&text).expect("truth json")
}

/// The truth's B-HU entry of `level` ("L3") and `plane` ("superior", "mid", "inferior").
pub fn b_hu_plane(t: &Value, level: &str, plane: &str) -> Value {
    t["ct_rois"]["b_hu"]
        .as_array()
        .expect("b_hu")
        .iter()
        .find(|x| x["level"] == level && x["plane"] == plane)
        .unwrap_or_else(|| panic!("no truth for {level} {plane}"))
        .clone()
}

/// Copies the files of one folder (not recursive).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read folder") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// Copies the sample's CT and MR into `study/ct` and `study/mr`.
pub fn copy_sample(study: &Path) {
    copy_dir(&sample().join("ct"), &study.join("ct"));
    copy_dir(&sample().join("mr"), &study.join("mr"));
}

/// The window, opening `open`, with its own config folder.
pub fn harness<'a>(config: &Path, open: &Path) -> Harness<'a, App> {
    let app = App::new(Options {
        config_dir: Some(config.to_path_buf()),
        source: Arc::new(DicomSource),
        open: Some(open.to_path_buf()),
        open_last: false,
    });
    Harness::builder()
        .with_size(Vec2::new(2000.0, 1500.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app)
}

/// The window at `size` points, opening `open`, with its own config folder.
pub fn harness_sized<'a>(config: &Path, open: &Path, size: Vec2) -> Harness<'a, App> {
    let app = App::new(Options {
        config_dir: Some(config.to_path_buf()),
        source: Arc::new(DicomSource),
        open: Some(open.to_path_buf()),
        open_last: false,
    });
    Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app)
}

/// A copy of the sample study holding the example session (as
/// `anchorage-session.json`), opened in a window of `size` with both series loaded:
/// (the folder, the study, the window).
pub fn open_example<'a>(size: Vec2) -> (tempfile::TempDir, PathBuf, Harness<'a, App>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let s = anchorage_core::session::Session::load(&sample().join("example-session.json"))
        .expect("the example session loads");
    s.save(&study.join("anchorage-session.json"))
        .expect("save the session");
    let mut h = harness_sized(&dir.path().join("config"), &study, size);
    wait_for(&mut h, "both series", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    settle(&mut h);
    (dir, study, h)
}

/// A copy of the sample study in a temporary folder, opened in the window and loaded:
/// (the folder, the study in it, the window).
pub fn open_sample_copy<'a>() -> (tempfile::TempDir, PathBuf, Harness<'a, App>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let mut h = harness(&dir.path().join("config"), &study);
    loaded(&mut h);
    (dir, study, h)
}

/// Steps frames until `done` holds (panics after 60 s).
pub fn wait_for(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.step();
}

/// Waits until the shown series is loaded and nothing else is loading.
pub fn loaded(h: &mut Harness<'_, App>) {
    wait_for(h, "the volume", |a| a.volume().is_some() && !a.is_busy());
}

/// A few frames (loads in the background may keep the window repainting).
pub fn settle(h: &mut Harness<'_, App>) {
    for _ in 0..6 {
        h.step();
    }
}

/// Screen position of image pixel (column, row) in the native view.
pub fn at(h: &Harness<'_, App>, c: f64, r: f64) -> Pos2 {
    let tf = h.state().viewers().native.expect("native view drawn");
    tf.to_screen(c, r)
}

/// A left drag in eight moves.
pub fn drag(h: &mut Harness<'_, App>, from: Pos2, to: Pos2) {
    h.event(Event::PointerMoved(from));
    h.event(Event::PointerButton {
        pos: from,
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    for k in 1..=8 {
        let t = k as f32 / 8.0;
        h.event(Event::PointerMoved(from + (to - from) * t));
        h.step();
    }
    h.event(Event::PointerButton {
        pos: to,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.step();
    h.step();
}

/// A left click (press and release without moving).
pub fn click(h: &mut Harness<'_, App>, at: Pos2) {
    h.event(Event::PointerMoved(at));
    h.step();
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos: at,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.step();
    h.step();
}

/// Moves the native view to slice `k` with the keys, the mouse over the native view.
pub fn go_to_slice(h: &mut Harness<'_, App>, k: usize) {
    let p = at(h, 5.0, 5.0);
    h.hover_at(p);
    h.step();
    for _ in 0..400 {
        let now = h.state().viewers().slice();
        if now == k {
            return;
        }
        let key = match (now < k, now.abs_diff(k) >= 10) {
            (true, true) => Key::PageDown,
            (true, false) => Key::ArrowDown,
            (false, true) => Key::PageUp,
            (false, false) => Key::ArrowUp,
        };
        h.key_press(key);
        h.step();
    }
    panic!("could not reach slice {k}");
}

/// A number field of a JSON object.
pub fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"))
}
