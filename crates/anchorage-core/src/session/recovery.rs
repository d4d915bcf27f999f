//! Finding measurements worth offering back when a session is opened: the backup of a
//! session file that no longer loads, a save that was interrupted before its rename (a
//! complete temporary file newer than the session), or a newer copy of the same study's
//! session in the other place sessions are kept (beside the study, or the config folder
//! when the study folder could not be written). The window asks the user; nothing here
//! changes a file.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::session::{Session, backup_path};

/// Where a recoverable session came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The previous version, kept when the session was last saved (`NAME.json.bak`).
    Backup,
    /// A save whose temporary file was written completely but never renamed.
    Unfinished,
    /// The same study's session in the other place, saved more recently.
    NewerCopy,
}

impl Source {
    /// In plain words.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Backup => "the backup kept at the last save",
            Source::Unfinished => "a save that was interrupted before it finished",
            Source::NewerCopy => "a newer autosave of this study kept elsewhere",
        }
    }
}

/// A session to offer back.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The file it was read from.
    pub path: PathBuf,
    /// What kind of file it is.
    pub source: Source,
    /// When it was written.
    pub modified: Option<SystemTime>,
    /// Its contents.
    pub session: Session,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Temporary files of interrupted saves of `path` (`.NAME.PID.tmp` beside it; not those
/// of its backup, `.NAME.bak.PID.tmp`, which hold the older version).
fn unfinished_saves(path: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .is_some_and(|n| {
                    n.strip_prefix(&prefix)
                        .and_then(|rest| rest.strip_suffix(".tmp"))
                        .is_some_and(|pid| {
                            !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
                        })
                })
        })
        .collect();
    out.sort();
    out
}

/// What to offer back for the session file `path` (whether or not it loaded: `current`
/// is what is open, `None` when the file did not load) and `others`, the other places
/// the same study's session may be. The newest readable candidate whose measurements
/// differ from the open ones, or `None`.
pub fn find_offer(path: &Path, current: Option<&Session>, others: &[PathBuf]) -> Option<Offer> {
    let current_time = current.and_then(|_| modified(path));
    let mut candidates: Vec<(PathBuf, Source)> = Vec::new();
    if current.is_none() {
        candidates.push((backup_path(path), Source::Backup));
    }
    candidates.extend(
        unfinished_saves(path)
            .into_iter()
            .map(|p| (p, Source::Unfinished)),
    );
    candidates.extend(
        others
            .iter()
            .filter(|p| p.as_path() != path)
            .map(|p| (p.clone(), Source::NewerCopy)),
    );
    let mut best: Option<Offer> = None;
    for (p, source) in candidates {
        if !p.is_file() {
            continue;
        }
        let when = modified(&p);
        // Only what is newer than the open session (a backup of a damaged file always).
        if source != Source::Backup
            && let (Some(open), Some(w)) = (current_time, when)
            && w <= open
        {
            continue;
        }
        let Ok(session) = Session::load(&p) else {
            continue;
        };
        if current.is_some_and(|c| {
            c.rois == session.rois && c.patient == session.patient && c.screws == session.screws
        }) {
            continue;
        }
        if best
            .as_ref()
            .is_some_and(|b| b.modified.zip(when).is_some_and(|(b, w)| w <= b))
        {
            continue;
        }
        best = Some(Offer {
            path: p,
            source,
            modified: when,
            session,
        });
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Roi, RoiKind, Role};

    fn with_rois(n: usize) -> Session {
        let mut s = Session::default();
        for _ in 0..n {
            s.add_roi(Roi {
                id: 0,
                kind: RoiKind::Caliper,
                role: Role::PedicleThickness,
                level: None,
                side: None,
                series_uid: "1.2".into(),
                sop_instance_uid: "1.2.3".into(),
                frame: 0,
                points_mm: vec![[0.0; 3], [1.0, 0.0, 0.0]],
                width_mm: None,
                note: String::new(),
            });
        }
        s
    }

    fn later() {
        // File times have a resolution of a few ms on some file systems.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    #[test]
    fn damaged_session_offers_its_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("anchorage-session.json");
        with_rois(2).save(&path).unwrap();
        with_rois(3).save(&path).unwrap(); // the 2-ROI version is now the backup
        std::fs::write(&path, b"{\"format\": \"anchorage-sess").unwrap();
        let offer = find_offer(&path, None, &[]).expect("the backup is offered");
        assert_eq!(offer.source, Source::Backup);
        assert_eq!(offer.session.rois.len(), 2);
        assert_eq!(offer.path, backup_path(&path));
    }

    #[test]
    fn interrupted_save_and_newer_copy_are_offered_only_when_newer_and_different() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("anchorage-session.json");
        let open = with_rois(1);
        open.save(&path).unwrap();
        assert!(find_offer(&path, Some(&open), &[]).is_none());
        // An older copy elsewhere is not offered; a newer one is.
        let other = dir.path().join("config-copy.json");
        with_rois(4).save(&other).unwrap();
        let offered = find_offer(&path, Some(&open), std::slice::from_ref(&other));
        assert!(offered.is_some(), "newer copy offered");
        later();
        open.save(&path).unwrap();
        assert!(find_offer(&path, Some(&open), std::slice::from_ref(&other)).is_none());
        // A complete temporary file newer than the session: an interrupted save.
        later();
        let tmp = dir.path().join(".anchorage-session.json.4242.tmp");
        std::fs::write(&tmp, with_rois(5).to_json()).unwrap();
        let offer = find_offer(&path, Some(&open), &[]).expect("interrupted save offered");
        assert_eq!(offer.source, Source::Unfinished);
        assert_eq!(offer.session.rois.len(), 5);
        // A truncated temporary file is not.
        std::fs::write(&tmp, b"{\"format\"").unwrap();
        assert!(find_offer(&path, Some(&open), &[]).is_none());
        // Same measurements: nothing to offer.
        std::fs::write(&tmp, open.to_json()).unwrap();
        assert!(find_offer(&path, Some(&open), &[]).is_none());
    }
}
