//! Robustness: broken input never crashes the loader, `info` or `stats`.
//!
//! The committed corpus `tests/data/broken/` (made by `tests/fixtures/make_broken.py`,
//! described in its README.md, expectations in expected.json) goes through
//! `series::scan`, `volume::load` for every series found, and the built binary's `info` and
//! `stats --slice 0 --ellipse 5,5,3,3`. Made here at test time: `valid_ct.dcm` cut at every
//! 97th byte, copies with seeded random bit flips, and a folder of thousands of
//! non-DICOM files.
//!
//! Asserted everywhere: exit status 0 or 1 (never 101, a panic, nor a signal); on 1 a
//! message on stderr naming the file; the outcome of expected.json (refused with a reason,
//! loads, header fine but no decode, or a partial load listing the skipped files); and a
//! peak memory that stays small although files declare 4 GB elements.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anchorage_core::dicom::series::{ScanReport, scan};
use anchorage_core::dicom::volume::{LoadControl, load};
use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken")
}

#[derive(Debug, Clone)]
struct Case {
    file: String,
    expect: String,
    reason: String,
    slices: usize,
    skipped: Vec<String>,
}

impl Case {
    fn path(&self) -> PathBuf {
        corpus().join(&self.file)
    }
    /// The name stderr must mention: the file (or the folder of a folder case).
    fn name(&self) -> String {
        let p = self.path();
        let p = if self.file.ends_with("/DICOMDIR") {
            p.parent().map(Path::to_path_buf).unwrap_or(p)
        } else {
            p
        };
        p.file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus().join("expected.json"))
        .expect("tests/data/broken/expected.json (run tests/fixtures/make_broken.py)");
    let v: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    let s = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    v.as_array()
        .expect("expected.json is a list")
        .iter()
        .map(|c| Case {
            file: s(c, "file"),
            expect: s(c, "expect"),
            reason: s(c, "reason"),
            slices: c.get("slices").and_then(Value::as_u64).unwrap_or(0) as usize,
            skipped: c
                .get("skipped")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// Runs the binary on many argument lists at once, in a few threads.
fn run_all(jobs: &[Vec<String>]) -> Vec<Output> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<Output>>> = Mutex::new(vec![None; jobs.len()]);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(args) = jobs.get(i) else { break };
                    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
                        .args(args)
                        .env("RAYON_NUM_THREADS", "1")
                        .output()
                        .expect("run anchorage");
                    out.lock().unwrap()[i] = Some(o);
                }
            });
        }
    });
    out.into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every job ran"))
        .collect()
}

fn info_args(p: &Path) -> Vec<String> {
    vec!["info".into(), p.display().to_string()]
}

fn stats_args(p: &Path) -> Vec<String> {
    [
        "stats",
        &p.display().to_string(),
        "--slice",
        "0",
        "--ellipse",
        "5,5,3,3",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Exit 0 or 1, never a panic (101) or a signal; on 1 stderr names `name`.
fn check_exit(args: &[String], o: &Output, name: &str) -> Result<i32, String> {
    let stderr = String::from_utf8_lossy(&o.stderr);
    let shown = || format!("anchorage {}\n  stderr: {}", args.join(" "), stderr.trim());
    match o.status.code() {
        Some(0) => Ok(0),
        Some(1) if stderr.trim().is_empty() => {
            Err(format!("exit 1 without a message: {}", shown()))
        }
        Some(1) if !stderr.contains(name) => {
            Err(format!("exit 1, message does not name {name}: {}", shown()))
        }
        Some(1) => Ok(1),
        Some(c) => Err(format!("exit {c} (101 is a panic): {}", shown())),
        None => Err(format!("killed by a signal ({:?}): {}", o.status, shown())),
    }
}

fn skipped_reason<'a>(r: &'a ScanReport, name: &str) -> Option<&'a str> {
    r.skipped
        .iter()
        .find(|s| s.path.file_name().is_some_and(|f| f == name))
        .map(|s| s.reason.as_str())
}

