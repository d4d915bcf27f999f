//! Transfer syntax UIDs, normalised once.
//!
//! A UID read from a file may carry the NUL or space that pads it to an even length (and
//! some writers leave other white space). [`SyntaxUid::new`] takes that padding off, by
//! the rule dicom-rs applies itself (`FileMetaTable::transfer_syntax()`, its registry
//! look-up), and every comparison, table look-up and message downstream uses that value.
//! The structure walk and the header reader normalise the UID of every file they read, so
//! the UIDs a series holds are already normalised; nothing else trims a UID.

use std::fmt;

use dicom::encoding::TransferSyntaxIndex;
use dicom::transfer_syntax::TransferSyntaxRegistry;

/// A transfer syntax UID without its trailing padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SyntaxUid<'a>(&'a str);

impl<'a> SyntaxUid<'a> {
    /// The UID `uid` names, without trailing NUL or white space.
    pub fn new(uid: &'a str) -> Self {
        SyntaxUid(trim_uid(uid))
    }

    /// The normalised UID.
    pub fn as_str(self) -> &'a str {
        self.0
    }

    /// The syntax's name in dicom-rs's registry ("RLE Lossless"), or "unknown transfer
    /// syntax".
    pub fn name(self) -> String {
        match TransferSyntaxRegistry.get(self.0) {
            Some(ts) => ts.name().to_string(),
            None => "unknown transfer syntax".to_string(),
        }
    }
}

impl fmt::Display for SyntaxUid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A UID without its trailing padding: NUL bytes and white space.
pub fn trim_uid(uid: &str) -> &str {
    uid.trim_end_matches(|c: char| c == '\0' || c.is_whitespace())
}

/// A human name for a transfer syntax UID (see [`SyntaxUid::name`]).
pub fn transfer_syntax_name(uid: &str) -> String {
    SyntaxUid::new(uid).name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_taken_off_once_and_names_are_the_registrys() {
        let plain = SyntaxUid::new("1.2.840.10008.1.2.5");
        assert_eq!(SyntaxUid::new("1.2.840.10008.1.2.5\0"), plain);
        assert_eq!(SyntaxUid::new("1.2.840.10008.1.2.5 "), plain);
        assert_eq!(plain.as_str(), "1.2.840.10008.1.2.5");
        assert_eq!(plain.to_string(), "1.2.840.10008.1.2.5");
        assert_eq!(plain.name(), "RLE Lossless");
        assert_eq!(transfer_syntax_name("1.2.3.4\0"), "unknown transfer syntax");
        assert_eq!(trim_uid("1.2.840.10008.1.3.10 \0"), "1.2.840.10008.1.3.10");
    }
}
