//! `anchorage report`: the planning report of the bundled example session, read back with
//! poppler's `pdftotext`, `pdfinfo` and `pdftoppm` (Debian `poppler-utils`, installed by
//! tests/fixtures/setup.sh). Its text holds every chosen cell of the per-screw table
//! exactly as `anchorage measure --csv` writes it, every page renders, the key images are
//! not blank, the same session gives the same bytes, a pseudonymised report shows nothing
//! identifying, and a damaged session exits 1 naming the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anchorage_core::pipeline::study::load_series;
use anchorage_core::report::{
    ImagePixels, REPORT_COLUMNS, ReportOptions, TitledImage, build_report,
};
use anchorage_core::session::Session;
use sha2::Digest;

const KEY: &str = "report-test-project-key";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

fn example() -> PathBuf {
    sample().join("example-session.json")
}

#[path = "common/cli.rs"]
mod cli;
use cli::anchorage_os as anchorage;

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Whether poppler's tools are there; prints SKIPPED when not.
fn poppler(test: &str) -> bool {
    for t in ["pdftotext", "pdftoppm", "pdfinfo"] {
        if Command::new(t).arg("-v").output().is_err() {
            println!("SKIPPED: {test}: `{t}` is not installed (Debian poppler-utils)");
            return false;
        }
    }
    true
}

/// `anchorage report SESSION --pdf OUT [extra…]`.
fn report(session: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "report".as_ref(),
        session.as_os_str(),
        "--pdf".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    anchorage(&args)
}

