//! Who and what the report is about: the identification lines (name, ID, birth and study
//! date, study and series; or the keyed pseudonym alone), the page header, and for a
//! pseudonymised report the identifying values it must not show ([`Identity::check`]) and
//! the scrubbing of free text that may name them ([`Identity::scrub`]).

use crate::dicom::series::Series;
use crate::export::{pseudonym, pseudonym_uid};
use crate::session::Session;

use super::types::ReportError;

/// The identification of a report.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// Label and value lines for the title block.
    pub lines: Vec<(String, String)>,
    /// The short line at the top of every page.
    pub header: String,
    /// The pseudonymisation key, when pseudonymised.
    key: Option<String>,
    /// What a pseudonymised report must not show: (what it is, the value).
    forbidden: Vec<(&'static str, String)>,
    /// UIDs to replace by their keyed pseudonyms in free text.
    uids: Vec<String>,
    /// Series descriptions to withhold from free text.
    descriptions: Vec<String>,
}

/// A DICOM date (YYYYMMDD) as YYYY-MM-DD; anything else as it is.
pub fn dicom_date(da: &str) -> String {
    let d = da.trim();
    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
    } else {
        d.to_string()
    }
}

/// A person name (PN, `Family^Given^…`) for reading: its parts joined by spaces.
fn person_name(pn: &str) -> String {
    pn.split('^')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Identity {
    /// The identification of `session`, whose loaded series are `series` (the first gives
    /// the name and dates); pseudonymised when `key` is given.
    pub fn of(session: &Session, series: &[&Series], key: Option<&str>) -> Identity {
        let first = series.first();
        let name = first
            .map(|s| person_name(&s.patient_name))
            .unwrap_or_default();
        let birth = first
            .map(|s| s.patient_birth_date.trim().to_string())
            .unwrap_or_default();
        let study_date = first
            .map(|s| s.study_date.trim().to_string())
            .unwrap_or_default();
        let mut id = Identity {
            key: key.map(str::to_string),
            ..Identity::default()
        };
        let shown_or = |v: &str| {
            if v.is_empty() {
                "(not given)".to_string()
            } else {
                v.to_string()
            }
        };
        match key {
            None => {
                let patient = match (name.is_empty(), session.patient_id.is_empty()) {
                    (false, false) => format!("{name} ({})", session.patient_id),
                    (false, true) => name.clone(),
                    (true, _) => shown_or(&session.patient_id),
                };
                id.header = patient.clone();
                id.lines.push(("Patient".into(), patient));
                id.lines
                    .push(("Birth date".into(), shown_or(&dicom_date(&birth))));
                id.lines
                    .push(("Study date".into(), shown_or(&dicom_date(&study_date))));
                id.lines
                    .push(("Study".into(), shown_or(&session.study_instance_uid)));
                for s in series {
                    let number = s.series_number.map(|n| format!(" {n}")).unwrap_or_default();
                    id.lines.push((
                        format!("{} series{number}", s.modality),
                        format!("{} ({} images)", shown_or(s.description.trim()), s.len()),
                    ));
                }
            }
            Some(k) => {
                let alias = pseudonym(k, &session.patient_id);
                id.header = format!("Pseudonym {alias}");
                id.lines.push(("Pseudonym".into(), alias));
                id.lines.push((
                    "Study (pseudonym)".into(),
                    pseudonym_uid(k, &session.study_instance_uid),
                ));
                id.lines.push((
                    "De-identified".into(),
                    "the keyed pseudonyms of anchorage measure --pseudonymize; no name, ID, dates, UIDs or series descriptions".into(),
                ));
                for s in series {
                    id.lines.push((
                        format!("{} series", s.modality),
                        format!("{} images", s.len()),
                    ));
                }
            }
        }
        // What a pseudonymised report must not show.
        let mut forbid = |what: &'static str, v: &str| {
            let v = v.trim();
            if v.chars().count() >= 3 && !id.forbidden.iter().any(|(_, x)| x == v) {
                id.forbidden.push((what, v.to_string()));
            }
        };
        forbid("the patient ID", &session.patient_id);
        forbid("a UID", &session.study_instance_uid);
        for s in series {
            forbid("the patient's name", &s.patient_name);
            forbid("the patient's name", &person_name(&s.patient_name));
            forbid("the patient ID", &s.patient_id);
            for d in [&s.patient_birth_date, &s.study_date] {
                forbid("a date", d);
                if d.trim().len() == 8 {
                    forbid("a date", &dicom_date(d));
                }
            }
            forbid("a UID", &s.uid);
            forbid("a UID", &s.study_instance_uid);
            forbid("a UID", &s.frame_of_reference_uid);
            forbid("a series description", &s.description);
        }
        for s in &session.series {
            forbid("a UID", &s.series_instance_uid);
            forbid("a series description", &s.description);
        }
        for r in &session.rois {
            forbid("a UID", &r.sop_instance_uid);
            forbid("a UID", &r.series_uid);
        }
        let mut uids: Vec<String> = id
            .forbidden
            .iter()
            .filter(|(w, _)| *w == "a UID")
            .map(|(_, v)| v.clone())
            .collect();
        // Longest first, so a UID that extends another is replaced whole.
        uids.sort_by_key(|u| std::cmp::Reverse(u.len()));
        id.uids = uids;
        id.descriptions = id
            .forbidden
            .iter()
            .filter(|(w, _)| *w == "a series description")
            .map(|(_, v)| v.clone())
            .collect();
        id
    }

    /// Free text (a notice, a flag) as a pseudonymised report may show it: each UID
    /// replaced by its keyed pseudonym, each series description withheld. Unchanged when
    /// not pseudonymised.
    pub fn scrub(&self, text: &str) -> String {
        let Some(k) = &self.key else {
            return text.to_string();
        };
        let mut t = text.to_string();
        for u in &self.uids {
            if t.contains(u.as_str()) {
                t = t.replace(u.as_str(), &pseudonym_uid(k, u));
            }
        }
        for d in &self.descriptions {
            t = t.replace(d.as_str(), "(description withheld)");
        }
        t
    }

    /// Whether a pseudonymised report's `texts` are free of every identifying value; the
    /// error says what kind of value showed (never the value).
    pub fn check(&self, texts: &[String]) -> Result<(), ReportError> {
        for t in texts {
            for (what, v) in &self.forbidden {
                if contains_token(t, v) {
                    return Err(ReportError::WouldLeak {
                        what: (*what).to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Whether `v` occurs in `text` as a whole token: not inside a longer word or number
/// (so a short numeric ID does not match a measured value that happens to contain it).
fn contains_token(text: &str, v: &str) -> bool {
    let continues = |c: Option<char>, beyond: Option<char>| match c {
        Some(c) if c.is_alphanumeric() => true,
        Some('.') => beyond.is_some_and(|b| b.is_ascii_digit()),
        _ => false,
    };
    text.match_indices(v).any(|(i, m)| {
        let mut before = text[..i].chars().rev();
        let mut after = text[i + m.len()..].chars();
        let (b1, b2) = (before.next(), before.next());
        let (a1, a2) = (after.next(), after.next());
        !continues(b1, b2) && !continues(a1, a2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_whole_values_only() {
        assert!(contains_token("ID 123 here", "123"));
        assert!(contains_token("uid 1.2.3.", "1.2.3"));
        assert!(!contains_token("thickness 9.1234", "1234"));
        assert!(!contains_token("value 123.45", "123"));
        assert!(!contains_token("1.2.3.4", "1.2.3"));
        assert!(contains_token("(Doe Jane)", "Doe Jane"));
        assert!(!contains_token("Doex", "Doe"));
    }

    #[test]
    fn dates_read_as_iso() {
        assert_eq!(dicom_date("19640131"), "1964-01-31");
        assert_eq!(dicom_date(" 1964 "), "1964");
        assert_eq!(person_name("Doe^Jane^^"), "Doe Jane");
    }

    #[test]
    fn pseudonymised_identity_scrubs_and_refuses_what_identifies() {
        let session = Session {
            patient_id: "PID-12345".into(),
            study_instance_uid: "1.2.3.4.5".into(),
            ..Session::default()
        };
        let id = Identity::of(&session, &[], Some("project-key-1"));
        assert!(id.header.starts_with("Pseudonym ANON-"));
        assert!(!id.lines.iter().any(|(_, v)| v.contains("PID-12345")));
        let scrubbed = id.scrub("series 1.2.3.4.5 is not loaded");
        assert!(!scrubbed.contains("1.2.3.4.5"), "{scrubbed}");
        assert!(scrubbed.contains("2.25."), "{scrubbed}");
        assert!(id.check(&["all fine".into()]).is_ok());
        match id.check(&["x PID-12345 y".into()]) {
            Err(ReportError::WouldLeak { what }) => assert_eq!(what, "the patient ID"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Not pseudonymised: text passes unchanged.
        let plain = Identity::of(&session, &[], None);
        assert_eq!(plain.scrub("1.2.3.4.5"), "1.2.3.4.5");
        assert!(plain.lines.iter().any(|(_, v)| v.contains("PID-12345")));
    }
}
