//! Every coded concept the SR writes or reads, as typed constants: the standard codes of
//! DICOM PS3.16 (DCM, SCT, LN, UCUM, RFC5646) and the project's private scheme
//! [`PRIVATE_SCHEME`] (`99ANCHORAGE`, documented in the README's "DICOM SR export"
//! section). Codes are compared by value and scheme ([`Code::is`]), never by meaning.

use crate::session::{Level, Role, Side};

/// The project's private coding scheme designator (PS3.3 8.2: a `99` prefix is private).
pub const PRIVATE_SCHEME: &str = "99ANCHORAGE";
/// Its name, declared in the Coding Scheme Identification Sequence (0008,0110).
pub const PRIVATE_SCHEME_NAME: &str = "Anchorage measurement codes";

/// A coded concept known at compile time: (code value, scheme designator, code meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodedConcept {
    /// Code Value (0008,0100).
    pub value: &'static str,
    /// Coding Scheme Designator (0008,0102).
    pub scheme: &'static str,
    /// Code Meaning (0008,0104).
    pub meaning: &'static str,
}

/// A coded concept as written or read: owned strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// Code Value.
    pub value: String,
    /// Coding Scheme Designator.
    pub scheme: String,
    /// Code Meaning.
    pub meaning: String,
}

impl CodedConcept {
    /// The owned form.
    pub fn code(self) -> Code {
        Code {
            value: self.value.into(),
            scheme: self.scheme.into(),
            meaning: self.meaning.into(),
        }
    }
}

impl From<CodedConcept> for Code {
    fn from(c: CodedConcept) -> Code {
        c.code()
    }
}

impl Code {
    /// Whether this is the concept `c` (same value and scheme; the meaning is free text).
    pub fn is(&self, c: &CodedConcept) -> bool {
        self.value == c.value && self.scheme == c.scheme
    }

    /// `(VALUE, SCHEME, "meaning")`, for messages.
    pub fn describe(&self) -> String {
        format!("({}, {}, \"{}\")", self.value, self.scheme, self.meaning)
    }
}

const fn dcm(value: &'static str, meaning: &'static str) -> CodedConcept {
    CodedConcept {
        value,
        scheme: "DCM",
        meaning,
    }
}

const fn sct(value: &'static str, meaning: &'static str) -> CodedConcept {
    CodedConcept {
        value,
        scheme: "SCT",
        meaning,
    }
}

const fn ucum(value: &'static str, meaning: &'static str) -> CodedConcept {
    CodedConcept {
        value,
        scheme: "UCUM",
        meaning,
    }
}

const fn private(value: &'static str, meaning: &'static str) -> CodedConcept {
    CodedConcept {
        value,
        scheme: PRIVATE_SCHEME,
        meaning,
    }
}

// --- Document structure (DCM) -------------------------------------------------------------

/// Title of TID 1500.
pub const IMAGING_MEASUREMENT_REPORT: CodedConcept = dcm("126000", "Imaging Measurement Report");
/// Language of Content Item and Descendants.
pub const LANGUAGE_OF_CONTENT: CodedConcept =
    dcm("121049", "Language of Content Item and Descendants");
