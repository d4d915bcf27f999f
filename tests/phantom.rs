//! Integration tests of the synthetic phantom and of the DICOM writer.
//!
//! The committed sample (`sample-dicom/`) must be exactly what the generator writes;
//! its ground truth must be internally consistent; every protocol ROI, rasterised here
//! from the interfaces.md formulas (independently of the generator's own code), must lie
//! inside its image, hold the stated number of pixels and only the intended tissue on
//! the noise-free volume; and the files must read back with dicom-rs.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};

use anchorage_core::dicom::write::{
    DicomWriteError, ImageModality, Photometric, PixelValues, Rescale, SliceHeader, Window,
    derive_uid, write_slice,
};
use anchorage_core::phantom::truth::{GroundTruth, RoiExpectation};
use anchorage_core::phantom::{
    Anatomy, Level, PhantomOptions, Pose, Tissue, TruthVolume, ct_truth_volume, ground_truth,
    mr_truth_volume, write_phantoms,
};
use dicom::dictionary_std::tags;
use dicom::object::open_file;
use dicom::pixeldata::PixelDecoder;

type TestResult = Result<(), Box<dyn Error>>;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

fn committed_truth() -> Result<GroundTruth, Box<dyn Error>> {
    let text = std::fs::read_to_string(sample_dir().join("ground-truth.json"))?;
    Ok(serde_json::from_str(&text)?)
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>, Box<dyn Error>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir)?.to_path_buf();
            out.insert(rel, std::fs::read(entry.path())?);
        }
    }
    Ok(out)
}

/// Pixels (row, column) inside an ellipse, per interfaces.md; `None` when it reaches
/// outside the image.
fn ellipse_pixels(
    e: &anchorage_core::phantom::roi::EllipsePx,
    rows: usize,
    cols: usize,
) -> Option<Vec<(usize, usize)>> {
    let th = e.angle_deg.to_radians();
    let ext_c = ((e.rx * th.cos()).powi(2) + (e.ry * th.sin()).powi(2)).sqrt();
    let ext_r = ((e.rx * th.sin()).powi(2) + (e.ry * th.cos()).powi(2)).sqrt();
    let inside = e.cx - ext_c >= 0.0
        && e.cy - ext_r >= 0.0
        && e.cx + ext_c <= (cols - 1) as f64
        && e.cy + ext_r <= (rows - 1) as f64;
    if !inside {
        return None;
    }
    let mut px = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let (dc, dr) = (c as f64 - e.cx, r as f64 - e.cy);
            let u = dc * th.cos() + dr * th.sin();
            let v = -dc * th.sin() + dr * th.cos();
            if u * u / (e.rx * e.rx) + v * v / (e.ry * e.ry) <= 1.0 {
                px.push((r, c));
            }
        }
    }
    Some(px)
}

/// Pixels (row, column) inside a trajectory rectangle, per interfaces.md.
fn trajectory_pixels(
    t: &anchorage_core::phantom::roi::TrajectoryPx,
    rows: usize,
    cols: usize,
) -> Option<Vec<(usize, usize)>> {
    let (dx, dy) = (t.x1 - t.x0, t.y1 - t.y0);
    let len = (dx * dx + dy * dy).sqrt();
    // Corners of the rectangle must lie inside the image.
    let (nx, ny) = (-dy / len * t.width / 2.0, dx / len * t.width / 2.0);
    for (x, y) in [
        (t.x0 + nx, t.y0 + ny),
        (t.x0 - nx, t.y0 - ny),
        (t.x1 + nx, t.y1 + ny),
        (t.x1 - nx, t.y1 - ny),
    ] {
        if x < 0.0 || y < 0.0 || x > (cols - 1) as f64 || y > (rows - 1) as f64 {
            return None;
        }
    }
    let mut px = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let (wx, wy) = (c as f64 - t.x0, r as f64 - t.y0);
            let proj = (wx * dx + wy * dy) / len;
            let dist = (wx * dy - wy * dx).abs() / len;
            if proj >= 0.0 && proj <= len && dist <= t.width / 2.0 {
                px.push((r, c));
            }
        }
    }
    Some(px)
}

