//! The command table: every command's label, tooltip and keyboard shortcuts, and the
//! mouse controls. The menus, the help overlay, the key handling and the README's controls
//! table all read [`COMMANDS`] and [`MOUSE`], so they never disagree. The commands
//! themselves ([`CommandId`]) are in [`crate::action`].

use egui::{Key, KeyboardShortcut, Modifiers};

use super::action::CommandId;

/// One row of the command table.
#[derive(Debug, Clone, Copy)]
pub struct CommandInfo {
    /// The command.
    pub id: CommandId,
    /// Menu label.
    pub label: &'static str,
    /// Tooltip and help text.
    pub tooltip: &'static str,
    /// Keyboard shortcuts, the first shown in menus.
    pub shortcuts: &'static [KeyboardShortcut],
}

const fn key(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, k)
}
const fn ctrl(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, k)
}
const fn ctrl_shift(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(
        Modifiers {
            alt: false,
            ctrl: false,
            shift: true,
            mac_cmd: false,
            command: true,
        },
        k,
    )
}

/// Every command, in menu order.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        id: CommandId::OpenFolder,
        label: "Open folder…",
        tooltip: "Open a study folder (every series under it)",
        shortcuts: &[ctrl(Key::O)],
    },
    CommandInfo {
        id: CommandId::OpenFile,
        label: "Open DICOMDIR or session…",
        tooltip: "Open a DICOMDIR, a single DICOM file or an Anchorage session file",
        shortcuts: &[ctrl_shift(Key::O)],
    },
    CommandInfo {
        id: CommandId::OpenPath,
        label: "Open path…",
        tooltip: "Type the path of a study folder, DICOMDIR, DICOM file or session (works \
                  where no file dialog is available)",
        shortcuts: &[ctrl(Key::L)],
    },
    CommandInfo {
        id: CommandId::Undo,
        label: "Undo",
        tooltip: "Undo the last change to the ROIs (a whole drag is one step)",
        shortcuts: &[ctrl(Key::Z)],
    },
    CommandInfo {
        id: CommandId::Redo,
        label: "Redo",
        tooltip: "Redo what was undone",
        shortcuts: &[ctrl(Key::Y), ctrl_shift(Key::Z)],
    },
    CommandInfo {
        id: CommandId::Delete,
        label: "Delete ROI",
        tooltip: "Delete the selected ROI",
        shortcuts: &[key(Key::Delete), key(Key::Backspace)],
    },
    CommandInfo {
        id: CommandId::PrevSlice,
        label: "Previous slice",
        tooltip: "One slice back in the view under the mouse",
        shortcuts: &[key(Key::ArrowUp), key(Key::ArrowLeft)],
    },
    CommandInfo {
        id: CommandId::NextSlice,
        label: "Next slice",
        tooltip: "One slice on in the view under the mouse",
        shortcuts: &[key(Key::ArrowDown), key(Key::ArrowRight)],
    },
    CommandInfo {
        id: CommandId::PageBack,
        label: "10 slices back",
        tooltip: "Ten slices back",
        shortcuts: &[key(Key::PageUp)],
    },
    CommandInfo {
        id: CommandId::PageOn,
        label: "10 slices on",
        tooltip: "Ten slices on",
        shortcuts: &[key(Key::PageDown)],
    },
    CommandInfo {
        id: CommandId::FirstSlice,
        label: "First slice",
        tooltip: "Go to the first slice",
        shortcuts: &[key(Key::Home)],
    },
    CommandInfo {
        id: CommandId::LastSlice,
        label: "Last slice",
        tooltip: "Go to the last slice",
        shortcuts: &[key(Key::End)],
    },
    CommandInfo {
        id: CommandId::ZoomIn,
        label: "Zoom in",
        tooltip: "Zoom in (Ctrl + wheel zooms about the mouse)",
        shortcuts: &[key(Key::Plus), key(Key::Equals)],
    },
    CommandInfo {
        id: CommandId::ZoomOut,
        label: "Zoom out",
        tooltip: "Zoom out",
        shortcuts: &[key(Key::Minus)],
    },
    CommandInfo {
        id: CommandId::ResetView,
        label: "Reset view",
        tooltip: "Fit every view, undo panning and restore the series' default window",
        shortcuts: &[key(Key::R)],
    },
    CommandInfo {
        id: CommandId::PresetBone,
        label: "Window: CT bone (C 400 / W 1800)",
        tooltip: "CT bone window, centre 400 HU, width 1800 HU",
        shortcuts: &[key(Key::Num1)],
    },
    CommandInfo {
        id: CommandId::PresetSoftTissue,
        label: "Window: CT soft tissue (C 40 / W 400)",
        tooltip: "CT soft-tissue window, centre 40 HU, width 400 HU",
        shortcuts: &[key(Key::Num2)],
    },
    CommandInfo {
        id: CommandId::PresetAuto,
        label: "Window: header",
        tooltip: "Header: the window written in the DICOM header, or the histogram window when there is none",
        shortcuts: &[key(Key::Num3)],
    },
    CommandInfo {
        id: CommandId::PresetHistogram,
        label: "Window: histogram (1–99 %)",
        tooltip: "From the 1st to the 99th percentile of the series' values (for MR)",
        shortcuts: &[key(Key::Num4)],
    },
    CommandInfo {
        id: CommandId::ToggleReformats,
        label: "Reformatted views",
        tooltip: "Show or hide the two reformatted planes beside the native one",
        shortcuts: &[key(Key::M)],
    },
    CommandInfo {
        id: CommandId::ToolSelect,
        label: "Select / move",
        tooltip: "Select an ROI, move it, or drag its handles to resize and rotate; left-drag elsewhere pans",
        shortcuts: &[key(Key::S)],
    },
    CommandInfo {
        id: CommandId::ToolEllipse,
        label: "Ellipse ROI",
        tooltip: "Drag from corner to corner to draw an ellipse (B-HU, pedicle SI, CSF SI)",
        shortcuts: &[key(Key::E)],
    },
    CommandInfo {
        id: CommandId::ToolTrajectory,
        label: "Trajectory ROI",
        tooltip: "Drag from the entry point to the tip; the width is the screw diameter (ST-HU)",
        shortcuts: &[key(Key::T)],
    },
    CommandInfo {
        id: CommandId::ToolCaliper,
        label: "Line caliper",
        tooltip: "Drag across the pedicle isthmus to measure its thickness",
        shortcuts: &[key(Key::C)],
    },
    CommandInfo {
        id: CommandId::Escape,
        label: "Cancel",
        tooltip: "Abandon the ROI being drawn and go back to Select",
        shortcuts: &[key(Key::Escape)],
    },
    CommandInfo {
        id: CommandId::ToggleHelp,
        label: "Controls",
        tooltip: "Show the mouse and keyboard controls",
        shortcuts: &[key(Key::F1), key(Key::H)],
    },
    CommandInfo {
        id: CommandId::CancelLoad,
        label: "Cancel loading",
        tooltip: "Stop loading the series",
        shortcuts: &[],
    },
    CommandInfo {
        id: CommandId::AcceptProposal,
        label: "Accept proposal",
        tooltip: "Keep the proposed ROI as it is now (Esc discards it)",
        shortcuts: &[key(Key::Enter)],
    },
];

