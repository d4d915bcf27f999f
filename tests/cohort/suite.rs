//! The storage test suite, run unchanged against SQLite and PostgreSQL: each case gets a
//! fresh, empty database from `open` and checks what it reads back against what it wrote.

use std::path::Path;

use anchorage_core::cohort::outcomes::parse_outcomes;
use anchorage_core::cohort::status::Lack;
use anchorage_core::cohort::{AddAction, Cohort};

use super::common::{record, screw};

/// A suite case.
pub type Case = fn(&mut dyn FnMut() -> Cohort);

/// Every case, by name.
pub fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("rows_read_back_exactly", rows_read_back_exactly),
        (
            "changed_session_keeps_earlier_version",
            changed_session_keeps_earlier_version,
        ),
        (
            "second_rater_and_repeat_kept_beside",
            second_rater_and_repeat_kept_beside,
        ),
        (
            "outcomes_all_or_nothing_by_line",
            outcomes_all_or_nothing_by_line,
        ),
        ("status_says_what_is_missing", status_says_what_is_missing),
        ("exports_carry_outcomes", exports_carry_outcomes),
        ("reopen_keeps_everything", reopen_keeps_everything),
    ]
}

/// Runs every case, each on a fresh database from `fresh(case name)`.
pub fn run_all(mut fresh: impl FnMut(&str) -> Box<dyn FnMut() -> Cohort>) {
    for (name, case) in cases() {
        eprintln!("suite case {name}");
        let mut open = fresh(name);
        case(&mut *open);
    }
}

fn rows_read_back_exactly(open: &mut dyn FnMut() -> Cohort) {
    let mut c = open();
    assert_eq!(c.schema_version().unwrap(), 2);
    let r = record("P-001", "alice", "/s/a.json", "h1", 200.0);
    let rep = c.add_sessions(std::slice::from_ref(&r)).unwrap();
    assert_eq!(rep.len(), 1);
    assert_eq!(rep[0].action, AddAction::Added);
    assert_eq!(rep[0].screws, 4);
    let back = c.current_screws().unwrap();
    assert_eq!(back.len(), 4);
    for (got, want) in back.iter().zip(&r.screws) {
        assert_eq!(got.record, *want);
        assert_eq!(got.patient_id, "P-001");
        assert_eq!(got.rater, "alice");
        assert_eq!(got.session_hash, "h1");
    }
    assert_eq!(back[2].record.number("st_hu"), Some(202.0));
    let s = c.sessions().unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(
        (
            s[0].path.as_str(),
            s[0].models.as_str(),
            s[0].source.as_str()
        ),
        ("/s/a.json", "test models", "table")
    );
    assert!(s[0].current && s[0].added_at.ends_with('Z'), "{:?}", s[0]);
    let st = c.status().unwrap();
    assert_eq!(
        (st.patients, st.studies, st.sessions, st.screws, st.outcomes),
        (1, 1, 1, 4, 0)
    );
}

fn changed_session_keeps_earlier_version(open: &mut dyn FnMut() -> Cohort) {
    let mut c = open();
    let first = record("P-001", "alice", "/s/a.json", "h1", 200.0);
    c.add_sessions(std::slice::from_ref(&first)).unwrap();
    let again = c.add_sessions(std::slice::from_ref(&first)).unwrap();
    assert_eq!(again[0].action, AddAction::Unchanged);
    let changed = record("P-001", "alice", "/s/a.json", "h2", 300.0);
    let rep = c.add_sessions(&[changed]).unwrap();
    assert_eq!(rep[0].action, AddAction::Updated, "{:?}", rep[0]);
    let sessions = c.sessions().unwrap();
    assert_eq!(sessions.len(), 2, "nothing overwritten");
    assert!(!sessions[0].current && sessions[1].current);
    assert_eq!(sessions[0].superseded_by, Some(sessions[1].id));
    assert_eq!(sessions[0].content_hash, "h1");
    let now = c.current_screws().unwrap();
    assert_eq!(now.len(), 4);
    assert_eq!(now[0].record.number("st_hu"), Some(300.0));
    let st = c.status().unwrap();
    assert_eq!((st.sessions, st.superseded_sessions, st.screws), (1, 1, 4));
}

fn second_rater_and_repeat_kept_beside(open: &mut dyn FnMut() -> Cohort) {
    let mut c = open();
    let rep = c
        .add_sessions(&[
            record("P-001", "alice", "/s/a.json", "h1", 200.0),
            record("P-001", "bob", "/s/a.json", "h1", 210.0),
            record("P-001", "alice", "/s/a-repeat.json", "h3", 205.0),
        ])
        .unwrap();
    let actions: Vec<_> = rep.iter().map(|r| r.action).collect();
    assert_eq!(actions, [AddAction::Added; 3]);
    assert!(rep[1].detail.contains("beside 1"), "{}", rep[1].detail);
    assert!(rep[2].detail.contains("beside 2"), "{}", rep[2].detail);
    let st = c.status().unwrap();
    assert_eq!((st.patients, st.sessions, st.screws), (1, 3, 12));
    assert_eq!(st.patient_list[0].raters, ["alice", "bob"]);
    let patients = String::from_utf8(c.export_patients_csv().unwrap()).unwrap();
    let lines: Vec<&str> = patients.lines().collect();
    assert_eq!(lines.len(), 3, "{patients}");
    assert!(lines[1].starts_with("P-001,alice,60.0,2,2.5000,1.5000,0.3000,false,,"));
    assert!(lines[2].starts_with("P-001,bob,"));
}

