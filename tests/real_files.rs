//! Real-file tests: the `anchorage` CLI against the pydicom + numpy oracle.
//!
//! The corpus (real CT/MR files from the `pydicom` and `pydicom-data` PyPI packages, copies
//! made with dcmtk and GDCM in every transfer syntax, synthetic series) and the oracle's
//! expectations are NOT in git: `tests/fixtures/setup.sh` builds them into
//! `tests/data/fetched/` and `tests/data/generated/` (about 20 s once the packages are
//! installed). Without them every test here fails with a message saying so.
//! See docs/testing-real-files.md.
//!
//! What is checked, per expectation file `tests/data/generated/expected/<case>.json`:
//! - `stats` on every ROI: n exactly; min and max exactly (to 1e-6 relative where a
//!   fractional rescale makes the value non-integral); mean, median, sd and area_mm2 to
//!   1e-6 relative. A lossless copy must give its uncompressed original's numbers.
//! - lossy copies: `stats` succeeds and the mean is within the case's tolerance.
//! - JPEG extended 12-bit: the same as lossy, or exit 1 with a message naming the transfer
//!   syntax. Never a panic (exit 101) anywhere, nor a decoder panic caught and reported
//!   on stderr.
//! - files that must be refused (truncated pixel data): exit 1 and a message.
//! - `info --json`: series count, UID, modality, image count, rows, columns, pixel spacing,
//!   slice spacing, orientation; in the mixed folder, the two bad files are skipped with a
//!   reason while both series are still listed.

use anchorage_core::dicom::decode::panics::LOG_PREFIX;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// =====================================================================================
// THE ONE PLACE for what this file assumes about `anchorage info --json` and about the
// refusal message of an unsupported transfer syntax. interfaces.md fixes the facts but not
// the JSON field names; adjust them here if the CLI names them differently.
// =====================================================================================

/// The series facts the tests compare, read from `anchorage info PATH --json`.
#[derive(Debug, Clone, Default)]
struct SeriesFacts {
    uid: String,
    modality: Option<String>,
    /// Number of slices (a multi-frame image counts its frames).
    image_count: Option<u64>,
    rows: Option<u64>,
    columns: Option<u64>,
    /// [row spacing, column spacing] in mm.
    pixel_spacing_mm: Option<[f64; 2]>,
    slice_spacing_mm: Option<f64>,
    /// "axial" | "sagittal" | "coronal" | "oblique"
    orientation: Option<String>,
}

#[derive(Debug, Clone)]
struct SkippedFile {
    path: String,
    reason: String,
}

/// Assumed shape: {"series":[{"series_instance_uid","modality","description","image_count",
/// "rows","columns","pixel_spacing_mm":[row,col],"slice_spacing_mm","orientation",...}],
/// "skipped":[{"path","reason"}]}. The oracle's expectation files use the same names.
fn read_info_json(v: &Value) -> Result<(Vec<SeriesFacts>, Vec<SkippedFile>), String> {
    const SERIES: &str = "series";
    const UID: &str = "series_instance_uid";
    const MODALITY: &str = "modality";
    const IMAGE_COUNT: &str = "image_count";
    const ROWS: &str = "rows";
    const COLUMNS: &str = "columns";
    const PIXEL_SPACING: &str = "pixel_spacing_mm"; // [row, col]
    const SLICE_SPACING: &str = "slice_spacing_mm";
    const ORIENTATION: &str = "orientation";
    const SKIPPED: &str = "skipped";
    const SKIPPED_PATH: &str = "path";
    const SKIPPED_REASON: &str = "reason";

    let list = v
        .get(SERIES)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("no \"{SERIES}\" array in {v}"))?;
    let mut series = Vec::new();
    for s in list {
        let spacing = s
            .get(PIXEL_SPACING)
            .and_then(Value::as_array)
            .and_then(|a| {
                if a.len() == 2 {
                    Some([a[0].as_f64()?, a[1].as_f64()?])
                } else {
                    None
                }
            });
        series.push(SeriesFacts {
            uid: s
                .get(UID)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("series without \"{UID}\": {s}"))?
                .to_string(),
            modality: s.get(MODALITY).and_then(Value::as_str).map(str::to_string),
            image_count: s.get(IMAGE_COUNT).and_then(Value::as_u64),
            rows: s.get(ROWS).and_then(Value::as_u64),
            columns: s.get(COLUMNS).and_then(Value::as_u64),
            pixel_spacing_mm: spacing,
            slice_spacing_mm: s.get(SLICE_SPACING).and_then(Value::as_f64),
            orientation: s
                .get(ORIENTATION)
                .and_then(Value::as_str)
                .map(str::to_lowercase),
        });
    }
    let mut skipped = Vec::new();
    if let Some(list) = v.get(SKIPPED).and_then(Value::as_array) {
        for k in list {
            skipped.push(SkippedFile {
                path: k
                    .get(SKIPPED_PATH)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                reason: k
                    .get(SKIPPED_REASON)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            });
        }
    }
    Ok((series, skipped))
}

