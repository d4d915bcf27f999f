//! The screws table of the report: the rows of the per-screw table
//! ([`crate::export::ScrewTable`], the cells `anchorage measure --csv` writes, with the
//! same text), its columns chosen by name from [`REPORT_COLUMNS`] — a name the table does
//! not have is skipped, so the report follows the table as columns are added. The columns
//! that do not fit the page's width go to a further table keyed by level and side; a
//! header breaks after `_`, a long cell (the flags) wraps.

use super::layout::{Flow, GREY, MARGIN};
use super::pdf::BLACK;
use crate::export::ScrewTable;

/// The per-screw table's columns the report shows, in order, by their CSV names. `level`
/// and `side` key every part of a split table.
pub const REPORT_COLUMNS: [&str; 20] = [
    "level",
    "side",
    "screw_diameter_mm",
    "screw_length_mm",
    "pedicle_thickness_mm",
    "clearance_mm",
    "psc_mm",
    "sigma_h_mpa",
    "yield_ratio",
    "risk",
    "flags",
    "isthmus_width_transverse_mm",
    "isthmus_width_craniocaudal_mm",
    "pedicle_thickness_auto_mm",
    "pedicle_thickness_caliper_mm",
    "distance_medial_mm",
    "distance_lateral_mm",
    "distance_cranial_mm",
    "distance_caudal_mm",
    "breach_grade",
];

/// The first of the planning columns, which start a part of the table of their own.
const PLAN_GROUP_START: &str = "isthmus_width_transverse_mm";
/// The columns repeated in every part of a split table.
const KEY_COLUMNS: [&str; 2] = ["level", "side"];
/// Cell text size, points.
const CELL_PT: f32 = 8.0;
/// Header text size, points.
const HEAD_PT: f32 = 7.0;
/// Padding left and right of a cell, points.
const PAD: f32 = 4.0;
/// The widest a wrapping column (flags) may be, points.
const WRAP_MAX: f32 = 230.0;

/// One column as shown: its name, the table's column index, its width.
#[derive(Debug, Clone)]
struct Col {
    name: &'static str,
    index: usize,
    width: f32,
}

/// The [`REPORT_COLUMNS`] that `table` has, with their index in it.
pub fn chosen_columns(table: &ScrewTable) -> Vec<(&'static str, usize)> {
    REPORT_COLUMNS
        .iter()
        .filter_map(|name| {
            table
                .columns
                .iter()
                .position(|c| c == name)
                .map(|i| (*name, i))
        })
        .collect()
}

/// A column name broken after each `_` into lines no wider than `width`.
fn header_lines(flow: &Flow, name: &str, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for piece in name.split_inclusive('_') {
        match lines.last_mut() {
            Some(l) if flow.doc.text_width(&format!("{l}{piece}"), HEAD_PT) <= width => {
                l.push_str(piece)
            }
            _ => lines.push(piece.to_string()),
        }
    }
    lines
}

/// The cell's text, exactly as the CSV has it.
fn cell(table: &ScrewTable, row: usize, col: usize) -> String {
    table
        .rows
        .get(row)
        .and_then(|r| r.get(col))
        .map(|c| c.csv())
        .unwrap_or_default()
}

/// Draws the screws table (split into parts that fit the width), under a heading.
pub fn draw(flow: &mut Flow, table: &ScrewTable) {
    let chosen = chosen_columns(table);
    let mut cols: Vec<Col> = chosen
        .iter()
        .map(|(name, index)| {
            let widest_piece = name
                .split_inclusive('_')
                .map(|p| flow.doc.text_width(p, HEAD_PT))
                .fold(0.0, f32::max);
            let widest_cell = (0..table.rows.len())
                .map(|r| flow.doc.text_width(&cell(table, r, *index), CELL_PT))
                .fold(0.0, f32::max);
            let mut width = widest_piece.max(widest_cell) + 2.0 * PAD;
            if *name == "flags" {
                width = width.clamp(60.0, WRAP_MAX);
            }
            Col {
                name,
                index: *index,
                width,
            }
        })
        .collect();
    // Parts: the key columns, then as many others as fit, in order; the planning columns
    // (from `isthmus_width_transverse_mm` on) start a part of their own.
    let keys: Vec<Col> = cols
        .iter()
        .filter(|c| KEY_COLUMNS.contains(&c.name))
        .cloned()
        .collect();
    cols.retain(|c| !KEY_COLUMNS.contains(&c.name));
    let key_w: f32 = keys.iter().map(|c| c.width).sum();
    let mut parts: Vec<Vec<Col>> = Vec::new();
    let mut part: Vec<Col> = Vec::new();
    let mut used = key_w;
    for c in cols {
        let new_group = c.name == PLAN_GROUP_START;
        if !part.is_empty() && (new_group || used + c.width > Flow::width()) {
            parts.push(std::mem::take(&mut part));
            used = key_w;
        }
        used += c.width;
        part.push(c);
    }
    if !part.is_empty() || parts.is_empty() {
        parts.push(part);
    }
    let n = parts.len();
    flow.heading("Screws", 60.0);
    if table.rows.is_empty() {
        flow.paragraph("No screws are planned in this session.", 9.0, BLACK);
        return;
    }
    for (k, p) in parts.into_iter().enumerate() {
        let mut all = keys.clone();
        all.extend(p);
        if n > 1 {
            flow.ensure(60.0);
            flow.y += 14.0;
            let caption = format!("Part {} of {n} (rows keyed by level and side)", k + 1);
            flow.doc.text(MARGIN, flow.y, 8.0, GREY, &caption);
        }
        draw_part(flow, table, &all);
        flow.y += 6.0;
    }
}