fn outcomes_all_or_nothing_by_line(open: &mut dyn FnMut() -> Cohort) {
    let mut c = open();
    c.add_sessions(&[record("P-001", "alice", "/s/a.json", "h1", 200.0)])
        .unwrap();
    let file = Path::new("outcomes.csv");
    for (text, want) in [
        (
            "patient_id,level,side,loosening,follow_up_months\nP-001,L4,L,1,12\nP-999,,,0,12\n",
            "outcomes.csv: line 3: patient \"P-999\" is not in the cohort",
        ),
        (
            "patient_id,level,side,loosening,follow_up_months\nP-001,,,1,12\nP-001,S1,R,0,6\n",
            "outcomes.csv: line 3: patient \"P-001\" has no screw at S1 R",
        ),
    ] {
        let lines = parse_outcomes(file, text.as_bytes()).unwrap();
        let e = c.import_outcomes(file, &lines).unwrap_err();
        assert_eq!(e.to_string(), want);
        assert_eq!(c.current_outcomes().unwrap(), [], "nothing half-imported");
    }
    let text = "patient_id,level,side,loosening,follow_up_months,judged_by,revision\n\
                P-001,L4,L,yes,12,CT halo,no\nP-001,,,no,24,,\n";
    let lines = parse_outcomes(file, text.as_bytes()).unwrap();
    assert_eq!(c.import_outcomes(file, &lines).unwrap(), 2);
    // A corrected outcome replaces the current one; the earlier stays stored.
    let fix = "patient_id,level,side,loosening,follow_up_months\nP-001,L4,L,no,18\n";
    c.import_outcomes(file, &parse_outcomes(file, fix.as_bytes()).unwrap())
        .unwrap();
    let o = c.current_outcomes().unwrap();
    assert_eq!(o.len(), 2);
    assert_eq!(o[0].level, None);
    assert_eq!((o[0].loosening, o[0].follow_up_months), (false, Some(24.0)));
    assert_eq!(o[1].level.as_deref(), Some("L4"));
    assert_eq!((o[1].loosening, o[1].follow_up_months), (false, Some(18.0)));
    assert_eq!(o[1].judged_by, None);
    assert_eq!(c.status().unwrap().outcomes, 2);
}

fn status_says_what_is_missing(open: &mut dyn FnMut() -> Cohort) {
    let mut c = open();
    let complete = record("P-A", "alice", "/a", "ha", 200.0);
    let mut no_age = record("P-B", "alice", "/b", "hb", 200.0);
    no_age.screws[1] = screw("P-B", "L4", "R", Some(201.0), None);
    let mut no_roi = record("P-C", "alice", "/c", "hc", 200.0);
    no_roi.screws[3] = screw("P-C", "L5", "R", None, Some(60.0));
    c.add_sessions(&[complete, no_age, no_roi]).unwrap();
    let file = Path::new("o.csv");
    let text = "patient_id,level,side,loosening,follow_up_months\nP-A,,,0,12\n\
                P-B,L4,L,0,12\nP-B,L4,R,0,12\nP-B,L5,L,0,12\n";
    c.import_outcomes(file, &parse_outcomes(file, text.as_bytes()).unwrap())
        .unwrap();
    let st = c.status().unwrap();
    let lacks: Vec<(&str, &[Lack])> = st
        .patient_list
        .iter()
        .map(|p| (p.patient_id.as_str(), p.lacks.as_slice()))
        .collect();
    assert_eq!(
        lacks,
        [
            ("P-A", &[][..]),
            ("P-B", &[Lack::Age, Lack::Outcome][..]),
            ("P-C", &[Lack::Rois, Lack::Outcome][..]),
        ]
    );
    assert_eq!(st.complete_patients, 1);
}

fn exports_carry_outcomes(open: &mut dyn FnMut() -> Cohort) {
    let mut c = open();
    c.add_sessions(&[record("P-001", "alice", "/s/a.json", "h1", 200.0)])
        .unwrap();
    let file = Path::new("o.csv");
    let text = "patient_id,level,side,loosening,follow_up_months\nP-001,,,0,24\nP-001,L5,R,1,6\n";
    c.import_outcomes(file, &parse_outcomes(file, text.as_bytes()).unwrap())
        .unwrap();
    let csv = String::from_utf8(c.export_screws_csv().unwrap()).unwrap();
    let mut rows = csv.lines();
    let header = rows.next().unwrap();
    assert!(header.starts_with("patient_id,study_instance_uid,level,side,screw_diameter_mm"));
    assert!(header.ends_with(",rois,isthmus_width_transverse_mm,isthmus_width_craniocaudal_mm,pedicle_thickness_auto_mm,pedicle_thickness_caliper_mm,distance_medial_mm,distance_lateral_mm,distance_cranial_mm,distance_caudal_mm,breach_grade,screw_medial_deg,screw_craniocaudal_deg,rater,session_hash,loosening,follow_up_months"));
    let tails: Vec<String> = rows
        .map(|r| r.rsplitn(5, ',').take(4).collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(
        tails,
        [
            "24|false|h1|alice",
            "24|false|h1|alice",
            "24|false|h1|alice",
            "6|true|h1|alice"
        ]
    );
}

fn reopen_keeps_everything(open: &mut dyn FnMut() -> Cohort) {
    {
        let mut c = open();
        c.add_sessions(&[record("P-001", "alice", "/s/a.json", "h1", 200.0)])
            .unwrap();
    }
    let mut c = open();
    assert_eq!(c.opened(), &anchorage_core::cohort::Opened::Current);
    assert_eq!(c.status().unwrap().screws, 4);
}
