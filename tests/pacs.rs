//! The PACS exchange against a real PACS: an Orthanc that the tests start and stop
//! themselves (`pacs/orthanc.rs`; skipped, saying so, when Orthanc is not installed), and
//! the failures a PACS can cause — a wrong AE title, a closed port, an abort, silence,
//! a retrieve cut off midway — each bounded in time and named in the error.

#[path = "pacs/orthanc.rs"]
mod orthanc;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anchorage_core::pacs::echo::echo;
use anchorage_core::pacs::error::PacsError;
use anchorage_core::pacs::find::{FindQuery, find_studies};
use anchorage_core::pacs::node::{PacsConfig, PacsNode};
use anchorage_core::pacs::retrieve::{RetrieveMethod, retrieve_study};
use anchorage_core::pacs::store::store_files;
use orthanc::{OUR_AET, Orthanc, free_port, start_or_skip};

const STUDY: &str = "2.25.159622936009344511797902024261040515279";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn config(node: &str, timeout_s: u64) -> PacsConfig {
    PacsConfig::new(node.parse().unwrap(), OUR_AET, timeout_s).unwrap()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// The data set's bytes (after the file meta group) of a DICOM file.
fn dataset_bytes(path: &Path) -> Vec<u8> {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[128..132], b"DICM", "{}", path.display());
    assert_eq!(&b[132..136], &[2, 0, 0, 0], "group length first");
    let len = u32::from_le_bytes(b[140..144].try_into().unwrap()) as usize;
    b[144 + len..].to_vec()
}

fn sop_uid(path: &Path) -> String {
    let o = dicom::object::open_file(path).unwrap();
    o.meta()
        .media_storage_sop_instance_uid()
        .trim_end_matches('\0')
        .to_string()
}

