//! The headers of compressed frames, each parsed in one place: the JPEG frame header
//! (SOFn, and JPEG-LS's SOF55: [`sof_fields`]), found by walking the marker segments from
//! SOI ([`frame_header`]; each step of every JPEG marker walk is [`marker_at`]), and the JPEG 2000 SIZ marker segment that follows SOC
//! ([`read_siz`]).
//!
//! The pre-checks read them to refuse a stream whose size is not the DICOM header's
//! before any decoder sizes a buffer from it; the JPEG Extended and JPEG 2000 decoders
//! read them to choose how to decode, the JPEG-LS decoder reads its SOF55 with
//! [`sof_fields`] in its own marker walk, and the frame finder uses [`find_soi`]. Nothing
//! here panics on any input.

/// The facts of a JPEG frame header (SOFn or JPEG-LS SOF55) that decoding depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameHeader {
    /// The SOF marker code (0xC0 baseline, 0xC1 extended sequential, 0xF7 JPEG-LS, …).
    pub marker: u8,
    /// Sample precision, bits.
    pub precision: u8,
    /// Number of lines.
    pub rows: u16,
    /// Samples per line.
    pub cols: u16,
    /// Components in the frame.
    pub components: u8,
}

impl FrameHeader {
    /// How the marker is named in messages.
    pub fn marker_name(&self) -> &'static str {
        if self.marker == 0xF7 {
            "JPEG-LS SOF55 marker"
        } else {
            "JPEG SOF marker"
        }
    }
}

/// Position of the next SOI marker (`FF D8`) at or after `from`.
pub fn find_soi(data: &[u8], from: usize) -> Option<usize> {
    let tail = data.get(from..)?;
    tail.windows(2)
        .position(|w| w == [0xFF, 0xD8])
        .map(|p| from + p)
}

/// One marker of a JPEG or JPEG-LS stream, as [`marker_at`] reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marker {
    /// The marker code (the byte after `FF`).
    pub code: u8,
    /// Where its segment starts (its length field), just after the code.
    pub segment: usize,
    /// Where the next marker starts: after the segment, or after the code for a
    /// stand-alone marker (TEM, RSTn, SOI, EOI, `FF 00`).
    pub next: usize,
}

/// The marker at `i` (fill bytes `FF FF …` skipped): the one step of every marker walk in
/// the crate ([`frame_header`], the frame finder's stream walk). `None` when `i` holds no
/// marker, the data ends inside it, or a segment length is below 2.
pub fn marker_at(data: &[u8], mut i: usize) -> Option<Marker> {
    if *data.get(i)? != 0xFF {
        return None;
    }
    // Fill bytes: any number of 0xFF before a marker code.
    while *data.get(i + 1)? == 0xFF {
        i += 1;
    }
    let code = *data.get(i + 1)?;
    let segment = i + 2;
    let next = if matches!(code, 0x00 | 0x01 | 0xD0..=0xD9) {
        segment
    } else {
        let len = data.get(segment..segment + 2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if len < 2 {
            return None;
        }
        segment + len
    };
    Some(Marker {
        code,
        segment,
        next,
    })
}

/// The frame header of the JPEG or JPEG-LS stream whose SOI is at `soi`, found by walking
/// its marker segments (fill bytes and stand-alone markers skipped); `None` when the walk
/// meets a scan, another SOI or EOI, or broken structure before any frame header.
pub fn frame_header(data: &[u8], soi: usize) -> Option<FrameHeader> {
    let mut i = soi + 2;
    loop {
        let m = marker_at(data, i)?;
        match m.code {
            0xD8 | 0xD9 | 0xDA | 0x00 => return None,
            0xC0..=0xCF if !matches!(m.code, 0xC4 | 0xC8 | 0xCC) => {
                return sof_fields(m.code, data.get(m.segment + 2..)?);
            }
            0xF7 => return sof_fields(m.code, data.get(m.segment + 2..)?),
            _ => i = m.next,
        }
    }
}

/// The frame header in `body`, the marker segment of SOFn or SOF55 `marker` after its
/// length field: P, Y, X, Nf (the component specifications are not read). `None` when
/// the body is shorter than those six bytes.
pub fn sof_fields(marker: u8, body: &[u8]) -> Option<FrameHeader> {
    let h = body.get(0..6)?;
    Some(FrameHeader {
        marker,
        precision: h[0],
        rows: u16::from_be_bytes([h[1], h[2]]),
        cols: u16::from_be_bytes([h[3], h[4]]),
        components: h[5],
    })
}

/// Whether `b` starts with a JPEG 2000 codestream's SOC and SIZ markers.
pub fn starts_j2k(b: &[u8]) -> bool {
    b.get(0..4) == Some(&[0xFF, 0x4F, 0xFF, 0x51][..])
}

/// What the SIZ marker says about a JPEG 2000 image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Siz {
    /// Xsiz − XOsiz, samples.
    pub width: u32,
    /// Ysiz − YOsiz, lines.
    pub height: u32,
    /// Csiz.
    pub components: u16,
    /// Bits per sample of the first component (1–38).
    pub precision: u8,
    /// Whether the first component is signed.
    pub signed: bool,
    /// The first component's subsampling (XRsiz, YRsiz).
    pub sampling: (u8, u8),
}

