//! DIMSE status codes (PS3.7 annex C) as typed values: the code and its kind.

use std::fmt;

/// What a status code means for the operation (PS3.7 C.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// 0000H: done.
    Success,
    /// FF00H, FF01H: more responses follow.
    Pending,
    /// 0001H, 0107H, 0116H, Bxxx: done, with a remark.
    Warning,
    /// Axxx, Cxxx and every other code: not done.
    Failure,
    /// FE00H: stopped at our request.
    Cancel,
}

/// A DIMSE response status (the Status element, 0000,0900).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DimseStatus(pub u16);

impl DimseStatus {
    /// Success, 0000H.
    pub const SUCCESS: DimseStatus = DimseStatus(0);

    /// The kind of this code.
    pub fn kind(self) -> StatusKind {
        match self.0 {
            0x0000 => StatusKind::Success,
            0xFF00 | 0xFF01 => StatusKind::Pending,
            0xFE00 => StatusKind::Cancel,
            0x0001 | 0x0107 | 0x0116 | 0xB000..=0xBFFF => StatusKind::Warning,
            _ => StatusKind::Failure,
        }
    }

    /// True for the final responses that mean done (success or warning).
    pub fn is_done(self) -> bool {
        matches!(self.kind(), StatusKind::Success | StatusKind::Warning)
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StatusKind::Success => "success",
            StatusKind::Pending => "pending",
            StatusKind::Warning => "warning",
            StatusKind::Failure => "failure",
            StatusKind::Cancel => "cancelled",
        })
    }
}

impl fmt::Display for DimseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}H ({})", self.0, self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_their_kinds() {
        assert_eq!(DimseStatus(0).kind(), StatusKind::Success);
        assert_eq!(DimseStatus(0xFF00).kind(), StatusKind::Pending);
        assert_eq!(DimseStatus(0xFF01).kind(), StatusKind::Pending);
        assert_eq!(DimseStatus(0xFE00).kind(), StatusKind::Cancel);
        assert_eq!(DimseStatus(0xB000).kind(), StatusKind::Warning);
        assert_eq!(DimseStatus(0x0107).kind(), StatusKind::Warning);
        assert_eq!(DimseStatus(0xA700).kind(), StatusKind::Failure);
        assert_eq!(DimseStatus(0xC000).kind(), StatusKind::Failure);
        assert_eq!(DimseStatus(0x0122).kind(), StatusKind::Failure);
        assert_eq!(DimseStatus(0xA700).to_string(), "A700H (failure)");
    }
}
