//! Labels for the bodies found: counted up from S1 when the series shows the sacrum, or
//! from one body the user confirms. A confirmation relabels every body (and disc), so a
//! corrected level corrects the others.

use super::types::{Known, LevelsError};
use crate::session::{LabelSource, Level, Levels, Location};

/// Gives every body the level `index_of_anchor`-relative to `anchor` (bodies are cranial
/// to caudal); bodies beyond T10..S2 get none. Discs follow their bodies.
fn count_from(levels: &mut Levels, anchor_index: usize, anchor: Level) {
    let a = Level::ALL.iter().position(|l| *l == anchor).unwrap_or(0) as isize;
    for (i, b) in levels.bodies.iter_mut().enumerate() {
        let k = a + i as isize - anchor_index as isize;
        b.level = usize::try_from(k)
            .ok()
            .and_then(|k| Level::ALL.get(k))
            .copied();
    }
    let labels: Vec<Option<Level>> = levels.bodies.iter().map(|b| b.level).collect();
    for (i, d) in levels.discs.iter_mut().enumerate() {
        d.upper = labels.get(i).copied().flatten();
        d.lower = labels.get(i + 1).copied().flatten();
    }
}

/// Labels counted from the sacrum when [`Levels::sacrum_found`]: the caudal body is S1.
/// Without a sacrum the bodies stay unlabelled.
pub fn from_sacrum(levels: &mut Levels) {
    if levels.sacrum_found && !levels.bodies.is_empty() {
        let last = levels.bodies.len() - 1;
        count_from(levels, last, Level::S1);
        levels.labelled_by = LabelSource::Sacrum;
    } else {
        for b in &mut levels.bodies {
            b.level = None;
        }
        for d in &mut levels.discs {
            d.upper = None;
            d.lower = None;
        }
        levels.labelled_by = LabelSource::Unlabelled;
    }
}

/// Relabels every body from one confirmed level: the body containing `known.point_mm`
/// (by its position along the spine's axis) is `known.level`, the others are counted from
/// it. Refused when the point lies in no body, or when counting from it would need a level
/// above T10 or below S2 for a body that is certainly vertebral (a body above T10 is left
/// unlabelled; one below S2 is refused).
pub fn relabel(levels: &mut Levels, known: Known) -> Result<(), LevelsError> {
    let index = match levels.locate(known.point_mm) {
        Some(Location::Body { index, .. }) => index,
        Some(other) => {
            return Err(LevelsError::KnownNotOnBody {
                level: known.level,
                point_mm: known.point_mm,
                where_: other.to_string(),
            });
        }
        None => {
            let t = levels.axis.position_mm(known.point_mm);
            let above = levels.bodies.first().is_some_and(|b| t > b.superior_mm);
            return Err(LevelsError::KnownNotOnBody {
                level: known.level,
                point_mm: known.point_mm,
                where_: if above {
                    "above every body".into()
                } else {
                    "below every body".into()
                },
            });
        }
    };
    let a = Level::ALL
        .iter()
        .position(|l| *l == known.level)
        .unwrap_or(0);
    let below = levels.bodies.len() - 1 - index;
    if a + below >= Level::ALL.len() {
        return Err(LevelsError::LabelsOutOfRange {
            level: known.level,
            bodies: levels.bodies.len(),
        });
    }
    count_from(levels, index, known.level);
    levels.labelled_by = LabelSource::Known {
        level: known.level,
        point_mm: known.point_mm,
    };
    Ok(())
}