/// Noise-free mean over pixels, with tissue values taken from the truth's tissue table.
fn noise_free_mean(
    volume: &TruthVolume,
    slice: usize,
    pixels: &[(usize, usize)],
    truth: &GroundTruth,
    ct: bool,
) -> Result<f64, Box<dyn Error>> {
    let mut sum = 0i64;
    for &(r, c) in pixels {
        // A partial-volume CT's voxel holds its own value (checked against the analytic
        // anatomy in `partial_volume_voxels_hold_the_mean_over_their_box`).
        if let Some(v) = volume.value(slice, r, c) {
            sum += v as i64;
            continue;
        }
        let code = volume
            .labels
            .get((slice, r, c))
            .ok_or("pixel outside volume")?;
        let t = truth
            .tissues
            .iter()
            .find(|t| t.code == *code)
            .ok_or("unknown tissue code")?;
        sum += i64::from(if ct { t.ct_hu } else { t.mr_si });
    }
    Ok(sum as f64 / pixels.len() as f64)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn committed_sample_is_exactly_what_the_generator_writes() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let summary = write_phantoms(tmp.path(), &PhantomOptions::default())?;
    // `anchorage phantom` also writes the example session.
    anchorage_core::phantom::example::write_example_session(tmp.path())?;
    let fresh = tree(tmp.path())?;
    let committed = tree(&sample_dir())?;
    let fresh_names: Vec<_> = fresh.keys().collect();
    let committed_names: Vec<_> = committed.keys().collect();
    assert_eq!(fresh_names, committed_names, "file sets differ");
    for (name, bytes) in &fresh {
        assert!(
            committed.get(name) == Some(bytes),
            "{} differs",
            name.display()
        );
    }
    assert_eq!(summary.ct_files, 301);
    assert_eq!(summary.mr_files, 25);
    Ok(())
}

/// A smaller grid than the sample, to keep the test quick in debug builds.
fn small_options(seed: u64) -> PhantomOptions {
    let mut o = PhantomOptions {
        seed,
        preset: "test-small".into(),
        ..PhantomOptions::default()
    };
    o.ct.pixel_mm = 1.4;
    o.ct.rows = 88;
    o.ct.columns = 96;
    o.ct.first_column_x_mm = -66.5;
    o.ct.first_row_y_mm = -36.4;
    o.ct.slice_spacing_mm = 2.5;
    o.ct.slices = 85;
    o.mr.pixel_mm = 1.5;
    o.mr.rows = 144;
    o.mr.columns = 96;
    o
}

#[test]
fn generation_is_deterministic_and_seeded() -> TestResult {
    let (a, b, c) = (
        tempfile::tempdir()?,
        tempfile::tempdir()?,
        tempfile::tempdir()?,
    );
    write_phantoms(a.path(), &small_options(11))?;
    write_phantoms(b.path(), &small_options(11))?;
    write_phantoms(c.path(), &small_options(12))?;
    let (ta, tb, tc) = (tree(a.path())?, tree(b.path())?, tree(c.path())?);
    assert!(ta == tb, "two runs with the same options differ");
    let names: Vec<_> = ta.keys().collect();
    let other: Vec<_> = tc.keys().collect();
    assert_ne!(
        names, other,
        "another seed must give other UIDs and file names"
    );
    // Rerunning into the same directory overwrites with identical bytes.
    write_phantoms(a.path(), &small_options(11))?;
    assert!(tree(a.path())? == tb);
    // A directory holding another run's files is refused.
    assert!(write_phantoms(a.path(), &small_options(12)).is_err());
    Ok(())
}

#[test]
fn in_memory_truth_matches_the_committed_one() -> TestResult {
    let t = ground_truth(&PhantomOptions::default())?;
    let text = serde_json::to_string_pretty(&t)? + "\n";
    let committed = std::fs::read_to_string(sample_dir().join("ground-truth.json"))?;
    assert!(
        text == committed,
        "ground_truth() differs from sample-dicom"
    );
    Ok(())
}