/// Reads the SIZ marker segment that follows SOC at the start of a codestream.
pub fn read_siz(b: &[u8]) -> Result<Siz, String> {
    if !starts_j2k(b) {
        return Err("JPEG 2000 codestream: no SOC and SIZ markers at the start".to_string());
    }
    let be16 = |i: usize| b.get(i..i + 2).map(|s| u16::from_be_bytes([s[0], s[1]]));
    let be32 = |i: usize| {
        b.get(i..i + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    };
    let short = || "JPEG 2000 codestream: the SIZ marker segment is cut short".to_string();
    let (x, y, xo, yo) = (
        be32(8).ok_or_else(short)?,
        be32(12).ok_or_else(short)?,
        be32(16).ok_or_else(short)?,
        be32(20).ok_or_else(short)?,
    );
    let components = be16(40).ok_or_else(short)?;
    let ssiz = *b.get(42).ok_or_else(short)?;
    let sampling = (*b.get(43).ok_or_else(short)?, *b.get(44).ok_or_else(short)?);
    let (Some(width), Some(height)) = (x.checked_sub(xo), y.checked_sub(yo)) else {
        return Err(format!(
            "JPEG 2000 codestream: the SIZ marker's image offset ({xo}, {yo}) lies past its size ({x}, {y})"
        ));
    };
    Ok(Siz {
        width,
        height,
        components,
        precision: (ssiz & 0x7F) + 1,
        signed: ssiz & 0x80 != 0,
        sampling,
    })
}

/// Test streams: SOI, a COM segment, then SOFn with the given fields.
#[cfg(test)]
pub(crate) fn sof_stream(marker: u8, precision: u8, rows: u16, cols: u16, comps: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0xFF, 0xC0];
    v.extend_from_slice(&[0xFF, marker, 0x00, 0x0B, precision]);
    v.extend_from_slice(&rows.to_be_bytes());
    v.extend_from_slice(&cols.to_be_bytes());
    v.extend_from_slice(&[comps, 1, 0x11, 0]);
    v
}

/// Test codestreams: SOC + SIZ of `width × height`, `components` components of `ssiz`.
#[cfg(test)]
pub(crate) fn siz_header(width: u32, height: u32, components: u16, ssiz: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0x4F, 0xFF, 0x51];
    b.extend_from_slice(&(38 + 3 * components).to_be_bytes()); // Lsiz
    b.extend_from_slice(&0u16.to_be_bytes()); // Rsiz
    for v in [width, height, 0, 0, width, height, 0, 0] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend_from_slice(&components.to_be_bytes());
    for _ in 0..components {
        b.extend_from_slice(&[ssiz, 1, 1]);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_header_is_found_past_other_segments() {
        let h = frame_header(&sof_stream(0xC1, 12, 300, 200, 1), 0);
        assert_eq!(
            h,
            Some(FrameHeader {
                marker: 0xC1,
                precision: 12,
                rows: 300,
                cols: 200,
                components: 1
            })
        );
        assert_eq!(h.map(|h| h.marker_name()), Some("JPEG SOF marker"));
        let ls = frame_header(&sof_stream(0xF7, 16, 64, 32, 1), 0);
        assert_eq!(
            ls.map(|h| (h.marker_name(), h.cols, h.rows)),
            Some(("JPEG-LS SOF55 marker", 32, 64))
        );
        // DHT (C4) is not a frame header.
        assert_eq!(frame_header(&sof_stream(0xC4, 8, 1, 1, 1), 0), None);
        assert_eq!(frame_header(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2], 0), None);
        assert_eq!(frame_header(&[0xFF, 0xD8, 0xFF], 0), None);
        // Cut inside the frame header.
        let s = sof_stream(0xC1, 12, 300, 200, 1);
        assert_eq!(frame_header(&s[..s.len() - 4], 0), None);
        assert_eq!(find_soi(&[0, 0xFF, 0xD8], 0), Some(1));
    }

    #[test]
    fn siz_is_read() {
        let s = read_siz(&siz_header(512, 300, 1, 0x8F));
        assert_eq!(
            s,
            Ok(Siz {
                width: 512,
                height: 300,
                components: 1,
                precision: 16,
                signed: true,
                sampling: (1, 1)
            })
        );
        assert!(read_siz(&siz_header(512, 300, 1, 0x8F)[..40]).is_err());
        assert!(read_siz(b"\xFF\xD8\xFF\xE0").is_err());
        // An offset past the size.
        let mut b = siz_header(4, 4, 1, 0x07);
        b[16..20].copy_from_slice(&9u32.to_be_bytes());
        assert!(read_siz(&b).is_err_and(|e| e.contains("lies past its size")));
    }
}
