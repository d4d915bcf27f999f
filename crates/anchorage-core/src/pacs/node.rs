//! A DICOM node as the user names it, `AET@HOST:PORT`, parsed once into a typed value, and
//! the settings of one exchange with it (our own AE title, the timeout).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A node or AE title that cannot be used, with what was given and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// The `AET@HOST:PORT` text does not name a node.
    #[error(
        "{text:?} is not a DICOM node: {why} (expected AET@HOST:PORT, e.g. ORTHANC@127.0.0.1:4242)"
    )]
    BadNode {
        /// What was given.
        text: String,
        /// What is wrong with it.
        why: String,
    },
    /// An AE title that DICOM does not allow.
    #[error("AE title {text:?}: {why}")]
    BadAeTitle {
        /// What was given.
        text: String,
        /// What is wrong with it.
        why: String,
    },
}

/// The AE title Anchorage calls itself unless told otherwise.
pub const DEFAULT_OUR_AET: &str = "ANCHORAGE";

/// How long any one network step may take unless told otherwise, in seconds.
pub const DEFAULT_TIMEOUT_S: u64 = 30;

/// A remote DICOM application entity: its AE title and its TCP address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacsNode {
    /// The called AE title (1 to 16 characters, no backslash or control characters).
    pub ae_title: String,
    /// Host name or IP address (an IPv6 address without its brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Checks an AE title: 1 to 16 characters of printable ASCII without a backslash, not
/// only spaces. Returns the title without leading and trailing spaces.
pub fn check_ae_title(text: &str) -> Result<String, NodeError> {
    let bad = |why: &str| NodeError::BadAeTitle {
        text: text.to_string(),
        why: why.to_string(),
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad("it is empty"));
    }
    if t.len() > 16 {
        return Err(bad("it is longer than 16 characters"));
    }
    if t.chars()
        .any(|c| !c.is_ascii() || c.is_ascii_control() || c == '\\')
    {
        return Err(bad(
            "only printable ASCII characters without a backslash are allowed",
        ));
    }
    Ok(t.to_string())
}

impl FromStr for PacsNode {
    type Err = NodeError;

    fn from_str(text: &str) -> Result<Self, NodeError> {
        let bad = |why: &str| NodeError::BadNode {
            text: text.to_string(),
            why: why.to_string(),
        };
        let Some((aet, address)) = text.rsplit_once('@') else {
            return Err(bad("no `@` between the AE title and the host"));
        };
        let ae_title = check_ae_title(aet).map_err(|e| bad(&e.to_string()))?;
        let Some((host, port)) = address.rsplit_once(':') else {
            return Err(bad("no `:PORT` after the host"));
        };
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(bad("the host is empty or holds spaces or slashes"));
        }
        if host.contains(':') && !address.starts_with('[') {
            return Err(bad("write an IPv6 address in brackets: AET@[::1]:104"));
        }
        let port = match port.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return Err(bad("the port is not a number from 1 to 65535")),
        };
        Ok(PacsNode {
            ae_title,
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for PacsNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}@[{}]:{}", self.ae_title, self.host, self.port)
        } else {
            write!(f, "{}@{}:{}", self.ae_title, self.host, self.port)
        }
    }
}

impl PacsNode {
    /// The TCP address, `HOST:PORT` (brackets around an IPv6 host).
    pub fn socket_address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One exchange's settings: whom to talk to, who we are, how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacsConfig {
    /// The remote node.
    pub peer: PacsNode,
    /// Our calling AE title (checked with [`check_ae_title`]).
    pub our_aet: String,
    /// The limit for each network step: connecting, the association, each response.
    pub timeout: Duration,
}

impl PacsConfig {
    /// Settings with a checked AE title of ours and a timeout in seconds (at least 1).
    pub fn new(peer: PacsNode, our_aet: &str, timeout_s: u64) -> Result<PacsConfig, NodeError> {
        Ok(PacsConfig {
            peer,
            our_aet: check_ae_title(our_aet)?,
            timeout: Duration::from_secs(timeout_s.max(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_a_node() {
        let n: PacsNode = "ORTHANC@127.0.0.1:4242".parse().unwrap();
        assert_eq!(n.ae_title, "ORTHANC");
        assert_eq!(n.host, "127.0.0.1");
        assert_eq!(n.port, 4242);
        assert_eq!(n.to_string(), "ORTHANC@127.0.0.1:4242");
        let v6: PacsNode = "PACS@[::1]:104".parse().unwrap();
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.socket_address(), "[::1]:104");
        assert_eq!(v6.to_string(), "PACS@[::1]:104");
    }

    #[test]
    fn refuses_bad_nodes_saying_why() {
        for (text, why) in [
            ("127.0.0.1:4242", "no `@`"),
            ("ORTHANC@127.0.0.1", "no `:PORT`"),
            ("ORTHANC@127.0.0.1:0", "the port"),
            ("ORTHANC@127.0.0.1:99999", "the port"),
            ("@127.0.0.1:4242", "empty"),
            ("AN_AE_TITLE_TOO_LONG@h:1", "longer than 16"),
            ("A\\B@h:1", "backslash"),
            ("PACS@::1:104", "IPv6"),
            ("PACS@:104", "host is empty"),
        ] {
            let e = text.parse::<PacsNode>().unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.contains(&format!("{text:?}")), "{text}: {e}");
        }
    }
}