#[test]
fn truth_is_internally_consistent() -> TestResult {
    let t = committed_truth()?;
    let e = t
        .expected
        .as_ref()
        .ok_or("the sample's truth has expected results")?;
    assert_eq!(t.ct_rois.b_hu.len(), 18);
    assert_eq!(t.ct_rois.trajectories.len(), 10);
    assert_eq!(t.ct_rois.calipers.len(), 10);
    assert_eq!(t.mr_rois.pedicles.len(), 8);
    assert_eq!(t.mr_rois.csf.len(), 3);

    for b in &e.b_hu {
        let rois: Vec<f64> = t
            .ct_rois
            .b_hu
            .iter()
            .filter(|r| r.level == b.level)
            .map(|r| r.expected.mean)
            .collect();
        assert_eq!(rois.len(), 3);
        assert!(
            close(b.b_hu, rois.iter().sum::<f64>() / 3.0),
            "B-HU {:?}",
            b.level
        );
        // No partial volume: each ROI's noise-free mean is the body's cancellous value.
        let level = t
            .levels
            .iter()
            .find(|l| l.level == b.level)
            .ok_or("level")?;
        assert!(close(b.b_hu, f64::from(level.body.cancellous_hu)));
    }
    for l in &e.levels {
        assert!(close(l.st_hu, 0.5 * (l.st_hu_left + l.st_hu_right)));
        assert!(close(l.hu_ratio, l.st_hu / l.b_hu));
    }
    let l3 = e.levels.iter().find(|l| l.level == Level::L3).ok_or("L3")?;
    assert_eq!(e.patient_hu_ratio.level, Level::L3);
    assert!(close(e.patient_hu_ratio.value, l3.hu_ratio));
    for s in &e.screws {
        let traj = t
            .ct_rois
            .trajectories
            .iter()
            .find(|r| r.level == s.level && r.side == s.side)
            .ok_or("trajectory")?;
        let cal = t
            .ct_rois
            .calipers
            .iter()
            .find(|r| r.level == s.level && r.side == s.side)
            .ok_or("caliper")?;
        let ped = t
            .levels
            .iter()
            .find(|l| l.level == s.level)
            .and_then(|l| l.pedicles.iter().find(|p| p.side == s.side))
            .ok_or("pedicle")?;
        assert!(close(s.st_hu, traj.expected.mean));
        assert!(close(s.hu_ratio, s.st_hu / s.b_hu));
        assert_eq!(s.b_hu_level, s.level);
        let d: f64 = (0..3)
            .map(|i| (cal.end_mm[i] - cal.start_mm[i]).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(close(cal.thickness_mm, d), "caliper length");
        // The slice nearest the isthmus lies within half a slice of its centre; the
        // caliper spans the pedicle's elliptic section there: the width scaled by
        // √(1 − (offset / half height)²).
        assert!(
            cal.slice_offset_mm.abs() <= 0.5 * t.ct.slice_spacing_mm + 1e-9,
            "the isthmus lies within half a slice of the caliper's slice"
        );
        let h = 0.5 * ped.isthmus_height_mm;
        let scaled = ped.isthmus_width_mm * (1.0 - (cal.slice_offset_mm / h).powi(2)).sqrt();
        assert!(
            close(cal.thickness_mm, scaled),
            "thickness = width at the offset"
        );
        assert!(close(s.pedicle_thickness_mm, cal.thickness_mm));
        assert!(close(
            s.clearance_mm,
            s.pedicle_thickness_mm - s.screw_diameter_mm
        ));
        assert!(close(s.psc_mm, s.clearance_mm / 2.0));
        assert_eq!(s.negative_clearance, s.clearance_mm < 0.0);
        let diameter = if s.level == Level::L5 { 7.5 } else { 6.5 };
        assert_eq!(s.screw_diameter_mm, diameter);
        assert!(close(
            traj.trajectory_px.width * t.ct.pixel_spacing_mm[1],
            diameter
        ));
        assert!((traj.tip_fraction_of_body - 0.8).abs() < 0.01);
    }
    assert!(
        e.screws.iter().any(|s| s.negative_clearance),
        "one screw is too wide"
    );

    let p = &e.pbq;
    assert_eq!(p.segments.len(), 4);
    for seg in &p.segments {
        assert!(close(seg.segmental_si, 0.5 * (seg.left_si + seg.right_si)));
    }
    let mean = p.segments.iter().map(|s| s.segmental_si).sum::<f64>() / 4.0;
    assert!(close(p.pedicle_mean_si, mean));
    assert!(close(p.pbq, p.pedicle_mean_si / p.csf_si));
    assert!((3.0..=4.0).contains(&p.pbq), "PBQ {}", p.pbq);
    for l in &e.levels {
        assert!(
            (1.3..=1.9).contains(&l.hu_ratio),
            "{:?} HU ratio {}",
            l.level,
            l.hu_ratio
        );
    }
    for r in &t.mr_rois.pedicles {
        assert!(r.distance_to_target_mm <= 0.75, "MR slice far from pedicle");
    }
    Ok(())
}

fn check_counts(label: &str, pixels: &[(usize, usize)], exp: &RoiExpectation) {
    assert_eq!(pixels.len(), exp.n, "{label}: pixel count");
    assert!(exp.n >= 5, "{label}: too small");
}

#[test]
fn protocol_rois_lie_inside_their_images_and_hold_only_the_intended_tissue() -> TestResult {
    let t = committed_truth()?;
    let opts = PhantomOptions::default();
    let (ct, mr) = (ct_truth_volume(&opts), mr_truth_volume(&opts));
    let (ct_rows, ct_cols) = (t.ct.rows, t.ct.columns);
    let (mr_rows, mr_cols) = (t.mr.rows, t.mr.columns);

    for r in &t.ct_rois.b_hu {
        let label = format!("B-HU {:?} {}", r.level, r.plane);
        let k = r.slice.slice_index;
        let px = ellipse_pixels(&r.ellipse_px, ct_rows, ct_cols).ok_or(label.clone())?;
        check_counts(&label, &px, &r.expected);
        let target = Tissue::BodyCancellous(r.level);
        for &(row, col) in &px {
            assert_eq!(
                ct.tissue(k, row, col),
                Some(target),
                "{label} ({col},{row})"
            );
            // At least 2 pixels from anything else.
            for dr in -2i64..=2 {
                for dc in -2i64..=2 {
                    if dr * dr + dc * dc <= 4 {
                        let (rr, cc) = ((row as i64 + dr) as usize, (col as i64 + dc) as usize);
                        assert_eq!(ct.tissue(k, rr, cc), Some(target), "{label} margin");
                    }
                }
            }
        }
        assert!(close(
            noise_free_mean(&ct, k, &px, &t, true)?,
            r.expected.mean
        ));
        assert_eq!(t.ct.slices[k].sop_instance_uid, r.slice.sop_instance_uid);
    }
    for r in &t.ct_rois.trajectories {
        let label = format!("trajectory {:?} {:?}", r.level, r.side);
        let k = r.slice.slice_index;
        let px = trajectory_pixels(&r.trajectory_px, ct_rows, ct_cols).ok_or(label.clone())?;
        check_counts(&label, &px, &r.expected);
        assert!(
            close(noise_free_mean(&ct, k, &px, &t, true)?, r.expected.mean),
            "{label}"
        );
        let marrow = px
            .iter()
            .filter(|&&(row, col)| {
                ct.tissue(k, row, col) == Some(Tissue::PedicleCancellous(r.level, r.side))
            })
            .count();
        assert!(marrow > px.len() / 4, "{label}: crosses its pedicle");
    }
    for c in &t.ct_rois.calipers {
        for [col, row] in [c.start_px, c.end_px] {
            assert!(col >= 0.0 && row >= 0.0);
            assert!(col <= (ct_cols - 1) as f64 && row <= (ct_rows - 1) as f64);
        }
    }
    for r in t.mr_rois.pedicles.iter().chain(&t.mr_rois.csf) {
        let label = format!("MR {} {:?} {:?}", r.kind, r.level, r.side);
        let k = r.slice.slice_index;
        let px = ellipse_pixels(&r.ellipse_px, mr_rows, mr_cols).ok_or(label.clone())?;
        check_counts(&label, &px, &r.expected);
        let target = match r.side {
            Some(side) => Tissue::PedicleCancellous(r.level, side),
            None => Tissue::Csf,
        };
        for &(row, col) in &px {
            assert_eq!(
                mr.tissue(k, row, col),
                Some(target),
                "{label} ({col},{row})"
            );
        }
        assert!(close(
            noise_free_mean(&mr, k, &px, &t, false)?,
            r.expected.mean
        ));
    }
    Ok(())
}

#[test]
fn files_have_the_expected_count_and_size() -> TestResult {
    let t = committed_truth()?;
    let mut total = 0u64;
    for (series, count) in [(&t.ct, 301usize), (&t.mr, 25)] {
        let dir = sample_dir().join(&series.directory);
        let files: Vec<_> = std::fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".dcm"))
            .collect();
        assert_eq!(files.len(), count);
        assert_eq!(series.count, count);
        let pixel_bytes = (2 * series.rows * series.columns) as u64;
        for f in files {
            let len = f.metadata()?.len();
            assert!(
                len > pixel_bytes + 700 && len < pixel_bytes + 2500,
                "size {len}"
            );
            total += len;
        }
    }
    total += std::fs::metadata(sample_dir().join("ground-truth.json"))?.len();
    assert!(total <= 25_000_000, "sample-dicom holds {total} bytes");
    Ok(())
}

