//! Loading off the UI thread: scanning a study, the first image of a series (decoded on
//! its own, so it shows before the whole series has loaded), the series browser's
//! thumbnails, and the whole volume with progress and cancellation.
//!
//! The DICOM work goes through a [`Source`], so tests can hold a load back and check what
//! the window shows meanwhile.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use ndarray::Array2;

use anchorage_core::dicom::error::LoadError;
use anchorage_core::dicom::series::{ScanReport, Series};
use anchorage_core::dicom::volume::{LoadControl, Volume};
use anchorage_core::display::render::{
    self, Cut, CutGeometry, GreyImage, WindowLevel, WindowPreset,
};

/// Where series, slices and volumes come from.
pub trait Source: Send + Sync + 'static {
    /// Finds the series under a path.
    fn scan(&self, path: &Path) -> Result<ScanReport, LoadError> {
        anchorage_core::dicom::series::scan(path)
    }
    /// Decodes one slice.
    fn slice(&self, series: &Series, index: usize) -> Result<Array2<f32>, LoadError> {
        anchorage_core::dicom::volume::load_slice(series, index)
    }
    /// Loads a whole series.
    fn load(&self, series: &Series, control: &LoadControl) -> Result<Volume, LoadError> {
        anchorage_core::dicom::volume::load(series, control)
    }
}

/// The DICOM files themselves.
#[derive(Debug, Default, Clone, Copy)]
pub struct DicomSource;

impl Source for DicomSource {}

/// What the loading threads report.
#[derive(Debug)]
pub enum LoadEvent {
    /// A study was scanned.
    Scanned {
        /// What was scanned.
        path: PathBuf,
        /// The series and skipped files.
        report: ScanReport,
    },
    /// A study could not be scanned at all.
    ScanFailed {
        /// What was scanned.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// One slice, decoded ahead of the volume: a one-slice volume.
    Preview {
        /// Series index in the scan.
        series: usize,
        /// Slice index in the series.
        slice: usize,
        /// The slice as a volume of one slice.
        volume: Volume,
    },
    /// A series browser thumbnail.
    Thumbnail {
        /// Series index.
        series: usize,
        /// The small image.
        image: GreyImage,
    },
    /// The whole volume.
    Loaded {
        /// Series index.
        series: usize,
        /// The volume.
        volume: Volume,
        /// Its 1st–99th percentile window.
        histogram: Option<WindowLevel>,
        /// Seconds from the start of the load.
        seconds: f64,
    },
    /// Loading a series failed.
    Failed {
        /// Series index.
        series: usize,
        /// Why.
        error: String,
    },
}

/// A load in progress.
#[derive(Debug)]
pub struct Job {
    /// Series index.
    pub series: usize,
    /// Slices in the series.
    pub total: usize,
    /// Progress and cancellation.
    pub control: Arc<LoadControl>,
    id: u64,
}

/// Starts the loading threads and collects what they report.
pub struct Loader {
    source: Arc<dyn Source>,
    tx: Sender<(u64, LoadEvent)>,
    rx: Receiver<(u64, LoadEvent)>,
    /// The generation of the current study; events of older ones are dropped.
    generation: u64,
    next_id: u64,
    job: Option<Job>,
    scanning: Option<u64>,
    repaint: Option<egui::Context>,
}

impl Loader {
    /// A loader over `source`.
    pub fn new(source: Arc<dyn Source>) -> Self {
        let (tx, rx) = channel();
        Loader {
            source,
            tx,
            rx,
            generation: 0,
            next_id: 1,
            job: None,
            scanning: None,
            repaint: None,
        }
    }

    /// Lets the threads wake the UI when they report.
    pub fn set_repaint(&mut self, ctx: &egui::Context) {
        if self.repaint.is_none() {
            self.repaint = Some(ctx.clone());
        }
    }

    fn spawn(
        &mut self,
        id: u64,
        work: impl FnOnce(&dyn Source, &dyn Fn(LoadEvent)) + Send + 'static,
    ) {
        let source = Arc::clone(&self.source);
        let tx = self.tx.clone();
        let repaint = self.repaint.clone();
        std::thread::spawn(move || {
            let send = |e: LoadEvent| {
                // The receiver is gone only when the window closed.
                let _ = tx.send((id, e));
                if let Some(ctx) = &repaint {
                    ctx.request_repaint();
                }
            };
            work(source.as_ref(), &send);
        });
    }

