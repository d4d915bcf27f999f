//! The Gertzbein–Robbins grade of a planned cortical breach ([`BreachGrade`]).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Gertzbein–Robbins grade of how far the screw's surface reaches beyond the outer
/// cortex: A no breach; B < 2 mm; C 2–4 mm; D 4–6 mm; E > 6 mm. The stable text is the
/// letter. A breach of exactly 2, 4 or 6 mm takes the higher grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BreachGrade {
    /// Inside the pedicle.
    A,
    /// Breach under 2 mm.
    B,
    /// Breach 2 to under 4 mm.
    C,
    /// Breach 4 to under 6 mm.
    D,
    /// Breach of 6 mm or more.
    E,
}

impl BreachGrade {
    /// The grade of a breach of `breach_mm` (0 or negative: A).
    pub fn from_breach_mm(breach_mm: f64) -> BreachGrade {
        if breach_mm.is_nan() || breach_mm <= 0.0 {
            BreachGrade::A
        } else if breach_mm < 2.0 {
            BreachGrade::B
        } else if breach_mm < 4.0 {
            BreachGrade::C
        } else if breach_mm < 6.0 {
            BreachGrade::D
        } else {
            BreachGrade::E
        }
    }

    /// The letter (the stable text).
    pub fn letter(self) -> &'static str {
        match self {
            BreachGrade::A => "A",
            BreachGrade::B => "B",
            BreachGrade::C => "C",
            BreachGrade::D => "D",
            BreachGrade::E => "E",
        }
    }

    /// Parses the letter.
    pub fn from_letter(s: &str) -> Option<BreachGrade> {
        [
            BreachGrade::A,
            BreachGrade::B,
            BreachGrade::C,
            BreachGrade::D,
            BreachGrade::E,
        ]
        .into_iter()
        .find(|g| g.letter() == s)
    }

    /// Whether the screw leaves the bone (B or worse).
    pub fn is_breach(self) -> bool {
        self != BreachGrade::A
    }
}

impl fmt::Display for BreachGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_the_scale() {
        let cases = [
            (-1.0, "A"),
            (0.0, "A"),
            (0.1, "B"),
            (1.99, "B"),
            (2.0, "C"),
            (3.9, "C"),
            (4.0, "D"),
            (5.9, "D"),
            (6.0, "E"),
            (12.0, "E"),
        ];
        for (mm, letter) in cases {
            let g = BreachGrade::from_breach_mm(mm);
            assert_eq!(g.to_string(), letter, "{mm} mm");
            assert_eq!(BreachGrade::from_letter(letter), Some(g));
        }
    }
}
