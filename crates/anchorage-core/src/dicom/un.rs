//! VR UN re-interpretation: attributes the standard dictionary knows, stored with VR UN.
//!
//! An archive or a toolkit that did not know an attribute may have written it as UN
//! ("unknown") in explicit VR. DICOM PS3.5 §6.2.2 says such a value is to be read with the
//! attribute's dictionary VR once the attribute is known; pydicom does so by default
//! (`config.replace_un_with_known_vr`). dicom-rs keeps the raw bytes, so without this an
//! Image Orientation (Patient) of `1\0\0\0\-1\0` reads as 12 byte "values".
//!
//! [`reinterpret_un`] walks the data set (and every sequence item, so the functional
//! groups too) and replaces each such element by the value its bytes hold under the
//! dictionary VR, decoded as dicom-rs decodes that VR: text split at `\`, binary numbers
//! in the transfer syntax's byte order. The value is then checked by the header like any
//! other. An attribute the dictionary does not know (private tags), or whose VR depends on
//! context (US or SS, OB or OW), stays UN and is not used. A UN value of defined length
//! whose dictionary VR is SQ is left as it is too: its items would have to be parsed
//! outside the structure guard (undefined-length UN sequences are parsed by dicom-rs and
//! walked by the guard already).

use dicom::core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom::core::smallvec::SmallVec;
use dicom::core::value::{PrimitiveValue, Value};
use dicom::core::{DataElement, Tag, VR};
use dicom::dictionary_std::StandardDataDictionary;
use dicom::object::InMemDicomObject;

/// What [`reinterpret_un`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UnReport {
    /// Elements re-read with their dictionary VR.
    pub reinterpreted: usize,
}

/// Re-reads every element of `obj` (sequence items included) stored as UN whose tag the
/// standard dictionary knows with one VR, with that VR. `big_endian` is the transfer
/// syntax's byte order. Errors name the tag, the VR and the length when a value's bytes
/// cannot be that VR (a 3-byte US).
pub fn reinterpret_un(obj: &mut InMemDicomObject, big_endian: bool) -> Result<UnReport, String> {
    let mut report = UnReport::default();
    walk(obj, big_endian, &mut report, 0)?;
    Ok(report)
}

/// Sequences nest at most this deep here (the guard allows 16).
const MAX_DEPTH: usize = 32;

fn walk(
    obj: &mut InMemDicomObject,
    big_endian: bool,
    report: &mut UnReport,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("sequences nest too deep".into());
    }
    let tags: Vec<Tag> = obj.tags().collect();
    for tag in tags {
        let Some(e) = obj.get(tag) else { continue };
        if e.vr() == VR::UN {
            let Some(PrimitiveValue::U8(bytes)) = e.value().primitive() else {
                continue;
            };
            let Some(vr) = dictionary_vr(tag) else {
                continue;
            };
            let value = convert(bytes, vr, big_endian).map_err(|m| {
                format!(
                    "({:04X},{:04X}) is stored as UN; read with its dictionary VR {vr}, {m}",
                    tag.group(),
                    tag.element()
                )
            })?;
            obj.put(DataElement::new(tag, vr, value));
            report.reinterpreted += 1;
        } else if e.items().is_some() {
            let mut result = Ok(());
            obj.update_value(tag, |v: &mut Value<InMemDicomObject, _>| {
                if let Some(items) = v.items_mut() {
                    for item in items.iter_mut() {
                        if result.is_ok() {
                            result = walk(item, big_endian, report, depth + 1);
                        }
                    }
                }
            });
            result?;
        }
    }
    Ok(())
}

/// The one VR the standard dictionary gives `tag`, when it gives exactly one that this
/// module can decode.
fn dictionary_vr(tag: Tag) -> Option<VR> {
    // Group lengths and private tags are not re-read.
    if tag.element() == 0 || tag.group() % 2 == 1 {
        return None;
    }
    let entry = StandardDataDictionary.by_tag(tag)?;
    match entry.vr() {
        VirtualVr::Exact(vr) if !matches!(vr, VR::UN | VR::SQ) => Some(vr),
        _ => None,
    }
}

