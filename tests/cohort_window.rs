//! The window's Cohort tab (egui_kittest, no GPU), on a copy of the sample: add the open
//! session naming the rater, see the patient in the list with what it lacks, enter an
//! outcome for one screw and for the patient, and see the list say it is complete — read
//! back from the database as `anchorage cohort status` reads it.

mod common;

use anchorage_core::cohort::status::Lack;
use anchorage_core::cohort::{Cohort, DbLocation};
use common::*;
use egui::Vec2;
use egui_kittest::kittest::Queryable;

#[test]
fn add_the_open_session_enter_an_outcome_and_see_it_in_the_list() {
    let (dir, _study, mut h) = open_example(Vec2::new(1600.0, 1000.0));
    let db = dir.path().join("cohort.sqlite");
    h.state_mut()
        .set_cohort_database(DbLocation::Sqlite(db.clone()));
    h.get_by_label("Cohort").click();
    settle(&mut h);
    // The status line names the database in use.
    h.get_by_label(&format!("Cohort: {}", db.display()));
    // The field starts with the USER variable's name: select it all, then type over it.
    h.get_by_label("Rater").focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_label("Rater").type_text("alice");
    settle(&mut h);
    h.get_by_label("Add to cohort").click();
    settle(&mut h);
    h.get_by_label("added: 4 screw(s), new");
    h.get_by_label("ANCH-0001");
    h.get_by_label("outcome");
    let st = h.state().cohort_status().expect("a status");
    assert_eq!((st.patients, st.screws), (1, 4));
    assert_eq!(st.patient_list[0].raters, ["alice"]);
    assert_eq!(st.patient_list[0].lacks, [Lack::Outcome]);

    // One screw's outcome, then the patient's.
    h.get_by_label("ANCH-0001").click();
    settle(&mut h);
    for (label, text) in [("level", "L4"), ("side", "R")] {
        let field = h.get_by_label(label);
        field.focus();
        field.type_text(text);
        settle(&mut h);
    }
    h.get_by_label("loosened").click();
    settle(&mut h);
    h.get_by_label("Save outcome").click();
    settle(&mut h);
    h.get_by_label("outcome saved");
    assert_eq!(h.state().cohort_status().expect("status").outcomes, 1);

    // Nothing in the window's memory only: the database holds it.
    let mut c = Cohort::open(&DbLocation::Sqlite(db), false).expect("the database");
    let o = c.current_outcomes().expect("outcomes");
    assert_eq!(o.len(), 1);
    assert_eq!(
        (
            o[0].patient_id.as_str(),
            o[0].level.as_deref(),
            o[0].side.as_deref(),
            o[0].loosening
        ),
        ("ANCH-0001", Some("L4"), Some("R"), true)
    );
    assert_eq!(o[0].follow_up_months, Some(12.0));
    let st = c.status().expect("status");
    assert_eq!(
        st.patient_list[0].lacks,
        [Lack::Outcome],
        "the other screws lack theirs"
    );
}