/// English (United States).
pub const ENGLISH: CodedConcept = CodedConcept {
    value: "en-US",
    scheme: "RFC5646",
    meaning: "English (United States)",
};
/// Observer Type.
pub const OBSERVER_TYPE: CodedConcept = dcm("121005", "Observer Type");
/// Observer type Person.
pub const PERSON: CodedConcept = dcm("121006", "Person");
/// Observer type Device.
pub const DEVICE: CodedConcept = dcm("121007", "Device");
/// Person Observer Name.
pub const PERSON_OBSERVER_NAME: CodedConcept = dcm("121008", "Person Observer Name");
/// Device Observer UID.
pub const DEVICE_OBSERVER_UID: CodedConcept = dcm("121012", "Device Observer UID");
/// Device Observer Name.
pub const DEVICE_OBSERVER_NAME: CodedConcept = dcm("121013", "Device Observer Name");
/// Procedure reported.
pub const PROCEDURE_REPORTED: CodedConcept = dcm("121058", "Procedure reported");
/// CT unspecified body region (LOINC, CID 100).
pub const CT_PROCEDURE: CodedConcept = CodedConcept {
    value: "25045-6",
    scheme: "LN",
    meaning: "CT unspecified body region",
};
/// MRI unspecified body region (LOINC, CID 100).
pub const MR_PROCEDURE: CodedConcept = CodedConcept {
    value: "25056-3",
    scheme: "LN",
    meaning: "MRI unspecified body region",
};
/// Image Library.
pub const IMAGE_LIBRARY: CodedConcept = dcm("111028", "Image Library");
/// Image Library Group.
pub const IMAGE_LIBRARY_GROUP: CodedConcept = dcm("126200", "Image Library Group");
/// Source (an image library entry).
pub const SOURCE: CodedConcept = sct("260753009", "Source");
/// Modality (acquisition context).
pub const MODALITY: CodedConcept = dcm("121139", "Modality");
/// Modality CT.
pub const MODALITY_CT: CodedConcept = dcm("CT", "Computed Tomography");
/// Modality MR.
pub const MODALITY_MR: CodedConcept = dcm("MR", "Magnetic Resonance");
/// Frame of Reference UID (acquisition context).
pub const FRAME_OF_REFERENCE_UID: CodedConcept = dcm("112227", "Frame of Reference UID");
/// Imaging Measurements.
pub const IMAGING_MEASUREMENTS: CodedConcept = dcm("126010", "Imaging Measurements");
/// Measurement Group.
pub const MEASUREMENT_GROUP: CodedConcept = dcm("125007", "Measurement Group");
/// Tracking Identifier.
pub const TRACKING_IDENTIFIER: CodedConcept = dcm("112039", "Tracking Identifier");
/// Tracking Unique Identifier.
pub const TRACKING_UID: CodedConcept = dcm("112040", "Tracking Unique Identifier");
/// Finding.
pub const FINDING: CodedConcept = dcm("121071", "Finding");
/// Finding Site.
pub const FINDING_SITE: CodedConcept = sct("363698007", "Finding Site");
/// Laterality.
pub const LATERALITY: CodedConcept = sct("272741003", "Laterality");
/// Left.
pub const LEFT: CodedConcept = sct("7771000", "Left");
/// Right.
pub const RIGHT: CodedConcept = sct("24028007", "Right");
/// Measurement Method (carries the ROI's protocol role).
pub const MEASUREMENT_METHOD: CodedConcept = sct("370129005", "Measurement Method");
/// Image Region (the SCOORD of a planar ROI).
pub const IMAGE_REGION: CodedConcept = dcm("111030", "Image Region");
/// Derivation (of a statistic).
pub const DERIVATION: CodedConcept = dcm("121401", "Derivation");
/// Algorithm Name.
pub const ALGORITHM_NAME: CodedConcept = dcm("111001", "Algorithm Name");
/// Algorithm Version.
pub const ALGORITHM_VERSION: CodedConcept = dcm("111003", "Algorithm Version");
/// Yes.
pub const YES: CodedConcept = sct("373066001", "Yes");
/// No.
pub const NO: CodedConcept = sct("373067005", "No");

// --- ROI statistics (TID 1419) ------------------------------------------------------------