/// Mouse controls, for the help overlay and the README.
pub const MOUSE: &[(&str, &str)] = &[
    (
        "Wheel",
        "previous / next slice (in the view under the mouse)",
    ),
    (
        "Right drag, or Ctrl + left drag",
        "window/level: left–right changes the width, up–down the level",
    ),
    ("Middle drag", "pan"),
    ("Ctrl + wheel", "zoom about the mouse"),
    (
        "Left drag (Select tool)",
        "move an ROI or its handles; elsewhere pan",
    ),
    (
        "Left drag (Ellipse, Trajectory, Caliper)",
        "draw the ROI (ellipse: corner to corner; trajectory: entry to tip)",
    ),
    (
        "Left click (Ellipse tool)",
        "propose the largest ellipse inside the bone around the click",
    ),
    (
        "Left click (Trajectory tool)",
        "propose the screw trajectory from the pedicle caliper on the slice",
    ),
    (
        "Left click in a reformatted view",
        "move the other views to that point",
    ),
    (
        "Right click on an ROI",
        "quick menu: role, level, side, delete",
    ),
    (
        "Drop a folder or file on the window",
        "open it (study folder, DICOMDIR or session)",
    ),
];

/// The table row of a command.
pub fn info(id: CommandId) -> Option<&'static CommandInfo> {
    COMMANDS.iter().find(|c| c.id == id)
}