fn pixel_bytes(path: &Path) -> Vec<u8> {
    let o = dicom::object::open_file(path).unwrap();
    o.element(dicom::dictionary_std::tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .to_vec()
}

/// The sample CT by SOP Instance UID.
fn originals(dir: &Path) -> BTreeMap<String, PathBuf> {
    files_in(dir)
        .into_iter()
        .map(|p| (sop_uid(&p), p))
        .collect()
}

/// Checks that the retrieved files are the originals: same instances, same data sets
/// byte for byte (Orthanc keeps explicit VR little endian as it was stored).
fn assert_same_instances(retrieved: &[PathBuf], originals: &BTreeMap<String, PathBuf>) {
    assert_eq!(retrieved.len(), originals.len());
    let mut seen = BTreeMap::new();
    for f in retrieved {
        let uid = sop_uid(f);
        let orig = originals
            .get(&uid)
            .unwrap_or_else(|| panic!("{uid} is not one of the originals"));
        assert_eq!(pixel_bytes(f), pixel_bytes(orig), "pixel data of {uid}");
        assert!(
            dataset_bytes(f) == dataset_bytes(orig),
            "the data set of {uid} differs from {}",
            orig.display()
        );
        seen.insert(uid, ());
    }
    assert_eq!(seen.len(), originals.len(), "every instance once");
}

#[test]
fn echo_find_retrieve_and_store_with_orthanc() {
    let Some(o) = start_or_skip("echo_find_retrieve_and_store_with_orthanc") else {
        return;
    };
    let ct = root().join("sample-dicom/ct");
    assert_eq!(o.upload_dir(&ct), 301);
    let cfg = config(&o.node(), 20);

    echo(&cfg).unwrap();

    let all = find_studies(&cfg, &FindQuery::default()).unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    let s = &all[0];
    assert_eq!(s.study_instance_uid, STUDY);
    assert_eq!(s.patient_id, "ANCH-0001");
    assert_eq!(s.patient_name, "PHANTOM^LUMBAR");
    assert_eq!(s.study_date, "20260101");
    assert_eq!(s.series.len(), 1);
    assert_eq!(s.series[0].modality, "CT");
    assert_eq!(s.series[0].number_of_instances, Some(301));

    let q = |f: fn(&mut FindQuery)| {
        let mut q = FindQuery::default();
        f(&mut q);
        find_studies(&cfg, &q).unwrap().len()
    };
    assert_eq!(q(|q| q.patient_id = Some("ANCH-0001".into())), 1);
    assert_eq!(q(|q| q.patient_id = Some("NOBODY".into())), 0);
    assert_eq!(q(|q| q.patient_name = Some("PHANTOM*".into())), 1);
    assert_eq!(q(|q| q.patient_name = Some("SMITH*".into())), 0);
    assert_eq!(q(|q| q.study_date = Some("20250101-20261231".into())), 1);
    assert_eq!(q(|q| q.study_date = Some("-20251231".into())), 0);
    assert_eq!(q(|q| q.modality = Some("CT".into())), 1);
    assert_eq!(
        q(|q| q.modality = Some("MR".into())),
        0,
        "only the CT is loaded"
    );

    let out = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    let cancel = AtomicBool::new(false);
    let report = retrieve_study(
        &cfg,
        STUDY,
        out.path(),
        RetrieveMethod::Get,
        &cancel,
        &mut |p| seen.push(p.completed),
    )
    .unwrap();
    assert_eq!(report.files.len(), 301);
    assert!(
        seen.contains(&1) && seen.contains(&301),
        "progress per instance"
    );
    assert_same_instances(&files_in(out.path()), &originals(&ct));

    // Store the MR series; Orthanc then holds it.
    let mr = files_in(&root().join("sample-dicom/mr"));
    let mut n = 0;
    let outcomes = store_files(&cfg, &mr, &mut |_| n += 1).unwrap();
    assert_eq!(n, mr.len());
    for out in &outcomes {
        assert!(out.result.is_ok(), "{:?}", out.result);
        assert_eq!(
            o.find_instance(&out.sop_instance_uid).len(),
            1,
            "in Orthanc"
        );
    }
    assert_eq!(
        q(|q| q.modality = Some("MR".into())),
        1,
        "now the MR is there"
    );
}

#[test]
fn retrieve_by_c_move_to_our_own_storage_service() {
    let Some(o) = start_or_skip("retrieve_by_c_move_to_our_own_storage_service") else {
        return;
    };
    let ct = root().join("sample-dicom/ct");
    o.upload_dir(&ct);
    let cfg = config(&o.node(), 20);
    let out = tempfile::tempdir().unwrap();
    let report = retrieve_study(
        &cfg,
        STUDY,
        out.path(),
        RetrieveMethod::Move { port: o.move_port },
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.files.len(), 301);
    assert_same_instances(&files_in(out.path()), &originals(&ct));
}

#[test]
fn a_retrieve_cut_off_midway_is_reported_incomplete() {
    let Some(mut o) = start_or_skip("a_retrieve_cut_off_midway_is_reported_incomplete") else {
        return;
    };
    o.upload_dir(&root().join("sample-dicom/ct"));
    let cfg = config(&o.node(), 10);
    let out = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let e = retrieve_study(
        &cfg,
        STUDY,
        out.path(),
        RetrieveMethod::Get,
        &AtomicBool::new(false),
        &mut |p| {
            if p.completed == 20 {
                o.kill();
            }
        },
    )
    .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(30));
    let PacsError::Interrupted {
        completed,
        ref cause,
        ..
    } = e
    else {
        panic!("not an interrupted retrieve: {e}");
    };
    assert!((20..301).contains(&completed), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("incomplete") && text.contains("completed"),
        "{text}"
    );
    assert!(
        matches!(
            **cause,
            PacsError::Closed { .. } | PacsError::Network { .. }
        ),
        "{text}"
    );
    // What was written is whole: no half-written file under a final name.
    assert_eq!(
        files_in(out.path())
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
            .count() as u32,
        completed
    );
}

