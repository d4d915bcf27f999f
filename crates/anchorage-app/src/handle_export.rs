//! Writing an export: the per-screw table as CSV and JSON (the bytes `anchorage measure`
//! writes for the same session: same `screw_table`, `to_csv`, `to_json`), a PNG key image
//! of the shown slice with its ROIs, their statistics and the slice's facts
//! (`snapshot::key_image`), the session itself, and the DICOM SR of the session
//! (`dicom::sr::export_sr`, the bytes `anchorage sr` writes), and the planning report
//! (`report::report_on_disk`, the bytes `anchorage report` writes). Every
//! file is written atomically; a failed write says why and leaves the old file as it was.
//! Optionally pseudonymised with a project key (`ScrewTable::pseudonymize`; the PNG then
//! names the patient only by the same pseudonym, and gives no series description).

use std::path::{Path, PathBuf};

use super::App;
use super::action::ExportKind;
use super::derived::Derived;
use super::labels;
use anchorage_core::dicom::sr::{SrOptions, export_sr};
use anchorage_core::display::render::WindowPreset;
use anchorage_core::display::snapshot::{Caption, Outline, key_image, roi_lines};
use anchorage_core::export::{MIN_KEY_CHARS, pseudonym, to_json};
use anchorage_core::report::{ReportOptions, report_on_disk};
use anchorage_core::session::{Roi, Session, write_atomic};

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

    /// Writes the SR as "Save SR…" does, then sends it to the PACS tab's node (on the PACS
    /// worker thread); the outcome shows in the Export tab.
    pub(super) fn send_sr(&mut self, folder: Option<PathBuf>, key: Option<String>) {
        self.export(ExportKind::Sr, folder, key);
        match &self.export_last {
            Some(Ok(path)) => {
                let path = path.clone();
                self.pacs_store_from_export(path);
            }
            _ => self.pacs.last_store = Some(Err("the SR was not written: nothing sent".into())),
        }
    }

    fn export_to(
        &mut self,
        kind: ExportKind,
        folder: Option<PathBuf>,
        key: Option<String>,
    ) -> Result<PathBuf, String> {
        let folder = folder.ok_or("no export folder: type one in the export panel")?;
        let stem = match &key {
            Some(k) => pseudonym(k, &self.doc.session.patient_id),
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
            ExportKind::Png => self.snapshot(key.as_deref())?,
            ExportKind::Sr => self.structured_report(key)?,
            ExportKind::Report => self.planning_report(key)?,
        };
        write(&path, &bytes)
    }

    /// The session's DICOM SR, measured from the session's files on disk (as `anchorage
    /// sr` does), naming the export panel's rater.
    fn structured_report(&self, key: Option<String>) -> Result<Vec<u8>, String> {
        let path = self
            .doc
            .path
            .as_deref()
            .ok_or("save the session first: the SR is measured from the session's files")?;
        let rater = self.export_form.rater.trim();
        let opts = SrOptions {
            observer: (!rater.is_empty()).then(|| rater.to_string()),
            pseudonymize_key: key,
            ..SrOptions::default()
        };
        export_sr(&self.doc.session, path, &opts)
            .map(|e| e.bytes)
            .map_err(|e| e.to_string())
    }

    /// The planning report as PDF, measured from the session's files on disk as `anchorage
    /// report` does (so the same bytes).
    fn planning_report(&self, key: Option<String>) -> Result<Vec<u8>, String> {
        let path = self
            .doc
            .path
            .as_deref()
            .ok_or("save the session first: the report is measured from the session's files")?;
        let opts = ReportOptions {
            pseudonymize_key: key,
            extra_images: Vec::new(),
        };
        report_on_disk(&self.doc.session, path, &[], &opts)
            .map(|(r, _)| r.pdf)
            .map_err(|e| e.to_string())
    }

    /// The shown slice as a key image (its ROIs with their labels and statistics, the
    /// patient or, pseudonymised with `key`, the pseudonym, the slice, window, scale bar and
    /// "research aid"), at the export panel's scale, as PNG bytes.
    fn snapshot(&mut self, key: Option<&str>) -> Result<Vec<u8>, String> {
        if let Some(k) = key
            && k.chars().count() < MIN_KEY_CHARS
        {
            return Err(format!(
                "the project key must have at least {MIN_KEY_CHARS} characters"
            ));
        }
        let st = self.study.as_ref().ok_or("no study is open")?;
        let series = st.current().ok_or("no series is shown")?.clone();
        let loaded = st
            .current_volume()
            .ok_or("the shown series is still loading")?;
        let (volume, volume_id) = (std::sync::Arc::clone(&loaded.volume), loaded.id);
        let window = self.window().unwrap_or(WindowPreset::CT_BONE);
        let slice = self.viewers.slice();
        let unit = labels::unit(&series);
        let rois: Vec<Roi> = self
            .doc
            .session
            .rois
            .iter()
            .filter(|r| r.series_uid == series.uid)
            .cloned()
            .collect();
        let mut outlines = Vec::new();
        for roi in &rois {
            let rgb = if self.tools.highlight.contains(&roi.id) {
                [255, 90, 200]
            } else if self.tools.selected == Some(roi.id) {
                [255, 220, 40]
            } else {
                [60, 200, 240]
            };
            let mut label = vec![labels::title(roi)];
            match self.measurements.get(roi, &volume, volume_id) {
                Ok(m) => label.extend(roi_lines(&m, unit)),
                Err(e) => label.push(format!("not measured: {e}")),
            }
            outlines.push(Outline { roi, rgb, label });
        }
        let pseudonym = key.map(|k| pseudonym(k, &self.doc.session.patient_id));
        let caption = Caption::of(&series, pseudonym.as_deref(), slice);
        let scale = super::export::png_scale(self.export_form.png_scale, volume.dims().2);
        let img = key_image(&volume, slice, window, &outlines, &caption, scale)
            .ok_or("the shown slice is not in the volume")?;
        img.image.to_png()
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