/// The value of `bytes` read as `vr`.
fn convert(bytes: &[u8], vr: VR, big_endian: bool) -> Result<PrimitiveValue, String> {
    use VR::*;
    Ok(match vr {
        AE | AS | CS | DA | DS | DT | IS | LO | PN | SH | TM | UI | UC => {
            let text = String::from_utf8_lossy(bytes);
            let strs: SmallVec<[String; 2]> = text
                .split('\\')
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
                .collect();
            PrimitiveValue::Strs(strs)
        }
        LT | ST | UT | UR => PrimitiveValue::Str(
            String::from_utf8_lossy(bytes)
                .trim_end_matches(['\0', ' '])
                .to_string(),
        ),
        US | OW => PrimitiveValue::U16(numbers(
            bytes,
            vr,
            big_endian,
            u16::from_le_bytes,
            u16::from_be_bytes,
        )?),
        SS => PrimitiveValue::I16(numbers(
            bytes,
            vr,
            big_endian,
            i16::from_le_bytes,
            i16::from_be_bytes,
        )?),
        UL | OL => PrimitiveValue::U32(numbers(
            bytes,
            vr,
            big_endian,
            u32::from_le_bytes,
            u32::from_be_bytes,
        )?),
        SL => PrimitiveValue::I32(numbers(
            bytes,
            vr,
            big_endian,
            i32::from_le_bytes,
            i32::from_be_bytes,
        )?),
        UV | OV => PrimitiveValue::U64(numbers(
            bytes,
            vr,
            big_endian,
            u64::from_le_bytes,
            u64::from_be_bytes,
        )?),
        SV => PrimitiveValue::I64(numbers(
            bytes,
            vr,
            big_endian,
            i64::from_le_bytes,
            i64::from_be_bytes,
        )?),
        FL | OF => PrimitiveValue::F32(numbers(
            bytes,
            vr,
            big_endian,
            f32::from_le_bytes,
            f32::from_be_bytes,
        )?),
        FD | OD => PrimitiveValue::F64(numbers(
            bytes,
            vr,
            big_endian,
            f64::from_le_bytes,
            f64::from_be_bytes,
        )?),
        AT => {
            let halves: SmallVec<[u16; 2]> = numbers(
                bytes,
                vr,
                big_endian,
                u16::from_le_bytes,
                u16::from_be_bytes,
            )?;
            if !halves.len().is_multiple_of(2) {
                return Err(format!("its {} bytes are not whole tags", bytes.len()));
            }
            PrimitiveValue::Tags(halves.chunks_exact(2).map(|c| Tag(c[0], c[1])).collect())
        }
        // OB and anything else: the bytes are the value.
        _ => PrimitiveValue::U8(bytes.iter().copied().collect()),
    })
}

/// `bytes` as numbers of `N` bytes each, in the given byte order.
fn numbers<T, const N: usize>(
    bytes: &[u8],
    vr: VR,
    big_endian: bool,
    le: fn([u8; N]) -> T,
    be: fn([u8; N]) -> T,
) -> Result<SmallVec<[T; 2]>, String> {
    if !bytes.len().is_multiple_of(N) {
        return Err(format!(
            "its {} bytes are not a whole number of {N}-byte {vr} values",
            bytes.len()
        ));
    }
    Ok(bytes
        .chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            if big_endian { be(a) } else { le(a) }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom::dictionary_std::tags;

    fn un(obj: &mut InMemDicomObject, tag: Tag, bytes: &[u8]) {
        obj.put(DataElement::new(
            tag,
            VR::UN,
            PrimitiveValue::U8(bytes.iter().copied().collect()),
        ));
    }

    #[test]
    fn known_attributes_are_read_with_their_dictionary_vr() {
        let mut obj = InMemDicomObject::new_empty();
        un(
            &mut obj,
            tags::IMAGE_ORIENTATION_PATIENT,
            b"1\\0\\0\\0\\-1\\0",
        );
        un(&mut obj, tags::ROWS, &[0x00, 0x02]);
        un(&mut obj, Tag(0x0013, 0x1010), b"private");
        let r = reinterpret_un(&mut obj, false).unwrap();
        assert_eq!(r.reinterpreted, 2);
        let iop = obj.get(tags::IMAGE_ORIENTATION_PATIENT).unwrap();
        assert_eq!(iop.vr(), VR::DS);
        assert_eq!(
            iop.to_multi_float64().unwrap(),
            vec![1.0, 0.0, 0.0, 0.0, -1.0, 0.0]
        );
        assert_eq!(obj.get(tags::ROWS).unwrap().to_int::<u32>().unwrap(), 512);
        assert_eq!(obj.get(Tag(0x0013, 0x1010)).unwrap().vr(), VR::UN);
        // Big endian: the same bytes are another number.
        let mut obj = InMemDicomObject::new_empty();
        un(&mut obj, tags::ROWS, &[0x00, 0x02]);
        reinterpret_un(&mut obj, true).unwrap();
        assert_eq!(obj.get(tags::ROWS).unwrap().to_int::<u32>().unwrap(), 2);
    }

    #[test]
    fn inside_sequences_and_refused_when_the_bytes_do_not_fit() {
        let mut item = InMemDicomObject::new_empty();
        un(&mut item, tags::PIXEL_SPACING, b"0.5\\0.25");
        let mut obj = InMemDicomObject::new_empty();
        obj.put(DataElement::new(
            tags::PIXEL_MEASURES_SEQUENCE,
            VR::SQ,
            dicom::core::value::DataSetSequence::from(vec![item]),
        ));
        reinterpret_un(&mut obj, false).unwrap();
        let seq = obj.get(tags::PIXEL_MEASURES_SEQUENCE).unwrap();
        let ps = seq.items().unwrap()[0].get(tags::PIXEL_SPACING).unwrap();
        assert_eq!(ps.to_multi_float64().unwrap(), vec![0.5, 0.25]);
        let mut obj = InMemDicomObject::new_empty();
        un(&mut obj, tags::COLUMNS, &[1, 2, 3]);
        let e = reinterpret_un(&mut obj, false).unwrap_err();
        assert!(e.contains("(0028,0011)") && e.contains("US"), "{e}");
    }
}