/// The library side of one case: scan, then load every series found.
fn check_library(c: &Case) -> Vec<String> {
    let mut fails = Vec::new();
    let path = c.path();
    let report = match scan(&path) {
        Ok(r) => r,
        Err(e) => return vec![format!("{}: scan failed: {e}", c.file)],
    };
    let loads: Vec<Result<(), String>> = report
        .series
        .iter()
        .map(|s| {
            load(s, &LoadControl::default())
                .map(|v| assert_eq!(v.dims().0, s.len()))
                .map_err(|e| e.to_string())
        })
        .collect();
    for (s, l) in report.series.iter().zip(&loads) {
        if let Err(e) = l {
            let named = s
                .files()
                .iter()
                .any(|f| e.contains(&*f.display().to_string()));
            if !named {
                fails.push(format!(
                    "{}: load error does not name the file: {e}",
                    c.file
                ));
            }
        }
    }
    match c.expect.as_str() {
        "refused" => {
            if !report.series.is_empty() {
                fails.push(format!("{}: should be refused, found a series", c.file));
            }
            match skipped_reason(&report, &c.name()) {
                None => fails.push(format!("{}: not listed as skipped", c.file)),
                Some(r) if !r.to_lowercase().contains(&c.reason.to_lowercase()) => {
                    fails.push(format!(
                        "{}: skip reason {r:?} does not mention {:?}",
                        c.file, c.reason
                    ))
                }
                Some(_) => {}
            }
        }
        "loads" => {
            if report.series.len() != 1 || !report.skipped.is_empty() {
                fails.push(format!(
                    "{}: should load as one series; series {}, skipped {:?}",
                    c.file,
                    report.series.len(),
                    report.skipped
                ));
            }
            if let Some(Err(e)) = loads.first() {
                fails.push(format!("{}: should load: {e}", c.file));
            }
        }
        "no_decode" => {
            if report.series.len() != 1 {
                fails.push(format!("{}: the header should be accepted", c.file));
            }
            match loads.first() {
                Some(Err(e)) if e.to_lowercase().contains(&c.reason.to_lowercase()) => {}
                Some(Err(e)) => fails.push(format!(
                    "{}: load error {e:?} does not mention {:?}",
                    c.file, c.reason
                )),
                _ => fails.push(format!("{}: the pixel data should not decode", c.file)),
            }
        }
        "partial" => {
            let n = report.series.first().map(|s| s.len());
            if report.series.len() != 1 || n != Some(c.slices) {
                fails.push(format!(
                    "{}: want one series of {} slices, got {} series ({n:?} slices)",
                    c.file,
                    c.slices,
                    report.series.len()
                ));
            }
            if let Some(Err(e)) = loads.first() {
                fails.push(format!("{}: the good files should load: {e}", c.file));
            }
            for bad in &c.skipped {
                match skipped_reason(&report, bad) {
                    Some(r) if !r.is_empty() => {}
                    _ => fails.push(format!(
                        "{}: {bad} should be listed as skipped with a reason; skipped {:?}",
                        c.file, report.skipped
                    )),
                }
            }
        }
        other => fails.push(format!("{}: unknown expectation {other}", c.file)),
    }
    fails
}

fn report(what: &str, n: usize, fails: Vec<String>) {
    assert!(
        fails.is_empty(),
        "{what}: {} failure(s) in {n} case(s):\n{}",
        fails.len(),
        fails.join("\n")
    );
}

#[test]
fn corpus_through_scan_and_load() {
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let fails: Vec<String> = cases.iter().flat_map(check_library).collect();
    report("library", cases.len(), fails);
}

