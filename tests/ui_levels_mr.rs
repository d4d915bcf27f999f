//! The MR's PBQ protocol in the window (egui_kittest), on the sample phantom (issue 20):
//! with the MR shown, "Propose the protocol" offers every pedicle ROI (L1–L4, left and
//! right) and the CSF ROI, the MR's first; nothing is measured before it is accepted;
//! "Accept all that pass" ticks the checklist's PBQ items and gives the truth's PBQ. A
//! study of the MR alone: the window finds the MR's own levels and proposes from them.

mod common;
#[path = "common/levels.rs"]
mod levels_common;

use anchorage_app::App;
use anchorage_app::action::{Action, Item};
use anchorage_core::session::{Level, Role, Side};
use common::*;
use egui::Vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use levels_common::*;

/// Shows the sample's MR.
fn show_mr(h: &mut Harness<'_, App>) {
    let i = h
        .state()
        .study()
        .and_then(|s| s.report.as_ref())
        .and_then(|r| r.series.iter().position(|s| s.modality == "MR"))
        .expect("the sample has an MR");
    h.state_mut().handle(Action::SelectSeries(i));
    wait_for(h, "the MR", |a| {
        a.volume().is_some_and(|v| v.planes.len() == 25) && !a.is_busy()
    });
    settle(h);
}

#[test]
fn with_the_mr_shown_the_pbq_protocol_is_proposed_and_accepting_all_gives_the_truths_pbq() {
    let t = truth();
    let (_dir, mut h) = open_with_levels(Vec2::new(1600.0, 1000.0));
    show_mr(&mut h);
    let mr_uid = h
        .state()
        .study()
        .and_then(|st| st.current())
        .expect("MR")
        .uid
        .clone();
    h.get_by_label("Propose the protocol").scroll_to_me();
    settle(&mut h);
    h.get_by_label("Propose the protocol").click();
    settle(&mut h);
    wait_for(&mut h, "the proposals", |a| {
        !a.is_busy() && a.protocol_queue().is_some()
    });
    settle(&mut h);
    let q = h.state().protocol_queue().expect("proposed").clone();
    // The MR's nine first: pedicles L1–L4 both sides, then the CSF behind L3.
    let pbq: Vec<(Role, Level, Option<Side>)> = q
        .entries
        .iter()
        .map(|e| &e.proposal.roi)
        .filter(|r| r.series_uid == mr_uid)
        .map(|r| (r.role, r.level.expect("level"), r.side))
        .collect();
    assert_eq!(pbq.len(), 9, "{pbq:?} ({:?})", h.state().levels_message());
    for level in [Level::L1, Level::L2, Level::L3, Level::L4] {
        for side in [Side::L, Side::R] {
            assert!(pbq.contains(&(Role::PedicleSi, level, Some(side))));
        }
    }
    assert!(pbq.contains(&(Role::CsfSi, Level::L3, None)));
    assert_eq!(
        q.entries[0].proposal.roi.series_uid, mr_uid,
        "the shown MR's proposals come first"
    );
    assert_eq!(
        h.state()
            .study()
            .and_then(|st| st.current())
            .map(|s| s.uid.clone()),
        Some(mr_uid.clone()),
        "the first proposal is shown on the MR"
    );
    assert!(
        h.state().session().rois.is_empty(),
        "nothing is measured before it is accepted"
    );
    let n_passing = q.entries.iter().filter(|e| e.proposal.passes()).count();
    assert_eq!(n_passing, q.entries.len(), "every proposal passes");
    let button = format!("Accept all that pass ({n_passing})");
    h.get_by_label(&button).scroll_to_me();
    settle(&mut h);
    h.get_by_label(&button).click();
    settle(&mut h);
    assert_eq!(h.state().session().rois.len(), n_passing);

    // The checklist's PBQ items are ticked.
    let mut items: Vec<Item> = Vec::new();
    for level in [Level::L1, Level::L2, Level::L3, Level::L4] {
        for side in [Side::L, Side::R] {
            items.push(Item {
                role: Role::PedicleSi,
                level,
                side: Some(side),
            });
        }
    }
    items.push(Item {
        role: Role::CsfSi,
        level: Level::L3,
        side: None,
    });
    for item in &items {
        let text = format!("[x] {}", item.label());
        if let Some(n) = h.query_by_label(&text) {
            n.scroll_to_me();
        }
        settle(&mut h);
        assert!(
            h.query_by_label(&text).is_some(),
            "{} is not ticked",
            item.label()
        );
    }

    // The PBQ is the truth's, within 4.5 standard errors of the ROIs' noise.
    let derived = h.state_mut().derived();
    let session = h.state().session().clone();
    let (mut var_ped, mut csf) = (0.0, None);
    for roi in session.rois.iter().filter(|r| r.series_uid == mr_uid) {
        let m = derived.measurements.get(&roi.id).expect("measured");
        let st = m.stats.as_ref().expect("stats");
        let se = st.sd.expect("sd") / (st.n as f64).sqrt();
        match roi.role {
            Role::CsfSi => csf = Some((st.mean.expect("mean"), se)),
            _ => var_ped += (se / 8.0).powi(2),
        }
    }
    let (csf_si, csf_se) = csf.expect("the CSF ROI");
    let pbq_truth = num(&t["expected"]["pbq"], "pbq");
    let ped_truth = num(&t["expected"]["pbq"], "pedicle_mean_si");
    let rel_se = (var_ped / ped_truth.powi(2) + (csf_se / csf_si).powi(2)).sqrt();
    let pbq = derived.results.patient.pbq.expect("PBQ");
    assert!(
        (pbq - pbq_truth).abs() <= 4.5 * rel_se * pbq_truth,
        "PBQ {pbq:.4}, truth {pbq_truth} (relative SE {rel_se:.4})"
    );
    assert_eq!(
        derived.results.patient.pbq_levels,
        [Level::L1, Level::L2, Level::L3, Level::L4]
    );
    assert!(derived.placement.is_empty(), "{:?}", derived.placement);
}

