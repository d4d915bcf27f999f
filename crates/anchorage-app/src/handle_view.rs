//! Actions on what is shown: the series, the slice, the window.

use super::App;
use super::action::{CommandId, Item};
use anchorage_core::display::render::WindowPreset;

impl App {
    /// Sets the shown series' window to a preset (the histogram one once it is known).
    pub(super) fn preset(&mut self, id: CommandId) {
        let Some(st) = &mut self.study else {
            return;
        };
        let Some(i) = st.selected else {
            return;
        };
        let preset = match id {
            CommandId::PresetBone => WindowPreset::CtBone,
            CommandId::PresetSoftTissue => WindowPreset::CtSoftTissue,
            CommandId::PresetAuto => WindowPreset::Auto,
            _ => WindowPreset::Histogram,
        };
        let hist = st.volumes.get(&i).and_then(|l| l.histogram).or_else(|| {
            let p = st.preview.as_ref().filter(|p| p.series == i)?;
            anchorage_core::display::render::histogram_window(&p.loaded.volume)
        });
        match preset.window(st.current().and_then(|s| s.window), hist) {
            Some(w) => {
                st.windows.insert(i, w);
                st.presets.insert(i, (preset, w));
            }
            None => {
                self.note =
                    Some("No window for that preset yet (the series is still loading).".into())
            }
        }
    }

    /// Shows series `i` of the study, at the first ROI of the session on it, else at its
    /// middle slice; loads it when it is not loaded.
    pub(super) fn select_series(&mut self, i: usize) {
        let Some(st) = &mut self.study else {
            return;
        };
        let Some(series) = st.series(i).cloned() else {
            return;
        };
        st.selected = Some(i);
        self.tools.cancel();
        self.tools.selected = None;
        // New ellipses keep their role only where it can be measured.
        if let Some(why) = self.tools.ellipse_role.refusal(&series.modality) {
            self.note = Some(format!("New ellipses are free ROIs here: {why}."));
            self.tools.ellipse_role = anchorage_core::session::Role::Free;
        }
        // Open at the first ROI of the session on this series, else at the middle slice.
        let at_roi =
            self.doc
                .session
                .rois
                .iter()
                .filter(|r| r.series_uid == series.uid)
                .find_map(|r| {
                    series.slices.iter().position(|s| {
                        s.sop_instance_uid == r.sop_instance_uid && s.frame == r.frame
                    })
                });
        let first = at_roi.unwrap_or(series.len() / 2);
        // Without an ROI, the window moves on to a vertebral body once the levels say
        // where one is (unless the user moves first).
        self.levels.opened_at = at_roi.is_none().then_some((i, first));
        match st.volumes.get(&i) {
            Some(l) => self.viewers.reset(l.volume.dims(), first),
            None => {
                self.viewers.reset(
                    (series.len(), series.rows as usize, series.columns as usize),
                    first,
                );
                self.loader.load(i, series, first);
            }
        }
    }

    /// Goes to the slice of ROI `id` (showing its series) and selects it.
    pub(super) fn go_to(&mut self, id: u64) {
        let Some(roi) = self.doc.session.roi(id).cloned() else {
            return;
        };
        let Some(st) = &self.study else {
            return;
        };
        let Some(report) = &st.report else {
            return;
        };
        let Some(si) = report.series.iter().position(|s| s.uid == roi.series_uid) else {
            self.note = Some(format!(
                "ROI #{id} is on a series that is not in this study"
            ));
            return;
        };
        if st.selected != Some(si) {
            self.select_series(si);
        }
        self.levels.opened_at = None;
        if let Some(k) = self
            .study
            .as_ref()
            .and_then(|st| st.current())
            .and_then(|s| {
                s.slices.iter().position(|x| {
                    x.sop_instance_uid == roi.sop_instance_uid && x.frame == roi.frame
                })
            })
        {
            self.viewers.point[0] = k;
            self.viewers.active = 0;
        }
        self.tools.selected = Some(id);
    }