#[test]
fn corpus_through_info_and_stats() {
    let cases = cases();
    let mut jobs = Vec::new();
    for c in &cases {
        jobs.push(info_args(&c.path()));
        jobs.push(stats_args(&c.path()));
    }
    let outs = run_all(&jobs);
    let mut fails = Vec::new();
    for (k, c) in cases.iter().enumerate() {
        let (want_info, want_stats) = match c.expect.as_str() {
            "refused" => (1, 1),
            "no_decode" => (0, 1),
            _ => (0, 0),
        };
        for (args, o, want) in [
            (&jobs[2 * k], &outs[2 * k], want_info),
            (&jobs[2 * k + 1], &outs[2 * k + 1], want_stats),
        ] {
            match check_exit(args, o, &c.name()) {
                Err(e) => fails.push(format!("{}: {e}", c.file)),
                Ok(code) if code != want => fails.push(format!(
                    "{}: `{}` exited {code}, expected {want}; stderr: {}",
                    c.file,
                    args[0],
                    String::from_utf8_lossy(&o.stderr).trim()
                )),
                Ok(_) => {}
            }
        }
    }
    report("info and stats", cases.len(), fails);
}

#[test]
fn partial_folders_list_what_was_skipped_in_info() {
    for c in cases().iter().filter(|c| c.expect == "partial") {
        let out = run_all(&[vec![
            "info".into(),
            c.path().display().to_string(),
            "--json".into(),
        ]]);
        let o = &out[0];
        assert_eq!(o.status.code(), Some(0), "{}", c.file);
        let v: Value = serde_json::from_slice(&o.stdout).expect("info --json");
        let skipped: Vec<String> = v["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .map(|s| format!("{} {}", s["path"], s["reason"]))
            .collect();
        for bad in &c.skipped {
            assert!(
                skipped.iter().any(|s| s.contains(bad.as_str())),
                "{}: {bad} not in info's skipped list {skipped:?}",
                c.file
            );
        }
        assert_eq!(v["series"][0]["image_count"], c.slices as u64, "{}", c.file);
    }
}

fn valid_bytes() -> Vec<u8> {
    std::fs::read(corpus().join("valid_ct.dcm")).expect("valid_ct.dcm")
}

#[test]
fn truncation_at_every_97th_byte_is_refused() {
    let full = valid_bytes();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = Vec::new();
    for cut in (0..full.len()).step_by(97) {
        let p = dir.path().join(format!("cut_{cut:05}.dcm"));
        std::fs::write(&p, &full[..cut]).expect("write");
        paths.push(p);
    }
    let mut fails = Vec::new();
    for p in &paths {
        let r = scan(p).expect("scan a file");
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !r.series.is_empty() {
            fails.push(format!("{name}: a cut file was accepted"));
        }
        if skipped_reason(&r, &name).is_none_or(str::is_empty) {
            fails.push(format!("{name}: not skipped with a reason"));
        }
    }
    // The binary: each cut file through `stats`, the folder through `info`.
    let mut jobs: Vec<Vec<String>> = paths.iter().map(|p| stats_args(p)).collect();
    jobs.push(info_args(dir.path()));
    let outs = run_all(&jobs);
    for ((args, o), p) in jobs
        .iter()
        .zip(&outs)
        .zip(paths.iter().map(Some).chain([None]))
    {
        let name = match p {
            Some(p) => p.file_name().unwrap().to_string_lossy().into_owned(),
            None => dir
                .path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        };
        match check_exit(args, o, &name) {
            Ok(1) => {}
            Ok(c) => fails.push(format!("{name}: exit {c}, want 1")),
            Err(e) => fails.push(e),
        }
    }
    report("truncations", paths.len(), fails);
}

/// A small deterministic generator (xorshift64*), so the flips are the same every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn random_bit_flips_never_crash() {
    let base = valid_bytes();
    let rle = std::fs::read(corpus().join("valid_rle.dcm")).expect("valid_rle.dcm");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(0x00A1_C0DE_2024);
    let mut paths = Vec::new();
    for i in 0..400 {
        let mut b = if i % 2 == 0 {
            base.clone()
        } else {
            rle.clone()
        };
        // 1 to 8 flips, after the preamble (flips there change nothing).
        for _ in 0..=(rng.next() % 8) {
            let pos = 128 + (rng.next() as usize) % (b.len() - 128);
            b[pos] ^= 1 << (rng.next() % 8);
        }
        let p = dir.path().join(format!("flip_{i:03}.dcm"));
        std::fs::write(&p, &b).expect("write");
        paths.push(p);
    }
    let mut fails = Vec::new();
    let mut loaded = 0;
    for p in &paths {
        let r = scan(p).expect("scan a file");
        for s in &r.series {
            match load(s, &LoadControl::default()) {
                Ok(_) => loaded += 1,
                Err(e) if e.to_string().contains(&*p.display().to_string()) => {}
                Err(e) => fails.push(format!("{}: load error without the file: {e}", p.display())),
            }
        }
        for s in &r.skipped {
            if s.reason.is_empty() {
                fails.push(format!("{}: skipped without a reason", s.path.display()));
            }
        }
    }
    // Every 8th file through the binary, and the whole folder through `info`.
    let picked: Vec<&PathBuf> = paths.iter().step_by(8).collect();
    let mut jobs: Vec<Vec<String>> = Vec::new();
    for p in &picked {
        jobs.push(info_args(p));
        jobs.push(stats_args(p));
    }
    jobs.push(info_args(dir.path()));
    let outs = run_all(&jobs);
    for (k, (args, o)) in jobs.iter().zip(&outs).enumerate() {
        let name = match picked.get(k / 2) {
            Some(p) => p.file_name().unwrap().to_string_lossy().into_owned(),
            None => dir
                .path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        };
        if let Err(e) = check_exit(args, o, &name) {
            fails.push(e);
        }
    }
    report("bit flips", paths.len(), fails);
    eprintln!(
        "bit flips: {loaded} of {} mutants still loaded",
        paths.len()
    );
}