/// CT value of an ROI (with a Derivation modifier).
pub const ATTENUATION_COEFFICIENT: CodedConcept = dcm("112031", "Attenuation Coefficient");
/// MR value of an ROI (with a Derivation modifier).
pub const MR_SIGNAL_INTENSITY: CodedConcept = dcm("110852", "MR signal intensity");
/// Mean.
pub const MEAN: CodedConcept = sct("373098007", "Mean");
/// Standard Deviation (the sample SD).
pub const STANDARD_DEVIATION: CodedConcept = sct("386136009", "Standard Deviation");
/// Minimum.
pub const MINIMUM: CodedConcept = sct("255605001", "Minimum");
/// Maximum.
pub const MAXIMUM: CodedConcept = sct("56851009", "Maximum");
/// Median.
pub const MEDIAN: CodedConcept = sct("373099004", "Median");
/// Area.
pub const AREA: CodedConcept = sct("42798000", "Area");
/// Length (a caliper).
pub const LENGTH: CodedConcept = sct("410668003", "Length");

// --- Units (UCUM) -------------------------------------------------------------------------

/// Hounsfield unit.
pub const UNIT_HU: CodedConcept = ucum("[hnsf'U]", "Hounsfield unit");
/// MR signal intensity (arbitrary units).
pub const UNIT_SIGNAL: CodedConcept = ucum("{signal}", "signal intensity");
/// Square millimetre.
pub const UNIT_MM2: CodedConcept = ucum("mm2", "square millimeter");
/// Millimetre.
pub const UNIT_MM: CodedConcept = ucum("mm", "millimeter");
/// Megapascal.
pub const UNIT_MPA: CodedConcept = ucum("MPa", "megapascal");
/// Newton.
pub const UNIT_N: CodedConcept = ucum("N", "Newton");
/// Newton metre.
pub const UNIT_NM: CodedConcept = ucum("N.m", "Newton meter");
/// Milliampere.
pub const UNIT_MA: CodedConcept = ucum("mA", "milliampere");
/// Year.
pub const UNIT_YEAR: CodedConcept = ucum("a", "year");
/// A ratio or score without unit.
pub const UNIT_ONE: CodedConcept = ucum("1", "no units");

// --- Findings and sites -------------------------------------------------------------------

/// Finding of a B-HU ROI (no standard code for it).
pub const VB_CANCELLOUS_BONE: CodedConcept =
    private("VB-CANCELLOUS", "Vertebral body cancellous bone");
/// Finding of an ST-HU ROI.
pub const SCREW_TRAJECTORY: CodedConcept = private("SCREW-TRAJECTORY", "Screw trajectory");
/// Finding of a pedicle SI ROI and a pedicle caliper.
pub const PEDICLE: CodedConcept = sct("78972004", "Pedicle of vertebra");
/// Finding of a CSF SI ROI.
pub const CSF: CodedConcept = sct("65216001", "Cerebrospinal Fluid");
/// Finding of an ROI without protocol role.
pub const FREE_REGION: CodedConcept = private("FREE-ROI", "Region without protocol role");
/// Finding of a screw group.
pub const BONE_SCREW: CodedConcept = sct("68183006", "Bone screw");
/// Finding of a level group.
pub const LEVEL_SUMMARY: CodedConcept = private("LEVEL-SUMMARY", "Vertebral level values");
/// Finding of the patient group.
pub const PATIENT_SUMMARY: CodedConcept =
    private("PATIENT-SUMMARY", "Patient-level loosening predictors");

/// The finding site code of a vertebral level (SCT where PS3.16 has one; S1 and S2 private).
pub fn level_code(level: Level) -> CodedConcept {
    match level {
        Level::T10 => sct("7610001", "T10 vertebra"),
        Level::T11 => sct("12989004", "T11 vertebra"),
        Level::T12 => sct("23215003", "T12 vertebra"),
        Level::L1 => sct("66794005", "L1 vertebra"),
        Level::L2 => sct("14293000", "L2 vertebra"),
        Level::L3 => sct("36470004", "L3 vertebra"),
        Level::L4 => sct("11994002", "L4 vertebra"),
        Level::L5 => sct("49668003", "L5 vertebra"),
        Level::S1 => private("S1", "S1 vertebra"),
        Level::S2 => private("S2", "S2 vertebra"),
    }
}

