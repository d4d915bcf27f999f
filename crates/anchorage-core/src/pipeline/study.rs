//! A session's study on disk: find and load the series a session refers to, and load the
//! session's model files. [`crate::pipeline`] measures them.

use std::path::{Path, PathBuf};

use crate::dicom::series::{ScanReport, Series, scan};
use crate::dicom::volume::{LoadControl, Volume, load};
use crate::models::file::ModelFileError;
use crate::models::risk::RiskModel;
use crate::models::stress::StressModel;
use crate::protocol::Models;
use crate::session::Session;

/// Errors of loading a study for a session.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// A series' folder could not be read or does not hold the series.
    #[error("series {uid}: {message}")]
    Series {
        /// SeriesInstanceUID.
        uid: String,
        /// What went wrong (names the path).
        message: String,
    },
    /// The session's series belong to different patients.
    #[error(
        "the session mixes patients: series {a} has PatientID {a_id:?}, series {b} has {b_id:?}; a protocol never mixes patients"
    )]
    MixedPatients {
        /// First series.
        a: String,
        /// Its patient ID.
        a_id: String,
        /// Second series.
        b: String,
        /// Its patient ID.
        b_id: String,
    },
    /// A model file could not be loaded.
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// The session contradicts itself (two ROIs share an id): measuring it would mix
    /// ROIs up.
    #[error("damaged session: {reason}")]
    Damaged {
        /// What is wrong, naming the ROI id.
        reason: String,
    },
}

/// A loaded series of a session.
#[derive(Debug, Clone)]
pub struct LoadedSeries {
    /// Where it was found.
    pub path: PathBuf,
    /// The scanned series.
    pub series: Series,
    /// Its volume.
    pub volume: Volume,
}

/// Loads every series of the session (paths resolved against the session file).
pub fn load_series(
    session: &Session,
    session_path: &Path,
) -> Result<Vec<LoadedSeries>, StudyError> {
    load_series_searching(session, session_path, &[]).map(|(series, _)| series)
}

/// [`load_series`], and a series that is not where the session says (the study was moved,
/// a disk is mounted elsewhere) is looked for by SeriesInstanceUID under the `search`
/// folders, in order; each folder is scanned once, when first needed.
///
/// Returns the series with one note for each found elsewhere (its UID, where it was
/// expected, where it was found). A series found nowhere is an error naming where it
/// was expected, why it is not there, and the folders searched.
pub fn load_series_searching(
    session: &Session,
    session_path: &Path,
    search: &[PathBuf],
) -> Result<(Vec<LoadedSeries>, Vec<String>), StudyError> {
    let mut scans: Vec<Option<Result<ScanReport, String>>> = vec![None; search.len()];
    let mut out: Vec<LoadedSeries> = Vec::new();
    let mut notes = Vec::new();
    for r in &session.series {
        let uid = r.series_instance_uid.as_str();
        let expected = Session::resolve(session_path, &r.path);
        let err = |message: String| StudyError::Series {
            uid: uid.to_string(),
            message,
        };
        let at_expected = scan(&expected)
            .map_err(|e| e.to_string())
            .and_then(|report| {
                Ok(report
                    .pick(Some(uid), &expected)
                    .map_err(|e| e.to_string())?
                    .clone())
            });
        let (path, series) = match at_expected {
            Ok(series) => (expected, series),
            Err(why) if search.is_empty() => return Err(err(why)),
            Err(why) => {
                let (path, series) = find_elsewhere(uid, search, &mut scans)
                    .map_err(|searched| err(format!("{why}; not under {searched} either")))?;
                notes.push(format!(
                    "series {uid}: not at {} ({why}); found at {}",
                    expected.display(),
                    path.display()
                ));
                (path, series)
            }
        };
        let volume = load(&series, &LoadControl::default()).map_err(|e| err(e.to_string()))?;
        out.push(LoadedSeries {
            path,
            series,
            volume,
        });
    }
    check_one_patient(&out)?;
    Ok((out, notes))
}

/// The series `uid` under the first of the `search` folders that holds it, with the
/// folder that holds its files; `scans` keeps each folder's scan (made when first
/// needed). Err: the folders searched, for the message (with why a scan failed).
fn find_elsewhere(
    uid: &str,
    search: &[PathBuf],
    scans: &mut [Option<Result<ScanReport, String>>],
) -> Result<(PathBuf, Series), String> {
    for (dir, slot) in search.iter().zip(scans.iter_mut()) {
        let report = slot.get_or_insert_with(|| scan(dir).map_err(|e| e.to_string()));
        if let Ok(report) = report.as_ref()
            && let Ok(series) = report.pick(Some(uid), dir)
        {
            return Ok((
                series.folder().unwrap_or_else(|| dir.clone()),
                series.clone(),
            ));
        }
    }
    let searched: Vec<String> = search
        .iter()
        .zip(scans.iter())
        .map(|(d, scanned)| match scanned {
            Some(Err(e)) => format!("{} ({e})", d.display()),
            _ => d.display().to_string(),
        })
        .collect();
    Err(searched.join(", "))
}

/// Refuses series of different patients (by PatientID, where both have one).
pub fn check_one_patient(series: &[LoadedSeries]) -> Result<(), StudyError> {
    let with_id: Vec<&LoadedSeries> = series
        .iter()
        .filter(|s| !s.series.patient_id.is_empty())
        .collect();
    if let Some(first) = with_id.first() {
        for s in &with_id[1..] {
            if s.series.patient_id != first.series.patient_id {
                return Err(StudyError::MixedPatients {
                    a: first.series.uid.clone(),
                    a_id: first.series.patient_id.clone(),
                    b: s.series.uid.clone(),
                    b_id: s.series.patient_id.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The models a session chose (bundled ones where it chose none).
pub fn load_models(session: &Session, session_path: &Path) -> Result<Models, StudyError> {
    let stress = match &session.models.stress_model {
        Some(p) => StressModel::from_file(&Session::resolve(session_path, p))?,
        None => StressModel::bundled(),
    };
    let risk = match &session.models.risk_model {
        Some(p) => RiskModel::from_file(&Session::resolve(session_path, p))?,
        None => RiskModel::bundled(),
    };
    Ok(Models { stress, risk })
}