#[test]
fn thousands_of_non_dicom_files_are_skipped_and_the_series_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(7);
    let n = 3000;
    for i in 0..n {
        let len = (rng.next() % 700) as usize;
        let mut b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if i % 3 == 0 && b.len() >= 132 {
            // Some even carry the DICM marker, then garbage.
            b[128..132].copy_from_slice(b"DICM");
        }
        let sub = dir.path().join(format!("d{}", i % 10));
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join(format!("file{i:04}.bin")), &b).expect("write");
    }
    std::fs::write(dir.path().join("good.dcm"), valid_bytes()).expect("write");
    let t = std::time::Instant::now();
    let r = scan(dir.path()).expect("scan");
    let scan_s = t.elapsed().as_secs_f64();
    assert_eq!(r.series.len(), 1);
    assert_eq!(r.skipped.len(), n);
    assert!(r.skipped.iter().all(|s| !s.reason.is_empty()));
    load(&r.series[0], &LoadControl::default()).expect("the good file loads");
    let outs = run_all(&[info_args(dir.path()), stats_args(dir.path())]);
    for o in &outs {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(scan_s < 30.0, "scanning {n} junk files took {scan_s:.1} s");
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn lengths_larger_than_the_file_allocate_nothing() {
    // Each of these declares hundreds of megabytes to 4 GB. Run them several times: if any
    // allocation were sized from the declared length, the peak would be gigabytes.
    let names = [
        "ob_length_4gb.dcm",
        "string_length_beyond_file.dcm",
        "meta_private_length_4gb.dcm",
        "meta_uid_length_beyond_file.dcm",
        "sequence_length_beyond_file.dcm",
        "item_length_beyond_file.dcm",
        "encapsulated_fragment_length_beyond_file.dcm",
        "bitflip_length_of_pixel_data.dcm",
        "rows_as_us_with_3_bytes.dcm",
        "rle_absurd_size.dcm",
        "rows_cols_65535.dcm",
        "frames_2147483647.dcm",
        "nested_1500_levels.dcm",
        "deflated_item_bomb.dcm",
        "deflated_zip_bomb.dcm",
    ];
    for _ in 0..3 {
        for n in names {
            let p = corpus().join(n);
            let r = scan(&p).expect("scan");
            assert!(r.series.is_empty(), "{n} was accepted");
            assert_eq!(r.skipped.len(), 1, "{n}");
        }
    }
    if let Some(kib) = vm_hwm_kib() {
        // The whole test binary (other tests run beside this one) stays far below the
        // gigabytes these files declare.
        assert!(kib < 768 * 1024, "peak memory {} MiB", kib / 1024);
        eprintln!("VmHWM {} MiB", kib / 1024);
    }
}