    /// Scans a study; stops whatever was loading.
    pub fn scan(&mut self, path: PathBuf) {
        self.cancel();
        self.generation = self.next_id;
        self.next_id += 1;
        self.scanning = Some(self.generation);
        self.spawn(self.generation, move |src, send| {
            send(match src.scan(&path) {
                Ok(report) => LoadEvent::Scanned { path, report },
                Err(e) => LoadEvent::ScanFailed {
                    path,
                    error: e.to_string(),
                },
            })
        });
    }

    /// Decodes one slice of every series for the browser.
    pub fn thumbnails(&mut self, series: Vec<(usize, Series)>) {
        self.spawn(self.generation, move |src, send| {
            for (i, s) in series {
                let k = s.len() / 2;
                if let Ok(values) = src.slice(&s, k) {
                    let v = Volume::one_slice(&s, k, values);
                    send(LoadEvent::Thumbnail {
                        series: i,
                        image: thumbnail(&s, &v),
                    });
                }
            }
        });
    }

    /// Loads series `index`: first slice `first` on its own, then the whole volume.
    /// Stops the previous load.
    pub fn load(&mut self, index: usize, series: Series, first: usize) {
        self.cancel();
        let control = Arc::new(LoadControl::default());
        self.job = Some(Job {
            series: index,
            total: series.len(),
            control: Arc::clone(&control),
            id: self.generation,
        });
        self.spawn(self.generation, move |src, send| {
            let start = Instant::now();
            // On an error the whole load below reports it with more context.
            if let Ok(values) = src.slice(&series, first) {
                send(LoadEvent::Preview {
                    series: index,
                    slice: first,
                    volume: Volume::one_slice(&series, first, values),
                });
            }
            if control.cancel.load(Ordering::Relaxed) {
                return;
            }
            send(match src.load(&series, &control) {
                Ok(volume) => LoadEvent::Loaded {
                    series: index,
                    histogram: render::histogram_window(&volume),
                    volume,
                    seconds: start.elapsed().as_secs_f64(),
                },
                Err(LoadError::Cancelled) => return,
                Err(e) => LoadEvent::Failed {
                    series: index,
                    error: e.to_string(),
                },
            });
        });
    }

    /// Stops the load in progress, if any.
    pub fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            job.control.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// The load in progress.
    pub fn job(&self) -> Option<&Job> {
        self.job.as_ref()
    }

    /// Whether a scan is under way.
    pub fn is_scanning(&self) -> bool {
        self.scanning.is_some()
    }

    /// Slices decoded and total of the load in progress.
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.job
            .as_ref()
            .map(|j| (j.control.done.load(Ordering::Relaxed).min(j.total), j.total))
    }

    /// What the threads reported since the last call, for the current study and load.
    pub fn poll(&mut self) -> Vec<LoadEvent> {
        let mut out = Vec::new();
        while let Ok((id, e)) = self.rx.try_recv() {
            if id != self.generation {
                continue;
            }
            match &e {
                LoadEvent::Scanned { .. } | LoadEvent::ScanFailed { .. } => self.scanning = None,
                LoadEvent::Loaded { series, .. } | LoadEvent::Failed { series, .. } => {
                    if self
                        .job
                        .as_ref()
                        .is_some_and(|j| j.series == *series && j.id == id)
                    {
                        self.job = None;
                    } else {
                        continue;
                    }
                }
                LoadEvent::Preview { series, .. } => {
                    if self.job.as_ref().is_none_or(|j| j.series != *series) {
                        continue;
                    }
                }
                LoadEvent::Thumbnail { .. } => {}
            }
            out.push(e);
        }
        out
    }
}

/// The browser thumbnail of a one-slice volume, in the series' automatic window.
pub fn thumbnail(series: &Series, v: &Volume) -> GreyImage {
    let window = WindowPreset::Auto
        .window(series.window, render::histogram_window(v))
        .unwrap_or(WindowLevel::new(0.0, 1.0));
    let g = CutGeometry::new(v, Cut::Slice);
    let img = render::render_cut(v, &g, 0, window, series.is_monochrome1(), None);
    let [sx, sy] = g.spacing_mm;
    render::thumbnail(&img, 72, if sx > 0.0 { sy / sx } else { 1.0 })
}
