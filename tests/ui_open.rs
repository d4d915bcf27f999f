//! Opening in the window (issue 21): the sample's own JSON files are listed plainly as
//! non-DICOM files, not warned about; a folder that does not open is not kept in the recent
//! studies; a session that does not load offers the study folder beside it; and where no
//! file dialog can be shown, File → Open folder… asks for a typed path.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use egui_kittest::kittest::Queryable;

/// The recent studies the window saved in its config folder.
fn recent(config: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(config.join("state.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    v["recent"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(PathBuf::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The sample (its CT, MR and its two JSON files) copied to `study`.
fn copy_whole_sample(study: &Path) {
    copy_sample(study);
    for f in ["ground-truth.json", "example-session.json"] {
        std::fs::copy(sample().join(f), study.join(f)).expect("copy json");
    }
}

#[test]
fn the_samples_json_files_are_ignored_plainly_not_warned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_whole_sample(&study);
    let config = dir.path().join("config");
    let mut h = harness(&config, &study);
    loaded(&mut h);
    settle(&mut h);
    assert!(
        h.query_by_label("2 non-DICOM file(s) ignored").is_some(),
        "the JSON files are listed as ignored"
    );
    assert!(
        h.query_by_label_contains("skipped").is_none(),
        "no skipped-file warning for the sample's own JSON files"
    );
    // It opened: it is a recent study.
    assert_eq!(recent(&config).first(), Some(&study));
}

/// A folder dropped on the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        Err("a folder".into())
    }
}

#[test]
fn a_folder_that_does_not_open_is_not_a_recent_study() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("not-a-study");
    std::fs::create_dir_all(&empty).expect("mkdir");
    std::fs::write(empty.join("notes.txt"), "no images here").expect("write");
    let config = dir.path().join("config");
    let mut h = harness(&config, &empty);
    wait_for(&mut h, "the scan", |a| {
        a.study().is_some_and(|s| s.report.is_some()) && !a.is_busy()
    });
    settle(&mut h);
    assert!(
        !recent(&config).contains(&empty),
        "recent: {:?}",
        recent(&config)
    );
    // A study that opens afterwards is added.
    let study = dir.path().join("study");
    copy_sample(&study);
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(study.clone())));
    h.step();
    loaded(&mut h);
    assert_eq!(recent(&config), vec![study]);
}

#[test]
fn a_session_that_does_not_load_offers_its_study_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let session = study.join("broken-session.json");
    std::fs::write(&session, "{ this is not a session").expect("write");
    let config = dir.path().join("config");
    let mut h = harness(&config, &session);
    settle(&mut h);
    assert!(!h.state().errors().is_empty(), "the failure is reported");
    assert!(!recent(&config).contains(&session));
    h.get_by_label("Open the study folder beside it").click();
    h.step();
    loaded(&mut h);
    let st = h.state().study().expect("the study folder opened");
    assert_eq!(st.path, study);
    assert_eq!(st.report.as_ref().map(|r| r.series.len()), Some(2));
    assert!(
        h.query_by_label("Open the study folder beside it")
            .is_none()
    );
}

#[test]
fn without_a_file_dialog_a_path_can_be_typed() {
    // The test machine has no desktop portal: the dialog returns at once with nothing.
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        eprintln!("skipped: a D-Bus session exists, a real file dialog could open");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let other = dir.path().join("first");
    copy_sample(&other);
    let mut h = harness(&dir.path().join("config"), &other);
    loaded(&mut h);
    // Ctrl+O: File → Open folder…
    let start = std::time::Instant::now();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.step();
    h.step();
    eprintln!("the dialog took {:?}", start.elapsed());
    assert!(
        h.query_by_label_contains("No file dialog is available")
            .is_some(),
        "a message says why no dialog opened"
    );
    let edit = h.get_by_role(egui::accesskit::Role::TextInput);
    edit.click();
    h.step();
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(&study.display().to_string());
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Open")
        .click();
    h.step();
    loaded(&mut h);
    assert_eq!(h.state().study().map(|s| s.path.clone()), Some(study));
    assert!(h.query_by_label_contains("No file dialog").is_none());
}

#[test]
fn ctrl_l_opens_a_typed_path_whatever_the_system() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let other = dir.path().join("first");
    copy_sample(&other);
    let mut h = harness(&dir.path().join("config"), &other);
    loaded(&mut h);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("Type the path of a study folder")
            .is_some()
    );
    h.get_by_role(egui::accesskit::Role::TextInput).click();
    h.step();
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(&study.display().to_string());
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Open")
        .click();
    h.step();
    loaded(&mut h);
    assert_eq!(h.state().study().map(|s| s.path.clone()), Some(study));
}
