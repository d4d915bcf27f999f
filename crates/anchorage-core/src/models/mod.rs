//! The two bundled models and their files: the analytic stress model of the bone around
//! a pedicle screw ([`stress`]), the logistic loosening-risk nomogram ([`risk`]), and the
//! versioned JSON model files both are read from ([`file`]). Pure functions of numbers:
//! no DICOM, no session.

pub mod file;
pub mod risk;
pub mod stress;
