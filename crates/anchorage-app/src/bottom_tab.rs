//! The tabs beside the results in the bottom panel (Stress, Risk, Export, Cohort,
//! Analysis, PACS): which one is shown, and the strip that chooses it.

/// The tabs beside the results in the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BottomTab {
    /// The stress figure.
    Stress,
    /// The risk nomogram.
    Risk,
    /// Export.
    Export,
    /// The cohort database.
    Cohort,
    /// The analysis of the cohort database: validation, refit, agreement.
    Analysis,
    /// Query and retrieve with a PACS.
    Pacs,
}

impl BottomTab {
    /// Every tab, in the strip's order.
    pub const ALL: [BottomTab; 6] = [
        BottomTab::Stress,
        BottomTab::Risk,
        BottomTab::Export,
        BottomTab::Cohort,
        BottomTab::Analysis,
        BottomTab::Pacs,
    ];

    /// The tab's name in the strip.
    pub fn label(self) -> &'static str {
        match self {
            BottomTab::Stress => "Stress",
            BottomTab::Risk => "Risk",
            BottomTab::Export => "Export",
            BottomTab::Cohort => "Cohort",
            BottomTab::Analysis => "Analysis",
            BottomTab::Pacs => "PACS",
        }
    }

    /// What the tab shows (its tooltip).
    pub fn tip(self) -> &'static str {
        match self {
            BottomTab::Stress => "σH against p.s.c., the paper's figure, with each screw",
            BottomTab::Risk => "The nomogram with the patient marked",
            BottomTab::Export => "CSV, JSON, PNG, DICOM SR and the session",
            BottomTab::Cohort => {
                "The study's cohort database: patients, adding this session, outcomes"
            }
            BottomTab::Analysis => {
                "The cohort's analysis: the model validated, refitted, and the raters' agreement"
            }
            BottomTab::Pacs => {
                "Find studies on the configured PACS and retrieve one into the data folder"
            }
        }
    }
}

/// The strip of tab buttons; the chosen tab is widget state, like a selected plot.
pub fn strip(ui: &mut egui::Ui, chosen: &mut BottomTab) {
    ui.horizontal(|ui| {
        for tab in BottomTab::ALL {
            ui.selectable_value(chosen, tab, tab.label())
                .on_hover_text(tab.tip());
        }
    });
}
