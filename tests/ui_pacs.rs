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

const STUDY: &str = "2.25.159622936009344511797902024261040515279";

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
    assert_eq!(std::fs::read_dir(&study_dir).unwrap().count(), 301);
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

#[test]
fn send_the_sr_to_the_pacs_from_the_export_tab() {
    let Some(o) = orthanc::start_or_skip("send_the_sr_to_the_pacs_from_the_export_tab") else {
        return;
    };
    let (_dir, _study, mut h) = common::open_example(Vec2::new(1600.0, 1000.0));
    h.get_by_label("Export").click();
    settle(&mut h);
    // No node yet: nothing is sent, and the Export tab says where to set one.
    h.get_by_label("Send SR to PACS").click();
    settle(&mut h);
    match h.state().pacs_send_line() {
        Some(Err(e)) => assert!(e.contains("PACS tab"), "{e}"),
        other => panic!("without a node: {other:?}"),
    }
    assert!(
        o.rest("GET", "/instances", b"")
            .as_array()
            .unwrap()
            .is_empty()
    );

    h.get_by_label("PACS").click();
    settle(&mut h);
    set_field(&mut h, "PACS node", &o.node());
    h.get_by_label("Export").click();
    settle(&mut h);
    h.get_by_label("Send SR to PACS").click();
    h.step();
    assert!(h.state().pacs_busy(), "the store runs off the UI thread");
    wait_for(&mut h, "the store", |a| !a.pacs_busy());
    settle(&mut h);
    let line = h.state().pacs_send_line();
    assert!(
        matches!(&line, Some(Ok(m)) if m.starts_with("sent 1 file(s)")),
        "{line:?}"
    );
    h.get_by_label(&format!("PACS: {}", line.unwrap().unwrap()));
    // The SR written to the export folder is the one now in Orthanc.
    let written = match h.state().last_export() {
        Some(Ok(p)) => p.clone(),
        other => panic!("export: {other:?}"),
    };
    let obj = dicom::object::open_file(&written).expect("a DICOM file");
    let uid = obj
        .element(dicom::dictionary_std::tags::SOP_INSTANCE_UID)
        .expect("SOPInstanceUID")
        .to_str()
        .expect("text")
        .trim_end_matches('\0')
        .to_string();
    let ids = o.find_instance(&uid);
    assert_eq!(ids.len(), 1, "the SR {uid} is in Orthanc");
    let tags = o.rest(
        "GET",
        &format!("/instances/{}/simplified-tags", ids[0]),
        b"",
    );
    assert_eq!(tags["Modality"], "SR", "{tags}");
}