/// `anchorage measure SESSION --csv OUT [extra…]`, parsed: the header and the rows.
fn measure_csv(session: &Path, dir: &Path, extra: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let csv = dir.join("screws.csv");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "measure".as_ref(),
        session.as_os_str(),
        "--csv".as_ref(),
        csv.as_os_str(),
    ];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    ok(&anchorage(&args));
    let mut r = csv::Reader::from_path(&csv).expect("the CSV reads");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|x| x.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn pdftotext(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn pdfinfo(pdf: &Path) -> String {
    let o = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn page_count(pdf: &Path) -> usize {
    pdfinfo(pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count")
}

/// Whitespace runs as one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every chosen column's non-empty cell of every row is in `text` as the CSV has it (the
/// flags one flag at a time: a long flags cell wraps in the table, and the flags section
/// gives each whole). Returns how many cells were checked.
fn assert_cells_in(text: &str, header: &[String], rows: &[Vec<String>]) -> usize {
    let flat = squash(text);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut checked = 0;
    for name in REPORT_COLUMNS {
        let Some(i) = header.iter().position(|h| h == name) else {
            continue;
        };
        for row in rows {
            let cell = row.get(i).map(String::as_str).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            checked += 1;
            if name == "flags" {
                for f in cell.split(';') {
                    assert!(
                        flat.contains(&squash(f)),
                        "flag {f:?} missing from the PDF text"
                    );
                }
            } else if cell.contains(' ') {
                assert!(
                    flat.contains(cell),
                    "{name} {cell:?} missing from the PDF text"
                );
            } else {
                assert!(
                    tokens.contains(&cell),
                    "{name} {cell:?} missing as a word from the PDF text"
                );
            }
        }
    }
    checked
}

#[test]
fn report_text_holds_every_chosen_cell_as_the_csv_has_it() {
    if !poppler("report_text_holds_every_chosen_cell_as_the_csv_has_it") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    let o = report(&example(), &pdf, &[]);
    ok(&o);
    let (header, rows) = measure_csv(&example(), dir.path(), &[]);
    assert_eq!(rows.len(), 4, "the example plans four screws");
    let text = pdftotext(&pdf);
    let checked = assert_cells_in(&text, &header, &rows);
    // level, side, 2 sizes, thickness, clearance, psc, σH, yield ratio, risk: 10 a screw.
    assert!(checked >= 40, "only {checked} cells checked");
    // The identification, the hash (of the session's canonical JSON: the file's bytes when
    // this version of Anchorage wrote it, else the migrated session's), the note.
    let canonical = Session::load(&example()).unwrap().to_json();
    let file_hash: String = sha2::Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(text.contains(&file_hash), "session hash missing");
    assert!(String::from_utf8_lossy(&o.stderr).contains(&file_hash));
    for s in [
        "PHANTOM LUMBAR (ANCH-0001)",
        "1956-01-01",
        "Research aid, not a diagnosis.",
        &format!("anchorage {}", env!("CARGO_PKG_VERSION")),
        "HU-ratio/PBQ screw-loosening nomogram (reconstructed) 1.0",
        "Loosening risk at 12 months: 75.2 %",
        "Status: ",
        "Goutallier grade",
        "Total points",
        "Key images",
        "No flags.",
    ] {
        assert!(squash(&text).contains(s), "{s:?} missing");
    }
    // The nomogram marks the patient's points on each predictor's scale.
    for s in ["62: ", "3.74: ", "1.406: ", "2: "] {
        assert!(text.contains(s), "patient mark {s:?} missing");
    }
}

/// The example session with flags: a screw without its caliper, a Goutallier grade of 0
/// (outside the cohort) and an age past the nomogram's axis; series paths made absolute.
fn flagged_session(dir: &Path) -> PathBuf {
    let mut s = Session::load(&example()).unwrap();
    for r in &mut s.series {
        r.path = Session::resolve(&example(), &r.path);
    }
    let caliper = s
        .rois
        .iter()
        .position(|r| r.role == anchorage_core::session::Role::PedicleThickness)
        .unwrap();
    s.rois.remove(caliper);
    s.patient.goutallier = Some(0);
    s.patient.age_years = Some(97.0);
    let path = dir.join("flagged.json");
    s.save(&path).unwrap();
    path
}

#[test]
fn flags_of_every_screw_are_in_the_report_as_the_csv_has_them() {
    if !poppler("flags_of_every_screw_are_in_the_report_as_the_csv_has_them") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = flagged_session(dir.path());
    let pdf = dir.path().join("flagged.pdf");
    ok(&report(&session, &pdf, &[]));
    let (header, rows) = measure_csv(&session, dir.path(), &[]);
    let flags = header.iter().position(|h| h == "flags").unwrap();
    assert!(
        rows.iter().all(|r| !r[flags].is_empty()),
        "every screw should carry a flag: {rows:?}"
    );
    assert!(
        rows.iter().any(|r| r[flags].contains("caliper")),
        "{rows:?}"
    );
    let text = pdftotext(&pdf);
    assert_cells_in(&text, &header, &rows);
    assert!(!squash(&text).contains("No flags."));
    // The flag names its screw in the flags section.
    assert!(
        squash(&text).contains("Patient: "),
        "patient flags are listed"
    );
}

/// The standard deviation of the grey values of a box (points) of a page rendered at
/// `dpi`.
fn grey_sd(page: &image::GrayImage, rect_pt: [f32; 4], dpi: f32) -> f64 {
    let s = dpi / 72.0;
    let x0 = (rect_pt[0] * s).ceil() as u32 + 1;
    let y0 = (rect_pt[1] * s).ceil() as u32 + 1;
    let x1 = ((rect_pt[0] + rect_pt[2]) * s).floor() as u32 - 1;
    let y1 = ((rect_pt[1] + rect_pt[3]) * s).floor() as u32 - 1;
    let mut v = Vec::new();
    for y in y0..y1.min(page.height()) {
        for x in x0..x1.min(page.width()) {
            v.push(f64::from(page.get_pixel(x, y).0[0]));
        }
    }
    assert!(v.len() > 100, "box {rect_pt:?} too small at {dpi} dpi");
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

#[test]
fn every_page_renders_and_no_key_image_is_blank() {
    if !poppler("every_page_renders_and_no_key_image_is_blank") {
        return;
    }
    let session = Session::load(&example()).unwrap();
    let series = load_series(&session, &example()).unwrap();
    let find = |uid: &str| {
        series
            .iter()
            .find(|s| s.series.uid == uid)
            .map(|s| (&s.series, &s.volume))
    };
    // An added view (as an en-face view would be): a grey ramp with a bright square.
    let (w, h) = (96usize, 64usize);
    let pixels = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            if (30..60).contains(&x) && (20..44).contains(&y) {
                255
            } else {
                (x * 2) as u8
            }
        })
        .collect();
    let opts = ReportOptions {
        extra_images: vec![TitledImage {
            title: "En-face view L4 L at the isthmus (test picture)".into(),
            image: ImagePixels::Grey {
                width: w,
                height: h,
                pixels,
            },
            mm_per_px: Some(0.25),
        }],
        ..ReportOptions::default()
    };
    let r = build_report(&session, Some(&example()), find, &opts).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("r.pdf");
    std::fs::write(&pdf, &r.pdf).unwrap();
    assert_eq!(page_count(&pdf), r.pages);
    let o = Command::new("pdftoppm")
        .args(["-r", "50", "-gray", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("p"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    assert_eq!(pages.len(), r.pages, "pdftoppm rendered every page");
    let images: Vec<image::GrayImage> = pages
        .iter()
        .map(|p| image::open(p).unwrap().to_luma8())
        .collect();
    for img in &images {
        // A rendered A4 landscape page at 50 dpi (841.89 × 595.28 pt), not empty.
        assert_eq!(img.width(), 585);
        assert!((413..=414).contains(&img.height()), "{}", img.height());
        assert!(img.pixels().any(|p| p.0[0] < 128), "a page without ink");
    }
    // One axial key image per level with CT ROIs (L1–L5, S1), each screw's en-face view
    // at its isthmus (the plans proposed from the trajectories), and the added view.
    assert_eq!(r.pictures.len(), 6 + 4 + 1, "{:?}", r.pictures);
    assert!(
        r.pictures
            .iter()
            .any(|p| p.title.starts_with("L4 · axial CT"))
    );
    for screw in ["L3 L", "L3 R", "L4 L", "L4 R"] {
        assert!(
            r.pictures.iter().any(|p| p
                .title
                .starts_with(&format!("{screw} en face at the isthmus"))),
            "no en-face view of {screw}: {:?}",
            r.pictures
        );
    }
    for p in &r.pictures {
        let sd = grey_sd(&images[p.page], p.rect_pt, 50.0);
        assert!(sd > 15.0, "{}: grey SD {sd:.1}, blank", p.title);
    }
    // The check sees a blank box as blank: the empty band under the last row of pictures.
    let last = r.pictures.last().unwrap();
    let lowest = r
        .pictures
        .iter()
        .filter(|p| p.page == last.page)
        .map(|p| p.rect_pt[1] + p.rect_pt[3])
        .fold(0.0, f32::max);
    let below = [36.0, lowest + 20.0, 700.0, 60.0];
    let sd = grey_sd(&images[last.page], below, 50.0);
    assert!(sd < 1.0, "the empty band has grey SD {sd:.1}");
    assert!(pdftotext(&pdf).contains("En-face view L4 L at the isthmus"));
}

#[test]
fn the_same_session_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    ok(&report(&example(), &a, &[]));
    ok(&report(&example(), &b, &[]));
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.starts_with(b"%PDF-1.7"));
    assert_eq!(a, b, "two runs gave different bytes");
    // No date anywhere in the file (Info dictionary, XMP).
    let raw = String::from_utf8_lossy(&a);
    assert!(!raw.contains("CreationDate") && !raw.contains("ModDate"));
    // A different session gives a different file (the hash and identifier follow it).
    let flagged = flagged_session(dir.path());
    let c = dir.path().join("c.pdf");
    ok(&report(&flagged, &c, &[]));
    assert_ne!(std::fs::read(c).unwrap(), a);
}

#[test]
fn a_pseudonymised_report_shows_nothing_identifying() {
    if !poppler("a_pseudonymised_report_shows_nothing_identifying") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("anon.pdf");
    ok(&report(
        &example(),
        &pdf,
        &["--pseudonymize", "--project-key", KEY],
    ));
    let text = pdftotext(&pdf);
    let info = pdfinfo(&pdf);
    let raw = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).into_owned();
    // The identifying values of the sample: its name, ID, dates, descriptions and every UID
    // the session names.
    let session = Session::load(&example()).unwrap();
    let mut forbidden: Vec<String> = [
        "PHANTOM",
        "LUMBAR",
        "ANCH-0001",
        "1956",
        "19560101",
        "20260101",
        "2026-01-01",
        "Phantom CT lumbar spine",
        "Phantom MR sag T1",
    ]
    .map(String::from)
    .to_vec();
    forbidden.push(session.study_instance_uid.clone());
    for s in &session.series {
        forbidden.push(s.series_instance_uid.clone());
    }
    for r in &session.rois {
        forbidden.push(r.sop_instance_uid.clone());
    }
    for f in &forbidden {
        assert!(
            !text.contains(f.as_str()),
            "{f:?} in the pseudonymised text"
        );
        assert!(!info.contains(f.as_str()), "{f:?} in the metadata");
        assert!(!raw.contains(f.as_str()), "{f:?} in the file's bytes");
    }
    // It is named by the pseudonym the pseudonymised CSV gives.
    let (header, rows) = measure_csv(
        &example(),
        dir.path(),
        &["--pseudonymize", "--project-key", KEY],
    );
    let pid = header.iter().position(|h| h == "patient_id").unwrap();
    let study = header
        .iter()
        .position(|h| h == "study_instance_uid")
        .unwrap();
    assert!(rows[0][pid].starts_with("ANON-"));
    assert!(text.contains(&rows[0][pid]), "pseudonym missing");
    assert!(text.contains(&rows[0][study]), "study pseudonym missing");
    assert_cells_in(&text, &header, &rows);
    // Without the key: refused, exit 1, nothing written.
    let o = report(&example(), &dir.path().join("x.pdf"), &["--pseudonymize"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("project key"));
    assert!(!dir.path().join("x.pdf").exists());
}

#[test]
fn a_damaged_session_exits_1_naming_the_file_and_keeps_the_old_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("kept.pdf");
    std::fs::write(&pdf, b"old report").unwrap();
    // Not JSON.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        b"{\"format\": \"anchorage-session\", \"version\": 1, \"rois\": [",
    )
    .unwrap();
    let o = report(&broken, &pdf, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken.json"), "{err}");
    // Two ROIs sharing an id: refused as damaged, naming the file.
    let mut text = std::fs::read_to_string(example()).unwrap();
    text = text.replacen("\"id\": 2,", "\"id\": 1,", 1);
    let twice = dir.path().join("twice.json");
    std::fs::write(&twice, text).unwrap();
    let o = report(&twice, &pdf, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("damaged") && err.contains("twice.json"),
        "{err}"
    );
    // A series that is nowhere: exit 1, naming what is missing.
    let mut s = Session::load(&example()).unwrap();
    s.series[0].path = dir.path().join("nowhere");
    let moved = dir.path().join("moved.json");
    s.save(&moved).unwrap();
    let o = report(&moved, &pdf, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nowhere"));
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        b"old report",
        "the old file was replaced"
    );
}

#[test]
fn a_pseudonymised_report_that_would_show_an_identifier_is_refused() {
    let session = Session::load(&example()).unwrap();
    let series = load_series(&session, &example()).unwrap();
    let find = |uid: &str| {
        series
            .iter()
            .find(|s| s.series.uid == uid)
            .map(|s| (&s.series, &s.volume))
    };
    let picture = |title: &str| TitledImage {
        title: title.into(),
        image: ImagePixels::Grey {
            width: 8,
            height: 8,
            pixels: vec![128; 64],
        },
        mm_per_px: None,
    };
    let opts = |title: &str| ReportOptions {
        pseudonymize_key: Some(KEY.into()),
        extra_images: vec![picture(title)],
    };
    // A caller's title naming the patient, a UID or the study date: refused, saying what
    // kind of value (not the value).
    for (title, what) in [
        ("View of ANCH-0001", "the patient ID"),
        ("PHANTOM LUMBAR en face", "the patient's name"),
        (
            &*format!("series {}", session.series[0].series_instance_uid),
            "a UID",
        ),
        ("taken 2026-01-01", "a date"),
    ] {
        match build_report(&session, Some(&example()), find, &opts(title)) {
            Err(e @ anchorage_core::report::ReportError::WouldLeak { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(what), "{title}: {msg}");
                assert!(
                    !msg.contains("ANCH-0001") && !msg.contains("PHANTOM"),
                    "{msg}"
                );
            }
            other => panic!(
                "{title}: expected a refusal, got {:?}",
                other.map(|r| r.pages)
            ),
        }
    }
    // The same titles are fine in a report that is not pseudonymised; a neutral title is
    // fine in a pseudonymised one.
    let plain = ReportOptions {
        extra_images: vec![picture("View of ANCH-0001")],
        ..ReportOptions::default()
    };
    assert!(build_report(&session, Some(&example()), find, &plain).is_ok());
    assert!(build_report(&session, Some(&example()), find, &opts("L4 L en face")).is_ok());
    // A key too short is refused before anything is measured.
    let short = ReportOptions {
        pseudonymize_key: Some("short".into()),
        ..ReportOptions::default()
    };
    assert!(matches!(
        build_report(&session, Some(&example()), find, &short),
        Err(anchorage_core::report::ReportError::Key)
    ));
}