#[test]
fn an_mr_alone_has_its_own_levels_found_and_its_pbq_protocol_proposed() {
    let t = truth();
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_dir(&sample().join("mr"), &study.join("mr"));
    let mut h = harness_sized(
        &dir.path().join("config"),
        &study,
        Vec2::new(1600.0, 1000.0),
    );
    wait_for(&mut h, "the MR's levels", |a| {
        a.volume().is_some() && !a.is_busy() && !a.session().levels.is_empty()
    });
    settle(&mut h);
    let levels = h.state().session().levels[0].clone();
    assert_eq!(levels.modality, "MR");
    let labels: Vec<Option<Level>> = levels.bodies.iter().map(|b| b.level).collect();
    assert_eq!(
        labels,
        [
            Level::L1,
            Level::L2,
            Level::L3,
            Level::L4,
            Level::L5,
            Level::S1
        ]
        .map(Some)
    );
    // Each body's endplates within one MR slice spacing of the truth's.
    for b in &levels.bodies {
        let level = b.level.expect("label").to_string();
        let (lo, hi) = truth_body(&t, &level);
        let sup = levels.axis.point_at(b.superior_mm)[2];
        let inf = levels.axis.point_at(b.inferior_mm)[2];
        assert!(
            (sup - hi).abs() <= 3.0 && (inf - lo).abs() <= 3.0,
            "{level}: {inf:.1}..{sup:.1}, truth {lo}..{hi}"
        );
    }
    h.get_by_label("Propose the protocol").scroll_to_me();
    settle(&mut h);
    h.get_by_label("Propose the protocol").click();
    settle(&mut h);
    wait_for(&mut h, "the proposals", |a| {
        !a.is_busy() && a.protocol_queue().is_some()
    });
    let q = h.state().protocol_queue().expect("proposed").clone();
    assert_eq!(q.entries.len(), 9, "{:?}", h.state().levels_message());
    assert!(q.entries.iter().all(|e| e.proposal.passes()));
    assert!(h.state().session().rois.is_empty());
}
