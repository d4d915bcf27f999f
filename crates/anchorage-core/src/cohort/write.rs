//! Writing: sessions with their screws, and outcomes. Each call is one transaction.
//!
//! A session is identified by its study, its rater and its file. Adding it again:
//! - with the same content hash changes nothing (`unchanged`);
//! - with another hash stores the new version and marks the earlier one superseded
//!   (`updated`: nothing is overwritten, the earlier rows stay in the database);
//! - another rater's session of the same study, or the same rater's second session file
//!   of it (a repeat measurement), is stored beside the others (`added`), for reliability.

use super::model::{AddAction, AddReport, Outcome, SessionRecord};
use super::outcomes::OutcomeLine;
use super::store::{RowReader, Tx, Value, scalar_int};
use super::{Cohort, CohortError, now_utc};

/// The typed columns of `screws` taken from the table's cells, in insert order.
const SCREW_NUMBERS: [&str; 9] = [
    "st_hu",
    "b_hu",
    "pedicle_thickness_mm",
    "pbq",
    "patient_hu_ratio",
    "age",
    "goutallier",
    "risk",
    "high_risk",
];

impl Cohort {
    /// Adds sessions in one transaction; returns what was done with each, in order.
    pub fn add_sessions(
        &mut self,
        records: &[SessionRecord],
    ) -> Result<Vec<AddReport>, CohortError> {
        let now = now_utc();
        let mut reports = Vec::new();
        self.backend().transaction(true, &mut |tx| {
            reports.clear();
            for r in records {
                reports.push(add_one(tx, r, &now)?);
            }
            Ok(())
        })?;
        Ok(reports)
    }

    /// Stores outcomes in one transaction. A line naming an unknown patient, or a level
    /// and side with no stored screw of that patient, refuses the whole file (by line
    /// number): nothing is half-imported. An earlier outcome of the same patient, level
    /// and side is kept, marked superseded. Returns the number stored.
    pub fn import_outcomes(
        &mut self,
        path: &std::path::Path,
        lines: &[OutcomeLine],
    ) -> Result<usize, CohortError> {
        let now = now_utc();
        self.backend().transaction(true, &mut |tx| {
            for l in lines {
                store_outcome(tx, path, l, &now)?;
            }
            Ok(())
        })?;
        Ok(lines.len())
    }
}

fn bad_line(path: &std::path::Path, line: u64, message: String) -> CohortError {
    CohortError::CsvLine {
        path: path.to_path_buf(),
        line,
        message,
    }
}

fn store_outcome(
    tx: &mut dyn Tx,
    path: &std::path::Path,
    l: &OutcomeLine,
    now: &str,
) -> Result<(), CohortError> {
    let o: &Outcome = &l.outcome;
    let location = tx.location();
    let rows = tx.query(
        "SELECT id FROM patients WHERE patient_key = ?",
        &[Value::Text(o.patient_id.clone())],
    )?;
    let Some(patient) = rows.first().and_then(|r| r.first()).and_then(Value::as_int) else {
        return Err(bad_line(
            path,
            l.line,
            format!("patient {:?} is not in the cohort", o.patient_id),
        ));
    };
    let (level, side) = (
        o.level.clone().unwrap_or_default(),
        o.side.clone().unwrap_or_default(),
    );
    if !level.is_empty() {
        let n = scalar_int(
            &tx.query(
                "SELECT COUNT(*) FROM screws sc JOIN sessions s ON sc.session_id = s.id \
                 JOIN studies st ON s.study_id = st.id \
                 WHERE st.patient_id = ? AND s.is_current = 1 AND sc.level = ? AND sc.side = ?",
                &[
                    Value::Int(patient),
                    Value::Text(level.clone()),
                    Value::Text(side.clone()),
                ],
            )?,
            &location,
            "screws",
        )?;
        if n == 0 {
            return Err(bad_line(
                path,
                l.line,
                format!("patient {:?} has no screw at {level} {side}", o.patient_id),
            ));
        }
    }
    tx.execute(
        "UPDATE outcomes SET is_current = 0 WHERE patient_id = ? AND level = ? AND side = ? AND is_current = 1",
        &[Value::Int(patient), Value::Text(level.clone()), Value::Text(side.clone())],
    )?;
    tx.execute(
        "INSERT INTO outcomes (patient_id, level, side, loosening, follow_up_months, source, added_at, is_current, judged_by, revision) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        &[
            Value::Int(patient),
            Value::Text(level),
            Value::Text(side),
            Value::Int(o.loosening.into()),
            Value::real_or_null(o.follow_up_months),
            Value::Text(path.display().to_string()),
            Value::Text(now.to_string()),
            Value::text_or_null(o.judged_by.as_deref()),
            Value::int_or_null(o.revision.map(i64::from)),
        ],
    )?;
    Ok(())
}

