//! The open document: the session (the single source of measurements) and the file it is
//! saved to. The session lives beside the study (`STUDY/anchorage-session.json`) or, when
//! the study folder cannot be written, in the config folder under `sessions/`. It is
//! saved atomically after every change.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use anchorage_core::dicom::series::Series;
use anchorage_core::session::{SeriesRef, Session};

/// The session file name beside a study.
pub const SESSION_FILE: &str = "anchorage-session.json";

/// The session being edited and where it is saved.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The session.
    pub session: Session,
    /// Where it is saved (beside the study, or in the config folder).
    pub path: Option<PathBuf>,
}

/// The folder a study path stands for: the folder itself, or the folder of a DICOMDIR or
/// file.
pub fn study_folder(study: &Path) -> PathBuf {
    if study.is_dir() {
        study.to_path_buf()
    } else {
        study
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Where a study's session goes in the config folder when the study folder is read-only:
/// `CONFIG/sessions/NAME-HASH.json`, the hash telling apart studies of the same name.
pub fn fallback_path(config_dir: &Path, study: &Path) -> PathBuf {
    let folder = crate::state::absolute(&study_folder(study));
    let hash = Sha256::digest(folder.to_string_lossy().as_bytes());
    let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let name: String = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "study".into())
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    config_dir
        .join("sessions")
        .join(format!("{name}-{short}.json"))
}

/// Where a study's session may be, in the order they are tried: beside the study, then in
/// the config folder.
pub fn session_places(study: &Path, config_dir: Option<&Path>) -> Vec<PathBuf> {
    let beside = study_folder(study).join(SESSION_FILE);
    std::iter::once(beside)
        .chain(config_dir.map(|d| fallback_path(d, study)))
        .collect()
}

impl Document {
    /// The document of a study: its existing session (beside it, else in the config
    /// folder) or a new one. A session that exists but cannot be read is not overwritten:
    /// the error is returned with a new, unsaved document.
    pub fn for_study(study: &Path, config_dir: Option<&Path>) -> (Document, Option<String>) {
        let places = session_places(study, config_dir);
        for path in &places {
            if path.is_file() {
                return match Session::load(path) {
                    Ok(session) => (
                        Document {
                            session,
                            path: Some(path.clone()),
                        },
                        None,
                    ),
                    Err(e) => (Document::default(), Some(e.to_string())),
                };
            }
        }
        (
            Document {
                session: Session::default(),
                // The first place is beside the study.
                path: places.into_iter().next(),
            },
            None,
        )
    }

    /// Opens a session file.
    pub fn open(path: &Path) -> Result<Document, String> {
        Session::load(path)
            .map(|session| Document {
                session,
                path: Some(path.to_path_buf()),
            })
            .map_err(|e| e.to_string())
    }

    /// The study folder of the session's series, resolved against the session file: the
    /// folder of its only series, or the deepest folder holding all of them (a CT and an
    /// MR in sibling folders open together).
    pub fn study_path(&self) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        let mut all = self
            .session
            .series
            .iter()
            .map(|s| crate::state::absolute(&Session::resolve(path, &s.path)));
        let mut common = all.next()?;
        for p in all {
            while !p.starts_with(&common) {
                if !common.pop() {
                    return None;
                }
            }
        }
        Some(common)
    }

    /// Records that the session uses `series` from `study` (once), with the patient and
    /// study identity.
    pub fn use_series(&mut self, series: &Series, study: &Path) {
        let s = &mut self.session;
        if s.patient_id.is_empty() {
            s.patient_id = series.patient_id.clone();
        }
        if s.study_instance_uid.is_empty() {
            s.study_instance_uid = series.study_instance_uid.clone();
        }
        if !s.series.iter().any(|r| r.series_instance_uid == series.uid) {
            s.series.push(SeriesRef {
                path: crate::state::absolute(study),
                series_instance_uid: series.uid.clone(),
                modality: series.modality.clone(),
                description: series.description.clone(),
            });
        }
    }

    /// Saves the session atomically. When the file cannot be written beside the study, it
    /// is written to the config folder instead; the returned note says so.
    pub fn save(
        &mut self,
        study: Option<&Path>,
        config_dir: Option<&Path>,
    ) -> Result<Option<String>, String> {
        let Some(path) = self.path.clone() else {
            return Err("the session has no file to be saved to".into());
        };
        let mut doc = self.session.clone();
        if let Some(dir) = path.parent() {
            doc.relativize_paths(&crate::state::absolute(dir));
        }
        match doc.save(&path) {
            Ok(()) => Ok(None),
            Err(first) => {
                let (Some(study), Some(config)) = (study, config_dir) else {
                    return Err(first.to_string());
                };
                let fallback = fallback_path(config, study);
                if fallback == path {
                    return Err(first.to_string());
                }
                if let Some(dir) = fallback.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        format!("{first}; and cannot create {} ({e})", dir.display())
                    })?;
                }
                // Absolute series paths: the session is no longer beside the study.
                self.session
                    .save(&fallback)
                    .map_err(|e| format!("{first}; and {e}"))?;
                self.path = Some(fallback.clone());
                Ok(Some(format!(
                    "the study folder cannot be written; the session is saved in {}",
                    fallback.display()
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_study_gets_a_session_beside_it_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let (mut doc, err) = Document::for_study(dir.path(), None);
        assert!(err.is_none());
        assert_eq!(doc.path, Some(dir.path().join(SESSION_FILE)));
        doc.session.patient_id = "P1".into();
        doc.session.series.push(SeriesRef {
            path: dir.path().to_path_buf(),
            series_instance_uid: "1.2".into(),
            modality: "CT".into(),
            description: String::new(),
        });
        assert_eq!(doc.save(Some(dir.path()), None), Ok(None));
        let (again, _) = Document::for_study(dir.path(), None);
        assert_eq!(again.session.patient_id, "P1");
        // Stored relative to the session file, resolved back to the study.
        assert_eq!(again.session.series[0].path, PathBuf::from("."));
        assert_eq!(
            again.study_path().map(|p| p.canonicalize().unwrap()),
            Some(dir.path().canonicalize().unwrap())
        );
    }

    #[test]
    fn fallback_is_stable_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (dir.path().join("a/My Study"), dir.path().join("b/My Study"));
        std::fs::create_dir_all(&one).unwrap();
        std::fs::create_dir_all(&two).unwrap();
        let a = fallback_path(Path::new("/cfg"), &one);
        assert_eq!(a, fallback_path(Path::new("/cfg"), &one));
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("My_Study-"), "{name}");
        assert_ne!(a, fallback_path(Path::new("/cfg"), &two));
        // A DICOMDIR stands for its folder.
        assert_eq!(fallback_path(Path::new("/cfg"), &one.join("DICOMDIR")), a);
    }
}
