//! The tolerance classes of issue 19, on top of the oracle comparisons above (which run
//! every `tolerance__*` case and `fetched__ct_explicit_vr_un` through `stats` and `info`,
//! each derived file against its original's numbers):
//! - VR UN for attributes the dictionary knows: pydicom-data's `explicit_VR-UN.dcm` (a real
//!   archive file) and files derived from pydicom's by `tests/fixtures/make_tolerance.py`
//!   (binary VRs, big endian, UN inside functional groups: no public file has them);
//! - bytes after the data set (derived: a trailing element cut short, 5 stray bytes):
//!   loaded, with a warning that names the file and the bytes ignored;
//! - frames that are not parallel (derived): a warning naming the angle;
//! - no preamble and no File Meta group (derived: the data set's bytes of a CT in explicit
//!   VR LE, an MR in implicit VR LE and in explicit big endian; pydicom's numbers with
//!   `force=True`): loaded, with a warning naming the syntax assumed; a compressed one and
//!   one with 'DICM' at byte 0 are refused (cases with check "refused").
//!
//! Here: that the corpus really holds each class (so the comparisons above cannot pass
//! vacuously), and the warning.

use super::*;

fn derived() -> Vec<Value> {
    let p = root().join("tests/data/generated/tolerance/derived.json");
    let text = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", p.display(), corpus_missing_message()));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["files"].as_array().cloned().unwrap_or_default()
}

/// Whether `bytes` hold an explicit-VR element `tag` with VR UN, in either byte order.
fn has_un(bytes: &[u8], (group, element): (u16, u16)) -> bool {
    let le = [group.to_le_bytes(), element.to_le_bytes()].concat();
    let be = [group.to_be_bytes(), element.to_be_bytes()].concat();
    bytes
        .windows(6)
        .any(|w| (w[..4] == le[..] || w[..4] == be[..]) && &w[4..6] == b"UN")
}

#[test]
fn every_tolerance_class_is_in_the_corpus() {
    let cases = load_cases();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let d = derived();
    assert!(d.len() >= 5, "derived.json lists {} files", d.len());
    let mut want = vec!["fetched__ct_explicit_vr_un".to_string()];
    for class in [
        "un",
        "trailing",
        "no_meta",
        "no_meta_refused",
        "no_preamble_refused",
    ] {
        assert!(
            d.iter().any(|f| f["class"] == class),
            "derived.json has no file of class {class}"
        );
    }
    for f in &d {
        let file = f["file"].as_str().unwrap();
        let case = format!("tolerance__{}", file.trim_end_matches(".dcm"));
        if f["class"].as_str().is_some_and(|c| c.ends_with("_refused")) {
            let c = cases.iter().find(|c| c.name == case);
            assert_eq!(c.map(Case::check), Some("refused"), "{case}");
            continue;
        }
        want.push(case);
        let bytes =
            std::fs::read(root().join("tests/data/generated/tolerance").join(file)).unwrap();
        if f["class"] == "no_meta" {
            // Neither the preamble's 'DICM' nor a File Meta group element.
            assert!(
                bytes.get(128..132) != Some(b"DICM") && !bytes.starts_with(&[0x02, 0x00]),
                "{file}: has a File Meta group: the class is not exercised"
            );
        }
        if f["class"] == "un" {
            // ImagePositionPatient or PixelSpacing (in a functional group or at the top).
            assert!(
                has_un(&bytes, (0x0020, 0x0032)) && has_un(&bytes, (0x0028, 0x0030)),
                "{file}: no UN element: the class is not exercised"
            );
        }
    }
    let real = std::fs::read(root().join("tests/data/fetched/ct_explicit_vr_un.dcm")).unwrap();
    assert!(
        has_un(&real, (0x0020, 0x0037)),
        "explicit_VR-UN.dcm: orientation is not UN"
    );
    for w in &want {
        assert!(
            names.contains(&w.as_str()),
            "no expectation case {w}: re-run setup.sh"
        );
        let c = cases.iter().find(|c| &c.name == w).unwrap();
        assert_eq!(c.check(), "exact", "{w}");
        assert!(!c.stats().is_empty(), "{w}: no statistics to compare");
    }
}

