//! The architecture holds: no import cycle between the core's modules, and in the window
//! no panel imports another panel (nor the App), no shared module imports a panel. Checked
//! with `tools/module_graph.py`, which reads the sources (see its docstring).

use std::path::Path;
use std::process::Command;

/// The window's shared (non-panel) modules; any other module but the App is a panel.
const APP_SHARED: &str = "action,commands,derived,document,labels,loader,measure_cache,\
overlay,placement,plan_values,roi_paint,screw_paint,state,study,style,tools,undo,view,wheel,widgets,\
analysis_plots,levels_paint,protocol_queue";

fn graph(args: &[&str]) -> (bool, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new("python3")
        .arg(root.join("tools/module_graph.py"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("python3 runs tools/module_graph.py");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

#[test]
fn the_core_has_no_import_cycle() {
    let (ok, text) = graph(&["crates/anchorage-core"]);
    assert!(ok && text.contains("no cycles"), "{text}");
}

#[test]
fn panels_import_no_panel_and_the_window_has_no_cycle() {
    let (ok, text) = graph(&[
        "crates/anchorage-app",
        "--app",
        "lib,handle*,app_*",
        "--shared",
        APP_SHARED,
    ]);
    assert!(ok && text.contains("no cycles"), "{text}");
    assert!(text.contains("no panel mentions another panel"), "{text}");
}

#[test]
fn the_checker_finds_a_cycle_it_is_shown() {
    // A test that cannot fail is no test: two modules that use each other.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::B;\npub struct A;\n").unwrap();
    std::fs::write(src.join("b.rs"), "use crate::a::A;\npub struct B;\n").unwrap();
    let (ok, text) = graph(&[dir.path().to_str().unwrap()]);
    assert!(!ok && text.contains("cycle"), "{text}");
}
