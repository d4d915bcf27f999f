//! Decoding of the syntaxes `anchorage_core::dicom::decode::codec` owns (JPEG-LS, JPEG
//! Extended), on real files.
//!
//! The files are in `tests/fixtures/codec/`: pydicom's JPEG-LS and 12-bit JPEG test files,
//! files made with DCMTK from uncompressed originals (committed beside them), and
//! `expected.tsv`, the SHA-256 of a reference decoding of each (pydicom's for JPEG-LS,
//! DCMTK's IJG libjpeg for JPEG Extended) as stored sample bits masked to BitsStored,
//! little-endian, BitsAllocated/8 bytes a sample. `make_fixtures.py` there regenerates
//! all of it; these tests need neither Python nor DCMTK.
//!
//! Decoding a good file must not panic, even where the panic would be caught and turned
//! into an error or a fall-back: the tests of good files count the panics caught while
//! they decode (`count_caught`, which follows the load into its worker threads and is not
//! disturbed by the tests of broken streams running beside them) and require none, and
//! the command-line runs require no caught panic on stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

use anchorage_core::dicom::decode::codec;
use anchorage_core::dicom::decode::codec::Own;
use anchorage_core::dicom::decode::panics::{LOG_PREFIX, count_caught};
use anchorage_core::dicom::decode::table::own_codec;
use anchorage_core::dicom::series::scan;
use anchorage_core::dicom::syntax::SyntaxUid;
use anchorage_core::dicom::volume::{LoadControl, Volume, load, supported_transfer_syntaxes};
use dicom::dictionary_std::{tags, uids};
use dicom::object::{DefaultDicomObject, open_file};
use dicom::pixeldata::PixelDecoder;
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/codec")
        .join(name)
}

/// One line of expected.tsv.
#[derive(Debug)]
struct Expected {
    file: String,
    ts: String,
    rows: u32,
    cols: u32,
    frames: u32,
    bits_allocated: u16,
    bits_stored: u16,
    min: u64,
    max: u64,
    sha256: String,
    original: Option<String>,
    /// Whose decoding the checksum is: "pydicom" or "dcmdjpeg" (IJG libjpeg).
    reference: String,
}

fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(fixture("expected.tsv")).expect("expected.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t") && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 13, "bad line in expected.tsv: {l}");
            Expected {
                file: f[0].to_string(),
                ts: f[1].to_string(),
                rows: f[2].parse().unwrap(),
                cols: f[3].parse().unwrap(),
                frames: f[4].parse().unwrap(),
                bits_allocated: f[5].parse().unwrap(),
                bits_stored: f[6].parse().unwrap(),
                min: f[8].parse().unwrap(),
                max: f[9].parse().unwrap(),
                sha256: f[10].to_string(),
                original: (f[11] != "-").then(|| f[11].to_string()),
                reference: f[12].to_string(),
            }
        })
        .collect()
}

/// Sample values (masked to `bits_stored`) of little-endian bytes.
fn samples(bytes: &[u8], bits_allocated: u16, bits_stored: u16) -> Vec<u64> {
    let mask = (1u64 << bits_stored) - 1;
    let per = usize::from(bits_allocated / 8);
    bytes
        .chunks_exact(per)
        .map(|c| {
            let mut v = [0u8; 8];
            v[..per].copy_from_slice(c);
            u64::from_le_bytes(v) & mask
        })
        .collect()
}

/// Masked samples written back as bytes, the form expected.tsv hashes.
fn masked_bytes(values: &[u64], bits_allocated: u16) -> Vec<u8> {
    let per = usize::from(bits_allocated / 8);
    values
        .iter()
        .flat_map(|v| v.to_le_bytes()[..per].to_vec())
        .collect()
}

/// This crate's decoder of `ts`, as the table gives it.
fn own(ts: &str) -> Own {
    own_codec(SyntaxUid::new(ts)).unwrap_or_else(|| panic!("{ts} is not one of codec.rs's"))
}

/// Decodes a listed file; it is a good file, so no decoder panic may be caught.
fn decode(e: &Expected) -> Result<Vec<u8>, String> {
    let obj = open_file(fixture(&e.file)).expect("open fixture");
    let (out, caught) = count_caught(|| {
        codec::decode_frames(&obj, own(&e.ts), e.rows, e.cols, e.frames, e.bits_allocated)
    });
    assert_eq!(caught, 0, "{}: a decoder panicked (see stderr)", e.file);
    out
}

