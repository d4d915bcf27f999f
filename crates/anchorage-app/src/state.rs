//! What the workstation remembers between runs (recent studies, the last session, a few
//! preferences, the screw sizes of the planning view): one serde struct with `#[serde(default)]`, so older files still load,
//! kept as `state.json` in the user's config folder. Also where that folder is, where the
//! bundled sample lives, and what to open at start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many recent studies are remembered.
pub const MAX_RECENT: usize = 10;

/// The file name of the state in the config folder.
pub const STATE_FILE: &str = "state.json";

/// The persisted state of the workstation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppState {
    /// Recently opened studies, sessions and DICOMDIRs, newest first.
    pub recent: Vec<PathBuf>,
    /// The session file of the last study that had one.
    pub last_session: Option<PathBuf>,
    /// The last study opened (folder, DICOMDIR or file).
    pub last_study: Option<PathBuf>,
    /// Default width of a new trajectory when no screw is planned at its level, mm.
    pub screw_diameter_mm: f64,
    /// Whether the reformatted views are shown beside a CT's native view.
    pub show_reformats: bool,
    /// The PACS node of the PACS tab, AET@HOST:PORT ("" when none is configured).
    pub pacs_node: String,
    /// Our AE title towards the PACS.
    pub pacs_aet: String,
    /// The screw sizes the planning view offers.
    pub screw_templates: ScrewTemplates,
}

/// The screw sizes the planning view offers (the surgeon's implant set), kept with the
/// workstation's settings and edited in the planning view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScrewTemplates {
    /// Diameters, mm, ascending.
    pub diameters_mm: Vec<f64>,
    /// Lengths, mm, ascending.
    pub lengths_mm: Vec<f64>,
}

impl Default for ScrewTemplates {
    /// Diameters 4.5–8.5 mm in 0.5 mm steps, lengths 30–55 mm in 5 mm steps.
    fn default() -> Self {
        ScrewTemplates {
            diameters_mm: (0..9).map(|k| 4.5 + 0.5 * k as f64).collect(),
            lengths_mm: (0..6).map(|k| 30.0 + 5.0 * k as f64).collect(),
        }
    }
}

impl ScrewTemplates {
    /// Templates from two lists of numbers as typed ("4.5, 5, 5.5"; commas, semicolons
    /// or spaces between them): sorted, duplicates dropped. Err names the list and the
    /// entry that is not a size (not a number, not positive, over 200 mm) or an empty list.
    pub fn parse(diameters: &str, lengths: &str) -> Result<ScrewTemplates, String> {
        fn list(text: &str, what: &str) -> Result<Vec<f64>, String> {
            let mut v = Vec::new();
            for t in text
                .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                .filter(|t| !t.is_empty())
            {
                let x: f64 = t
                    .parse()
                    .map_err(|_| format!("{what}: \"{t}\" is not a number"))?;
                if !(x.is_finite() && x > 0.0 && x <= 200.0) {
                    return Err(format!("{what}: {t} mm is not a screw size"));
                }
                v.push(x);
            }
            if v.is_empty() {
                return Err(format!("{what}: the list is empty"));
            }
            v.sort_by(f64::total_cmp);
            v.dedup();
            Ok(v)
        }
        Ok(ScrewTemplates {
            diameters_mm: list(diameters, "diameters")?,
            lengths_mm: list(lengths, "lengths")?,
        })
    }

    /// A list as the planning view's text field shows it ("4.5, 5, 5.5").
    pub fn text(sizes: &[f64]) -> String {
        let t: Vec<String> = sizes.iter().map(|x| format!("{x}")).collect();
        t.join(", ")
    }

    /// Whether both lists hold sizes (a damaged state file gives the defaults back).
    fn is_valid(&self) -> bool {
        let ok = |v: &[f64]| !v.is_empty() && v.iter().all(|x| x.is_finite() && *x > 0.0);
        ok(&self.diameters_mm) && ok(&self.lengths_mm)
    }
}

impl Default for AppState {
    fn default() -> Self {
        AppState {
            recent: Vec::new(),
            last_session: None,
            last_study: None,
            screw_diameter_mm: 6.5,
            show_reformats: true,
            pacs_node: String::new(),
            pacs_aet: anchorage_core::pacs::node::DEFAULT_OUR_AET.to_string(),
            screw_templates: ScrewTemplates::default(),
        }
    }
}

impl AppState {
    /// Reads the state from `dir`; a missing file gives the defaults, a damaged one the
    /// defaults and a message.
    pub fn load(dir: &Path) -> (AppState, Option<String>) {
        let path = dir.join(STATE_FILE);
        match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (AppState::default(), None),
            Err(e) => (
                AppState::default(),
                Some(format!(
                    "cannot read the saved state ({e}); starting afresh: {}",
                    path.display()
                )),
            ),
            Ok(text) => match serde_json::from_str::<AppState>(&text) {
                Ok(mut s) => {
                    if !(s.screw_diameter_mm.is_finite() && s.screw_diameter_mm > 0.0) {
                        s.screw_diameter_mm = AppState::default().screw_diameter_mm;
                    }
                    if !s.screw_templates.is_valid() {
                        s.screw_templates = ScrewTemplates::default();
                    }
                    (s, None)
                }
                Err(e) => (
                    AppState::default(),
                    Some(format!(
                        "the saved state is damaged ({e}); starting afresh: {}",
                        path.display()
                    )),
                ),
            },
        }
    }

    /// Writes the state to `dir` atomically, creating the folder.
    pub fn save(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the config folder ({e}): {}", dir.display()))?;
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let path = dir.join(STATE_FILE);
        anchorage_core::session::write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot save the state ({e}): {}", path.display()))
    }

    /// Puts `path` at the top of the recent list.
    pub fn push_recent(&mut self, path: &Path) {
        let path = absolute(path);
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

/// `path` made absolute against the current folder (without resolving links).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The config folder: `$ANCHORAGE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/anchorage`, else
/// `~/.config/anchorage` (`%APPDATA%\anchorage` on Windows).
pub fn config_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env("ANCHORAGE_CONFIG_DIR") {
        return Some(d);
    }
    if let Some(d) = env("XDG_CONFIG_HOME") {
        return Some(d.join("anchorage"));
    }
    if let Some(d) = env("APPDATA") {
        return Some(d.join("anchorage"));
    }
    env("HOME").map(|h| h.join(".config").join("anchorage"))
}

