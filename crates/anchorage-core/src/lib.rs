//! The Anchorage core: everything that is not a window or a command line.
//!
//! DICOM files become volumes with exact geometry and values ([`dicom`]); ROIs drawn on
//! them are measured ([`measure`]); the protocols turn the measurements into B-HU, ST-HU,
//! HU ratio, PBQ, thickness and clearance and feed the models ([`protocol`], [`models`]);
//! one pipeline takes a session and its series to the per-screw table ([`pipeline`]),
//! which [`export`] writes. The session document and its recovery live in [`session`];
//! window/level, reformats and snapshots, free of any UI toolkit, in [`display`]; the
//! synthetic phantom and its ground truth in [`phantom`].
//!
//! Layering (a module uses only those above it in this list): [`geometry`]; [`dicom`];
//! [`session`]; [`models`]; [`measure`]; [`protocol`]; [`display`], [`export`];
//! [`pipeline`]; [`report`] (the planning report's PDF, over the pipeline); [`cohort`]
//! (the study database over the pipeline); [`phantom`]; [`pacs`]
//! (DICOM networking: query, retrieve and store with a PACS, over [`dicom`]'s writer). This crate
//! depends on no UI or command-line crate.

// No `unsafe` code anywhere but in the volume's memory (its zeroed allocation and the byte
// view the raw reader fills), which allows it: `dicom/memory.rs`.
#![deny(unsafe_code)]

pub mod analysis;
pub mod cohort;
pub mod dicom;
pub mod display;
pub mod export;
pub mod geometry;
pub mod measure;
pub mod models;
pub mod pacs;
pub mod phantom;
pub mod pipeline;
pub mod plan;
pub mod protocol;
pub mod report;
pub mod session;
#[cfg(test)]
mod test_util;
