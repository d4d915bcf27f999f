//! Writing an export: the per-screw table as CSV and JSON (the bytes `anchorage measure`
//! writes for the same session: same `screw_table`, `to_csv`, `to_json`), a PNG snapshot
//! of the shown slice with its ROIs (`snapshot::render`), and the session itself. Every
//! file is written atomically; a failed write says why and leaves the old file as it was.
//! Optionally pseudonymised with a project key (`ScrewTable::pseudonymize`).

use std::path::{Path, PathBuf};

use super::App;
use super::action::ExportKind;
use super::derived::Derived;
use anchorage_core::export::to_json;
use anchorage_core::session::{Session, write_atomic};

impl App {
    /// Writes one export to `folder`, pseudonymised with `key` when there is one, and
    /// records the outcome for the export panel.
    pub(super) fn export(
        &mut self,
        kind: ExportKind,
        folder: Option<PathBuf>,
        key: Option<String>,
    ) {
        let result = self.export_to(kind, folder, key);
        if let Err(e) = &result {
            self.errors.push(format!("export failed: {e}"));
        }
        self.export_last = Some(result);
    }

    fn export_to(
        &mut self,
        kind: ExportKind,
        folder: Option<PathBuf>,
        key: Option<String>,
    ) -> Result<PathBuf, String> {
        let folder = folder.ok_or("no export folder: type one in the export panel")?;
        let stem = match &key {
            Some(k) => anchorage_core::export::pseudonym(k, &self.doc.session.patient_id),
            None => self.doc.session.patient_id.clone(),
        };
        let path = folder.join(kind.file_name(&stem));
        let bytes = match kind {
            ExportKind::Csv | ExportKind::Json => {
                let d = self.derived();
                table_bytes(kind, &d, key.as_deref())?
            }
            ExportKind::Session => {
                if key.is_some() {
                    return Err(
                        "a session holds the real identifiers: it is not exported pseudonymised"
                            .into(),
                    );
                }
                session_bytes(&self.doc.session, self.doc.path.as_deref(), &folder)?
            }
            ExportKind::Png => self.snapshot()?,
        };
        write(&path, &bytes)
    }

    /// The shown slice with its ROIs, as PNG bytes.
    fn snapshot(&self) -> Result<Vec<u8>, String> {
        let st = self.study.as_ref().ok_or("no study is open")?;
        let series = st.current().ok_or("no series is shown")?;
        let loaded = st
            .current_volume()
            .ok_or("the shown series is still loading")?;
        let window = self
            .window()
            .unwrap_or(anchorage_core::display::render::WindowPreset::CT_BONE);
        let outlines: Vec<anchorage_core::display::snapshot::Outline> = self
            .doc
            .session
            .rois
            .iter()
            .filter(|r| r.series_uid == series.uid)
            .map(|roi| anchorage_core::display::snapshot::Outline {
                roi,
                rgb: if self.tools.highlight.contains(&roi.id) {
                    [255, 90, 200]
                } else if self.tools.selected == Some(roi.id) {
                    [255, 220, 40]
                } else {
                    [60, 200, 240]
                },
            })
            .collect();
        let img = anchorage_core::display::snapshot::render(
            &loaded.volume,
            self.viewers.slice(),
            window,
            &outlines,
            3,
        )
        .ok_or("the shown slice is not in the volume")?;
        img.to_png()
    }
}

/// The bytes of a table export (CSV or JSON) of the derived results.
fn table_bytes(kind: ExportKind, d: &Derived, key: Option<&str>) -> Result<Vec<u8>, String> {
    if let Some(why) = &d.refused {
        return Err(format!("nothing to export: {why}"));
    }
    let mut table = d.table.clone();
    if let Some(k) = key {
        table.pseudonymize(k)?;
    }
    match kind {
        ExportKind::Csv => table
            .to_csv()
            .map_err(|e| format!("cannot format the CSV: {e}")),
        ExportKind::Json => Ok(to_json(&table, &d.results, &d.models).into_bytes()),
        _ => Err("not a table export".into()),
    }
}

/// The session as a file in `folder`: series paths made absolute, then relative to the
/// folder where they lie beside it.
fn session_bytes(
    session: &Session,
    session_path: Option<&Path>,
    folder: &Path,
) -> Result<Vec<u8>, String> {
    let mut s = session.clone();
    if let Some(p) = session_path {
        for r in &mut s.series {
            r.path = super::state::absolute(&Session::resolve(p, &r.path));
        }
    }
    s.relativize_paths(&super::state::absolute(folder));
    serde_json::to_vec_pretty(&s).map_err(|e| format!("cannot format the session: {e}"))
}

/// Writes `bytes` to `path` atomically; the error names the file.
fn write(path: &Path, bytes: &[u8]) -> Result<PathBuf, String> {
    write_atomic(path, bytes)
        .map(|()| path.to_path_buf())
        .map_err(|e| {
            format!(
                "cannot write the file ({e}); the old one is kept: {}",
                path.display()
            )
        })
}