#[test]
fn trailing_bytes_are_ignored_with_a_warning_naming_the_file_and_the_count() {
    let trailing: Vec<Value> = derived()
        .into_iter()
        .filter(|f| f["class"] == "trailing")
        .collect();
    assert!(
        trailing.len() >= 2,
        "no trailing-bytes files in derived.json"
    );
    for f in trailing {
        let file = f["file"].as_str().unwrap();
        let tail = f["tail_bytes"].as_u64().unwrap();
        let path = root().join("tests/data/generated/tolerance").join(file);
        let args = vec![
            "info".to_string(),
            path.display().to_string(),
            "--json".to_string(),
        ];
        let out = anchorage(&args);
        assert!(
            out.status.success() && !crashed(&out),
            "{}",
            describe(&args, &out)
        );
        let v = stdout_json(&out).unwrap();
        let warnings: Vec<&str> = v["series"][0]["warnings"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(file) && w.contains(&format!("{tail} byte(s)"))),
            "{file}: want a warning naming the file and {tail} bytes ignored: {warnings:?}"
        );
    }
}

/// The warnings of the one series `anchorage info --json` lists for `path`.
fn info_warnings(path: &std::path::Path) -> Vec<String> {
    let args = vec![
        "info".to_string(),
        path.display().to_string(),
        "--json".to_string(),
    ];
    let out = anchorage(&args);
    assert!(
        out.status.success() && !crashed(&out),
        "{}",
        describe(&args, &out)
    );
    let v = stdout_json(&out).unwrap();
    v["series"][0]["warnings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_data_set_without_file_meta_group_is_read_with_a_warning_naming_the_syntax_assumed() {
    let bare: Vec<Value> = derived()
        .into_iter()
        .filter(|f| f["class"] == "no_meta")
        .collect();
    assert!(bare.len() >= 3, "no bare data sets in derived.json");
    for f in bare {
        let file = f["file"].as_str().unwrap();
        let ts = f["transfer_syntax"].as_str().unwrap();
        let warnings = info_warnings(&root().join("tests/data/generated/tolerance").join(file));
        assert!(
            warnings.iter().any(|w| w.contains(file)
                && w.contains("no File Meta group")
                && w.contains(&format!("({ts})"))),
            "{file}: want a warning naming the file, the missing File Meta group and {ts}: {warnings:?}"
        );
    }
}

#[test]
fn frames_that_are_not_parallel_are_named_with_the_angle_numpy_computes() {
    let tilted: Vec<Value> = derived()
        .into_iter()
        .filter(|f| f["class"] == "non_parallel")
        .collect();
    assert!(!tilted.is_empty(), "no non-parallel file in derived.json");
    for f in tilted {
        let file = f["file"].as_str().unwrap();
        let want = f["tilt_deg"].as_f64().unwrap();
        let warnings = info_warnings(&root().join("tests/data/generated/tolerance").join(file));
        let angle = warnings
            .iter()
            .find(|w| w.contains("not parallel"))
            .and_then(|w| w.split("up to ").nth(1))
            .and_then(|r| r.split('°').next())
            .and_then(|a| a.parse::<f64>().ok());
        assert!(
            angle.is_some_and(|a| (a - want).abs() <= 0.05),
            "{file}: want a warning that the slices are not parallel, by {want:.2}°: {warnings:?}"
        );
    }
    // Parallel frames give no such warning.
    let plain = info_warnings(&root().join("tests/data/fetched/ct_enhanced_2frame.dcm"));
    assert!(
        !plain.iter().any(|w| w.contains("not parallel")),
        "{plain:?}"
    );
}
