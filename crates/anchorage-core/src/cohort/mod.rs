//! The cohort database: every measured patient of a study in one database, with raters,
//! provenance and outcomes, handed on as CSV and REDCap files.
//!
//! One storage interface ([`store::Backend`], a transaction running SQL with plain
//! [`store::Value`]s), two back-ends: embedded SQLite ([`sqlite`], the default, a file) and
//! PostgreSQL ([`postgres`], a server a team shares). Everything else is written once over
//! that interface, in [`Cohort`]:
//! - [`schema`]: the versioned schema and its migrations (a SQLite file is copied aside
//!   before it is migrated);
//! - [`write`]: adding sessions (re-adding a changed session keeps the earlier version; a
//!   second rater's or a repeat measurement is kept beside the first) and outcomes;
//! - [`read`]: the current rows back; [`status`]: counts and what each patient lacks;
//! - [`ingest`]: a session file recomputed through [`crate::pipeline::measure_on_disk`]
//!   (the one pipeline of `anchorage measure`), or a per-screw table CSV, made a
//!   [`SessionRecord`];
//! - [`outcomes`]: the outcomes CSV; [`export`]: per-screw and per-patient CSV;
//!   [`redcap`]: the REDCap data dictionary and import file; [`demo`]: a synthetic cohort
//!   with its stated truth.
//!
//! Every write is one transaction: a process killed during `add` leaves the database as
//! it was before or after.

#![warn(missing_docs)]

pub mod demo;
pub mod error;
pub mod export;
pub mod ingest;
pub mod model;
pub mod outcomes;
pub mod postgres;
pub mod read;
pub mod redcap;
pub mod schema;
pub mod sqlite;
pub mod status;
pub mod store;
pub mod write;

pub use error::CohortError;
pub use model::{
    AddAction, AddReport, BackendKind, DbLocation, Outcome, ScrewRecord, SessionRecord, SourceKind,
    StoredScrew,
};

use std::path::PathBuf;

use store::Backend;

/// What opening a database did to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// It was created with the current schema.
    Created,
    /// It already had the current schema.
    Current,
    /// It was migrated from an earlier schema version (a SQLite file was copied first).
    Migrated {
        /// The version it had.
        from: u32,
        /// The copy written before migrating.
        backup: Option<PathBuf>,
    },
}

/// An open cohort database.
pub struct Cohort {
    backend: Box<dyn Backend>,
    opened: Opened,
}

impl Cohort {
    /// Opens (with `create`, creates) the database at `location`, creating or migrating its
    /// schema as needed.
    pub fn open(location: &DbLocation, create: bool) -> Result<Cohort, CohortError> {
        let backend: Box<dyn Backend> = match location {
            DbLocation::Sqlite(path) => Box::new(sqlite::SqliteBackend::open(path, create)?),
            DbLocation::Postgres(url) => Box::new(postgres::PostgresBackend::connect(url)?),
        };
        Cohort::with_backend(backend)
    }

    /// Opens a database through an already connected back-end.
    pub fn with_backend(mut backend: Box<dyn Backend>) -> Result<Cohort, CohortError> {
        // Read the version first (a migration needs a backup outside any transaction).
        let mut found = None;
        backend.transaction(false, &mut |tx| {
            found = schema::read_version(tx)?;
            Ok(())
        })?;
        let location = backend.location();
        if let Some(v) = found
            && v > schema::SCHEMA_VERSION
        {
            return Err(CohortError::NewerSchema {
                location,
                found: v,
                supported: schema::SCHEMA_VERSION,
            });
        }
        let backup = match found {
            Some(v) if v < schema::SCHEMA_VERSION => backend.backup_before_migration(v)?,
            _ => None,
        };
        let mut opened = Opened::Current;
        backend.transaction(true, &mut |tx| {
            // Again inside the write lock: another process may have done it meanwhile.
            opened = match schema::read_version(tx)? {
                None => {
                    schema::create(tx)?;
                    Opened::Created
                }
                Some(v) if v < schema::SCHEMA_VERSION => {
                    schema::migrate(tx, v)?;
                    Opened::Migrated {
                        from: v,
                        backup: backup.clone(),
                    }
                }
                Some(_) => Opened::Current,
            };
            Ok(())
        })?;
        Ok(Cohort { backend, opened })
    }

    /// What opening did (created, current, migrated).
    pub fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Which back-end.
    pub fn kind(&self) -> BackendKind {
        self.backend.kind()
    }

    /// The database, for messages and the status line.
    pub fn location(&self) -> String {
        self.backend.location()
    }

    /// The schema version stored in the database.
    pub fn schema_version(&mut self) -> Result<u32, CohortError> {
        let mut v = 0;
        self.backend.transaction(false, &mut |tx| {
            v = schema::read_version(tx)?.unwrap_or(0);
            Ok(())
        })?;
        Ok(v)
    }

    pub(crate) fn backend(&mut self) -> &mut dyn Backend {
        self.backend.as_mut()
    }
}

/// The current time in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    utc_text(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    )
}

/// Seconds since 1970-01-01 UTC as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_text(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_times_are_civil_dates() {
        assert_eq!(super::utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc_text(951_782_400 + 3_723), "2000-02-29T01:02:03Z");
        assert_eq!(super::utc_text(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn now_is_an_iso_utc_time() {
        let t = super::now_utc();
        assert_eq!(t.len(), 20, "{t}");
        assert!(
            t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T",
            "{t}"
        );
        let year: i32 = t[..4].parse().unwrap();
        assert!((2025..2100).contains(&year), "{t}");
    }
}