#[test]
fn a_cancelled_retrieve_is_not_complete() {
    let Some(o) = start_or_skip("a_cancelled_retrieve_is_not_complete") else {
        return;
    };
    o.upload_dir(&root().join("sample-dicom/ct"));
    let cfg = config(&o.node(), 10);
    let out = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let e = retrieve_study(
        &cfg,
        STUDY,
        out.path(),
        RetrieveMethod::Get,
        &cancel,
        &mut |p| {
            if p.completed == 5 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
    )
    .unwrap_err();
    let PacsError::Interrupted { ref cause, .. } = e else {
        panic!("{e}");
    };
    assert!(matches!(**cause, PacsError::Cancelled), "{e}");
}

#[test]
fn a_wrong_called_ae_title_is_rejected_naming_peer_and_reason() {
    let Some(o) = start_or_skip("a_wrong_called_ae_title_is_rejected_naming_peer_and_reason")
    else {
        return;
    };
    let node = format!("WRONG@127.0.0.1:{}", o.dicom_port);
    let e = echo(&config(&node, 10)).unwrap_err();
    assert!(matches!(e, PacsError::Rejected { .. }), "{e}");
    let text = e.to_string();
    assert!(text.starts_with(&node), "{text}");
    assert!(text.contains("called ae title not recognized"), "{text}");
}

#[test]
fn a_closed_port_is_refused() {
    let port = free_port();
    let node = format!("PACS@127.0.0.1:{port}");
    let e = echo(&config(&node, 5)).unwrap_err();
    assert!(matches!(e, PacsError::Refused { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!("{node}: connection refused (is the PACS running and the port right?)")
    );
}

/// A peer that accepts TCP connections and then never says anything.
fn silent_peer() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

#[test]
fn a_silent_peer_times_out_within_the_timeout() {
    let (l, port) = silent_peer();
    let keep = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        std::thread::sleep(Duration::from_secs(8));
        drop(s);
    });
    let start = Instant::now();
    let e = echo(&config(&format!("PACS@127.0.0.1:{port}"), 2)).unwrap_err();
    let t = start.elapsed();
    assert!(matches!(e, PacsError::Timeout { .. }), "{e}");
    assert!(
        t >= Duration::from_millis(1900) && t < Duration::from_secs(6),
        "{t:?}"
    );
    assert!(
        e.to_string()
            .contains("no answer within 2 s during the association"),
        "{e}"
    );
    keep.join().unwrap();
}

#[test]
fn the_command_line_times_out_on_a_silent_peer() {
    let (l, port) = silent_peer();
    let keep = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        std::thread::sleep(Duration::from_secs(10));
        drop(s);
    });
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args([
            "pacs",
            "echo",
            "--pacs",
            &format!("PACS@127.0.0.1:{port}"),
            "--timeout",
            "3",
        ])
        .output()
        .unwrap();
    assert!(start.elapsed() < Duration::from_secs(8));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("PACS@127.0.0.1:{port}: no answer within 3 s")),
        "{err}"
    );
    keep.join().unwrap();
}

#[test]
fn an_aborted_association_is_reported() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf);
        // A-ABORT, service provider, reason not specified.
        s.write_all(&[0x07, 0, 0, 0, 0, 4, 0, 0, 2, 0]).unwrap();
        std::thread::sleep(Duration::from_millis(300));
    });
    let node = format!("PACS@127.0.0.1:{port}");
    let e = echo(&config(&node, 5)).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with(&node), "{text}");
    assert!(text.contains("abort"), "{text}");
    peer.join().unwrap();
}

#[test]
fn bad_nodes_and_titles_are_refused_before_any_network() {
    assert!("ORTHANC127.0.0.1:4242".parse::<PacsNode>().is_err());
    assert!(PacsConfig::new("A@h:1".parse().unwrap(), "OUR\\AE", 5).is_err());
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(["pacs", "echo", "--pacs", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a DICOM node"));
}

#[test]
fn the_command_line_against_orthanc() {
    let Some(o) = start_or_skip("the_command_line_against_orthanc") else {
        return;
    };
    o.upload_dir(&root().join("sample-dicom/ct"));
    let exe = env!("CARGO_BIN_EXE_anchorage");
    let node = o.node();
    let run = |args: &[&str]| {
        let mut all = vec!["pacs", args[0], "--pacs", &node, "--timeout", "20"];
        all.extend_from_slice(&args[1..]);
        Command::new(exe).args(&all).output().unwrap()
    };
    let e = run(&["echo"]);
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    assert!(String::from_utf8_lossy(&e.stdout).contains("C-ECHO succeeded"));

    let f = run(&["find", "--modality", "CT", "--json"]);
    assert!(f.status.success(), "{}", String::from_utf8_lossy(&f.stderr));
    let v: serde_json::Value = serde_json::from_slice(&f.stdout).unwrap();
    assert_eq!(v[0]["study_instance_uid"], STUDY);
    assert_eq!(v[0]["series"][0]["number_of_instances"], 301);

    let out = tempfile::tempdir().unwrap();
    let r = run(&[
        "retrieve",
        "--study",
        STUDY,
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{err}");
    assert!(err.contains("[1/") && err.contains("[301/301]"), "{err}");
    assert_eq!(files_in(out.path()).len(), 301);

    let bad = run(&[
        "retrieve",
        "--study",
        "1.2.3.4",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(
        bad.status.code(),
        Some(1),
        "an unknown study is not a success"
    );

    let mr = files_in(&root().join("sample-dicom/mr"));
    let mut args = vec!["store"];
    let names: Vec<String> = mr.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let s = run(&args);
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    assert!(String::from_utf8_lossy(&s.stdout).contains("25 of 25 files stored"));
    let _ = Orthanc::start; // the helper is shared with the window's test
}
