//! The PostgreSQL back-end (the `postgres` crate: the synchronous client over
//! tokio-postgres, so the core stays free of async code), for a team sharing one cohort.
//!
//! Every write transaction first takes a transaction-scoped advisory lock, so writers from
//! several workstations run one after the other (as SQLite's do) and a session re-added
//! at the same moment by two of them is stored once; readers are not blocked. Prepared
//! statements are kept for the connection's life.

use std::collections::HashMap;

use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};

use super::error::CohortError;
use super::model::BackendKind;
use super::model::redact_url;
use super::store::{Backend, Tx, Value};

/// The advisory lock key writers take ("ANCHORAG" in ASCII).
const WRITE_LOCK_KEY: i64 = 0x414E_4348_4F52_4147;

/// A PostgreSQL cohort database.
pub struct PostgresBackend {
    server: String,
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PostgresBackend {
    /// Connects to the server at `url` (`postgres://user@host:port/db`, or a unix socket
    /// folder as `postgresql:///db?host=/path&user=…`).
    pub fn connect(url: &str) -> Result<PostgresBackend, CohortError> {
        let server = redact_url(url);
        let client = Client::connect(url, NoTls).map_err(|source| CohortError::Postgres {
            server: server.clone(),
            source,
        })?;
        Ok(PostgresBackend {
            server,
            client,
            statements: HashMap::new(),
        })
    }
}

/// `?` placeholders numbered `$1, $2, …` (outside quoted text).
fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let (mut n, mut quoted) = (0, false);
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push_str(&format!("${n}"));
            }
            _ => out.push(c),
        }
    }
    out
}

struct PgTx<'a> {
    server: &'a str,
    tx: postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

type Param = Box<dyn ToSql + Sync>;

fn param(v: &Value, ty: &Type) -> Option<Param> {
    Some(match (v, ty) {
        (Value::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
        (Value::Null, t) if *t == Type::INT4 => Box::new(None::<i32>),
        (Value::Null, t) if *t == Type::FLOAT8 => Box::new(None::<f64>),
        (Value::Null, t) if *t == Type::BOOL => Box::new(None::<bool>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Int(i), t) if *t == Type::INT4 => Box::new(i32::try_from(*i).ok()?),
        (Value::Int(i), t) if *t == Type::FLOAT8 => Box::new(*i as f64),
        (Value::Int(i), t) if *t == Type::BOOL => Box::new(*i != 0),
        (Value::Int(i), t) if *t == Type::TEXT || *t == Type::VARCHAR => Box::new(i.to_string()),
        (Value::Int(i), _) => Box::new(*i),
        (Value::Real(x), t) if *t == Type::INT8 && x.fract() == 0.0 => Box::new(*x as i64),
        (Value::Real(x), _) => Box::new(*x),
        (Value::Text(s), _) => Box::new(s.clone()),
    })
}

fn cell(row: &postgres::Row, i: usize) -> Result<Value, postgres::Error> {
    let ty = row.columns().get(i).map(|c| c.type_().clone());
    Ok(match ty {
        Some(t) if t == Type::INT8 => row
            .try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::Int),
        Some(t) if t == Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Some(t) if t == Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Some(t) if t == Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)?
            .map_or(Value::Null, Value::Real),
        Some(t) if t == Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)?
            .map_or(Value::Null, |v| Value::Real(v.into())),
        Some(t) if t == Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map_or(Value::Null, |b| Value::Int(b.into())),
        _ => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::Text),
    })
}

impl PgTx<'_> {
    fn err(&self, source: postgres::Error) -> CohortError {
        CohortError::Postgres {
            server: self.server.to_string(),
            source,
        }
    }

    fn prepare(&mut self, sql: &str) -> Result<Statement, CohortError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let st = self
            .tx
            .prepare(&number_placeholders(sql))
            .map_err(|e| self.err(e))?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    fn params(
        &self,
        st: &Statement,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<Param>, CohortError> {
        let types = st.params();
        if types.len() != params.len() {
            return Err(CohortError::BadRow {
                location: self.server.to_string(),
                table: "statement",
                row: 0,
                message: format!(
                    "{} values for {} parameters of {sql}",
                    params.len(),
                    types.len()
                ),
            });
        }
        params
            .iter()
            .zip(types)
            .enumerate()
            .map(|(k, (v, t))| {
                param(v, t).ok_or_else(|| CohortError::BadRow {
                    location: self.server.to_string(),
                    table: "statement",
                    row: k as i64 + 1,
                    message: format!("value {v:?} does not fit parameter type {t} of {sql}"),
                })
            })
            .collect()
    }
}

fn refs(p: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    p.iter()
        .map(|b| b.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

impl Tx for PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, CohortError> {
        let st = self.prepare(sql)?;
        let p = self.params(&st, sql, params)?;
        self.tx.execute(&st, &refs(&p)).map_err(|e| self.err(e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, CohortError> {
        let st = self.prepare(sql)?;
        let p = self.params(&st, sql, params)?;
        let rows = self.tx.query(&st, &refs(&p)).map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| cell(r, i))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    fn batch(&mut self, sql: &str) -> Result<(), CohortError> {
        self.tx.batch_execute(sql).map_err(|e| self.err(e))
    }

    fn kind(&self) -> BackendKind {
        BackendKind::Postgres
    }

    fn location(&self) -> String {
        self.server.to_string()
    }
}

impl Backend for PostgresBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Postgres
    }

    fn location(&self) -> String {
        self.server.clone()
    }

    fn transaction(
        &mut self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), CohortError>,
    ) -> Result<(), CohortError> {
        let server = self.server.clone();
        let err = |source| CohortError::Postgres {
            server: server.clone(),
            source,
        };
        let tx = self.client.transaction().map_err(err)?;
        let mut t = PgTx {
            server: &self.server,
            tx,
            statements: &mut self.statements,
        };
        if write {
            t.execute(
                "SELECT pg_advisory_xact_lock(?)",
                &[Value::Int(WRITE_LOCK_KEY)],
            )
            .map(|_| ())?;
        }
        let result = f(&mut t);
        if result.is_err() {
            // Statements prepared in a failed transaction may be gone with it.
            t.statements.clear();
            return result;
        }
        t.tx.commit().map_err(err)
    }

    fn backup_before_migration(
        &mut self,
        _from_version: u32,
    ) -> Result<Option<std::path::PathBuf>, CohortError> {
        // The migration is one transaction on the server; its backups are the server's.
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::number_placeholders;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            number_placeholders("SELECT ? , '?' , ?"),
            "SELECT $1 , '?' , $2"
        );
    }
}