/// The bundled sample folder `sample-dicom/`: beside the current folder, then beside the
/// executable or one of its ancestors (a release build in `target/release/`), then in the
/// source tree this was compiled from.
pub fn sample_dir() -> Option<PathBuf> {
    const NAME: &str = "sample-dicom";
    let mut candidates = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join(NAME));
    }
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().skip(1).map(|a| a.join(NAME)));
    }
    // This crate sits at crates/anchorage-app in the workspace; the sample is at its root.
    if let Some(root) = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2) {
        candidates.push(root.join(NAME));
    }
    candidates.into_iter().find(|p| p.is_dir())
}

/// What to open at start: the command line's path, else the last session, else the last
/// study, else the bundled sample.
pub fn startup_path(cli: Option<PathBuf>, state: &AppState) -> Option<PathBuf> {
    cli.or_else(|| state.last_session.clone().filter(|p| p.is_file()))
        .or_else(|| state.last_study.clone().filter(|p| p.exists()))
        .or_else(sample_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_recent_and_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, msg) = AppState::load(dir.path());
        assert!(msg.is_none());
        assert_eq!(s, AppState::default());
        for i in 0..12 {
            s.push_recent(Path::new(&format!("/study/{i}")));
        }
        s.push_recent(Path::new("/study/5"));
        assert_eq!(s.recent.len(), MAX_RECENT);
        assert_eq!(s.recent[0], Path::new("/study/5"));
        s.save(dir.path()).unwrap();
        assert_eq!(AppState::load(dir.path()).0, s);
        // An older file without the newer fields still loads.
        std::fs::write(dir.path().join(STATE_FILE), r#"{"recent": ["/a"]}"#).unwrap();
        let (old, msg) = AppState::load(dir.path());
        assert!(msg.is_none());
        assert_eq!(old.screw_diameter_mm, 6.5);
        // A damaged one gives the defaults and says so.
        std::fs::write(dir.path().join(STATE_FILE), "{").unwrap();
        let (bad, msg) = AppState::load(dir.path());
        assert_eq!(bad, AppState::default());
        assert!(msg.unwrap().contains("damaged"));
    }

    #[test]
    fn screw_templates_default_parse_and_survive_a_round_trip() {
        let t = ScrewTemplates::default();
        assert_eq!(t.diameters_mm.first(), Some(&4.5));
        assert_eq!(t.diameters_mm.last(), Some(&8.5));
        assert_eq!(t.diameters_mm.len(), 9);
        assert_eq!(t.lengths_mm, vec![30.0, 35.0, 40.0, 45.0, 50.0, 55.0]);
        let p = ScrewTemplates::parse("6.5; 5.5, 5.5 7", "40 35").unwrap();
        assert_eq!(p.diameters_mm, vec![5.5, 6.5, 7.0]);
        assert_eq!(p.lengths_mm, vec![35.0, 40.0]);
        assert_eq!(ScrewTemplates::text(&p.diameters_mm), "5.5, 6.5, 7");
        assert!(
            ScrewTemplates::parse("6.5, x", "40")
                .unwrap_err()
                .contains("\"x\"")
        );
        assert!(
            ScrewTemplates::parse("6.5", "-40")
                .unwrap_err()
                .contains("lengths")
        );
        assert!(
            ScrewTemplates::parse("", "40")
                .unwrap_err()
                .contains("empty")
        );
        // Kept in the state file; an empty list there gives the defaults back.
        let dir = tempfile::tempdir().unwrap();
        let s = AppState {
            screw_templates: p.clone(),
            ..AppState::default()
        };
        s.save(dir.path()).unwrap();
        assert_eq!(AppState::load(dir.path()).0.screw_templates, p);
        std::fs::write(
            dir.path().join(STATE_FILE),
            r#"{"screw_templates": {"diameters_mm": [], "lengths_mm": [40]}}"#,
        )
        .unwrap();
        assert_eq!(AppState::load(dir.path()).0.screw_templates, t);
    }

    #[test]
    fn startup_prefers_command_line_then_last_session() {
        let dir = tempfile::tempdir().unwrap();
        let session = dir.path().join("s.json");
        std::fs::write(&session, "{}").unwrap();
        let state = AppState {
            last_session: Some(session.clone()),
            ..AppState::default()
        };
        assert_eq!(
            startup_path(Some("/x".into()), &state),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(startup_path(None, &state), Some(session));
    }
}
