//! `anchorage cohort demo`: the generated cohort agrees with the truth it prints — counts,
//! the second rater's repeat fraction and noise, value ranges, the risk column (the
//! `anchorage risk` nomogram) and outcomes drawn from the stated logistic model.

#[path = "common/cli.rs"]
mod cli;
use cli::{run, s};

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// CSV rows as maps of column to text.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|x| {
            h.iter()
                .cloned()
                .zip(x.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(r: &BTreeMap<String, String>, c: &str) -> f64 {
    r[c].parse().unwrap_or_else(|_| panic!("{c}: {:?}", r[c]))
}

fn sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (
        m,
        (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

fn within(x: f64, range: &Value) -> bool {
    let (lo, hi) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
    x >= lo && x < hi
}

#[test]
fn the_demo_cohort_matches_its_stated_truth() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.sqlite");
    let truth: Value = serde_json::from_str(&run(&[
        "cohort",
        "demo",
        "--db",
        s(&db),
        "--patients",
        "200",
        "--seed",
        "7",
    ]))
    .expect("truth JSON");
    let c = &truth["counts"];
    assert_eq!(c["patients"], 200);
    assert_eq!(truth["repeat_fraction"], 0.2);
    assert_eq!(c["repeated_patients"], 40);
    assert_eq!(c["sessions"], 240);
    assert_eq!(c["screws"], 960);
    let st: Value =
        serde_json::from_str(&run(&["cohort", "status", "--db", s(&db), "--json"])).unwrap();
    assert_eq!(
        (
            &st["patients"],
            &st["sessions"],
            &st["screws"],
            &st["outcomes"],
            &st["complete_patients"]
        ),
        (
            &c["patients"],
            &c["sessions"],
            &c["screws"],
            &c["patients"],
            &c["patients"]
        )
    );

    let screws_csv = dir.path().join("screws.csv");
    run(&["cohort", "export", "--db", s(&db), "--csv", s(&screws_csv)]);
    let screws = rows(&screws_csv);
    let (r1, r2): (Vec<_>, Vec<_>) = screws.iter().partition(|r| r["rater"] == "rater1");
    assert_eq!((r1.len(), r2.len()), (800, 160));
    let repeated: std::collections::BTreeSet<&str> =
        r2.iter().map(|r| r["patient_id"].as_str()).collect();
    assert_eq!(
        repeated.len() as f64 / 200.0,
        truth["repeat_fraction"].as_f64().unwrap()
    );

    // Ranges of the first rater's values (the second adds noise).
    let ranges = &truth["ranges"];
    let mut grades = std::collections::BTreeSet::new();
    for r in &r1 {
        for (col, range) in [
            ("age", "age_years"),
            ("pbq", "pbq"),
            ("patient_hu_ratio", "patient_hu_ratio"),
            ("b_hu", "b_hu"),
            ("pedicle_thickness_mm", "pedicle_thickness_mm"),
        ] {
            // Values are rounded for the table: allow the last digit.
            let x = num(r, col);
            assert!(
                within(x - 5e-5, &ranges[range]) || within(x, &ranges[range]),
                "{col} {x}"
            );
        }
        let g = num(r, "goutallier");
        assert!((1.0..=4.0).contains(&g), "goutallier {g}");
        grades.insert(g as i64);
        // The screw's HU ratio is its ST-HU over its B-HU (each rounded for the table:
        // within the rounding of the three cells).
        let (st, b) = (num(r, "st_hu"), num(r, "b_hu"));
        let bound = st / b * (0.005 / st + 0.005 / b) + 5e-5;
        assert!((num(r, "hu_ratio") - st / b).abs() <= bound, "{r:?}");
    }
    assert_eq!(grades.len(), 4);
    // A screw's HU ratio scatters around its patient's with the stated SD.
    let dev: Vec<f64> = r1
        .iter()
        .map(|r| num(r, "hu_ratio") - num(r, "patient_hu_ratio"))
        .collect();
    let (m, d) = sd(&dev);
    let want = truth["noise"]["screw_hu_ratio_sd"].as_f64().unwrap();
    assert!(
        m.abs() < 0.02 && (d - want).abs() < 0.012,
        "mean {m}, sd {d} (stated {want})"
    );

    // The second rater's noise: differences from the first rater, screw by screw.
    let key = |r: &BTreeMap<String, String>| {
        (
            r["patient_id"].clone(),
            r["level"].clone(),
            r["side"].clone(),
        )
    };
    let first: BTreeMap<_, _> = r1.iter().map(|r| (key(r), *r)).collect();
    for (col, stated, tol) in [
        ("st_hu", "rater2_st_hu_sd_hu", 2.0),
        ("b_hu", "rater2_b_hu_sd_hu", 1.6),
    ] {
        let diffs: Vec<f64> = r2
            .iter()
            .map(|r| num(r, col) - num(first[&key(r)], col))
            .collect();
        let (m, d) = sd(&diffs);
        let want = truth["noise"][stated].as_f64().unwrap();
        assert!(
            m.abs() < 3.0 && (d - want).abs() < tol,
            "{col}: mean {m}, sd {d} (stated {want})"
        );
    }

    // The risk column is the bundled nomogram's (as `anchorage risk` computes it).
    let r = r1[0];
    let risk: Value = serde_json::from_str(&run(&[
        "risk",
        "--age",
        &r["age"],
        "--pbq",
        &r["pbq"],
        "--hu-ratio",
        &r["patient_hu_ratio"],
        "--goutallier",
        &r["goutallier"],
    ]))
    .unwrap();
    assert!(
        (risk["risk"].as_f64().unwrap() - num(r, "risk")).abs() < 2e-3,
        "{risk} vs {r:?}"
    );

    // Outcomes: the stated count, and drawn from the stated model.
    let patients_csv = dir.path().join("patients.csv");
    run(&[
        "cohort",
        "export",
        "--db",
        s(&db),
        "--csv",
        s(&patients_csv),
        "--patients",
    ]);
    let patients: Vec<_> = rows(&patients_csv)
        .into_iter()
        .filter(|r| r["rater"] == "rater1")
        .collect();
    assert_eq!(patients.len(), 200);
    let model = &truth["outcome_model"];
    let coef = |k: &str| model[k].as_f64().unwrap();
    let (mut p_loose, mut p_not) = (Vec::new(), Vec::new());
    for r in &patients {
        let lp = coef("intercept")
            + coef("age_per_10_years") * (num(r, "age") - 65.0) / 10.0
            + coef("pbq") * (num(r, "pbq") - 2.5)
            + coef("patient_hu_ratio") * (num(r, "patient_hu_ratio") - 2.0)
            + coef("goutallier") * (num(r, "goutallier") - 2.0);
        let p = 1.0 / (1.0 + (-lp).exp());
        assert_eq!(r["follow_up_months"], "12");
        match r["loosening"].as_str() {
            "true" => p_loose.push(p),
            "false" => p_not.push(p),
            other => panic!("loosening {other:?}"),
        }
    }
    assert_eq!(
        p_loose.len() as u64,
        c["loosened_patients"].as_u64().unwrap()
    );
    let expected: f64 = p_loose.iter().chain(&p_not).sum();
    assert!(
        (expected - c["expected_loosened"].as_f64().unwrap()).abs() < 0.5,
        "{expected}"
    );
    let var: f64 = p_loose.iter().chain(&p_not).map(|p| p * (1.0 - p)).sum();
    assert!(
        (p_loose.len() as f64 - expected).abs() < 4.0 * var.sqrt(),
        "{} vs {expected}",
        p_loose.len()
    );
    let (ml, _) = sd(&p_loose);
    let (mn, _) = sd(&p_not);
    assert!(
        ml > mn + 0.05,
        "loosened patients' model risk {ml} vs others' {mn}"
    );

    // The same seed gives the same cohort.
    let db2 = dir.path().join("demo2.sqlite");
    run(&[
        "cohort",
        "demo",
        "--db",
        s(&db2),
        "--patients",
        "200",
        "--seed",
        "7",
    ]);
    let again = dir.path().join("again.csv");
    run(&["cohort", "export", "--db", s(&db2), "--csv", s(&again)]);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&screws_csv).unwrap()
    );
}