/// The level a finding site code names.
pub fn level_of(code: &Code) -> Option<Level> {
    Level::ALL.into_iter().find(|l| code.is(&level_code(*l)))
}

/// The laterality code of a side.
pub fn side_code(side: Side) -> CodedConcept {
    match side {
        Side::L => LEFT,
        Side::R => RIGHT,
    }
}

/// The side a laterality code names.
pub fn side_of(code: &Code) -> Option<Side> {
    [Side::L, Side::R]
        .into_iter()
        .find(|s| code.is(&side_code(*s)))
}

/// The Measurement Method code that carries an ROI's protocol role.
pub fn role_code(role: Role) -> CodedConcept {
    match role {
        Role::BHuSuperior => private("ROLE-BHU-SUP", "B-HU plane below the superior endplate"),
        Role::BHuMid => private("ROLE-BHU-MID", "B-HU plane at mid-vertebra"),
        Role::BHuInferior => private("ROLE-BHU-INF", "B-HU plane above the inferior endplate"),
        Role::StHu => private("ROLE-STHU", "ST-HU screw trajectory"),
        Role::PedicleSi => private("ROLE-PEDICLE-SI", "PBQ pedicle signal"),
        Role::CsfSi => private("ROLE-CSF-SI", "PBQ CSF signal"),
        Role::PedicleThickness => private("ROLE-CALIPER", "Pedicle isthmus caliper"),
        Role::Free => private("ROLE-FREE", "No protocol role"),
    }
}

/// The role a Measurement Method code names.
pub fn role_of(code: &Code) -> Option<Role> {
    Role::ALL.into_iter().find(|r| code.is(&role_code(*r)))
}

/// The Finding of an ROI of this role.
pub fn finding_code(role: Role) -> CodedConcept {
    match role {
        Role::BHuSuperior | Role::BHuMid | Role::BHuInferior => VB_CANCELLOUS_BONE,
        Role::StHu => SCREW_TRAJECTORY,
        Role::PedicleSi | Role::PedicleThickness => PEDICLE,
        Role::CsfSi => CSF,
        Role::Free => FREE_REGION,
    }
}

// --- Private items that carry the session (import) ----------------------------------------

/// TEXT: an ROI's defining points in patient coordinates (LPS, mm), exactly.
pub const ROI_GEOMETRY: CodedConcept =
    private("ROI-GEOMETRY", "ROI defining points in patient coordinates");
/// TEXT: the ROI's free note.
pub const ROI_NOTE: CodedConcept = private("ROI-NOTE", "ROI note");
/// TEXT: a flag a reader must know (one item per flag).
pub const FLAG: CodedConcept = private("FLAG", "Flag");
/// TEXT: the research-use note.
pub const INTENDED_USE: CodedConcept = private("INTENDED-USE", "Intended use");
/// TEXT: the stress model's name and version.
pub const STRESS_MODEL: CodedConcept = private("STRESS-MODEL", "Stress model");
/// TEXT: the risk model's name and version.
pub const RISK_MODEL: CodedConcept = private("RISK-MODEL", "Risk model");
/// TEXT: the stress model file the session chose (absent: the bundled model).
pub const STRESS_MODEL_FILE: CodedConcept = private("STRESS-FILE", "Stress model file");
/// TEXT: the risk model file the session chose (absent: the bundled model).
pub const RISK_MODEL_FILE: CodedConcept = private("RISK-FILE", "Risk model file");
/// CODE: the reference level of the patient HU ratio.
pub const REFERENCE_LEVEL: CodedConcept = private("REFERENCE-LEVEL", "HU ratio reference level");
/// CODE: the level of the CSF ROI.
pub const CSF_LEVEL: CodedConcept = private("CSF-LEVEL", "CSF level");
/// CODE: the level a screw's B-HU came from.
pub const B_HU_LEVEL: CodedConcept = private("BHU-LEVEL", "Level of the B-HU used");
/// CODE: whether the risk is at or above the model's cutoff.
pub const HIGH_RISK: CodedConcept = private("HIGH-RISK", "High loosening risk");

