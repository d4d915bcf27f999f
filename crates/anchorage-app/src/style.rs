//! The window's shared colours and fixed texts, so the panels that show the same thing
//! show it alike: the warning colour and the research-aid note beside every model figure.

use egui::Color32;

/// The warning colour.
pub const WARN: Color32 = Color32::from_rgb(240, 170, 60);

/// The research-aid note shown beside every model figure.
pub const RESEARCH_AID: &str = "Research aid, not a diagnosis.";
