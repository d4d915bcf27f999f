//! The report's pages: A4 landscape, a header line (report title and patient or pseudonym)
//! and a footer (research-aid note, version, session hash, page i / n) on each, and a
//! text flow that starts a new page when the next block does not fit. Also the title
//! block and the flags section, which are only text.

use super::identity::Identity;
use super::pdf::{BLACK, Colour, Doc};
use super::types::ReportError;
use crate::pipeline::Measured;
use crate::protocol::Models;

/// A4 landscape, points.
pub const PAGE_W: f32 = 841.89;
/// A4 landscape, points.
pub const PAGE_H: f32 = 595.28;
/// Margin on every side, points.
pub const MARGIN: f32 = 36.0;
/// Body text size, points.
pub const BODY_PT: f32 = 9.0;
/// Grey for secondary text.
pub const GREY: Colour = [0.35, 0.35, 0.35];
/// The research-aid note's colour (orange, as on the key images).
pub const AID: Colour = [0.8, 0.4, 0.0];
/// The title of the report.
pub const TITLE: &str = "Anchorage planning report";
/// The note on the first page and in every footer.
pub const RESEARCH_AID: &str = "Research aid, not a diagnosis.";

/// The text flow over pages.
pub struct Flow {
    /// The document drawn.
    pub doc: Doc,
    /// The next free line, points from the top.
    pub y: f32,
    header: String,
}

impl Flow {
    /// A flow whose pages carry `header` (the patient or pseudonym) at the top.
    pub fn new(header: String) -> Result<Flow, ReportError> {
        let mut f = Flow {
            doc: Doc::new(PAGE_W, PAGE_H)?,
            y: 0.0,
            header,
        };
        f.page();
        Ok(f)
    }

    /// Top of the text area.
    pub fn top() -> f32 {
        MARGIN + 18.0
    }

    /// Bottom of the text area (above the footer).
    pub fn bottom() -> f32 {
        PAGE_H - MARGIN - 10.0
    }

    /// Width of the text area.
    pub fn width() -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    /// Starts a new page with its header line.
    pub fn page(&mut self) {
        self.doc.new_page();
        self.doc.text(MARGIN, MARGIN, 8.0, GREY, TITLE);
        let w = self.doc.text_width(&self.header, 8.0);
        let header = self.header.clone();
        self.doc
            .text(PAGE_W - MARGIN - w, MARGIN, 8.0, GREY, &header);
        self.doc.line(
            [MARGIN, MARGIN + 4.0],
            [PAGE_W - MARGIN, MARGIN + 4.0],
            0.5,
            GREY,
        );
        self.y = Flow::top();
    }

    /// Starts a new page unless `height` points still fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > Flow::bottom() {
            self.page();
        }
    }

    /// A section heading, on a new page unless it and `then` points fit.
    pub fn heading(&mut self, text: &str, then: f32) {
        self.ensure(26.0 + then);
        self.y += 16.0;
        self.doc.text(MARGIN, self.y, 13.0, BLACK, text);
        self.y += 10.0;
    }

    /// A paragraph wrapped to the text width.
    pub fn paragraph(&mut self, text: &str, size: f32, colour: Colour) {
        self.paragraph_at(MARGIN, Flow::width(), text, size, colour);
    }

    /// A paragraph wrapped to `width` from `x`.
    pub fn paragraph_at(&mut self, x: f32, width: f32, text: &str, size: f32, colour: Colour) {
        let lead = size * 1.3;
        for line in self.doc.wrap(text, size, width) {
            self.ensure(lead);
            self.y += lead;
            self.doc.text(x, self.y - size * 0.25, size, colour, &line);
        }
    }

    /// Label and value lines, the values aligned and wrapped.
    pub fn key_values(&mut self, lines: &[(String, String)], size: f32) {
        let label_w = lines
            .iter()
            .map(|(k, _)| self.doc.text_width(k, size))
            .fold(0.0, f32::max)
            + 12.0;
        let lead = size * 1.35;
        for (k, v) in lines {
            let wrapped = self.doc.wrap(v, size, Flow::width() - label_w);
            self.ensure(lead * wrapped.len() as f32);
            self.y += lead;
            self.doc.text(MARGIN, self.y - size * 0.25, size, GREY, k);
            for (i, l) in wrapped.iter().enumerate() {
                if i > 0 {
                    self.y += lead;
                }
                self.doc
                    .text(MARGIN + label_w, self.y - size * 0.25, size, BLACK, l);
            }
        }
    }

    /// The first page's block: title, research-aid note, identification, software,
    /// session hash, models and the `risk` in a sentence.
    pub fn title_block(&mut self, id: &Identity, hash: &str, models: &Models, risk: &str) {
        self.y += 18.0;
        self.doc
            .text(MARGIN, self.y, 18.0, BLACK, "Planning report");
        self.y += 16.0;
        self.doc.text(MARGIN, self.y, 11.0, AID, RESEARCH_AID);
        self.y += 6.0;
        let mut lines = id.lines.clone();
        lines.push((
            "Software".into(),
            format!("anchorage {}", env!("CARGO_PKG_VERSION")),
        ));
        lines.push((
            "Session SHA-256".into(),
            format!("{hash} (of the session's canonical JSON, as Anchorage saves it)"),
        ));
        lines.push((
            "Risk model".into(),
            format!("{} {}", models.risk.info.name, models.risk.info.version),
        ));
        lines.push((
            "Stress model".into(),
            format!("{} {}", models.stress.info.name, models.stress.info.version),
        ));
        lines.push(("Risk".into(), risk.to_string()));
        self.key_values(&lines, BODY_PT);
    }

    /// Writes every page's footer: `text` on the left, "page i / n" on the right.
    pub fn footers(&mut self, text: &str) {
        let n = self.doc.page_count();
        let y = PAGE_H - MARGIN + 6.0;
        for i in 0..n {
            let page = format!("page {} / {n}", i + 1);
            let w = self.doc.text_width(&page, 7.0);
            self.doc.text_on(Some(i), MARGIN, y, 7.0, GREY, text);
            self.doc
                .text_on(Some(i), PAGE_W - MARGIN - w, y, 7.0, GREY, &page);
        }
    }
}

/// The flags (each screw's and the patient's, one a line) and the notices (ROIs not
/// measured, left out, or with a warning), scrubbed for a pseudonymised report.
pub fn flags_section(flow: &mut Flow, measured: &Measured, id: &Identity) {
    flow.heading("Flags", 40.0);
    let mut any = false;
    for s in &measured.results.screws {
        for f in &s.flags {
            any = true;
            let text = format!(
                "{} {}: {}",
                s.screw.level,
                s.screw.side,
                id.scrub(&f.to_string())
            );
            flow.paragraph(&text, BODY_PT, BLACK);
        }
    }
    for f in &measured.results.patient.flags {
        any = true;
        flow.paragraph(
            &format!("Patient: {}", id.scrub(&f.to_string())),
            BODY_PT,
            BLACK,
        );
    }
    if !any {
        flow.paragraph("No flags.", BODY_PT, BLACK);
    }
    if !measured.notices.is_empty() {
        flow.y += 6.0;
        flow.paragraph(
            "Notices (ROIs not measured, left out or with a warning):",
            BODY_PT,
            GREY,
        );
        for n in &measured.notices {
            flow.paragraph(&id.scrub(&n.to_string()), BODY_PT, BLACK);
        }
    }
}