#[test]
fn files_read_back_with_dicom_rs() -> TestResult {
    let t = committed_truth()?;
    let roi = t
        .ct_rois
        .b_hu
        .iter()
        .find(|r| r.level == Level::L3 && r.plane == "mid")
        .ok_or("L3 mid")?;
    let path = sample_dir().join("ct").join(&roi.slice.file);
    let obj = open_file(&path)?;
    assert_eq!(
        obj.element(tags::SOP_INSTANCE_UID)?.to_str()?,
        roi.slice.sop_instance_uid
    );
    assert_eq!(obj.element(tags::PATIENT_NAME)?.to_str()?, "PHANTOM^LUMBAR");
    let ipp = obj
        .element(tags::IMAGE_POSITION_PATIENT)?
        .to_multi_float64()?;
    assert_eq!(ipp, t.ct.slices[roi.slice.slice_index].position_mm.to_vec());
    let spacing = obj.element(tags::PIXEL_SPACING)?.to_multi_float64()?;
    assert_eq!(spacing, t.ct.pixel_spacing_mm.to_vec());
    let hu = obj.decode_pixel_data()?.to_ndarray::<f32>()?;
    let px = ellipse_pixels(&roi.ellipse_px, t.ct.rows, t.ct.columns).ok_or("ROI")?;
    let mut sum = 0.0;
    for &(r, c) in &px {
        sum += f64::from(*hu.get([0, r, c, 0]).ok_or("pixel")?);
    }
    let mean = sum / px.len() as f64;
    assert!(
        (mean - roi.expected.mean).abs() < 4.5 * roi.expected.sd_of_mean,
        "measured {mean}, truth {}",
        roi.expected.mean
    );

    let roi = t.mr_rois.csf.iter().find(|r| r.preferred).ok_or("CSF")?;
    let obj = open_file(sample_dir().join("mr").join(&roi.slice.file))?;
    let iop = obj
        .element(tags::IMAGE_ORIENTATION_PATIENT)?
        .to_multi_float64()?;
    assert_eq!(iop, vec![0.0, 1.0, 0.0, 0.0, 0.0, -1.0]);
    let si = obj.decode_pixel_data()?.to_ndarray::<f32>()?;
    let px = ellipse_pixels(&roi.ellipse_px, t.mr.rows, t.mr.columns).ok_or("ROI")?;
    let mut sum = 0.0;
    for &(r, c) in &px {
        sum += f64::from(*si.get([0, r, c, 0]).ok_or("pixel")?);
    }
    let mean = sum / px.len() as f64;
    assert!((mean - roi.expected.mean).abs() < 4.5 * roi.expected.sd_of_mean);
    Ok(())
}