    /// For an item whose level has no ROI on the shown series yet: shows the slice where
    /// that level probably is, estimated from the ROIs at other levels
    /// ([`anchorage_core::measure::level_guess`]), and says how it was estimated.
    pub(super) fn show_guessed_level(&mut self, item: Item) {
        if self.show_level_from_levels(item) {
            return;
        }
        let Some(series) = self.study.as_ref().and_then(|st| st.current()) else {
            return;
        };
        let level = item.level;
        let Some(g) = anchorage_core::measure::level_guess::guess_slice(
            series,
            &self.doc.session.rois,
            level,
            item.role,
            item.side,
        ) else {
            self.note = Some(format!(
                "{level} has no ROI yet, and no other level has one on this series to estimate from: find {level} by scrolling."
            ));
            return;
        };
        let from: Vec<&str> = g.from.iter().map(|l| l.as_str()).collect();
        let how = match g.spacing_mm {
            Some(mm) if g.fitted => format!("from {} ({mm:.1} mm a level)", from.join(", ")),
            Some(mm) => format!("from {}, at the usual {mm:.0} mm a level", from.join(", ")),
            None => format!("the slice of {}'s ROI on this side", from.join(", ")),
        };
        let n = series.slices.len();
        self.viewers.point[0] = g.slice;
        self.viewers.active = 0;
        self.tools.selected = None;
        self.note = Some(if g.outside {
            format!(
                "{level} is probably outside this series (estimated {how}): showing its nearest end, slice {} of {n}.",
                g.slice + 1
            )
        } else {
            format!(
                "{level} has no ROI yet: showing slice {} of {n}, estimated {how}. Check the level before drawing.",
                g.slice + 1
            )
        });
    }
}

impl App {
    /// For an item whose level has no ROI yet, when the levels found serve the shown
    /// series: shows the item's plane in that level's body — the mid-height for B-HU mid,
    /// 3 mm inside the endplate for the superior and inferior planes (measurements.md),
    /// the body's middle for the other roles. `false` when the levels do not know the
    /// level.
    fn show_level_from_levels(&mut self, item: Item) -> bool {
        use anchorage_core::session::Role;
        let Some((_, series, volume)) = self.shown_series() else {
            return false;
        };
        let Some(levels) = super::levels_paint::levels_of(&self.doc.session, &series) else {
            return false;
        };
        // Only where the slices cross the spine (an axial CT, not the sagittal MR).
        if anchorage_core::geometry::dot(volume.normal, levels.axis.direction).abs() < 0.5 {
            return false;
        }
        let Some(body) = levels.body(item.level) else {
            return false;
        };
        let h = body.height_mm().max(1e-6);
        let inside = (3.0 + 0.5 * volume.slice_spacing_mm) / h;
        let fraction = match item.role {
            Role::BHuSuperior => inside.min(0.5),
            Role::BHuInferior => (1.0 - inside).max(0.5),
            _ => 0.5,
        };
        let Some(k) = anchorage_core::levels::slice_at(levels, &volume, item.level, fraction)
        else {
            return false;
        };
        self.viewers.point[0] = k;
        self.viewers.active = 0;
        self.tools.selected = None;
        let plane = match item.role {
            Role::BHuSuperior => "3 mm below its superior endplate",
            Role::BHuInferior => "3 mm above its inferior endplate",
            _ => "its mid-height",
        };
        self.note = Some(format!(
            "{} has no ROI yet: showing slice {} of {}, {plane}, from the levels found.",
            item.level,
            k + 1,
            volume.planes.len()
        ));
        true
    }
}

impl App {
    /// Why `roi` cannot be stored: its role is measured on another modality than its
    /// series' (a CSF-SI ellipse on the CT, a B-HU ellipse on the MR). `None` when it fits
    /// or its series is not in the study (the pipeline then reports it).
    pub(super) fn role_refusal(&self, roi: &anchorage_core::session::Roi) -> Option<String> {
        let modality = self
            .study
            .as_ref()?
            .report
            .as_ref()?
            .series
            .iter()
            .find(|s| s.uid == roi.series_uid)?
            .modality
            .clone();
        roi.role.refusal(&modality)
    }
}
