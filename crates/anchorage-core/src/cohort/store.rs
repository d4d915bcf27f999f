//! The one storage interface both back-ends implement: a transaction that runs SQL with
//! plain values. Everything the cohort does (`add`, outcomes, status, exports) is written
//! once over it ([`super::Cohort`]); [`super::sqlite`] and [`super::postgres`] only carry
//! the SQL to their database.
//!
//! The SQL is the common part of both dialects: `?` placeholders (the PostgreSQL back-end
//! numbers them `$1, $2, …`), `BIGINT`, `DOUBLE PRECISION` and `TEXT` columns (booleans
//! are 0/1), `INSERT … ON CONFLICT DO NOTHING` and `RETURNING id`.

use super::error::CohortError;
use super::model::BackendKind;

/// A value passed to or read from the database.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (also booleans, as 0/1).
    Int(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(String),
}

impl Value {
    /// Text, or NULL for None.
    pub fn text_or_null(v: Option<&str>) -> Value {
        v.map_or(Value::Null, |s| Value::Text(s.to_string()))
    }

    /// A double, or NULL for None.
    pub fn real_or_null(v: Option<f64>) -> Value {
        v.filter(|x| x.is_finite()).map_or(Value::Null, Value::Real)
    }

    /// An integer, or NULL for None.
    pub fn int_or_null(v: Option<i64>) -> Value {
        v.map_or(Value::Null, Value::Int)
    }

    /// The value as an integer (a double with no fraction counts).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Real(x) if x.fract() == 0.0 => Some(*x as i64),
            _ => None,
        }
    }

    /// The value as a double.
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Real(x) => Some(*x),
            _ => None,
        }
    }

    /// The value as text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// One open transaction.
pub trait Tx {
    /// Runs a statement; returns the rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, CohortError>;
    /// Runs a query; returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, CohortError>;
    /// Runs several statements without parameters (schema changes).
    fn batch(&mut self, sql: &str) -> Result<(), CohortError>;
    /// Which back-end this is (for the few dialect differences, such as the key column).
    fn kind(&self) -> BackendKind;
    /// The database, for messages.
    fn location(&self) -> String;
}

/// A cohort database back-end.
pub trait Backend: Send {
    /// Which back-end.
    fn kind(&self) -> BackendKind;
    /// The database, for messages (a file, or a URL without its password).
    fn location(&self) -> String;
    /// Runs `f` in one transaction: committed when `f` returns Ok, rolled back otherwise
    /// (and by the database itself when the process dies before the commit). Write
    /// transactions are serialised: SQLite's `BEGIN IMMEDIATE` (waiting up to the busy
    /// timeout), PostgreSQL's transaction-scoped advisory lock.
    fn transaction(
        &mut self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), CohortError>,
    ) -> Result<(), CohortError>;
    /// Copies the database aside before a migration from `from_version`; returns the copy
    /// (None where the server keeps its own backups).
    fn backup_before_migration(
        &mut self,
        from_version: u32,
    ) -> Result<Option<std::path::PathBuf>, CohortError>;
}

/// Reads typed cells of a result row, naming the table and row in errors.
pub struct RowReader<'a> {
    /// The row.
    pub row: &'a [Value],
    /// The table, for messages.
    pub table: &'static str,
    /// The row id, for messages.
    pub id: i64,
    /// The database, for messages.
    pub location: &'a str,
}

impl RowReader<'_> {
    fn bad(&self, i: usize, what: &str) -> CohortError {
        CohortError::BadRow {
            location: self.location.to_string(),
            table: self.table,
            row: self.id,
            message: format!("column {} is not {what}", i + 1),
        }
    }

    /// A required integer.
    pub fn int(&self, i: usize) -> Result<i64, CohortError> {
        self.row
            .get(i)
            .and_then(Value::as_int)
            .ok_or_else(|| self.bad(i, "an integer"))
    }

    /// An optional integer.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, CohortError> {
        match self.row.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// An optional double.
    pub fn opt_real(&self, i: usize) -> Result<Option<f64>, CohortError> {
        match self.row.get(i) {
            Some(Value::Null) => Ok(None),
            Some(v) => v.as_real().map(Some).ok_or_else(|| self.bad(i, "a number")),
            None => Err(self.bad(i, "present")),
        }
    }

    /// Required text.
    pub fn text(&self, i: usize) -> Result<String, CohortError> {
        self.row
            .get(i)
            .and_then(Value::as_text)
            .map(str::to_string)
            .ok_or_else(|| self.bad(i, "text"))
    }

    /// Optional text.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, CohortError> {
        match self.row.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
}

/// The first integer of the first row (a count, an id).
pub fn scalar_int(
    rows: &[Vec<Value>],
    location: &str,
    what: &'static str,
) -> Result<i64, CohortError> {
    rows.first()
        .and_then(|r| r.first())
        .and_then(Value::as_int)
        .ok_or_else(|| CohortError::BadRow {
            location: location.to_string(),
            table: what,
            row: 0,
            message: "no integer answer".into(),
        })
}
