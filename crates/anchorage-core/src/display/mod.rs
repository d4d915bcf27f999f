//! Pictures of the data, free of any UI toolkit: window/level, orthogonal cuts and
//! reformats, window presets and thumbnails ([`render`]), and the exported PNG of a slice
//! with its ROIs ([`snapshot`]).

pub mod render;
pub mod snapshot;
