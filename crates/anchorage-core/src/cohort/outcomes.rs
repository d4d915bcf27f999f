//! The outcomes CSV of `anchorage cohort outcomes FILE.csv`: columns `patient_id, level,
//! side, loosening, follow_up_months`, optional `judged_by` and `revision`, in any order;
//! empty `level` and `side` mean the whole patient. `loosening` and `revision` are
//! yes/no (`1/0`, `true/false`, `yes/no`, `y/n`). Every line is checked before anything is
//! stored ([`crate::cohort::Cohort::import_outcomes`] then stores them in one transaction).

use std::path::Path;

use super::CohortError;
use super::model::Outcome;
use crate::session::{Level, Side};

/// One parsed line of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeLine {
    /// The 1-based line number (the header is line 1).
    pub line: u64,
    /// The outcome.
    pub outcome: Outcome,
}

/// The required columns.
pub const OUTCOME_COLUMNS: [&str; 5] = [
    "patient_id",
    "level",
    "side",
    "loosening",
    "follow_up_months",
];

fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" => Some(true),
        "0" | "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Reads and checks an outcomes file.
pub fn read_outcomes(path: &Path) -> Result<Vec<OutcomeLine>, CohortError> {
    let bytes = std::fs::read(path).map_err(|source| CohortError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_outcomes(path, &bytes)
}

/// Parses an outcomes file's bytes (`path` is for messages).
pub fn parse_outcomes(path: &Path, bytes: &[u8]) -> Result<Vec<OutcomeLine>, CohortError> {
    let bad = |line: u64, message: String| CohortError::CsvLine {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let mut idx = [0usize; 5];
    for (k, name) in OUTCOME_COLUMNS.iter().enumerate() {
        idx[k] = col(name).ok_or_else(|| bad(1, format!("no column {name:?}")))?;
    }
    let (judged, revision) = (col("judged_by"), col("revision"));
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let patient_id = get(idx[0]).to_string();
        if patient_id.is_empty() {
            return Err(bad(line, "patient_id is empty".into()));
        }
        let (level, side) = (get(idx[1]), get(idx[2]));
        let (level, side) = match (level.is_empty(), side.is_empty()) {
            (true, true) => (None, None),
            (false, false) => {
                let l = Level::parse(level).ok_or_else(|| {
                    bad(line, format!("level {level:?} is not a level such as L4"))
                })?;
                let s = match side.to_ascii_uppercase().as_str() {
                    "L" | "LEFT" => Side::L,
                    "R" | "RIGHT" => Side::R,
                    _ => return Err(bad(line, format!("side {side:?} is not L or R"))),
                };
                (Some(l.to_string()), Some(s.to_string()))
            }
            _ => {
                return Err(bad(
                    line,
                    "level and side are both given (a screw) or both empty (the patient)".into(),
                ));
            }
        };
        let text = get(idx[3]);
        let loosening =
            yes_no(text).ok_or_else(|| bad(line, format!("loosening {text:?} is not yes/no")))?;
        let text = get(idx[4]);
        let follow_up_months = if text.is_empty() {
            None
        } else {
            match text.parse::<f64>() {
                Ok(m) if m.is_finite() && m >= 0.0 => Some(m),
                _ => {
                    return Err(bad(
                        line,
                        format!("follow_up_months {text:?} is not a number of months ≥ 0"),
                    ));
                }
            }
        };
        let judged_by = judged
            .map(get)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let revision = match revision.map(get).filter(|s| !s.is_empty()) {
            None => None,
            Some(t) => {
                Some(yes_no(t).ok_or_else(|| bad(line, format!("revision {t:?} is not yes/no")))?)
            }
        };
        out.push(OutcomeLine {
            line,
            outcome: Outcome {
                patient_id,
                level,
                side,
                loosening,
                follow_up_months,
                judged_by,
                revision,
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_and_checked() {
        let text = "patient_id,level,side,loosening,follow_up_months,revision\n\
                    P1,L4,L,yes,12,no\nP1,,,0,\nP2,L9,R,1,3,\n";
        let e = parse_outcomes(Path::new("o.csv"), text.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("o.csv: line 4: level \"L9\""), "{e}");
        let ok = parse_outcomes(Path::new("o.csv"), &text.as_bytes()[..text.len() - 13]).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].line, 2);
        assert_eq!(ok[0].outcome.level.as_deref(), Some("L4"));
        assert_eq!(ok[0].outcome.revision, Some(false));
        assert_eq!(ok[1].outcome.level, None);
        assert!(!ok[1].outcome.loosening);
    }
}