/// Does a refusal message name the transfer syntax? (UID, or its name.)
fn names_transfer_syntax(stderr: &str, uid: &str) -> bool {
    let s = stderr.to_lowercase();
    s.contains(uid)
        || (s.contains("jpeg")
            && (s.contains("extended") || s.contains("12-bit") || s.contains("12 bit")))
        || s.contains("transfer syntax")
}

// =====================================================================================
// Tolerances
// =====================================================================================

/// mean, median, sd, area_mm2: |got - want| <= REL * max(|want|, 1).
const REL: f64 = 1e-6;

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= REL * want.abs().max(1.0)
}

/// min and max: exactly equal when the expected value is an integer (every stored value
/// times an integral rescale), else as `close` (a fractional rescale such as MR2's
/// 3.774114 cannot be bit-exact when the CLI keeps values in f32).
fn same_extreme(got: f64, want: f64) -> bool {
    if want.fract() == 0.0 {
        got == want
    } else {
        close(got, want)
    }
}

// =====================================================================================
// Corpus
// =====================================================================================

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected_dir() -> PathBuf {
    root().join("tests/data/generated/expected")
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    json: Value,
}

impl Case {
    fn s(&self, key: &str) -> Option<&str> {
        self.json.get(key).and_then(Value::as_str)
    }
    fn check(&self) -> &str {
        self.s("check").unwrap_or("exact")
    }
    fn path(&self) -> &str {
        self.s("path").expect("case without path")
    }
    fn may_refuse(&self) -> bool {
        self.json
            .get("may_refuse")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    fn stats(&self) -> &[Value] {
        self.json
            .get("stats")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

fn corpus_missing_message() -> String {
    format!(
        "\n\n{bar}\n  THE REAL-FILE CORPUS IS MISSING: {} does not exist.\n  \
         Run `bash tests/fixtures/setup.sh` (pip + apt + about 20 s), then run the tests again.\n  \
         These tests do not pass without it, on purpose.\n{bar}\n",
        expected_dir().display(),
        bar = "=".repeat(78)
    )
}

fn load_cases() -> Vec<Case> {
    let dir = expected_dir();
    if !dir.join("index.json").is_file() {
        eprintln!("{}", corpus_missing_message());
        panic!("{}", corpus_missing_message());
    }
    let mut cases = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("index.json"))
        .collect();
    entries.sort();
    for p in entries {
        let text = std::fs::read_to_string(&p).unwrap();
        let json: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(
            json["format"],
            1,
            "{}: unknown expectation format",
            p.display()
        );
        cases.push(Case {
            name: json["case"].as_str().unwrap().to_string(),
            json,
        });
    }
    assert!(
        cases.len() > 20,
        "only {} expectation files in {}: re-run setup.sh",
        cases.len(),
        dir.display()
    );
    cases
}

// =====================================================================================
// Running the binary
// =====================================================================================

/// The binary under test; `ANCHORAGE_TEST_BIN` overrides it (a release build, or
/// `tests/fixtures/oracle.py` itself to check this harness: it must then pass everything).
fn anchorage(args: &[String]) -> Output {
    let bin = std::env::var_os("ANCHORAGE_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_anchorage")));
    Command::new(bin)
        .args(args)
        .current_dir(root())
        .output()
        .expect("could not start the anchorage binary")
}

