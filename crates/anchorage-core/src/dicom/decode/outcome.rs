//! What a focused decoder answers when it is tried on a stream before a general one.

/// The result of trying a focused decoder (the fast JPEG-LS one, hayro's JPEG 2000) on a
/// stream.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Decoded: `rows × cols` samples, row-major.
    Decoded,
    /// A valid stream that decoder leaves to the general one; `why` says which feature.
    Unsupported(&'static str),
}
