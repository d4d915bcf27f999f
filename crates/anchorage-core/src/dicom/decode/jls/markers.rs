//! The markers of a JPEG-LS stream up to its scan: the frame header (SOF55), preset
//! coding parameters (LSE type 1) and the scan header, with what the focused decoder
//! leaves to `pure_jpegls` told apart from what is broken.

use crate::dicom::decode::headers::sof_fields;

/// The frame and scan parameters read from the stream's markers.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Lines.
    pub rows: u32,
    /// Samples per line.
    pub cols: u32,
    /// MAXVAL: the largest sample value.
    pub maxval: i32,
    /// Gradient threshold T1.
    pub t1: i32,
    /// Gradient threshold T2.
    pub t2: i32,
    /// Gradient threshold T3.
    pub t3: i32,
    /// RESET: the context counters are halved at this count.
    pub reset: i32,
    /// Offset of the first entropy-coded byte.
    pub scan_start: usize,
}

fn be16(d: &[u8], i: usize) -> Option<u32> {
    let b = d.get(i..i + 2)?;
    Some(u32::from(u16::from_be_bytes([b[0], b[1]])))
}

/// Walks the markers up to the scan. The outer `Result` is for broken streams, the inner
/// one for streams this decoder leaves to `pure_jpegls`.
pub fn read_markers(d: &[u8]) -> Result<Result<Params, &'static str>, String> {
    let broken = |m: &str| format!("JPEG-LS stream: {m}");
    if d.get(0..2) != Some(&[0xFF, 0xD8][..]) {
        return Err(broken("no SOI marker at the start"));
    }
    let mut i = 2;
    let mut frame: Option<(u32, u32, u32)> = None;
    let mut preset: (i32, i32, i32, i32, i32) = (0, 0, 0, 0, 0);
    loop {
        if d.get(i) != Some(&0xFF) {
            return Err(broken(&format!("expected a marker at byte {i}")));
        }
        while d.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let Some(&code) = d.get(i + 1) else {
            return Err(broken("ends before the scan"));
        };
        i += 2;
        let Some(len) = be16(d, i).map(|l| l as usize) else {
            return Err(broken("ends inside a marker segment"));
        };
        if len < 2 || i + len > d.len() {
            return Err(broken(&format!(
                "marker segment at byte {i} has a bad length"
            )));
        }
        let seg = d.get(i + 2..i + len).unwrap_or(&[]);
        match code {
            0xF7 => {
                // SOF55: P, Y, X, Nf, then Nf × (C, HV, Tq).
                let Some(sof) = sof_fields(code, seg) else {
                    return Err(broken("short frame header"));
                };
                let (pr, y, x, nf) = (
                    u32::from(sof.precision),
                    u32::from(sof.rows),
                    u32::from(sof.cols),
                    sof.components,
                );
                if nf != 1 {
                    return Ok(Err("more than one component"));
                }
                if !(2..=16).contains(&pr) {
                    return Err(broken(&format!("precision {pr}")));
                }
                if y == 0 {
                    return Ok(Err("number of lines given by DNL"));
                }
                frame = Some((pr, y, x));
            }
            0xF8 => {
                // LSE: only preset coding parameters (ID 1).
                if seg.first() != Some(&1) || seg.len() < 11 {
                    return Ok(Err("LSE segment other than preset parameters"));
                }
                let v = |k: usize| be16(seg, k).unwrap_or(0) as i32;
                preset = (v(1), v(3), v(5), v(7), v(9));
            }
            0xDD => return Ok(Err("restart interval")),
            0xDA => {
                // SOS: Ns, Ns × (C, Tm), NEAR, ILV, Al/Ah.
                let Some((pr, y, x)) = frame else {
                    return Err(broken("scan before the frame header"));
                };
                if seg.first() != Some(&1) {
                    return Ok(Err("a scan of several components"));
                }
                let (Some(&near), Some(&_ilv)) = (seg.get(3), seg.get(4)) else {
                    return Err(broken("short scan header"));
                };
                if near != 0 {
                    return Ok(Err("near-lossless scan"));
                }
                let full = (1i32 << pr) - 1;
                let maxval = if preset.0 > 0 { preset.0 } else { full };
                if !(1..=65535).contains(&maxval) {
                    return Err(broken(&format!("MAXVAL {maxval}")));
                }
                let (dt1, dt2, dt3) = default_thresholds(maxval);
                let t1 = if preset.1 > 0 { preset.1 } else { dt1 };
                let t2 = if preset.2 > 0 { preset.2 } else { dt2 };
                let t3 = if preset.3 > 0 { preset.3 } else { dt3 };
                let reset = if preset.4 > 0 { preset.4 } else { 64 };
                if !(t1 <= t2 && t2 <= t3 && t1 >= 1 && t3 <= maxval.max(1)) || reset < 3 {
                    return Ok(Err("unusual preset thresholds"));
                }
                return Ok(Ok(Params {
                    rows: y,
                    cols: x,
                    maxval,
                    t1,
                    t2,
                    t3,
                    reset,
                    scan_start: i + len,
                }));
            }
            0xD8 | 0xD9 => return Err(broken("no scan")),
            _ => {}
        }
        i += len;
    }
}

/// T.87 C.2.4.1.1 default thresholds for NEAR = 0.
fn default_thresholds(maxval: i32) -> (i32, i32, i32) {
    let clamp = |v: i32, lo: i32, hi: i32| if v > hi || v < lo { lo } else { v };
    if maxval >= 128 {
        let factor = (maxval.min(4095) + 128) / 256;
        // FACTOR × (BASIC_T1 − 2) + 2 with BASIC_T1 = 3.
        let t1 = clamp(factor + 2, 1, maxval);
        let t2 = clamp(factor * (7 - 3) + 3, t1, maxval);
        let t3 = clamp(factor * (21 - 4) + 4, t2, maxval);
        (t1, t2, t3)
    } else {
        let factor = 256 / (maxval + 1);
        let t1 = clamp((3 / factor).max(2), 1, maxval);
        let t2 = clamp((7 / factor).max(3), t1, maxval);
        let t3 = clamp((21 / factor).max(4), t2, maxval);
        (t1, t2, t3)
    }
}
