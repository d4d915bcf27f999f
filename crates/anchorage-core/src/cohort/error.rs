//! The cohort database's errors: each names what it is about — the database file or the
//! server, the table and row, the CSV file and line, or the session file.

use std::path::PathBuf;

/// Everything that can go wrong with the cohort database.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    /// SQLite refused or failed.
    #[error("SQLite database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The PostgreSQL server refused or failed.
    #[error("PostgreSQL server {server}: {}", with_causes(source))]
    Postgres {
        /// The server and database (without a password).
        server: String,
        /// What the client or server said.
        source: postgres::Error,
    },
    /// No database where one was expected.
    #[error("no cohort database at {path} (create it with `anchorage cohort init`)")]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The database was written by a newer Anchorage.
    #[error(
        "cohort database {location}: schema version {found} is newer than this Anchorage's {supported}; update Anchorage"
    )]
    NewerSchema {
        /// The database.
        location: String,
        /// Its schema version.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },
    /// A stored row does not hold what the schema says.
    #[error("cohort database {location}: table {table}, row {row}: {message}")]
    BadRow {
        /// The database.
        location: String,
        /// The table.
        table: &'static str,
        /// The row id (or position when it has none).
        row: i64,
        /// What is wrong.
        message: String,
    },
    /// A line of an input CSV file was refused.
    #[error("{path}: line {line}: {message}")]
    CsvLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// An input file was refused as a whole.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The `--db` value is neither a path nor a postgres URL that can be used.
    #[error("--db {value}: {message}")]
    Location {
        /// The value given.
        value: String,
        /// Why it cannot be used.
        message: String,
    },
}

/// An error's text followed by each of its causes (the `postgres` client's own text is
/// only the kind, such as "db error"; the server's message is its cause).
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let t = c.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cause = c.source();
    }
    text
}

impl CohortError {
    /// A [`CohortError::File`] for `path`.
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> CohortError {
        CohortError::File {
            path: path.into(),
            message: message.into(),
        }
    }
}
