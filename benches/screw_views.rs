//! `cargo bench --bench screw_views`: the views along a planned screw on a 512 × 512 × 300
//! CT (the phantom's `large` preset, 0.5 mm pixels, 0.8 mm slices, sampled in memory and
//! noise-free; no file is read), through the functions the window calls:
//!
//! - `screw_view/axial_oblique`, `screw_view/sagittal_oblique`, `screw_view/en_face`: one
//!   320 × 320 view of 0.25 mm pixels (`display::oblique::screw_view`, trilinear), values
//!   only; `.../en_face_grey` adds the window/level to grey levels.
//! - `pedicle/measure_L3_L`: the automatic pedicle measurement along a 45 mm screw
//!   (`plan::measure_pedicle`, 91 cross-sections).
//!
//! The issue asks for each view within 10 ms.

use std::hint::black_box;

use anchorage_core::display::oblique::{ScrewViewKind, ViewOptions, screw_view};
use anchorage_core::display::render::WindowLevel;
use anchorage_core::phantom::in_memory::ct_volume_in_memory;
use anchorage_core::phantom::{Anatomy, Level, PhantomOptions, Side as PSide};
use anchorage_core::plan::{Sampler, ScrewPlan, measure_pedicle};
use anchorage_core::session::Side;
use criterion::{Criterion, criterion_group, criterion_main};

fn benches(crit: &mut Criterion) {
    let volume = ct_volume_in_memory(&PhantomOptions::large());
    let Ok(sampler) = Sampler::new(&volume) else {
        return;
    };
    let anatomy = Anatomy::lumbar();
    let Some(p) = anatomy.pedicle(Level::L3, PSide::Left) else {
        return;
    };
    let e = p.entry_point_mm();
    let d = p.direction();
    let Some(plan) = ScrewPlan::through("bench", e, [e[0] + d[0], e[1] + d[1], e[2] + d[2]]) else {
        return;
    };
    let opts = ViewOptions::default();
    for (name, kind) in [
        ("screw_view/axial_oblique_320", ScrewViewKind::AxialOblique),
        (
            "screw_view/sagittal_oblique_320",
            ScrewViewKind::SagittalOblique,
        ),
        (
            "screw_view/en_face_320",
            ScrewViewKind::EnFace { depth_mm: 10.0 },
        ),
    ] {
        crit.bench_function(name, |b| {
            b.iter(|| screw_view(&sampler, black_box(&plan), Side::L, 6.5, 45.0, kind, opts))
        });
    }
    let window = WindowLevel::new(400.0, 1800.0);
    crit.bench_function("screw_view/en_face_320_grey", |b| {
        b.iter(|| {
            screw_view(
                &sampler,
                black_box(&plan),
                Side::L,
                6.5,
                45.0,
                ScrewViewKind::EnFace { depth_mm: 10.0 },
                opts,
            )
            .map(|v| v.to_grey(window))
        })
    });
    crit.bench_function("pedicle/measure_L3_L", |b| {
        b.iter(|| measure_pedicle(&sampler, black_box(&plan), Side::L, 6.5, 45.0))
    });
}

criterion_group! {
    name = screw_views;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(screw_views);