/// The uncompressed original's samples, decoded by dicom-rs.
fn original_samples(name: &str, bits_allocated: u16, bits_stored: u16) -> Vec<u64> {
    let obj = open_file(fixture(name)).expect("open original");
    let px = obj.decode_pixel_data().expect("decode original");
    samples(px.data(), bits_allocated, bits_stored)
}

/// Decodes every listed file of transfer syntax `ts` and checks it against expected.tsv.
fn check_all(ts: &str, at_least: usize) {
    let all = expected();
    let files: Vec<&Expected> = all.iter().filter(|e| e.ts == ts).collect();
    assert!(
        files.len() >= at_least,
        "expected.tsv lists {} files of {ts}",
        files.len()
    );
    for e in files {
        let data = decode(e).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let n = e.rows as usize * e.cols as usize * e.frames as usize;
        assert_eq!(
            data.len(),
            n * usize::from(e.bits_allocated / 8),
            "{}",
            e.file
        );
        let v = samples(&data, e.bits_allocated, e.bits_stored);
        if e.ts == uids::JPEG_EXTENDED12_BIT && e.bits_stored <= 8 {
            // 8-bit JPEG stays with jpeg-decoder, whose IDCT rounds differently from
            // IJG libjpeg's: it must give what dicom-rs gave before codec.rs took over.
            let before = samples(
                open_file(fixture(&e.file))
                    .expect("open")
                    .decode_pixel_data()
                    .expect("dicom-rs decodes 8-bit JPEG Extended")
                    .data(),
                e.bits_allocated,
                e.bits_stored,
            );
            assert_eq!(v, before, "{}: differs from dicom-rs's decoding", e.file);
            let (lo, hi) = (v.iter().min().copied(), v.iter().max().copied());
            assert!(
                lo.zip(hi)
                    .is_some_and(|(lo, hi)| lo.abs_diff(e.min) <= 1 && hi.abs_diff(e.max) <= 1),
                "{}: range {lo:?}..{hi:?}",
                e.file
            );
            continue;
        }
        let hash = format!("{:x}", Sha256::digest(masked_bytes(&v, e.bits_allocated)));
        assert_eq!(
            (v.iter().min().copied(), v.iter().max().copied()),
            (Some(e.min), Some(e.max)),
            "{}: sample range",
            e.file
        );
        assert_eq!(
            hash, e.sha256,
            "{}: samples differ from {}'s",
            e.file, e.reference
        );
    }
}

#[test]
fn every_jpeg_ls_fixture_matches_pydicom() {
    check_all(uids::JPEGLS_LOSSLESS, 9);
    check_all(uids::JPEGLS_NEAR_LOSSLESS, 3);
}

/// 12-bit frames (libjpeg-turbo-rs) equal IJG libjpeg's decoding exactly (pydicom's
/// libjpeg is within 1 of it, checked by make_fixtures.py); 8-bit ones (jpeg-decoder)
/// equal what dicom-rs decoded before.
#[test]
fn every_jpeg_extended_fixture_matches_ijg_libjpeg() {
    check_all(uids::JPEG_EXTENDED12_BIT, 5);
}

#[test]
fn lossless_files_equal_their_uncompressed_originals() {
    let mut checked = 0;
    for e in expected()
        .iter()
        .filter(|e| own_codec(SyntaxUid::new(&e.ts)).is_some())
    {
        let Some(orig) = &e.original else { continue };
        let got = samples(
            &decode(e).unwrap_or_else(|err| panic!("{}: {err}", e.file)),
            e.bits_allocated,
            e.bits_stored,
        );
        let want = original_samples(orig, e.bits_allocated, e.bits_stored);
        assert_eq!(got.len(), want.len(), "{} vs {orig}", e.file);
        if let Some(i) = got.iter().zip(&want).position(|(a, b)| a != b) {
            panic!(
                "{} vs {orig}: sample {i} is {} instead of {}",
                e.file, got[i], want[i]
            );
        }
        checked += 1;
    }
    // MR (pydicom and DCMTK), signed CT (16 and 12 bits stored), 8-bit MR, and the
    // multi-frame MR with and without offset table and with split fragments.
    assert!(checked >= 8, "only {checked} lossless files compared");
}

