//! The nomogram's predictors (continuous axes, the Goutallier categories) and the reading
//! of their sections of the model file, each value checked as it is read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::models::file::{ModelFileError, ObjectReader};

/// A continuous predictor: its coefficient and the range of its nomogram axis.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContinuousPredictor {
    /// Log-odds per unit of the predictor.
    pub coefficient: f64,
    /// Lowest value on the nomogram axis (the development cohort's range).
    pub axis_min: f64,
    /// Highest value on the nomogram axis.
    pub axis_max: f64,
}

impl ContinuousPredictor {
    /// The axis end with the lowest risk, which scores 0 points: `axis_min` for a
    /// non-negative coefficient, `axis_max` for a negative one.
    pub fn low_risk_end(&self) -> f64 {
        if self.coefficient >= 0.0 {
            self.axis_min
        } else {
            self.axis_max
        }
    }

    /// Nomogram points of `value` at `points_per_lp` points per unit of log-odds.
    pub fn points(&self, value: f64, points_per_lp: f64) -> f64 {
        points_per_lp * self.coefficient * (value - self.low_risk_end())
    }

    /// Whether `value` lies on the axis (ends included).
    pub fn on_axis(&self, value: f64) -> bool {
        value >= self.axis_min && value <= self.axis_max
    }
}

/// The Goutallier grade: one coefficient per grade 1..4. Grade 0 lies outside the
/// development cohort and uses grade 1's coefficient (flagged).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoricalPredictor {
    /// Log-odds of each grade 1..4 (relative to any reference; only differences matter).
    pub coefficients: BTreeMap<u8, f64>,
}

impl CategoricalPredictor {
    /// The coefficient used for `grade` (grade 0 uses grade 1's); `None` when the model has
    /// none for that grade.
    pub fn coefficient(&self, grade: u8) -> Option<f64> {
        self.coefficients.get(&grade.max(1)).copied()
    }

    /// The lowest coefficient over all grades, which scores 0 points.
    pub fn low_risk_coefficient(&self) -> f64 {
        self.coefficients
            .values()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }
}

/// The Goutallier grades a model file must give a coefficient for.
const GRADES: [(u8, &str); 4] = [(1, "1"), (2, "2"), (3, "3"), (4, "4")];

/// Reads a `{coefficient, axis_min, axis_max}` block.
pub(super) fn read_continuous(
    root: &mut ObjectReader<'_>,
    key: &'static str,
) -> Result<ContinuousPredictor, ModelFileError> {
    let mut block = root.object(key)?;
    let coefficient = block.number("coefficient")?;
    let axis_min = block.number("axis_min")?;
    let axis_max = block.number("axis_max")?;
    if axis_max <= axis_min {
        return Err(block.out_of_range(
            "axis_max",
            axis_max,
            &format!("a number greater than axis_min ({axis_min})"),
        ));
    }
    block.finish()?;
    Ok(ContinuousPredictor {
        coefficient,
        axis_min,
        axis_max,
    })
}

/// Reads a `{coefficients: {"1": …, "2": …, "3": …, "4": …}}` block.
pub(super) fn read_categorical(
    root: &mut ObjectReader<'_>,
    key: &'static str,
) -> Result<CategoricalPredictor, ModelFileError> {
    let mut block = root.object(key)?;
    let mut table = block.object("coefficients")?;
    let mut coefficients = BTreeMap::new();
    for (grade, name) in GRADES {
        coefficients.insert(grade, table.number(name)?);
    }
    table.finish()?;
    block.finish()?;
    Ok(CategoricalPredictor { coefficients })
}

/// Reads an optional proportion in 0..1.
pub(super) fn read_proportion(
    root: &mut ObjectReader<'_>,
    key: &'static str,
) -> Result<Option<f64>, ModelFileError> {
    match root.optional_number(key)? {
        None => Ok(None),
        Some(v) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
        Some(v) => Err(root.out_of_range(key, v, "a proportion from 0 to 1")),
    }
}