fn variant_header() -> SliceHeader {
    SliceHeader {
        patient_name: "TEST^VARIANT".into(),
        patient_id: "T-1".into(),
        patient_birth_date: "20000101".into(),
        patient_sex: "O".into(),
        study_instance_uid: derive_uid(1, "study"),
        series_instance_uid: derive_uid(1, "series"),
        sop_instance_uid: derive_uid(1, "sop"),
        frame_of_reference_uid: derive_uid(1, "for"),
        study_date: "20260101".into(),
        study_time: "000000".into(),
        study_id: "1".into(),
        accession_number: String::new(),
        modality: ImageModality::Ct,
        manufacturer: "Anchorage phantom".into(),
        series_description: "variant".into(),
        series_number: 1,
        instance_number: 1,
        body_part_examined: "LSPINE".into(),
        patient_position: "HFS".into(),
        image_type: vec!["DERIVED".into(), "SECONDARY".into()],
        rows: 2,
        columns: 3,
        image_position_mm: [1.5, -2.25, 10.0],
        image_orientation: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        pixel_spacing_mm: [0.8, 0.6],
        slice_thickness_mm: 2.0,
        spacing_between_slices_mm: None,
        slice_location_mm: Some(10.0),
        rescale: Some(Rescale {
            slope: 2.0,
            intercept: -10.0,
            rescale_type: Some("HU".into()),
        }),
        windows: vec![Window {
            center: 40.0,
            width: 400.0,
            explanation: "SOFT".into(),
        }],
        bits_stored: 16,
        photometric: Photometric::Monochrome1,
        pixel_padding_value: Some(-2000),
    }
}