#[test]
fn near_lossless_stays_within_its_bound() {
    let e = expected()
        .into_iter()
        .find(|e| e.file == "emri4_jls_near2.dcm")
        .expect("fixture listed");
    let got = samples(&decode(&e).unwrap(), 16, 12);
    let want = original_samples("emri4.dcm", 16, 12);
    assert_eq!(got.len(), want.len());
    let worst = got.iter().zip(&want).map(|(a, b)| a.abs_diff(*b)).max();
    assert!(worst <= Some(2), "NEAR is 2, worst error {worst:?}");
    assert!(
        worst > Some(0),
        "near-lossless file decoded as if lossless?"
    );
}

fn load_file(name: &str) -> Volume {
    let path = fixture(name);
    let report = scan(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let series = report
        .pick(None, &path)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (volume, caught) = count_caught(|| load(series, &LoadControl::default()));
    assert_eq!(
        caught, 0,
        "{name}: a decoder panicked while loading (see stderr)"
    );
    volume.unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The command's stderr, which must not report a caught decoder panic.
fn no_caught_panic(name: &str, stderr: &[u8]) {
    let text = String::from_utf8_lossy(stderr);
    assert!(!text.contains(LOG_PREFIX), "{name}: {text}");
}

#[test]
fn loading_a_jpeg_ls_series_gives_the_original_values() {
    for (jls, orig) in [
        ("ct_signed16_jls.dcm", "ct_signed16.dcm"),
        ("ct_signed12_jls.dcm", "ct_signed12.dcm"),
        ("emri4_jls_frag_nobot.dcm", "emri4.dcm"),
        ("mr_small_8bit_jls.dcm", "mr_small_8bit.dcm"),
    ] {
        let (a, b) = (load_file(jls), load_file(orig));
        assert_eq!(a.dims(), b.dims(), "{jls}");
        let (nz, _, _) = a.dims();
        for z in 0..nz {
            assert_eq!(a.slice_values(z), b.slice_values(z), "{jls} slice {z}");
        }
    }
    // The signed CT really has negative stored values (HU below -1024 + intercept).
    let ct = load_file("ct_signed16_jls.dcm");
    let lowest = ct
        .slice_values(0)
        .map(|s| s.iter().copied().fold(f32::INFINITY, f32::min));
    assert!(lowest.is_some_and(|v| v < 0.0), "lowest HU {lowest:?}");
}

#[test]
fn loading_a_12_bit_jpeg_series_stays_close_to_the_original() {
    // Lossy: DCMTK's default quality leaves errors of up to about 20 (HU or MR units).
    // DCMTK also re-expressed the signed CT as unsigned with a new intercept, so this
    // checks the value mapping as well.
    for (jpeg, orig) in [
        ("emri4_jpeg12.dcm", "emri4.dcm"),
        ("emri4_jpeg12_frag_nobot.dcm", "emri4.dcm"),
        ("ct_signed12_jpeg12.dcm", "ct_signed12.dcm"),
    ] {
        let (a, b) = (load_file(jpeg), load_file(orig));
        assert_eq!(a.dims(), b.dims(), "{jpeg}");
        let (nz, _, _) = a.dims();
        let (mut worst, mut sum, mut n) = (0f32, 0f64, 0usize);
        for z in 0..nz {
            let (sa, sb) = (a.slice_values(z).unwrap(), b.slice_values(z).unwrap());
            for (x, y) in sa.iter().zip(sb.iter()) {
                worst = worst.max((x - y).abs());
                sum += f64::from(x - y);
                n += 1;
            }
        }
        let mean = sum / n as f64;
        assert!(
            worst <= 32.0 && mean.abs() < 0.5,
            "{jpeg}: worst {worst}, mean {mean}"
        );
    }
}

#[test]
fn stats_command_reads_12_bit_jpeg() {
    let out = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .arg("stats")
        .arg(fixture("jpeg_extended_12bit.dcm"))
        .args(["--slice", "0", "--ellipse", "128,512,40,60"])
        .output()
        .expect("run anchorage");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("\"n\":"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    no_caught_panic("jpeg_extended_12bit.dcm", &out.stderr);
}

#[test]
fn stats_command_is_identical_for_mr_small_and_its_jpeg_ls_copies() {
    let run = |name: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_anchorage"))
            .arg("stats")
            .arg(fixture(name))
            .args(["--slice", "0", "--ellipse", "30,30,10,8"])
            .output()
            .expect("run anchorage");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        no_caught_panic(name, &out.stderr);
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let plain = run("mr_small.dcm");
    assert!(plain.contains("\"n\": 245"), "{plain}");
    assert_eq!(run("mr_small_jls_lossless.dcm"), plain);
    assert_eq!(run("mr_small_jls_dcmtk.dcm"), plain);
}

#[test]
fn supported_syntaxes_include_jpeg_ls_and_jpeg_extended() {
    let list = supported_transfer_syntaxes();
    for uid in [
        uids::JPEGLS_LOSSLESS,
        uids::JPEGLS_NEAR_LOSSLESS,
        uids::JPEG_EXTENDED12_BIT,
    ] {
        assert!(list.iter().any(|(u, _)| *u == uid), "{uid} missing");
    }
}

/// The multi-frame JPEG-LS file with an offset table, with its fragments changed by `f`.
fn with_fragments(f: impl FnMut(&mut Vec<Vec<u8>>)) -> DefaultDicomObject {
    file_with_fragments("emri4_jls_frag_bot.dcm", f)
}

/// A fixture with its fragments changed by `f`.
fn file_with_fragments(name: &str, f: impl FnMut(&mut Vec<Vec<u8>>)) -> DefaultDicomObject {
    let mut f = f;
    let mut obj = open_file(fixture(name)).expect("open");
    let changed = obj.update_value(tags::PIXEL_DATA, |v| {
        if let Some(frags) = v.fragments_mut() {
            let mut list: Vec<Vec<u8>> = frags.iter().cloned().collect();
            f(&mut list);
            frags.clear();
            frags.extend(list);
        }
    });
    assert!(changed);
    obj
}

#[test]
fn truncated_file_names_the_frame() {
    // Cut the last fragment (the end of frame 4) short; the offset table stays valid.
    let obj = with_fragments(|frags| {
        if let Some(last) = frags.last_mut() {
            last.truncate(last.len() / 2);
        }
    });
    // The decoders refuse it with an error of their own: no panic is caught on the way.
    let (r, caught) = count_caught(|| codec::decode_frames(&obj, Own::JpegLs, 64, 64, 4, 16));
    assert_eq!(caught, 0);
    match r {
        Err(m) => assert!(
            m.starts_with("frame 4 of 4: JPEG-LS decoding failed"),
            "{m}"
        ),
        Ok(_) => panic!("truncated frame decoded"),
    }
    // Frames 1–3 alone are not mistaken for 4.
    let obj = with_fragments(|frags| {
        let keep = frags.len() - 4;
        frags.truncate(keep);
    });
    assert!(codec::decode_frames(&obj, Own::JpegLs, 64, 64, 4, 16).is_err());
}

#[test]
fn truncated_12_bit_jpeg_names_the_frame() {
    let obj = file_with_fragments("emri4_jpeg12.dcm", |frags| {
        if let Some(f) = frags.get_mut(2) {
            f.truncate(f.len() / 3);
        }
    });
    let (r, caught) = count_caught(|| codec::decode_frames(&obj, Own::JpegExtended, 64, 64, 4, 16));
    assert_eq!(caught, 0);
    match r {
        Err(m) => assert!(
            m.starts_with("frame 3 of 4: 12-bit JPEG decoding failed"),
            "{m}"
        ),
        Ok(_) => panic!("truncated frame decoded"),
    }
}

/// Flips random bits in the fragments of `name`; decoding must return, never panic. (A
/// decoder panic caught and turned into an error is allowed on such input, so none is
/// counted here.)
fn bit_flips_never_panic(name: &str, ts: &str, frames: u32, rounds: usize) {
    let mut state = 0x853C_49E6_748F_EA9Bu64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..rounds {
        let (frag_pick, byte_pick, bit) = (next(), next(), next() % 8);
        let obj = file_with_fragments(name, |frags| {
            let i = (frag_pick % frags.len() as u64) as usize;
            let f = &mut frags[i];
            if !f.is_empty() {
                let j = (byte_pick % f.len() as u64) as usize;
                f[j] ^= 1 << bit;
            }
        });
        if let Ok(d) = codec::decode_frames(&obj, own(ts), 64, 64, frames, 16) {
            assert_eq!(d.len(), 64 * 64 * frames as usize * 2);
        }
    }
}

#[test]
fn bit_flips_in_real_files_never_panic() {
    bit_flips_never_panic("emri4_jls_frag_bot.dcm", uids::JPEGLS_LOSSLESS, 4, 300);
    bit_flips_never_panic("emri4_jpeg12.dcm", uids::JPEG_EXTENDED12_BIT, 4, 300);
    bit_flips_never_panic(
        "emri4_jpeg12_frag_nobot.dcm",
        uids::JPEG_EXTENDED12_BIT,
        4,
        300,
    );
}
