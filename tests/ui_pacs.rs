//! The window's PACS tab (egui_kittest, no GPU) against a real Orthanc started by the test
//! (`pacs/orthanc.rs`; skipped, saying so, when Orthanc is not installed): configure the
//! node, see a wrong AE title refused, find the sample study, retrieve it with the
//! network work off the UI thread, and see it opened as a study folder.

mod common;
#[path = "pacs/orthanc.rs"]
mod orthanc;

use std::sync::Arc;

use anchorage_app::loader::DicomSource;
use anchorage_app::{App, Options};
use common::{loaded, settle, wait_for};
use egui::Vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const STUDY: &str = "2.25.257183077941485444656691513371970833479";

fn set_field(h: &mut Harness<'_, App>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_label(label).type_text(text);
    settle(h);
}

#[test]
fn find_and_retrieve_a_study_from_the_pacs_tab() {
    let Some(o) = orthanc::start_or_skip("find_and_retrieve_a_study_from_the_pacs_tab") else {
        return;
    };
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    o.upload_dir(&root.join("sample-dicom/ct"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let app = App::new(Options {
        config_dir: Some(config.clone()),
        source: Arc::new(DicomSource),
        open: None,
        open_last: false,
    });
    let mut h = Harness::builder()
        .with_size(Vec2::new(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.state_mut()
        .set_pacs_download_dir(dir.path().join("downloads"));
    h.get_by_label("PACS").click();
    settle(&mut h);

    // A wrong called AE title: the association is rejected, and the tab says so.
    set_field(
        &mut h,
        "PACS node",
        &format!("WRONG@127.0.0.1:{}", o.dicom_port),
    );
    h.get_by_label("Echo").click();
    wait_for(&mut h, "the echo", |a| {
        a.pacs_message().is_some() && !a.pacs_busy()
    });
    let msg = h.state().pacs_message().cloned().unwrap().unwrap_err();
    assert!(msg.contains("association rejected"), "{msg}");

    set_field(&mut h, "PACS node", &o.node());
    h.get_by_label("Find").click();
    h.step();
    assert!(h.state().pacs_busy(), "the query runs off the UI thread");
    wait_for(&mut h, "the query", |a| {
        !a.pacs_busy() && a.pacs_message().is_some()
    });
    assert_eq!(
        h.state().pacs_results().len(),
        1,
        "{:?}",
        h.state().pacs_message()
    );
    settle(&mut h);
    h.get_by_label("ANCH-0001");
    h.get_by_label("1 studies found");

    h.get_by_label("Retrieve").click();
    h.step();
    assert!(h.state().pacs_busy(), "the retrieve runs off the UI thread");
    wait_for(&mut h, "the retrieve", |a| !a.pacs_busy());
    let got = h.state().pacs_message().cloned().unwrap();
    assert!(got.is_ok(), "{got:?}");
    let study_dir = dir.path().join("downloads").join(STUDY);
    assert_eq!(std::fs::read_dir(&study_dir).unwrap().count(), 169);
    loaded(&mut h);
    assert_eq!(
        h.state().study().unwrap().path,
        study_dir,
        "the study is opened"
    );

    // The node is kept in the settings.
    let state = std::fs::read_to_string(config.join("state.json")).unwrap();
    assert!(state.contains(&o.node()), "{state}");
}