// --- Private numeric concepts (derived values, plans, inputs) ------------------------------

/// A private numeric concept and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumConcept {
    /// The concept name.
    pub name: CodedConcept,
    /// Its unit.
    pub unit: CodedConcept,
}

const fn num(value: &'static str, meaning: &'static str, unit: CodedConcept) -> NumConcept {
    NumConcept {
        name: private(value, meaning),
        unit,
    }
}

/// B-HU(level): mean of the plane ROI means.
pub const B_HU: NumConcept = num("BHU", "Vertebral body trabecular HU", UNIT_HU);
/// How many of the three B-HU planes were measured.
pub const B_HU_PLANES: NumConcept = num("BHU-PLANES", "B-HU planes measured", UNIT_ONE);
/// ST-HU of the left screw path at a level.
pub const ST_HU_LEFT: NumConcept = num("STHU-L", "ST-HU left", UNIT_HU);
/// ST-HU of the right screw path at a level.
pub const ST_HU_RIGHT: NumConcept = num("STHU-R", "ST-HU right", UNIT_HU);
/// ST-HU(level) (mean of left and right) or ST-HU(screw).
pub const ST_HU: NumConcept = num("STHU", "Screw-trajectory HU", UNIT_HU);
/// ST-HU / B-HU (per level or per screw).
pub const HU_RATIO: NumConcept = num("HU-RATIO", "HU ratio", UNIT_ONE);
/// Pedicle SI left (MR).
pub const PEDICLE_SI_LEFT: NumConcept = num("PEDICLE-SI-L", "Pedicle SI left", UNIT_SIGNAL);
/// Pedicle SI right (MR).
pub const PEDICLE_SI_RIGHT: NumConcept = num("PEDICLE-SI-R", "Pedicle SI right", UNIT_SIGNAL);
/// Segmental SI: mean of left and right pedicle SI.
pub const SEGMENTAL_SI: NumConcept = num("SEGMENTAL-SI", "Segmental SI", UNIT_SIGNAL);
/// Pedicle isthmus thickness of a screw's pedicle.
pub const PEDICLE_THICKNESS: NumConcept = num("PEDICLE-THICK", "Pedicle thickness", UNIT_MM);
/// Thickness − diameter.
pub const CLEARANCE: NumConcept = num("CLEARANCE", "Clearance", UNIT_MM);
/// (Thickness − diameter) / 2.
pub const PSC: NumConcept = num("PSC", "Per-side clearance", UNIT_MM);
/// The stress model's σH.
pub const SIGMA_H: NumConcept = num("SIGMA-H", "Equivalent stress sigma H", UNIT_MPA);
/// σH over the yield stress.
pub const YIELD_RATIO: NumConcept = num("YIELD-RATIO", "Yield ratio", UNIT_ONE);
/// The stress model's contact pressure.
pub const PRESSURE: NumConcept = num("PRESSURE", "Contact pressure", UNIT_MPA);
/// Screw diameter (plan).
pub const SCREW_DIAMETER: NumConcept = num("SCREW-DIAMETER", "Screw diameter", UNIT_MM);
/// Screw length (plan).
pub const SCREW_LENGTH: NumConcept = num("SCREW-LENGTH", "Screw length", UNIT_MM);
/// Interference δB (plan).
pub const INTERFERENCE: NumConcept = num("INTERFERENCE", "Interference", UNIT_MM);
/// Intraoperative EMG stimulus threshold.
pub const EMG_THRESHOLD: NumConcept = num("EMG-THRESHOLD", "EMG stimulus threshold", UNIT_MA);
/// Insertion torque.
pub const INSERTION_TORQUE: NumConcept = num("INSERTION-TORQUE", "Insertion torque", UNIT_NM);
/// Patient HU ratio (at the reference level).
pub const PATIENT_HU_RATIO: NumConcept = num("PATIENT-HU-RATIO", "Patient HU ratio", UNIT_ONE);
/// CSF SI.
pub const CSF_SI: NumConcept = num("CSF-SI", "CSF SI", UNIT_SIGNAL);
/// PBQ score.
pub const PBQ: NumConcept = num("PBQ", "PBQ score", UNIT_ONE);
/// Age.
pub const AGE: NumConcept = num("AGE", "Age", UNIT_YEAR);
/// Goutallier grade of the multifidus.
pub const GOUTALLIER: NumConcept = num("GOUTALLIER", "Goutallier grade", UNIT_ONE);
/// Nomogram total points.
pub const RISK_POINTS: NumConcept = num("RISK-POINTS", "Nomogram total points", UNIT_ONE);
/// Loosening risk.
pub const RISK: NumConcept = num("RISK", "Loosening risk", UNIT_ONE);
/// Transverse force of the stress estimate (session override).
pub const FORCE: NumConcept = num("FORCE", "Transverse force", UNIT_N);
/// Bone modulus (session override).
pub const MODULUS: NumConcept = num("MODULUS", "Bone modulus", UNIT_MPA);
/// Poisson ratio (session override).
pub const POISSON: NumConcept = num("POISSON", "Poisson ratio", UNIT_ONE);
/// Yield stress (session override).
pub const YIELD_STRESS: NumConcept = num("YIELD-STRESS", "Yield stress", UNIT_MPA);

