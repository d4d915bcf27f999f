//! How the phantom's spine lies in the scanner: a rigid rotation of the whole anatomy
//! about the origin, so that level detection and screw planning can be tested on spines
//! that are turned (axial rotation) or tipped (sagittal tilt) in the image.
//!
//! The anatomy ([`super::anatomy`]) is defined upright in its own frame; a point of the
//! anatomy frame `a` lies at `R · a` in patient coordinates (LPS, mm), with
//! `R = R_x(tilt) · R_z(axial)`:
//! - `R_z(axial)` turns about the patient's z axis (superior); a positive angle turns
//!   +x (patient left) towards +y (posterior).
//! - `R_x(tilt)` turns about the patient's x axis (left); a positive angle turns +y
//!   (posterior) towards +z (superior), i.e. the spine's superior end leans anteriorly.
//!
//! The identity pose changes nothing (the bundled sample is unposed).

use serde::{Deserialize, Serialize};

/// A rotation of the anatomy about the origin (0, 0, 0) LPS.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Pose {
    /// Rotation about the patient's z axis (degrees; +x towards +y).
    pub axial_rotation_deg: f64,
    /// Rotation about the patient's x axis (degrees; +y towards +z).
    pub sagittal_tilt_deg: f64,
}

impl Pose {
    /// Whether the pose is the identity (both angles zero).
    pub fn is_identity(&self) -> bool {
        self.axial_rotation_deg == 0.0 && self.sagittal_tilt_deg == 0.0
    }

    /// The rotation matrix R (rows), anatomy frame → patient.
    pub fn matrix(&self) -> [[f64; 3]; 3] {
        let (sa, ca) = self.axial_rotation_deg.to_radians().sin_cos();
        let (st, ct) = self.sagittal_tilt_deg.to_radians().sin_cos();
        // R_z = [[ca, -sa, 0], [sa, ca, 0], [0, 0, 1]]; R_x = [[1, 0, 0], [0, ct, -st], [0, st, ct]].
        [
            [ca, -sa, 0.0],
            [ct * sa, ct * ca, -st],
            [st * sa, st * ca, ct],
        ]
    }

    /// A direction of the anatomy frame in patient coordinates.
    pub fn direction_to_patient(&self, d: [f64; 3]) -> [f64; 3] {
        if self.is_identity() {
            return d;
        }
        let m = self.matrix();
        [0, 1, 2].map(|i| m[i][0] * d[0] + m[i][1] * d[1] + m[i][2] * d[2])
    }

    /// A patient direction in the anatomy frame.
    pub fn direction_to_anatomy(&self, d: [f64; 3]) -> [f64; 3] {
        if self.is_identity() {
            return d;
        }
        let m = self.matrix();
        [0, 1, 2].map(|i| m[0][i] * d[0] + m[1][i] * d[1] + m[2][i] * d[2])
    }

    /// A point of the anatomy frame in patient coordinates (mm).
    pub fn to_patient(&self, a: [f64; 3]) -> [f64; 3] {
        self.direction_to_patient(a)
    }

    /// A patient point (mm) in the anatomy frame.
    pub fn to_anatomy(&self, p: [f64; 3]) -> [f64; 3] {
        self.direction_to_anatomy(p)
    }

    /// The spine's superior direction (the anatomy's +z) in patient coordinates.
    pub fn spine_axis(&self) -> [f64; 3] {
        self.direction_to_patient([0.0, 0.0, 1.0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [f64; 3], b: [f64; 3]) -> bool {
        (0..3).all(|i| (a[i] - b[i]).abs() < 1e-12)
    }

    #[test]
    fn identity_changes_nothing() {
        let p = Pose::default();
        assert!(p.is_identity());
        assert_eq!(p.to_patient([1.0, 2.0, 3.0]), [1.0, 2.0, 3.0]);
    }

    #[test]
    fn the_signs_are_as_documented() {
        let axial = Pose {
            axial_rotation_deg: 90.0,
            sagittal_tilt_deg: 0.0,
        };
        assert!(close(axial.to_patient([1.0, 0.0, 0.0]), [0.0, 1.0, 0.0]));
        let tilt = Pose {
            axial_rotation_deg: 0.0,
            sagittal_tilt_deg: 90.0,
        };
        assert!(close(tilt.to_patient([0.0, 1.0, 0.0]), [0.0, 0.0, 1.0]));
        // Superior leans anterior (−y) under a positive tilt.
        assert!(close(tilt.spine_axis(), [0.0, -1.0, 0.0]));
    }

    #[test]
    fn to_anatomy_inverts_to_patient() {
        let pose = Pose {
            axial_rotation_deg: 12.0,
            sagittal_tilt_deg: -7.5,
        };
        let a = [3.0, -40.0, 55.0];
        assert!(close(pose.to_anatomy(pose.to_patient(a)), a));
        // R = R_x · R_z: first the axial turn, then the tilt.
        let z_only = Pose {
            sagittal_tilt_deg: 0.0,
            ..pose
        };
        let x_only = Pose {
            axial_rotation_deg: 0.0,
            ..pose
        };
        assert!(close(
            pose.to_patient(a),
            x_only.to_patient(z_only.to_patient(a))
        ));
    }
}
