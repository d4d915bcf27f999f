//! Nothing lost, in the window (egui_kittest), on the sample phantom: a session file that
//! no longer loads is reported and its backup offered back (restoring keeps the damaged
//! file aside); a session whose series were moved opens anyway, names the missing series,
//! and finds them again in the folder the user points to.

mod common;

use anchorage_core::session::Session;
use common::*;
use egui_kittest::kittest::Queryable;

fn example() -> Session {
    Session::load(&sample().join("example-session.json")).expect("example session")
}

#[test]
fn a_damaged_session_is_reported_and_its_backup_offered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let path = study.join("anchorage-session.json");
    let good = example();
    good.save(&path).expect("save");
    good.save(&path)
        .expect("save again: the first becomes the backup");
    std::fs::write(
        &path,
        b"{\"format\": \"anchorage-session\", \"version\": 1, \"rois\": [",
    )
    .expect("damage it");
    let mut h = harness(&dir.path().join("config"), &study);
    settle(&mut h);
    assert!(
        h.state()
            .errors()
            .iter()
            .any(|e| e.contains("anchorage-session.json")),
        "the damage is reported: {:?}",
        h.state().errors()
    );
    assert!(h.state().recovery().is_some(), "the backup is offered");
    assert!(h.query_by_label("Recover measurements?").is_some());
    assert!(
        h.query_by_label_contains("the backup kept at the last save")
            .is_some()
    );
    h.get_by_label("Restore it").click();
    settle(&mut h);
    wait_for(&mut h, "the study", |a| {
        a.volume().is_some() && !a.is_busy()
    });
    assert_eq!(
        h.state().session().rois,
        good.rois,
        "the backup's ROIs are back"
    );
    assert!(h.state().recovery().is_none());
    let mut aside = path.as_os_str().to_owned();
    aside.push(".damaged");
    let kept = std::fs::read(std::path::PathBuf::from(aside)).expect("the damaged file kept aside");
    assert!(kept.ends_with(b"\"rois\": ["));
    assert_eq!(Session::load(&path).expect("restored file").rois, good.rois);
}

#[test]
fn an_interrupted_save_is_offered_and_can_be_declined() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let path = study.join("anchorage-session.json");
    let mut good = example();
    good.save(&path).expect("save");
    std::thread::sleep(std::time::Duration::from_millis(20));
    // A complete newer document left by a save killed before its rename.
    let first = good.rois.first().map(|r| r.id).expect("an ROI");
    good.rois.retain(|r| r.id != first);
    let tmp = study.join(".anchorage-session.json.99999.tmp");
    std::fs::write(&tmp, good.to_json()).expect("tmp");
    let mut h = harness(&dir.path().join("config"), &study);
    settle(&mut h);
    let offer = h
        .state()
        .recovery()
        .expect("the interrupted save is offered");
    assert_eq!(offer.offer.session.rois.len(), good.rois.len());
    assert!(h.query_by_label_contains("interrupted").is_some());
    h.get_by_label("Keep the open session").click();
    settle(&mut h);
    assert!(h.state().recovery().is_none());
    assert_eq!(h.state().session().rois.len(), good.rois.len() + 1);
    assert!(!tmp.exists(), "the declined leftover is removed");
}

#[test]
fn moved_series_are_named_and_found_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old-place");
    copy_sample(&old);
    // A session kept apart from the study, with absolute series paths.
    let mut s = example();
    for r in &mut s.series {
        let sub = if r.modality == "CT" { "ct" } else { "mr" };
        r.path = old.join(sub);
    }
    let sessions = dir.path().join("sessions");
    std::fs::create_dir_all(&sessions).expect("mkdir");
    let path = sessions.join("patient.json");
    s.save(&path).expect("save");
    let new = dir.path().join("new-place");
    std::fs::rename(&old, &new).expect("move the study");

    let mut h = harness(&dir.path().join("config"), &path);
    wait_for(&mut h, "the scan", |a| !a.is_busy());
    settle(&mut h);
    assert_eq!(h.state().missing_series().len(), 2);
    assert!(
        h.query_by_label_contains("2 series of the session not found")
            .is_some()
    );
    assert!(
        h.query_all_by_label_contains("old-place").count() >= 2,
        "where they were expected"
    );
    assert_eq!(h.state().session().rois, s.rois, "the ROIs are kept");

    h.get_by_label("Folder the series moved to").click();
    settle(&mut h);
    h.get_by_label("Folder the series moved to")
        .type_text(&new.display().to_string());
    settle(&mut h);
    h.get_by_label("Look there").click();
    settle(&mut h);
    wait_for(&mut h, "the new place", |a| {
        !a.is_busy() && a.missing_series().is_empty() && a.volume().is_some()
    });
    let saved = Session::load(&path).expect("saved");
    let mut paths: Vec<_> = saved
        .series
        .iter()
        .map(|r| Session::resolve(&path, &r.path))
        .collect();
    paths.sort();
    assert_eq!(paths, vec![new.join("ct"), new.join("mr")]);
    assert_eq!(saved.rois, s.rois);
    assert!(
        h.query_by_label_contains("series of the session not found")
            .is_none()
    );
}