fn describe(args: &[String], out: &Output) -> String {
    format!(
        "`anchorage {}` exited {:?}\n    stdout: {}\n    stderr: {}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// A panic (exit 101), a signal, or a decoder panic that the program caught and turned
/// into an error or a fall-back (it says so on stderr) is always a failure: every file
/// here is good or refused by a check, never by a decoder that fell over.
fn crashed(out: &Output) -> bool {
    matches!(out.status.code(), Some(101) | None) || caught_panic(out)
}

/// Whether the program reported a decoder panic it caught.
fn caught_panic(out: &Output) -> bool {
    String::from_utf8_lossy(&out.stderr).contains(LOG_PREFIX)
}

/// The JSON object printed on stdout (tolerating text around it).
fn stdout_json(out: &Output) -> Result<Value, String> {
    let text = String::from_utf8_lossy(&out.stdout);
    if let Ok(v) = serde_json::from_str::<Value>(text.trim()) {
        return Ok(v);
    }
    match (text.find('{'), text.rfind('}')) {
        (Some(a), Some(b)) if b > a => {
            serde_json::from_str(&text[a..=b]).map_err(|e| format!("stdout is not JSON ({e})"))
        }
        _ => Err("stdout has no JSON object".to_string()),
    }
}

fn stats_args(case: &Case, roi: &Value) -> Vec<String> {
    let mut args = vec!["stats".to_string(), case.path().to_string()];
    if roi["pass_series"].as_bool().unwrap_or(false) {
        args.push("--series".into());
        args.push(roi["series_uid"].as_str().unwrap().to_string());
    }
    args.push("--slice".into());
    args.push(roi["slice"].as_u64().unwrap().to_string());
    args.push(roi["roi_arg"].as_str().unwrap().to_string());
    args
}

/// Runs `f` on every item on all cores; returns the failures, in item order.
fn par_check<T: Sync, F: Fn(&T) -> Vec<String> + Sync>(items: &[T], f: F) -> Vec<String> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(8);
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().flat_map(&f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn report(what: &str, checked: usize, failures: Vec<String>) {
    if failures.is_empty() {
        eprintln!("{what}: {checked} checks passed");
        return;
    }
    let shown: Vec<_> = failures.iter().take(40).cloned().collect();
    panic!(
        "{what}: {} of {checked} checks failed{}:\n  - {}",
        failures.len(),
        if failures.len() > shown.len() {
            " (first 40 shown)"
        } else {
            ""
        },
        shown.join("\n  - ")
    );
}

// =====================================================================================
// stats
// =====================================================================================

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// Compares one `stats` output with the oracle's; Err lists every field that differs.
fn compare_stats(got: &Value, want: &Value) -> Result<(), String> {
    let mut bad = Vec::new();
    let n_want = want["n"].as_u64().unwrap();
    match got.get("n").and_then(Value::as_u64) {
        Some(n) if n == n_want => {}
        other => bad.push(format!("n {other:?} != {n_want}")),
    }
    for key in ["min", "max"] {
        let w = num(want, key).unwrap();
        match num(got, key) {
            Some(g) if same_extreme(g, w) => {}
            other => bad.push(format!("{key} {other:?} != {w}")),
        }
    }
    for key in ["mean", "median"] {
        let w = num(want, key).unwrap();
        match num(got, key) {
            Some(g) if close(g, w) => {}
            other => bad.push(format!("{key} {other:?} != {w}")),
        }
    }
    match (num(want, "sd"), got.get("sd")) {
        (None, Some(Value::Null) | None) => {}
        (None, other) => bad.push(format!("sd {other:?} != null (n < 2)")),
        (Some(w), Some(g)) if g.as_f64().is_some_and(|g| close(g, w)) => {}
        (Some(w), other) => bad.push(format!("sd {other:?} != {w}")),
    }
    match (num(want, "area_mm2"), got.get("area_mm2")) {
        (Some(w), Some(g)) if g.as_f64().is_some_and(|g| close(g, w)) => {}
        (Some(w), other) => bad.push(format!("area_mm2 {other:?} != {w}")),
        // no PixelSpacing in the file: null, or 1 mm x 1 mm per pixel
        (None, None | Some(Value::Null)) => {}
        (None, Some(g)) if g.as_f64().is_some_and(|g| close(g, n_want as f64)) => {}
        (None, other) => bad.push(format!(
            "area_mm2 {other:?}: the image has no PixelSpacing (want null or n x 1 mm2)"
        )),
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad.join("; "))
    }
}

/// The oracle's numbers for an ROI: a lossless copy is held to its original's numbers.
fn want_for(case: &Case, roi: &Value, by_name: &BTreeMap<String, Case>) -> Value {
    if case.check() == "exact"
        && let Some(reference) = case.s("reference_case").and_then(|r| by_name.get(r))
    {
        for r in reference.stats() {
            if r["label"] == roi["label"]
                && r["slice"] == roi["slice"]
                && r["roi_arg"] == roi["roi_arg"]
            {
                return r["expected"].clone();
            }
        }
        panic!(
            "{}: ROI {} not in its reference {}",
            case.name, roi["label"], reference.name
        );
    }
    roi["expected"].clone()
}

#[test]
fn corpus_is_set_up() {
    let cases = load_cases();
    let manifest = root().join("tests/data/fetched/manifest.json");
    assert!(manifest.is_file(), "{}", corpus_missing_message());
    for c in &cases {
        assert!(
            root().join(c.path()).exists(),
            "{}: {} is missing: re-run setup.sh",
            c.name,
            c.path()
        );
    }
}

#[test]
fn stats_match_oracle_exactly_on_lossless_files() {
    let cases = load_cases();
    let by_name: BTreeMap<String, Case> =
        cases.iter().map(|c| (c.name.clone(), c.clone())).collect();
    let jobs: Vec<(&Case, &Value)> = cases
        .iter()
        .filter(|c| c.check() == "exact")
        .flat_map(|c| c.stats().iter().map(move |r| (c, r)))
        .collect();
    let failures = par_check(&jobs, |(case, roi)| {
        let args = stats_args(case, roi);
        let out = anchorage(&args);
        let label = format!(
            "{} {} slice {}",
            case.name,
            roi["label"].as_str().unwrap(),
            roi["slice"]
        );
        if crashed(&out) {
            return vec![format!(
                "{label}: PANICKED/CRASHED\n    {}",
                describe(&args, &out)
            )];
        }
        if out.status.code() == Some(1) && case.may_refuse() && !out.stderr.is_empty() {
            return vec![]; // no PixelSpacing or position: refusing with a message is allowed
        }
        if !out.status.success() {
            return vec![format!("{label}: {}", describe(&args, &out))];
        }
        let got = match stdout_json(&out) {
            Ok(v) => v,
            Err(e) => return vec![format!("{label}: {e}\n    {}", describe(&args, &out))],
        };
        match compare_stats(&got, &want_for(case, roi, &by_name)) {
            Ok(()) => vec![],
            Err(e) => vec![format!("{label} `{}`: {e}", args.join(" "))],
        }
    });
    report("stats on lossless files", jobs.len(), failures);
}

#[test]
fn lossy_files_load_and_means_are_close() {
    let cases = load_cases();
    let jobs: Vec<(&Case, &Value)> = cases
        .iter()
        .filter(|c| matches!(c.check(), "lossy" | "lossy_or_unsupported"))
        .flat_map(|c| c.stats().iter().map(move |r| (c, r)))
        .collect();
    assert!(!jobs.is_empty(), "no lossy cases in the corpus");
    let failures = par_check(&jobs, |(case, roi)| {
        let args = stats_args(case, roi);
        let out = anchorage(&args);
        let label = format!(
            "{} {} slice {}",
            case.name,
            roi["label"].as_str().unwrap(),
            roi["slice"]
        );
        if crashed(&out) {
            return vec![format!(
                "{label}: PANICKED/CRASHED\n    {}",
                describe(&args, &out)
            )];
        }
        let ts = case.s("transfer_syntax").unwrap_or("");
        if case.check() == "lossy_or_unsupported" && out.status.code() == Some(1) {
            let err = String::from_utf8_lossy(&out.stderr);
            return if names_transfer_syntax(&err, ts) {
                vec![]
            } else {
                vec![format!(
                    "{label}: refused without naming the transfer syntax {ts}\n    {}",
                    describe(&args, &out)
                )]
            };
        }
        if !out.status.success() {
            return vec![format!("{label}: {}", describe(&args, &out))];
        }
        let got = match stdout_json(&out) {
            Ok(v) => v,
            Err(e) => return vec![format!("{label}: {e}")],
        };
        let want = roi["expected"]["mean"].as_f64().unwrap();
        let tol = case.json["mean_abs_tolerance"].as_f64().unwrap();
        match got.get("mean").and_then(Value::as_f64) {
            Some(g) if (g - want).abs() <= tol => vec![],
            other => vec![format!("{label}: mean {other:?}, oracle {want} +- {tol}")],
        }
    });
    report("stats on lossy files", jobs.len(), failures);
}

#[test]
fn files_that_must_be_refused_exit_1_with_a_message() {
    let cases = load_cases();
    let refused: Vec<&Case> = cases.iter().filter(|c| c.check() == "refused").collect();
    assert!(!refused.is_empty(), "no refused cases in the corpus");
    let mut failures = Vec::new();
    for c in &refused {
        let args: Vec<String> = ["stats", c.path(), "--slice", "0", "--ellipse=10,10,3,3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = anchorage(&args);
        if out.status.code() != Some(1) || out.stderr.is_empty() || caught_panic(&out) {
            failures.push(format!(
                "{}: want exit 1 and a message (from a check, not a caught panic); {}",
                c.name,
                describe(&args, &out)
            ));
        }
    }
    report("refused files", refused.len(), failures);
}

// =====================================================================================
// info
// =====================================================================================

fn file_name(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn compare_series(case: &Case, got: &SeriesFacts, want: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let uid = want["series_instance_uid"].as_str().unwrap();
    let mut check = |what: &str, ok: bool, g: String, w: String| {
        if !ok {
            bad.push(format!("{} series {uid}: {what} {g} != {w}", case.name));
        }
    };
    let wm = want["modality"].as_str().map(str::to_string);
    check(
        "modality",
        got.modality == wm,
        format!("{:?}", got.modality),
        format!("{wm:?}"),
    );
    let wc = want["image_count"].as_u64();
    check(
        "image_count",
        got.image_count == wc,
        format!("{:?}", got.image_count),
        format!("{wc:?}"),
    );
    let wr = want["rows"].as_u64();
    check(
        "rows",
        got.rows == wr,
        format!("{:?}", got.rows),
        format!("{wr:?}"),
    );
    let wcol = want["columns"].as_u64();
    check(
        "columns",
        got.columns == wcol,
        format!("{:?}", got.columns),
        format!("{wcol:?}"),
    );
    // No PixelSpacing in the file: whatever the CLI says.
    if let Some(w) = want["pixel_spacing_mm"].as_array() {
        let w = [w[0].as_f64().unwrap(), w[1].as_f64().unwrap()];
        let ok = got
            .pixel_spacing_mm
            .is_some_and(|g| close(g[0], w[0]) && close(g[1], w[1]));
        check(
            "pixel_spacing_mm [row, col]",
            ok,
            format!("{:?}", got.pixel_spacing_mm),
            format!("{w:?}"),
        );
    }
    match want["slice_spacing_mm"].as_f64() {
        Some(w) => {
            let ok = got.slice_spacing_mm.is_some_and(|g| close(g, w));
            check(
                "slice_spacing_mm",
                ok,
                format!("{:?}", got.slice_spacing_mm),
                format!("{w}"),
            );
        }
        None => check(
            "slice_spacing_mm (one slice or no positions: want null)",
            got.slice_spacing_mm.is_none(),
            format!("{:?}", got.slice_spacing_mm),
            "null".into(),
        ),
    }
    if let Some(w) = want["orientation"].as_str() {
        check(
            "orientation",
            got.orientation.as_deref() == Some(w),
            format!("{:?}", got.orientation),
            w.to_string(),
        );
    }
    bad
}

fn check_info(case: &Case) -> Vec<String> {
    let args = vec![
        "info".to_string(),
        case.path().to_string(),
        "--json".to_string(),
    ];
    let out = anchorage(&args);
    if crashed(&out) {
        return vec![format!(
            "{}: PANICKED/CRASHED\n    {}",
            case.name,
            describe(&args, &out)
        )];
    }
    if !out.status.success() {
        return vec![format!("{}: {}", case.name, describe(&args, &out))];
    }
    let (series, skipped) = match stdout_json(&out).and_then(|v| read_info_json(&v)) {
        Ok(x) => x,
        Err(e) => return vec![format!("{}: {e}\n    {}", case.name, describe(&args, &out))],
    };
    let want = &case.json["info"];
    let want_series = want["series"].as_array().unwrap();
    let want_skipped = want["skipped"].as_array().unwrap();
    let mut bad = Vec::new();
    for w in want_series {
        let uid = w["series_instance_uid"].as_str().unwrap();
        match series.iter().find(|s| s.uid == uid) {
            Some(g) => bad.extend(compare_series(case, g, w)),
            None => {
                // an unsupported or geometry-less file may be skipped instead, with a reason
                let excused = (case.check() == "lossy_or_unsupported" || case.may_refuse())
                    && series.is_empty()
                    && !skipped.is_empty()
                    && skipped.iter().all(|k| !k.reason.trim().is_empty());
                if !excused {
                    bad.push(format!(
                        "{}: series {uid} not listed; got {series:?}, skipped {skipped:?}",
                        case.name
                    ));
                }
            }
        }
    }
    if series.len() > want_series.len() {
        bad.push(format!(
            "{}: {} series listed, the oracle finds {}: {series:?}",
            case.name,
            series.len(),
            want_series.len()
        ));
    }
    // every file the oracle skips must be skipped, with a reason
    for w in want_skipped {
        let name = file_name(w["path"].as_str().unwrap());
        match skipped.iter().find(|k| file_name(&k.path) == name) {
            Some(k) if !k.reason.trim().is_empty() => {}
            Some(_) => bad.push(format!("{}: {name} skipped without a reason", case.name)),
            None => bad.push(format!(
                "{}: {name} not listed as skipped; skipped = {skipped:?}",
                case.name
            )),
        }
    }
    bad
}

#[test]
fn info_matches_oracle() {
    let cases = load_cases();
    let jobs: Vec<&Case> = cases
        .iter()
        .filter(|c| c.json["info"].is_object())
        .collect();
    let failures = par_check(&jobs, |c| check_info(c));
    report("info", jobs.len(), failures);
}

#[test]
fn mixed_folder_lists_both_series_and_skips_the_bad_files() {
    let cases = load_cases();
    let mixed = cases
        .iter()
        .find(|c| c.name == "mixed")
        .expect("no `mixed` case: re-run setup.sh");
    let args = vec![
        "info".to_string(),
        mixed.path().to_string(),
        "--json".to_string(),
    ];
    let out = anchorage(&args);
    assert!(
        out.status.success() && !crashed(&out),
        "{}",
        describe(&args, &out)
    );
    let (series, skipped) = read_info_json(&stdout_json(&out).unwrap()).unwrap();
    assert_eq!(
        series.len(),
        2,
        "want the synthetic CT and MR_small: {series:?}"
    );
    for bad in ["truncated.dcm", "README.txt"] {
        let k = skipped.iter().find(|k| file_name(&k.path) == bad);
        assert!(
            k.is_some_and(|k| !k.reason.trim().is_empty()),
            "{bad} must be listed as skipped with a reason: {skipped:?}"
        );
    }
    let failures = check_info(mixed);
    report("mixed folder info", 1, failures);
}

#[path = "real_files/tolerance.rs"]
mod tolerance;