/// Every private numeric concept, for the README's table and the uniqueness test.
pub const ALL_NUMS: [NumConcept; 31] = [
    B_HU,
    B_HU_PLANES,
    ST_HU_LEFT,
    ST_HU_RIGHT,
    ST_HU,
    HU_RATIO,
    PEDICLE_SI_LEFT,
    PEDICLE_SI_RIGHT,
    SEGMENTAL_SI,
    PEDICLE_THICKNESS,
    CLEARANCE,
    PSC,
    SIGMA_H,
    YIELD_RATIO,
    PRESSURE,
    SCREW_DIAMETER,
    SCREW_LENGTH,
    INTERFERENCE,
    EMG_THRESHOLD,
    INSERTION_TORQUE,
    PATIENT_HU_RATIO,
    CSF_SI,
    PBQ,
    AGE,
    GOUTALLIER,
    RISK_POINTS,
    RISK,
    FORCE,
    MODULUS,
    POISSON,
    YIELD_STRESS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for l in Level::ALL {
            assert_eq!(level_of(&level_code(l).code()), Some(l));
        }
        for r in Role::ALL {
            assert_eq!(role_of(&role_code(r).code()), Some(r));
        }
        let mut values: Vec<&str> = ALL_NUMS.iter().map(|n| n.name.value).collect();
        values.sort_unstable();
        let before = values.len();
        values.dedup();
        assert_eq!(
            values.len(),
            before,
            "two private numeric codes share a value"
        );
        let others = [
            VB_CANCELLOUS_BONE,
            SCREW_TRAJECTORY,
            FREE_REGION,
            LEVEL_SUMMARY,
            PATIENT_SUMMARY,
            ROI_GEOMETRY,
            ROI_NOTE,
            FLAG,
            INTENDED_USE,
            STRESS_MODEL,
            RISK_MODEL,
            STRESS_MODEL_FILE,
            RISK_MODEL_FILE,
            REFERENCE_LEVEL,
            CSF_LEVEL,
            B_HU_LEVEL,
            HIGH_RISK,
        ];
        let all = ALL_NUMS
            .iter()
            .map(|n| n.name)
            .chain(others)
            .chain(Role::ALL.map(role_code))
            .chain(Level::ALL.map(level_code));
        for code in all {
            // Code Value is SH: at most 16 characters.
            assert!(code.value.len() <= 16, "{} is longer than SH", code.value);
        }
    }
}
