//! The open study at run time: what the scan found, which series is shown, the volumes
//! and previews that have arrived, the browser's thumbnails and each series' window.
//! Nothing here is saved; the measurements live in the session document.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anchorage_core::dicom::series::{ScanReport, Series};
use anchorage_core::dicom::volume::Volume;
use anchorage_core::display::render::{WindowLevel, WindowPreset};

/// A volume that has arrived, with the id that keys textures and caches.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The volume.
    pub volume: Arc<Volume>,
    /// Unique among the volumes of this run.
    pub id: u64,
    /// 1st–99th percentile window.
    pub histogram: Option<WindowLevel>,
}

/// One slice decoded ahead of its series.
#[derive(Debug, Clone)]
pub struct Preview {
    /// Series index.
    pub series: usize,
    /// Slice index.
    pub slice: usize,
    /// The slice as a one-slice volume.
    pub loaded: Loaded,
}

/// The open study.
#[derive(Default)]
pub struct Study {
    /// What was opened (folder, DICOMDIR or file).
    pub path: PathBuf,
    /// What the scan found, once it has.
    pub report: Option<ScanReport>,
    /// The series shown.
    pub selected: Option<usize>,
    /// Whole volumes, by series index.
    pub volumes: HashMap<usize, Loaded>,
    /// The first slice of the series being loaded.
    pub preview: Option<Preview>,
    /// Browser thumbnails, by series index.
    pub thumbnails: HashMap<usize, egui::TextureHandle>,
    /// The window of each series.
    pub windows: HashMap<usize, WindowLevel>,
    /// The preset last chosen for each series and the window it gave.
    pub presets: HashMap<usize, (WindowPreset, WindowLevel)>,
    /// Seconds each series took to load.
    pub load_seconds: HashMap<usize, f64>,
    /// What the user opened (folder, DICOMDIR, file or session), to add to the recent
    /// studies once the scan finds a series; `None` for a scan of the app's own.
    pub opened_as: Option<PathBuf>,
}

impl Study {
    /// A study being scanned.
    pub fn new(path: PathBuf) -> Self {
        Study {
            path,
            ..Study::default()
        }
    }

    /// Series `i` of the scan.
    pub fn series(&self, i: usize) -> Option<&Series> {
        self.report.as_ref()?.series.get(i)
    }

    /// The shown series.
    pub fn current(&self) -> Option<&Series> {
        self.series(self.selected?)
    }

    /// The shown series' whole volume, once loaded.
    pub fn current_volume(&self) -> Option<&Loaded> {
        self.volumes.get(&self.selected?)
    }

    /// The shown series' preview while it loads.
    pub fn current_preview(&self) -> Option<&Preview> {
        let p = self.preview.as_ref()?;
        (Some(p.series) == self.selected && !self.volumes.contains_key(&p.series)).then_some(p)
    }

    /// The default window of series `i`: the header's, else bone for CT, else the
    /// histogram of what has been decoded.
    pub fn default_window(&self, i: usize) -> WindowLevel {
        let s = self.series(i);
        let hist = self.volumes.get(&i).and_then(|l| l.histogram).or_else(|| {
            let p = self.preview.as_ref().filter(|p| p.series == i)?;
            anchorage_core::display::render::histogram_window(&p.loaded.volume)
        });
        if let Some(w) = WindowPreset::Auto.window(s.and_then(|s| s.window), None) {
            return w;
        }
        if s.is_some_and(|s| s.modality.eq_ignore_ascii_case("CT")) {
            return WindowPreset::CT_BONE;
        }
        hist.unwrap_or(WindowLevel::new(0.0, 1.0))
    }

    /// The preset the shown series' window comes from: the one last chosen while the
    /// window is still the one it gave, the preset the default window follows when none was
    /// chosen, and `None` once the window was changed by hand.
    pub fn active_preset(&self) -> Option<WindowPreset> {
        let i = self.selected?;
        let Some(w) = self.windows.get(&i) else {
            let s = self.series(i);
            return Some(if s.and_then(|s| s.window).is_some() {
                WindowPreset::Auto
            } else if s.is_some_and(|s| s.modality.eq_ignore_ascii_case("CT")) {
                WindowPreset::CtBone
            } else {
                WindowPreset::Histogram
            });
        };
        self.presets
            .get(&i)
            .filter(|(_, given)| given == w)
            .map(|(p, _)| *p)
    }

    /// The window of series `i`.
    pub fn window(&self, i: usize) -> WindowLevel {
        self.windows
            .get(&i)
            .copied()
            .unwrap_or_else(|| self.default_window(i))
    }

    /// The series to show first: one the session uses, else the first CT, else the first.
    pub fn initial_series(&self, session_uids: &[String]) -> Option<usize> {
        let all = &self.report.as_ref()?.series;
        all.iter()
            .position(|s| session_uids.contains(&s.uid))
            .or_else(|| {
                all.iter()
                    .position(|s| s.modality.eq_ignore_ascii_case("CT"))
            })
            .or((!all.is_empty()).then_some(0))
    }
}
