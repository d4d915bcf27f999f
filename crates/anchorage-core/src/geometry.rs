//! Image geometry: DICOM patient coordinates (LPS, mm), image planes, pixel ↔ patient
//! transforms and the orientation class of a series.
//!
//! Conventions (interfaces.md): a pixel is addressed as (column, row) with the centre of
//! the first pixel at (0, 0). `row_dir` is the first triple of ImageOrientationPatient
//! (the direction in which the column index grows), `col_dir` the second (the direction
//! in which the row index grows). PixelSpacing is (row spacing, column spacing): the
//! distance between rows is measured along `col_dir`.

use serde::{Deserialize, Serialize};

/// A point or direction in patient coordinates (DICOM LPS), in mm.
pub type Vec3 = [f64; 3];

/// Dot product.
pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product.
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean norm.
pub fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// `a + s·b`.
pub fn add_scaled(a: Vec3, s: f64, b: Vec3) -> Vec3 {
    [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]]
}

/// `a − b`.
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// The unit vector along `a`, or `None` for a (near) zero vector.
pub fn normalized(a: Vec3) -> Option<Vec3> {
    let n = norm(a);
    (n.is_finite() && n > 1e-9).then(|| [a[0] / n, a[1] / n, a[2] / n])
}

/// The plane a series is acquired in, from the direction of its slice normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Normal mostly along the patient's S–I axis.
    Axial,
    /// Normal mostly along the patient's L–R axis.
    Sagittal,
    /// Normal mostly along the patient's A–P axis.
    Coronal,
    /// No axis dominates: the largest normal component is below [`ORIENTATION_COS_MIN`].
    Oblique,
}

/// The smallest |cosine| between the slice normal and a patient axis for a series to be
/// classed as axial, sagittal or coronal rather than oblique (about 25°).
pub const ORIENTATION_COS_MIN: f64 = 0.9;

impl Orientation {
    /// Classifies a slice normal.
    pub fn from_normal(n: Vec3) -> Self {
        let a = [n[0].abs(), n[1].abs(), n[2].abs()];
        let (i, m) = a.iter().enumerate().fold(
            (0, 0.0),
            |best, (i, &v)| if v > best.1 { (i, v) } else { best },
        );
        if m < ORIENTATION_COS_MIN {
            return Orientation::Oblique;
        }
        match i {
            0 => Orientation::Sagittal,
            1 => Orientation::Coronal,
            _ => Orientation::Axial,
        }
    }

    /// Lower-case name as used in JSON and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            Orientation::Axial => "axial",
            Orientation::Sagittal => "sagittal",
            Orientation::Coronal => "coronal",
            Orientation::Oblique => "oblique",
        }
    }
}

/// The patient-direction letter a unit vector points to most (L/R, A/P, S/I), with a
/// second letter where another axis contributes more than 0.3 (as PACS viewers show).
pub fn direction_letters(v: Vec3) -> String {
    let mut parts: Vec<(f64, char)> = vec![
        (v[0].abs(), if v[0] >= 0.0 { 'L' } else { 'R' }),
        (v[1].abs(), if v[1] >= 0.0 { 'P' } else { 'A' }),
        (v[2].abs(), if v[2] >= 0.0 { 'S' } else { 'I' }),
    ];
    parts.sort_by(|a, b| b.0.total_cmp(&a.0));
    parts
        .iter()
        .enumerate()
        .filter(|(i, (m, _))| *i == 0 || *m > 0.3)
        .map(|(_, (_, c))| *c)
        .collect()
}

/// One image plane: where pixel (0, 0) lies and how columns and rows run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImagePlane {
    /// Centre of the first pixel (ImagePositionPatient), mm.
    pub origin_mm: Vec3,
    /// Unit direction of increasing column index (IOP first triple).
    pub row_dir: Vec3,
    /// Unit direction of increasing row index (IOP second triple).
    pub col_dir: Vec3,
    /// Distance between the centres of adjacent rows, mm (PixelSpacing[0]).
    pub row_spacing_mm: f64,
    /// Distance between the centres of adjacent columns, mm (PixelSpacing[1]).
    pub col_spacing_mm: f64,
}

impl ImagePlane {
    /// The slice normal n = row_dir × col_dir.
    pub fn normal(&self) -> Vec3 {
        cross(self.row_dir, self.col_dir)
    }

    /// Patient coordinates of the (sub-)pixel position (column, row).
    pub fn pixel_to_patient(&self, col: f64, row: f64) -> Vec3 {
        let p = add_scaled(self.origin_mm, col * self.col_spacing_mm, self.row_dir);
        add_scaled(p, row * self.row_spacing_mm, self.col_dir)
    }

    /// The (column, row) of the projection of a patient point on this plane, and its
    /// signed distance from the plane along the normal (mm).
    pub fn patient_to_pixel(&self, p: Vec3) -> (f64, f64, f64) {
        let d = sub(p, self.origin_mm);
        (
            dot(d, self.row_dir) / self.col_spacing_mm,
            dot(d, self.col_dir) / self.row_spacing_mm,
            dot(d, self.normal()),
        )
    }
}

