//! `anchorage_core::dicom::decode::j2k` (hayro-jpeg2000) against dicom-rs's own JPEG 2000
//! decoder (openjp2, a port of OpenJPEG) on every real JPEG 2000 lossless file of the
//! corpus that `tests/fixtures/setup.sh` builds: pydicom-data's CT and MR files and GDCM's
//! copies of the uncompressed corpus. Both must give the same stored sample bits, without
//! a panic caught on the way (`count_caught`), and loading the files (which takes the
//! hayro path) must give pydicom's numbers (`tests/real_files.rs`).

use std::path::{Path, PathBuf};

use anchorage_core::dicom::decode::j2k::{Outcome, decode_into};
use anchorage_core::dicom::decode::panics::count_caught;
use anchorage_core::dicom::syntax::SyntaxUid;
use dicom::dictionary_std::{tags, uids};
use dicom::object::{DefaultDicomObject, open_file};
use dicom::pixeldata::PixelDecoder;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every JPEG 2000 lossless file of the corpus (not the deliberately broken ones).
fn lossless_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["fetched", "generated"]
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(corpus().join(d)))
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "dcm"))
        .map(|e| e.into_path())
        .filter(|p| {
            open_file(p).is_ok_and(|o| {
                SyntaxUid::new(&o.meta().transfer_syntax).as_str() == uids::JPEG2000_LOSSLESS
            })
        })
        .collect();
    files.sort();
    files
}

fn int(obj: &DefaultDicomObject, tag: dicom::core::Tag) -> Option<u32> {
    obj.element(tag).ok()?.to_int::<u32>().ok()
}

/// The one frame's codestream (all fragments after the offset table).
fn stream(obj: &DefaultDicomObject) -> Vec<u8> {
    let pixel = obj.element(tags::PIXEL_DATA).expect("Pixel Data");
    pixel
        .value()
        .fragments()
        .expect("encapsulated")
        .iter()
        .flatten()
        .copied()
        .collect()
}

#[test]
fn hayro_gives_openjp2s_samples_on_every_real_lossless_file() {
    let files = lossless_files();
    assert!(
        files.len() >= 10,
        "only {} JPEG 2000 lossless files under {}: run tests/fixtures/setup.sh",
        files.len(),
        corpus().display()
    );
    let mut compared = 0;
    let mut left = Vec::new();
    for path in &files {
        let obj = open_file(path).expect("opens");
        if int(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1) != 1 {
            continue;
        }
        let (rows, cols) = (
            int(&obj, tags::ROWS).expect("Rows"),
            int(&obj, tags::COLUMNS).expect("Columns"),
        );
        let bits_allocated = int(&obj, tags::BITS_ALLOCATED).expect("BitsAllocated");
        let mut ours = vec![0u16; (rows * cols) as usize];
        let (outcome, caught) = count_caught(|| decode_into(&stream(&obj), rows, cols, &mut ours));
        assert_eq!(caught, 0, "{}: hayro panicked (see stderr)", path.display());
        match outcome {
            Ok(Outcome::Decoded) => {}
            Ok(Outcome::Unsupported(why)) => {
                left.push(format!("{}: {why}", path.display()));
                continue;
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
        let theirs = obj.decode_pixel_data().expect("dicom-rs decodes it");
        let bytes = theirs.data();
        // Compare the stored bits: BitsStored of the header, which may be fewer than the
        // codestream's precision (693_J2KR: 14 against 16).
        let stored = int(&obj, tags::BITS_STORED).expect("BitsStored");
        let mask = if stored >= 16 {
            u16::MAX
        } else {
            (1u16 << stored) - 1
        };
        let theirs: Vec<u16> = match bits_allocated {
            8 => bytes.iter().map(|&b| u16::from(b)).collect(),
            _ => bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        };
        assert_eq!(theirs.len(), ours.len(), "{}", path.display());
        let differ = ours
            .iter()
            .zip(&theirs)
            .filter(|(a, b)| (**a & mask) != (**b & mask))
            .count();
        assert_eq!(
            differ,
            0,
            "{}: {differ} of {} samples differ from openjp2's",
            path.display(),
            ours.len()
        );
        compared += 1;
    }
    eprintln!("{compared} files compared sample for sample; left to dicom-rs: {left:?}");
    assert!(
        compared >= 10,
        "only {compared} files compared; left: {left:?}"
    );
}

#[test]
fn damaged_real_codestreams_never_panic_and_cut_or_resized_ones_are_refused() {
    let files = lossless_files();
    let path = files
        .iter()
        .find(|p| p.ends_with("ct_693_j2kr.dcm"))
        .expect("ct_693_j2kr.dcm in the corpus: run tests/fixtures/setup.sh");
    let obj = open_file(path).expect("opens");
    let (rows, cols) = (
        int(&obj, tags::ROWS).expect("Rows"),
        int(&obj, tags::COLUMNS).expect("Columns"),
    );
    let good = stream(&obj);
    let mut out = vec![0u16; (rows * cols) as usize];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut errors = 0;
    for round in 0..60 {
        let mut s = good.clone();
        for _ in 0..1 + round % 8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed % s.len() as u64) as usize;
            s[i] ^= 1 << (seed >> 60 & 7);
        }

        // Any answer but a panic (which would abort this test) is fine; count errors.
        if decode_into(&s, rows, cols, &mut out).is_err() {
            errors += 1;
        }
    }
    eprintln!("{errors} of 60 damaged streams refused, the rest decoded to something");
    // A codestream cut short is refused, as openjp2 refuses it, not decoded with zeros.
    for keep in [0.95, 0.5, 0.1] {
        let cut = &good[..(good.len() as f64 * keep) as usize];
        assert!(
            decode_into(cut, rows, cols, &mut out).is_err(),
            "{keep} of the codestream was decoded"
        );
    }
    // A codestream whose SIZ marker disagrees with Rows × Columns is refused before
    // anything is decoded.
    let mut wide = good.clone();
    wide[11] ^= 0x01; // lowest byte of Xsiz
    let e = decode_into(&wide, rows, cols, &mut out).expect_err("a wrong width is refused");
    assert!(e.contains("the header says"), "{e}");
}
