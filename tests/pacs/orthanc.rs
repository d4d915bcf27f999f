//! A private Orthanc for the tests: the Debian `orthanc` package's server with a
//! configuration in a temporary folder (DICOM and HTTP on free loopback ports, its
//! storage in that folder, our AE title listed for C-MOVE), killed when dropped, also when
//! the test panics.
//!
//! [`Orthanc::start`] returns `Err(reason)` only when Orthanc is not installed; the
//! caller then prints `SKIPPED` and why. With `ANCHORAGE_REQUIRE_ORTHANC=1` a missing
//! Orthanc fails the test instead.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The AE title the test Orthanc answers to.
pub const ORTHANC_AET: &str = "ORTHANC";
/// The AE title the tests call themselves, known to Orthanc for C-MOVE.
pub const OUR_AET: &str = "ANCHORAGE";

/// A running test server.
pub struct Orthanc {
    child: Child,
    dir: tempfile::TempDir,
    /// The DICOM port.
    pub dicom_port: u16,
    /// The REST port.
    pub http_port: u16,
    /// The port Orthanc sends C-MOVE sub-operations to (our storage service).
    pub move_port: u16,
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn find_orthanc() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join("Orthanc"))
        .find(|p| p.is_file())
}

impl Orthanc {
    /// Starts a server, or says why Orthanc is not available.
    pub fn start() -> Result<Orthanc, String> {
        let Some(exe) = find_orthanc() else {
            let why = "Orthanc is not installed (no `Orthanc` on PATH or in /usr/sbin; Debian package `orthanc`)";
            if std::env::var("ANCHORAGE_REQUIRE_ORTHANC").as_deref() == Ok("1") {
                panic!("ANCHORAGE_REQUIRE_ORTHANC=1 but {why}");
            }
            return Err(why.into());
        };
        let dir = tempfile::Builder::new()
            .prefix("anchorage-orthanc-")
            .tempdir_in("/tmp")
            .expect("a temporary folder");
        let (dicom_port, http_port, move_port) = (free_port(), free_port(), free_port());
        let storage = dir.path().join("storage");
        let config = serde_json::json!({
            "Name": "anchorage-test",
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "StorageCompression": false,
            "HttpServerEnabled": true,
            "HttpPort": http_port,
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": false,
            "SslEnabled": false,
            "DicomServerEnabled": true,
            "DicomAet": ORTHANC_AET,
            "DicomPort": dicom_port,
            "DicomCheckCalledAet": true,
            "DicomCheckModalityHost": false,
            "DicomAlwaysAllowEcho": true,
            "DicomAlwaysAllowStore": true,
            "DicomAlwaysAllowFind": true,
            "DicomAlwaysAllowGet": true,
            "DicomAlwaysAllowMove": true,
            "DicomModalities": { "anchorage": [OUR_AET, "127.0.0.1", move_port] },
            "DicomScuTimeout": 10,
            "DicomScpTimeout": 30,
            "DicomAssociationCloseDelay": 0,
            "Plugins": [],
            "SaveJobs": false,
            "ConcurrentJobs": 2,
            "LogExportedResources": false,
            "KeepAlive": true,
            "OverwriteInstances": true,
            "MaximumStorageSize": 0,
            "UnknownSopClassAccepted": true,
        });
        let conf_path = dir.path().join("orthanc.json");
        std::fs::write(
            &conf_path,
            serde_json::to_vec_pretty(&config).expect("json"),
        )
        .expect("write the configuration");
        let log = std::fs::File::create(dir.path().join("orthanc.log")).expect("log file");
        let child = Command::new(&exe)
            .arg(&conf_path)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let mut o = Orthanc {
            child,
            dir,
            dicom_port,
            http_port,
            move_port,
        };
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = o.child.try_wait() {
                panic!("Orthanc exited ({status}) on start:\n{}", o.log());
            }
            if let Ok((200, _)) = o.try_http("GET", "/system", &[]) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "Orthanc did not answer within 60 s:\n{}",
                o.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(o)
    }

    /// The node string for `--pacs`.
    pub fn node(&self) -> String {
        format!("{ORTHANC_AET}@127.0.0.1:{}", self.dicom_port)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("orthanc.log")).unwrap_or_default()
    }

    /// Kills the server now (a PACS that goes away mid-transfer).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn try_http(&self, method: &str, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.http_port))?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        let head = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        let mut out = Vec::new();
        s.read_to_end(&mut out)?;
        let split = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("no HTTP header"))?;
        let head = String::from_utf8_lossy(&out[..split]).to_string();
        let code = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
        Ok((code, out[split + 4..].to_vec()))
    }

    /// A REST call that must succeed; its JSON answer.
    pub fn rest(&self, method: &str, path: &str, body: &[u8]) -> serde_json::Value {
        let (code, out) = self
            .try_http(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(
            (200..300).contains(&code),
            "{method} {path}: HTTP {code}: {}",
            String::from_utf8_lossy(&out)
        );
        serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null)
    }

    /// Uploads every file under `dir` (POST /instances); returns how many.
    pub fn upload_dir(&self, dir: &Path) -> usize {
        let mut n = 0;
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.expect("walk");
            if !e.file_type().is_file() {
                continue;
            }
            let bytes = std::fs::read(e.path()).expect("read");
            if bytes.len() < 132 || &bytes[128..132] != b"DICM" {
                continue;
            }
            self.rest("POST", "/instances", &bytes);
            n += 1;
        }
        n
    }

    /// The Orthanc IDs of the instances whose SOPInstanceUID is `uid`.
    pub fn find_instance(&self, uid: &str) -> Vec<String> {
        let q = serde_json::json!({"Level": "Instance", "Query": {"SOPInstanceUID": uid}});
        let v = self.rest("POST", "/tools/find", q.to_string().as_bytes());
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the server, or prints that the calling test is skipped and why.
pub fn start_or_skip(test: &str) -> Option<Orthanc> {
    match Orthanc::start() {
        Ok(s) => Some(s),
        Err(why) => {
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
            None
        }
    }
}
