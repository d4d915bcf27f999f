//! Pictures of the data, free of any UI toolkit: window/level, orthogonal cuts and
//! reformats, window presets and thumbnails ([`render`]), the views along a planned screw
//! ([`oblique`]), and the exported PNG of a slice
//! with its ROIs, annotated as a key image ([`snapshot`], text and scale bar from
//! [`annotate`]).

pub mod annotate;
pub mod oblique;
pub mod render;
pub mod snapshot;
