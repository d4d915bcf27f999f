//! The report's shared types: its error, the pictures a caller adds, and where pictures
//! were placed. Every other part of the report uses them; they use none of it.

use crate::display::annotate::Rgb;
use crate::export::MIN_KEY_CHARS;
use crate::pipeline::study::StudyError;

/// Why a report could not be made. Each message names what failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The session could not be measured (its series or a model file is missing, it is
    /// damaged).
    #[error("cannot measure the session: {0}")]
    Study(#[from] StudyError),
    /// The pseudonymisation key is unusable.
    #[error("the project key must have at least {MIN_KEY_CHARS} characters")]
    Key,
    /// The bundled font could not be read or subset.
    #[error("report font: {0}")]
    Font(String),
    /// A picture could not be embedded.
    #[error("report picture: {0}")]
    Image(String),
    /// A pseudonymised report would still show something identifying; it is not written.
    #[error("the pseudonymised report would show {what}; it was not written")]
    WouldLeak {
        /// What would have shown (never the value itself).
        what: String,
    },
}

/// The pixels of an added picture.
#[derive(Debug, Clone, PartialEq)]
pub enum ImagePixels {
    /// RGB, 8 bits a channel.
    Rgb(Rgb),
    /// Grey, 8 bits.
    Grey {
        /// Width, pixels.
        width: usize,
        /// Height, pixels.
        height: usize,
        /// Row-major grey bytes.
        pixels: Vec<u8>,
    },
}

impl ImagePixels {
    /// (width, height) in pixels.
    pub fn size(&self) -> (usize, usize) {
        match self {
            ImagePixels::Rgb(r) => (r.width, r.height),
            ImagePixels::Grey { width, height, .. } => (*width, *height),
        }
    }
}

/// A picture the caller adds to the key images (for example a screw's en-face view at its
/// pedicle's isthmus), shown with its title, square pixels assumed.
#[derive(Debug, Clone, PartialEq)]
pub struct TitledImage {
    /// The title above it (pseudonymised reports check it too).
    pub title: String,
    /// Its pixels.
    pub image: ImagePixels,
    /// Millimetres a pixel, for the scale note under it (none: no note).
    pub mm_per_px: Option<f64>,
}

/// A picture as placed in the report, for checks.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedPicture {
    /// Its title.
    pub title: String,
    /// The page, counting from 0.
    pub page: usize,
    /// Its box on the page, points from the top left: x, y, width, height.
    pub rect_pt: [f32; 4],
}
