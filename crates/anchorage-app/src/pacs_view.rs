//! The PACS tab: the configured node (AE@host:port and our AE title, kept in the app
//! settings), a query by patient ID, name, date and modality, the studies found with their
//! series, and "Retrieve" of a study with a progress bar and Cancel. It draws what it is
//! given and returns [`Action::Pacs`]; the App runs the network work on a thread of its
//! own ([`anchorage_core::pacs`]).

use anchorage_core::pacs::find::StudyRecord;

use crate::action::{Action, PacsAction};

/// The tab's own widget state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacsForm {
    /// The node, AET@HOST:PORT.
    pub node: String,
    /// Our AE title.
    pub our_aet: String,
    /// Patient ID.
    pub patient_id: String,
    /// Patient name pattern.
    pub patient_name: String,
    /// Study date or range.
    pub study_date: String,
    /// Modality ("" for any).
    pub modality: String,
}

/// What the tab shows.
pub struct PacsShown<'a> {
    /// The studies of the last query.
    pub results: &'a [StudyRecord],
    /// The work running, with its progress (0..1) when known.
    pub busy: Option<(&'a str, Option<f32>)>,
    /// The last operation's outcome: what was done, or why it failed.
    pub message: Option<&'a Result<String, String>>,
}

fn field(ui: &mut egui::Ui, label: &str, value: &mut String, width: f32, hint: &str) {
    let l = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(value)
            .desired_width(width)
            .hint_text(hint),
    )
    .labelled_by(l.id);
}

/// Draws the tab.
pub fn ui(ui: &mut egui::Ui, form: &mut PacsForm, shown: &PacsShown<'_>) -> Vec<Action> {
    let mut out = Vec::new();
    let idle = shown.busy.is_none();
    ui.horizontal_wrapped(|ui| {
        field(
            ui,
            "PACS node",
            &mut form.node,
            220.0,
            "ORTHANC@127.0.0.1:4242",
        );
        field(ui, "Our AE title", &mut form.our_aet, 100.0, "ANCHORAGE");
        if ui
            .add_enabled(idle, egui::Button::new("Echo"))
            .on_hover_text("C-ECHO: is the node there and does it accept us?")
            .clicked()
        {
            out.push(Action::Pacs(PacsAction::Echo));
        }
    });
    ui.horizontal_wrapped(|ui| {
        field(ui, "Patient ID", &mut form.patient_id, 100.0, "");
        field(ui, "Patient name", &mut form.patient_name, 120.0, "DOE^*");
        field(
            ui,
            "Study date",
            &mut form.study_date,
            140.0,
            "YYYYMMDD-YYYYMMDD",
        );
        egui::ComboBox::from_label("Modality")
            .selected_text(if form.modality.is_empty() {
                "any"
            } else {
                form.modality.as_str()
            })
            .show_ui(ui, |ui| {
                for (v, l) in [("", "any"), ("CT", "CT"), ("MR", "MR")] {
                    ui.selectable_value(&mut form.modality, v.to_string(), l);
                }
            });
        if ui
            .add_enabled(idle, egui::Button::new("Find"))
            .on_hover_text("C-FIND the studies that match, with their series")
            .clicked()
        {
            out.push(Action::Pacs(PacsAction::Find));
        }
    });
    if let Some((what, fraction)) = shown.busy {
        ui.horizontal(|ui| {
            let bar = egui::ProgressBar::new(fraction.unwrap_or(0.0))
                .text(what)
                .desired_width(320.0)
                .animate(fraction.is_none());
            ui.add(bar);
            if ui.button("Cancel").clicked() {
                out.push(Action::Pacs(PacsAction::Cancel));
            }
        });
    }
    match shown.message {
        Some(Ok(m)) => {
            ui.label(m);
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        None => {}
    }
    ui.separator();
    egui::Grid::new("pacs_results")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in ["Date", "Patient ID", "Name", "Modalities", "Series", ""] {
                ui.strong(h);
            }
            ui.end_row();
            for s in shown.results {
                ui.label(&s.study_date);
                ui.label(&s.patient_id);
                ui.label(&s.patient_name);
                ui.label(s.modalities.join("/"));
                let series: Vec<String> = s
                    .series
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {} ({})",
                            r.modality,
                            r.series_description,
                            r.number_of_instances
                                .map(|n| n.to_string())
                                .unwrap_or_else(|| "?".into())
                        )
                    })
                    .collect();
                ui.label(series.join(", "))
                    .on_hover_text(&s.study_instance_uid);
                if ui
                    .add_enabled(idle, egui::Button::new("Retrieve"))
                    .on_hover_text("C-GET the study into the data folder and open it")
                    .clicked()
                {
                    out.push(Action::Pacs(PacsAction::Retrieve(
                        s.study_instance_uid.clone(),
                    )));
                }
                ui.end_row();
            }
        });
    out
}