/// One part: a header row (repeated after a page break) and the rows.
fn draw_part(flow: &mut Flow, table: &ScrewTable, cols: &[Col]) {
    let head_lead = HEAD_PT * 1.25;
    let cell_lead = CELL_PT * 1.35;
    let total_w: f32 = cols.iter().map(|c| c.width).sum();
    let heads: Vec<Vec<String>> = cols
        .iter()
        .map(|c| header_lines(flow, c.name, c.width - 2.0 * PAD))
        .collect();
    let head_h = heads.iter().map(Vec::len).max().unwrap_or(1) as f32 * head_lead + 6.0;
    let draw_head = |flow: &mut Flow| {
        let top = flow.y + 4.0;
        flow.doc
            .fill_rect(MARGIN, top, total_w, head_h, [0.9, 0.92, 0.95]);
        let mut x = MARGIN;
        for (c, lines) in cols.iter().zip(&heads) {
            for (i, l) in lines.iter().enumerate() {
                let y = top + 3.0 + head_lead * (i as f32 + 1.0) - 1.5;
                flow.doc.text(x + PAD, y, HEAD_PT, GREY, l);
            }
            x += c.width;
        }
        flow.y = top + head_h;
    };
    flow.ensure(head_h + 30.0);
    draw_head(flow);
    for r in 0..table.rows.len() {
        let cells: Vec<Vec<String>> = cols
            .iter()
            .map(|c| {
                let text = cell(table, r, c.index);
                flow.doc.wrap(&text, CELL_PT, c.width - 2.0 * PAD)
            })
            .collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let row_h = lines as f32 * cell_lead + 4.0;
        if flow.y + row_h > Flow::bottom() {
            flow.page();
            draw_head(flow);
        }
        let top = flow.y;
        let mut x = MARGIN;
        for (c, lines) in cols.iter().zip(&cells) {
            for (i, l) in lines.iter().enumerate() {
                let y = top + 2.0 + cell_lead * (i as f32 + 1.0) - 2.5;
                flow.doc.text(x + PAD, y, CELL_PT, BLACK, l);
            }
            x += c.width;
        }
        flow.y = top + row_h;
        flow.doc.line(
            [MARGIN, flow.y],
            [MARGIN + total_w, flow.y],
            0.3,
            [0.7, 0.7, 0.7],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::Cell;

    fn table(columns: Vec<&'static str>) -> ScrewTable {
        let rows = vec![
            columns
                .iter()
                .map(|c| Cell::Text(format!("v-{c}")))
                .collect(),
        ];
        ScrewTable { columns, rows }
    }

    #[test]
    fn columns_are_chosen_by_name_in_report_order_and_missing_ones_skipped() {
        let t = table(vec![
            "patient_id",
            "side",
            "level",
            "risk",
            "breach_grade",
            "rois",
        ]);
        let chosen: Vec<&str> = chosen_columns(&t).into_iter().map(|(n, _)| n).collect();
        assert_eq!(chosen, vec!["level", "side", "risk", "breach_grade"]);
        // Indices point at the table's own columns.
        for (name, i) in chosen_columns(&t) {
            assert_eq!(t.columns[i], name);
        }
    }

    #[test]
    fn every_chosen_cell_is_drawn_with_its_csv_text_and_wide_tables_split() {
        let t = table(REPORT_COLUMNS.to_vec());
        let mut flow = Flow::new("header".into()).expect("font");
        draw(&mut flow, &t);
        let texts = flow.doc.texts().join("\n");
        for c in REPORT_COLUMNS {
            assert!(texts.contains(&format!("v-{c}")), "{c} missing");
        }
        // The level is repeated in every part: more than one part for twenty columns.
        assert!(texts.matches("v-level").count() >= 2, "{texts}");
    }
}