#[test]
fn writer_variants_round_trip() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("signed.dcm");
    let values: [i16; 6] = [-2000, -1, 0, 1, 300, 32767];
    write_slice(&path, &variant_header(), PixelValues::I16(&values))?;
    let obj = open_file(&path)?;
    assert_eq!(obj.element(tags::PIXEL_REPRESENTATION)?.to_int::<u16>()?, 1);
    assert_eq!(
        obj.element(tags::PHOTOMETRIC_INTERPRETATION)?.to_str()?,
        "MONOCHROME1"
    );
    assert_eq!(
        obj.element(tags::PIXEL_PADDING_VALUE)?.to_int::<i32>()?,
        -2000
    );
    assert_eq!(obj.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
    let out = obj.decode_pixel_data()?.to_ndarray::<f32>()?;
    for (i, &v) in values.iter().enumerate() {
        let got = *out.get([0, i / 3, i % 3, 0]).ok_or("pixel")?;
        assert_eq!(got, f32::from(v) * 2.0 - 10.0, "pixel {i}");
    }

    let mut header = variant_header();
    header.bits_stored = 12;
    let too_big = [0u16, 4096, 0, 0, 0, 0];
    let err = write_slice(&path, &header, PixelValues::U16(&too_big));
    assert!(matches!(err, Err(DicomWriteError::ValueOutOfRange { .. })));
    let err = write_slice(&path, &header, PixelValues::U16(&[0u16; 5]));
    assert!(matches!(err, Err(DicomWriteError::PixelCount { .. })));
    header.sop_instance_uid = "1.2.03".into();
    let err = write_slice(&path, &header, PixelValues::U16(&[0u16; 6]));
    assert!(matches!(err, Err(DicomWriteError::InvalidHeader { .. })));
    Ok(())
}

/// The benchmark preset (about 150 MiB): `cargo test --release --test phantom -- --ignored`.
#[test]
#[ignore]
fn large_preset_generates_a_consistent_phantom() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let summary = write_phantoms(tmp.path(), &PhantomOptions::large())?;
    assert_eq!(summary.ct_files, 300);
    let text = std::fs::read_to_string(&summary.truth_path)?;
    let t: GroundTruth = serde_json::from_str(&text)?;
    assert_eq!((t.ct.rows, t.ct.columns), (512, 512));
    let expected = t
        .expected
        .as_ref()
        .ok_or("the large preset has expected results")?;
    for b in &expected.b_hu {
        let level = t
            .levels
            .iter()
            .find(|l| l.level == b.level)
            .ok_or("level")?;
        assert!(close(b.b_hu, f64::from(level.body.cancellous_hu)));
    }
    for c in &t.ct_rois.calipers {
        assert!(c.thickness_mm <= c.isthmus_width_mm + 1e-12);
        assert!(c.thickness_mm > c.isthmus_width_mm - 0.05);
    }
    Ok(())
}

