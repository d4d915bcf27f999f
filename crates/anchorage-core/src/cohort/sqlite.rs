//! The embedded SQLite back-end (`rusqlite` with its bundled SQLite: no system library,
//! the same SQLite on every machine).
//!
//! The file is opened in WAL mode with a 30 s busy timeout, so several processes can read
//! while one writes and writers wait for each other instead of failing; every write is
//! one `BEGIN IMMEDIATE` transaction. `synchronous = NORMAL`: in WAL mode a commit is
//! atomic when the process dies (it is the power-loss case that may lose the last
//! commits, never half of one).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::error::CohortError;
use super::model::BackendKind;
use super::store::{Backend, Tx, Value};

/// How long a writer waits for another one.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite cohort database.
pub struct SqliteBackend {
    path: PathBuf,
    conn: Connection,
}

impl SqliteBackend {
    /// Opens the file; creates it (and its folder) when `create` is true, else refuses a
    /// missing file.
    pub fn open(path: &Path, create: bool) -> Result<SqliteBackend, CohortError> {
        let err = |source| CohortError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        if !path.exists() {
            if !create {
                return Err(CohortError::Missing {
                    path: path.to_path_buf(),
                });
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| CohortError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        // Switching a new file to WAL takes an exclusive lock without calling the busy
        // handler: two processes opening one new database at once can see SQLITE_BUSY
        // here, so it is retried like any other wait for a writer.
        retry_busy(is_busy, || {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")
        })
        .map_err(err)?;
        Ok(SqliteBackend {
            path: path.to_path_buf(),
            conn,
        })
    }
}

/// Whether an error is SQLite's "another connection holds the lock".
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Runs `f` again while its error `busy` says another connection holds the lock, for at
/// most [`BUSY_TIMEOUT`]; used where SQLite returns BUSY at once instead of calling the busy
/// handler (a journal-mode change, a read transaction meeting a WAL recovery).
fn retry_busy<T, E>(
    busy: impl Fn(&E) -> bool,
    mut f: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let start = std::time::Instant::now();
    let mut wait = Duration::from_millis(2);
    loop {
        match f() {
            Err(e) if busy(&e) && start.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

struct SqliteTx<'a> {
    path: &'a Path,
    tx: rusqlite::Transaction<'a>,
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Real(x) => SqlValue::Real(*x),
        Value::Text(t) => SqlValue::Text(t.clone()),
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
    }
}

impl SqliteTx<'_> {
    fn err(&self, source: rusqlite::Error) -> CohortError {
        CohortError::Sqlite {
            path: self.path.to_path_buf(),
            source,
        }
    }
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, CohortError> {
        let mut st = self.tx.prepare_cached(sql).map_err(|e| self.err(e))?;
        let n = st
            .execute(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(|e| self.err(e))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, CohortError> {
        let mut st = self.tx.prepare_cached(sql).map_err(|e| self.err(e))?;
        let n = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        loop {
            match rows.next() {
                Ok(Some(r)) => {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        row.push(
                            r.get_ref(i)
                                .map(from_sql)
                                .map_err(|e| CohortError::Sqlite {
                                    path: self.path.to_path_buf(),
                                    source: e,
                                })?,
                        );
                    }
                    out.push(row);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(CohortError::Sqlite {
                        path: self.path.to_path_buf(),
                        source: e,
                    });
                }
            }
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), CohortError> {
        self.tx.execute_batch(sql).map_err(|e| self.err(e))
    }

    fn kind(&self) -> BackendKind {
        BackendKind::Sqlite
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

impl SqliteBackend {
    /// One try of a transaction: begin, run `f`, commit.
    fn attempt(
        &mut self,
        behavior: TransactionBehavior,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), CohortError>,
    ) -> Result<(), CohortError> {
        let path = self.path.clone();
        let err = |source| CohortError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction_with_behavior(behavior).map_err(err)?;
        let mut t = SqliteTx {
            path: &self.path,
            tx,
        };
        f(&mut t)?;
        t.tx.commit().map_err(err)
    }
}

impl Backend for SqliteBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Sqlite
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn transaction(
        &mut self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), CohortError>,
    ) -> Result<(), CohortError> {
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        // A transaction that meets SQLITE_BUSY where the busy handler is not called is
        // rolled back (dropped) and run again from the start.
        let busy =
            |e: &CohortError| matches!(e, CohortError::Sqlite { source, .. } if is_busy(source));
        retry_busy(busy, || self.attempt(behavior, f))
    }

    fn backup_before_migration(
        &mut self,
        from_version: u32,
    ) -> Result<Option<PathBuf>, CohortError> {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".v{from_version}.bak"));
        let mut target = self.path.with_file_name(&name);
        let mut k = 1;
        while target.exists() {
            let mut n = name.clone();
            n.push(format!(".{k}"));
            target = self.path.with_file_name(n);
            k += 1;
        }
        let Some(text) = target.to_str() else {
            return Err(CohortError::file(&target, "the backup path is not UTF-8"));
        };
        self.conn
            .execute("VACUUM INTO ?1", [text])
            .map_err(|source| CohortError::Sqlite {
                path: self.path.clone(),
                source,
            })?;
        Ok(Some(target))
    }
}
