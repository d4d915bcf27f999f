//! A private PostgreSQL server for the tests: `initdb` and `pg_ctl` from the Debian
//! `postgresql` package in a temporary folder, listening only on a unix socket in that
//! folder, run as an unprivileged user when the tests run as root (PostgreSQL refuses
//! root), stopped when dropped.
//!
//! [`PgServer::start`] returns `Err(reason)` only when PostgreSQL is not installed; the
//! caller then prints that the test is skipped and why. With `ANCHORAGE_REQUIRE_POSTGRES=1`
//! a missing PostgreSQL fails the test instead.

use std::path::PathBuf;
use std::process::Command;

/// A running test server.
pub struct PgServer {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    data: PathBuf,
    socket: PathBuf,
    run_as: Option<&'static str>,
}

/// The folder of `initdb` and `pg_ctl`: Debian's `/usr/lib/postgresql/<version>/bin`
/// (the newest), else `pg_config --bindir`, else PATH.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    if let Some((_, b)) = found.pop() {
        return Some(b);
    }
    if let Ok(o) = Command::new("pg_config").arg("--bindir").output()
        && o.status.success()
    {
        let b = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        if b.join("initdb").exists() {
            return Some(b);
        }
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgServer {
    /// Starts a server, or says why PostgreSQL is not available.
    pub fn start() -> Result<PgServer, String> {
        let Some(bin) = find_bin() else {
            let why = "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin, \
                       from pg_config or on PATH; Debian package `postgresql`)";
            if std::env::var("ANCHORAGE_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("ANCHORAGE_REQUIRE_POSTGRES=1 but {why}");
            }
            return Err(why.into());
        };
        let dir = tempfile::Builder::new()
            .prefix("anchorage-pg-")
            .tempdir_in("/tmp")
            .expect("a temporary folder");
        let run_as = is_root().then_some("nobody");
        if run_as.is_some() {
            // The unprivileged server must create its data folder and socket here.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
                .expect("chmod the server folder");
        }
        let data = dir.path().join("data");
        let socket = dir.path().to_path_buf();
        let s = PgServer {
            _dir: dir,
            bin,
            data,
            socket,
            run_as,
        };
        s.run(
            "initdb",
            &[
                "-D",
                s.data.to_str().expect("utf-8"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let conf = format!(
            "\nlisten_addresses = ''\nunix_socket_directories = '{}'\nport = 5432\nfsync = off\nmax_connections = 40\n",
            s.socket.display()
        );
        let path = s.data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&path).expect("postgresql.conf");
        text.push_str(&conf);
        std::fs::write(&path, text).expect("write postgresql.conf");
        let log = s.socket.join("server.log");
        s.run(
            "pg_ctl",
            &[
                "-D",
                s.data.to_str().expect("utf-8"),
                "-l",
                log.to_str().expect("utf-8"),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        Ok(s)
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let o = self
            .command(tool)
            .args(args)
            .current_dir(&self.socket)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            o.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// The URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgresql:///{db}?host={}&port=5432&user=postgres",
            self.socket.display()
        )
    }

    /// Creates an empty database and returns its URL.
    pub fn create_db(&self, name: &str) -> String {
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the test server");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        self.url(name)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                &self.data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .current_dir(&self.socket)
            .output();
    }
}

/// Starts the server, or prints that the calling test is skipped and why.
pub fn start_or_skip(test: &str) -> Option<PgServer> {
    match PgServer::start() {
        Ok(s) => Some(s),
        Err(why) => {
            // Written to the process's stderr directly, past libtest's output capture, so
            // the skip shows in a normal `cargo test` run.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
            None
        }
    }
}