fn id_of(
    tx: &mut dyn Tx,
    sql: &str,
    params: &[Value],
    table: &'static str,
) -> Result<i64, CohortError> {
    let location = tx.location();
    scalar_int(&tx.query(sql, params)?, &location, table)
}

fn add_one(tx: &mut dyn Tx, r: &SessionRecord, now: &str) -> Result<AddReport, CohortError> {
    let report = |action, detail: String, screws| AddReport {
        path: r.path.clone(),
        action,
        detail,
        screws,
    };
    if r.screws.is_empty() {
        return Ok(report(AddAction::Refused, "it has no screws".into(), 0));
    }
    let location = tx.location();
    tx.execute(
        "INSERT INTO patients (patient_key, pseudonymised, created_at) VALUES (?, ?, ?) \
         ON CONFLICT (patient_key) DO NOTHING",
        &[
            Value::Text(r.patient_id.clone()),
            Value::Int(r.pseudonymised.into()),
            Value::Text(now.to_string()),
        ],
    )?;
    let patient = id_of(
        tx,
        "SELECT id FROM patients WHERE patient_key = ?",
        &[Value::Text(r.patient_id.clone())],
        "patients",
    )?;
    tx.execute(
        "INSERT INTO studies (patient_id, study_uid) VALUES (?, ?) ON CONFLICT (patient_id, study_uid) DO NOTHING",
        &[Value::Int(patient), Value::Text(r.study_uid.clone())],
    )?;
    let study = id_of(
        tx,
        "SELECT id FROM studies WHERE patient_id = ? AND study_uid = ?",
        &[Value::Int(patient), Value::Text(r.study_uid.clone())],
        "studies",
    )?;
    let earlier = tx.query(
        "SELECT id, content_hash FROM sessions WHERE study_id = ? AND rater = ? AND path = ? AND is_current = 1",
        &[
            Value::Int(study),
            Value::Text(r.rater.clone()),
            Value::Text(r.path.clone()),
        ],
    )?;
    let earlier = match earlier.first() {
        Some(row) => {
            let rr = RowReader {
                row,
                table: "sessions",
                id: 0,
                location: &location,
            };
            Some((rr.int(0)?, rr.text(1)?))
        }
        None => None,
    };
    if let Some((_, hash)) = &earlier
        && *hash == r.content_hash
    {
        return Ok(report(
            AddAction::Unchanged,
            "already in the cohort with the same content".into(),
            0,
        ));
    }
    let others = id_of(
        tx,
        "SELECT COUNT(*) FROM sessions WHERE study_id = ? AND is_current = 1",
        &[Value::Int(study)],
        "sessions",
    )? - i64::from(earlier.is_some());
    let session = id_of(
        tx,
        "INSERT INTO sessions (study_id, rater, path, content_hash, software_version, source, added_at, is_current, models) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id",
        &[
            Value::Int(study),
            Value::Text(r.rater.clone()),
            Value::Text(r.path.clone()),
            Value::Text(r.content_hash.clone()),
            Value::Text(r.software_version.clone()),
            Value::Text(r.source.code().into()),
            Value::Text(now.to_string()),
            Value::Text(r.models.clone()),
        ],
        "sessions",
    )?;
    if let Some((old, _)) = &earlier {
        tx.execute(
            "UPDATE sessions SET is_current = 0, superseded_by = ? WHERE id = ?",
            &[Value::Int(session), Value::Int(*old)],
        )?;
    }
    for s in &r.screws {
        let cells = serde_json::to_string(&s.cells).map_err(|e| CohortError::BadRow {
            location: location.clone(),
            table: "screws",
            row: 0,
            message: e.to_string(),
        })?;
        let mut params = vec![
            Value::Int(session),
            Value::Text(s.get("level").to_string()),
            Value::Text(s.get("side").to_string()),
        ];
        for c in SCREW_NUMBERS {
            params.push(match c {
                "goutallier" => Value::int_or_null(s.number(c).map(|x| x as i64)),
                "high_risk" => match s.get(c) {
                    "true" => Value::Int(1),
                    "false" => Value::Int(0),
                    _ => Value::Null,
                },
                _ => Value::real_or_null(s.number(c)),
            });
        }
        params.push(Value::Text(s.get("flags").to_string()));
        params.push(Value::Text(cells));
        tx.execute(
            "INSERT INTO screws (session_id, level, side, st_hu, b_hu, pedicle_thickness_mm, pbq, \
             patient_hu_ratio, age, goutallier, risk, high_risk, flags, cells) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &params,
        )?;
    }
    let n = r.screws.len();
    Ok(match earlier {
        Some((_, hash)) => report(
            AddAction::Updated,
            format!(
                "changed since it was added (content {} -> {}); the earlier version is kept",
                short(&hash),
                short(&r.content_hash)
            ),
            n,
        ),
        None if others > 0 => report(
            AddAction::Added,
            format!("beside {others} other measurement(s) of the study"),
            n,
        ),
        None => report(AddAction::Added, "new".into(), n),
    })
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