/// A command's first shortcut as text ("Ctrl+Z"), or "".
pub fn shortcut_text(ctx: &egui::Context, id: CommandId) -> String {
    info(id)
        .and_then(|c| c.shortcuts.first())
        .map(|s| ctx.format_shortcut(s))
        .unwrap_or_default()
}

/// Which commands were pressed this frame. Shortcuts with more modifiers are tested first
/// (Ctrl+Shift+Z before Ctrl+Z); keys without modifiers are ignored while a text field
/// has the keyboard; Esc is left to an open drop-down or menu, which it closes (it then
/// does not also drop the tool or the proposal).
pub fn pressed(ctx: &egui::Context) -> Vec<CommandId> {
    let typing = ctx.egui_wants_keyboard_input();
    let popup = egui::Popup::is_any_open(ctx);
    let mut all: Vec<(CommandId, KeyboardShortcut)> = COMMANDS
        .iter()
        .flat_map(|c| c.shortcuts.iter().map(move |s| (c.id, *s)))
        .filter(|(_, s)| !typing || s.modifiers.command || s.modifiers.ctrl)
        .filter(|(_, s)| !(popup && s.logical_key == Key::Escape))
        .collect();
    let weight = |m: Modifiers| m.command as u8 + m.ctrl as u8 + m.shift as u8 + m.alt as u8;
    all.sort_by_key(|(_, s)| std::cmp::Reverse(weight(s.modifiers)));
    let mut out = Vec::new();
    ctx.input_mut(|i| {
        for (id, s) in &all {
            // Consume every repeat of the key this frame (fast key repeat).
            while i.consume_shortcut(s) {
                out.push(*id);
            }
        }
    });
    out
}

/// A menu button for a command: label, shortcut and tooltip from the table.
pub fn menu_item(ui: &mut egui::Ui, id: CommandId, enabled: bool) -> bool {
    let Some(c) = info(id) else {
        return false;
    };
    let mut b = egui::Button::new(c.label);
    if let Some(s) = c.shortcuts.first() {
        b = b.shortcut_text(ui.ctx().format_shortcut(s));
    }
    ui.add_enabled(enabled, b)
        .on_hover_text(c.tooltip)
        .clicked()
}

/// The help overlay: every command with its keys, and the mouse controls.
pub fn help_ui(ui: &mut egui::Ui) {
    ui.heading("Mouse");
    egui::Grid::new("help_mouse").striped(true).show(ui, |ui| {
        for (what, does) in MOUSE {
            ui.strong(*what);
            ui.label(*does);
            ui.end_row();
        }
    });
    ui.separator();
    ui.heading("Keys");
    egui::Grid::new("help_keys").striped(true).show(ui, |ui| {
        for c in COMMANDS.iter().filter(|c| !c.shortcuts.is_empty()) {
            let keys: Vec<String> = c
                .shortcuts
                .iter()
                .map(|s| ui.ctx().format_shortcut(s))
                .collect();
            ui.strong(keys.join(", "));
            ui.label(c.tooltip);
            ui.end_row();
        }
    });
}