/// A position along `dir` (a unit vector) as the patient coordinate it fixes, with the
/// side it lies on: "z = 98.75 mm (S)", "x = 18.00 mm (L)"; "98.75 mm along the normal"
/// for an oblique direction.
pub fn position_text(dir: Vec3, pos_mm: f64) -> String {
    let (axis, largest) = dir
        .iter()
        .enumerate()
        .map(|(k, d)| (k, d.abs()))
        .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
    if largest < 0.9 {
        return format!("{pos_mm:.2} mm along the normal");
    }
    // The coordinate itself: the position is measured along `dir`, which is ± the axis.
    let value = pos_mm * dir[axis].signum();
    let (name, plus, minus) = match axis {
        0 => ("x", "L", "R"),
        1 => ("y", "P", "A"),
        _ => ("z", "S", "I"),
    };
    let side = if value.abs() < 0.005 {
        String::new()
    } else if value > 0.0 {
        format!(" ({plus})")
    } else {
        format!(" ({minus})")
    };
    format!("{name} = {value:.2} mm{side}")
}

/// Validates and orthonormalises an ImageOrientationPatient value. Returns the row and
/// column directions, or a reason why the value is unusable.
pub fn orientation_from_iop(iop: &[f64]) -> Result<(Vec3, Vec3), String> {
    let [a, b, c, d, e, f] = iop else {
        return Err(format!("expected 6 values, found {}", iop.len()));
    };
    if iop.iter().any(|v| !v.is_finite()) {
        return Err("non-finite value".into());
    }
    let row = normalized([*a, *b, *c]).ok_or("row direction is a zero vector")?;
    let col = normalized([*d, *e, *f]).ok_or("column direction is a zero vector")?;
    let c = dot(row, col);
    if c.abs() > 1e-2 {
        return Err(format!(
            "row and column directions are not perpendicular (cos = {c:.4})"
        ));
    }
    // Remove the tiny non-orthogonality that rounding in the header leaves.
    let col = normalized(add_scaled(col, -c, row)).ok_or("degenerate orientation")?;
    Ok((row, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_name_their_axis_and_side() {
        assert_eq!(position_text([0.0, 0.0, 1.0], 98.75), "z = 98.75 mm (S)");
        assert_eq!(position_text([-1.0, 0.0, 0.0], -18.0), "x = 18.00 mm (L)");
        assert_eq!(position_text([1.0, 0.0, 0.0], -18.0), "x = -18.00 mm (R)");
        assert_eq!(position_text([0.0, 1.0, 0.0], 5.0), "y = 5.00 mm (P)");
        assert_eq!(
            position_text([0.6, 0.8, 0.0], 5.0),
            "5.00 mm along the normal"
        );
    }

    #[test]
    fn axial_plane_round_trip() {
        let p = ImagePlane {
            origin_mm: [-100.0, -50.0, 20.0],
            row_dir: [1.0, 0.0, 0.0],
            col_dir: [0.0, 1.0, 0.0],
            row_spacing_mm: 0.5,
            col_spacing_mm: 0.7,
        };
        let x = p.pixel_to_patient(10.0, 4.0);
        assert_eq!(x, [-100.0 + 7.0, -50.0 + 2.0, 20.0]);
        let (c, r, d) = p.patient_to_pixel(x);
        assert!((c - 10.0).abs() < 1e-12 && (r - 4.0).abs() < 1e-12 && d.abs() < 1e-12);
        assert_eq!(p.normal(), [0.0, 0.0, 1.0]);
        assert_eq!(Orientation::from_normal(p.normal()), Orientation::Axial);
    }

    #[test]
    fn orientation_classes_and_letters() {
        assert_eq!(
            Orientation::from_normal([-1.0, 0.0, 0.0]),
            Orientation::Sagittal
        );
        assert_eq!(
            Orientation::from_normal([0.0, 1.0, 0.0]),
            Orientation::Coronal
        );
        let s = std::f64::consts::FRAC_1_SQRT_2;
        assert_eq!(Orientation::from_normal([s, 0.0, s]), Orientation::Oblique);
        assert_eq!(direction_letters([1.0, 0.0, 0.0]), "L");
        assert_eq!(direction_letters([0.0, 0.0, -1.0]), "I");
        assert_eq!(direction_letters([0.8, -0.6, 0.0]), "LA");
    }

    #[test]
    fn iop_validation() {
        assert!(orientation_from_iop(&[1.0, 0.0, 0.0, 0.0, 1.0]).is_err());
        assert!(orientation_from_iop(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]).is_err());
        assert!(orientation_from_iop(&[0.0, 0.0, 0.0, 0.0, 1.0, 0.0]).is_err());
        let (r, c) = orientation_from_iop(&[0.0, 1.0, 0.0, 0.0, 0.0, -1.0]).unwrap();
        assert_eq!(cross(r, c), [-1.0, 0.0, 0.0]);
    }
}