/// A turned and tilted phantom: every level's body centre, mapped through the pose, is
/// that level's cancellous bone in the labelled CT volume, the truth records the pose,
/// and no protocol ROIs are placed; the upright sample keeps its UIDs (no pose in them).
#[test]
fn posed_phantom_puts_each_body_where_the_pose_says() -> TestResult {
    let mut opts = small_options(5);
    opts.noise = false;
    opts.pose = Pose {
        axial_rotation_deg: 12.0,
        sagittal_tilt_deg: -9.0,
    };
    let truth = ground_truth(&opts)?;
    assert_eq!(truth.pose, opts.pose);
    assert!(truth.expected.is_none() && truth.ct_rois.b_hu.is_empty());
    let volume = ct_truth_volume(&opts);
    let g = &volume.geometry;
    let mut checked = 0;
    for level in &truth.levels {
        let Some(body) = Anatomy::lumbar().body(level.level).cloned() else {
            continue;
        };
        let p = opts.pose.to_patient(body.centre_mm());
        let column = ((p[0] - g.first_position_mm[0]) / g.column_spacing_mm).round();
        let row = ((p[1] - g.first_position_mm[1]) / g.row_spacing_mm).round();
        let slice = ((p[2] - g.first_position_mm[2]) / g.slice_spacing_mm).round();
        if slice < 0.0 || slice >= g.slices as f64 {
            continue;
        }
        let tissue = volume.tissue(slice as usize, row as usize, column as usize);
        assert_eq!(tissue, Some(Tissue::BodyCancellous(level.level)));
        // The unposed position is elsewhere for a tilted spine far from the origin.
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} bodies inside the grid");
    let upright = ground_truth(&small_options(5))?;
    assert!(upright.pose.is_identity() && upright.expected.is_some());
    Ok(())
}

/// The sample's CT holds partial volume: on the L3 body's axis, each voxel whose slice
/// straddles the superior endplate (cancellous below z 32, cortex 32–33, disc above)
/// holds the mean of the three tissues' HU weighted by how much of its 0.7 mm slice each
/// fills, computed here from the anatomy's numbers (to the sub-sampling's 1/8 of the
/// contrast); voxels well inside a tissue hold that tissue's value exactly.
#[test]
fn partial_volume_voxels_hold_the_mean_over_their_box() -> TestResult {
    let opts = PhantomOptions::default();
    assert!(opts.partial_volume);
    let volume = ct_truth_volume(&opts);
    let a = Anatomy::lumbar();
    let l3 = a.body(Level::L3).ok_or("L3")?;
    let hu = |t: Tissue| a.value(t).map(|v| f64::from(v.ct_hu)).unwrap_or(f64::NAN);
    let (cortex, disc, canc) = (
        hu(Tissue::Cortex),
        hu(Tissue::Disc),
        hu(Tissue::BodyCancellous(Level::L3)),
    );
    let g = opts.ct_geometry();
    let centre = l3.centre_mm();
    let (col, row) = g.pixel_of(0, centre);
    let (c, r) = (col.round() as usize, row.round() as usize);
    let top = l3.z_superior_mm;
    let inner = top - l3.endplate_mm;
    let half = 0.5 * g.slice_spacing_mm;
    let overlap = |lo: f64, hi: f64, z: f64| ((z + half).min(hi) - (z - half).max(lo)).max(0.0);
    let mut straddling = 0;
    for k in 0..g.slices {
        let z = g.position(k)[2];
        if (z - top).abs() > 3.0 {
            continue;
        }
        let w = g.slice_spacing_mm;
        let want = (overlap(f64::NEG_INFINITY, inner, z) * canc
            + overlap(inner, top, z) * cortex
            + overlap(top, f64::INFINITY, z) * disc)
            / w;
        let got = volume.value(k, r, c).ok_or("value")?;
        let mixed = overlap(inner, top, z) > 0.0 && overlap(inner, top, z) < w;
        let tol = if mixed || (z - inner).abs() < half || (z - top).abs() < half {
            straddling += 1;
            (cortex - disc) / 8.0 + 0.5
        } else {
            0.0
        };
        println!("slice {k} z {z:.2}: {got} HU, box mean {want:.1}");
        assert!(
            (got - want).abs() <= tol + 0.5,
            "slice {k} z {z}: {got} against {want:.1}"
        );
    }
    assert!(
        straddling >= 2,
        "slices straddling the endplate: {straddling}"
    );
    Ok(())
}
