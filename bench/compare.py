#!/usr/bin/env python3
"""Times Anchorage against the tools users would pick instead, on the same CT series.

    python3 bench/compare.py [--input DIR] [--work DIR] [--runs N] [--syntaxes ...]
                             [--anchorage PATH] [--json FILE]

Without --input it writes a 300-slice 512 x 512 16-bit CT series (a smooth body with
bone, lungs and noise, so that it compresses like a real scan) with pydicom + numpy, and
encodes copies with real encoders:

    uncompressed   Explicit VR Little Endian     pydicom
    rle            RLE Lossless                  dcmcrle IN OUT
    jpegls         JPEG-LS Lossless              dcmcjpls +el IN OUT
    j2k            JPEG 2000 Lossless            gdcmconv --j2k IN OUT

With --input DIR, DIR/<syntax>/ (the same names) are used as they are; a missing syntax
is skipped.

Then, for every syntax, it runs in one session, alternating tool by tool, --runs times
(default 5), each run in a fresh process on hot caches (one warm-up read first):

    anchorage      `anchorage bench load DIR` (release build), its total_s
    cat            `cat` of every file to /dev/null
    pydicom        pydicom + numpy: read every file, sort by position, stack into an
                   int16 array; for compressed syntaxes once per installed decoder
                   plugin (pydicom's own RLE, pylibjpeg, gdcm, pyjpegls)
    simpleitk      SimpleITK ImageSeriesReader

and prints the median of each with the ratios the targets of issue 7 are stated in.
Set-up (see the README's "Benchmarking" section):

    pip install pydicom numpy SimpleITK pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg \
        pylibjpeg-rle python-gdcm pyjpegls
    apt-get install -y dcmtk libgdcm-tools
    cargo build --release
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTAXES = ["uncompressed", "rle", "jpegls", "j2k"]
UIDS = {
    "uncompressed": "1.2.840.10008.1.2.1",
    "rle": "1.2.840.10008.1.2.5",
    "jpegls": "1.2.840.10008.1.2.4.80",
    "j2k": "1.2.840.10008.1.2.4.90",
}
ENCODERS = {
    "rle": lambda i, o: ["dcmcrle", str(i), str(o)],
    "jpegls": lambda i, o: ["dcmcjpls", "+el", str(i), str(o)],
    "j2k": lambda i, o: ["gdcmconv", "--j2k", str(i), str(o)],
}
# pydicom 3 decoder plugins per syntax ("pydicom" is its own pure-Python/numpy RLE).
PLUGINS = {
    "uncompressed": [""],
    "rle": ["pydicom", "pylibjpeg"],  # pydicom 3 has no gdcm plugin for RLE
    "jpegls": ["pylibjpeg", "pyjpegls", "gdcm"],
    "j2k": ["pylibjpeg", "gdcm"],
}
PLUGIN_MODULES = {"pylibjpeg": {"rle": "rle", "jpegls": "libjpeg", "j2k": "openjpeg"},
                  "gdcm": "gdcm", "pyjpegls": "jpeg_ls", "pydicom": None, "": None}


# ---------------------------------------------------------------------------------------
# The series


def make_uncompressed(out: Path, slices: int, size: int, seed: int) -> None:
    """A CT-like series: air, a body ellipse of soft tissue with fat, two lungs, a spine
    ring of bone whose size changes along z, Gaussian noise (about 12 HU) everywhere."""
    import numpy as np
    import pydicom
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid, CTImageStorage

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    c = size / 2.0
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    spacing = 0.7
    for k in range(slices):
        t = k / max(slices - 1, 1)
        hu = np.full((size, size), -1000.0, np.float32)
        body = ((x - c) / (0.42 * size)) ** 2 + ((y - c * 1.05) / (0.30 * size)) ** 2
        hu[body <= 1.0] = -90.0  # fat
        hu[body <= 0.85] = 40.0  # soft tissue
        for side in (-1, 1):
            lung = ((x - c - side * 0.17 * size) / (0.11 * size)) ** 2 + (
                (y - c * 0.95) / (0.16 * size * (0.7 + 0.3 * t))
            ) ** 2
            hu[lung <= 1.0] = -850.0
        r = np.hypot(x - c, y - c * 1.45)
        ring = 0.05 * size * (1.0 + 0.15 * np.sin(6.28 * t * 3))
        hu[r <= ring] = 250.0  # cancellous bone
        hu[(r > ring) & (r <= ring * 1.25)] = 900.0  # cortex
        hu += 60.0 * np.sin(x / 37.0 + t) * np.cos(y / 53.0)  # smooth variation
        hu += rng.normal(0.0, 12.0, hu.shape).astype(np.float32)
        stored = np.clip(np.rint(hu + 1024.0), 0, 4095).astype(np.uint16)

        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.Modality = "CT"
        ds.PatientName, ds.PatientID = "BENCH^CT", "BENCH"
        ds.SeriesDescription = "compare.py synthetic CT"
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [-c * spacing, -c * spacing, -150.0 + 1.0 * k]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [spacing, spacing]
        ds.SliceThickness = 1.0
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = size
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
        ds.PixelRepresentation = 0
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        ds.WindowCenter, ds.WindowWidth = 40, 400
        ds.PixelData = stored.tobytes()
        ds.save_as(out / f"ct{k:04d}.dcm", enforce_file_format=True)


def encode(syntax: str, src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    files = sorted(src.glob("*.dcm"))

    def one(f: Path) -> None:
        subprocess.run(ENCODERS[syntax](f, dst / f.name), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        list(ex.map(one, files))


def prepare(args) -> dict:
    dirs = {}
    if args.input:
        for s in args.syntaxes:
            d = Path(args.input) / s
            if d.is_dir() and any(d.glob("*.dcm")):
                dirs[s] = d
            else:
                print(f"compare.py: no {d}, {s} skipped", file=sys.stderr)
        return dirs
    work = Path(args.work)
    unc = work / "uncompressed"
    if len(list(unc.glob("*.dcm"))) != args.slices:
        shutil.rmtree(unc, ignore_errors=True)
        t = time.time()
        make_uncompressed(unc, args.slices, args.size, args.seed)
        print(f"compare.py: wrote {args.slices} slices to {unc} ({time.time() - t:.0f} s)",
              file=sys.stderr)
    for s in args.syntaxes:
        if s == "uncompressed":
            dirs[s] = unc
            continue
        d = work / s
        if len(list(d.glob("*.dcm"))) != args.slices:
            shutil.rmtree(d, ignore_errors=True)
            t = time.time()
            encode(s, unc, d)
            print(f"compare.py: encoded {s} ({time.time() - t:.0f} s)", file=sys.stderr)
        dirs[s] = d
    return dirs


# ---------------------------------------------------------------------------------------
# The timed loaders. Each Python one runs in a child process (fresh interpreter, imports
# done before the clock starts) and prints its own elapsed seconds.

PYDICOM_CHILD = r"""
import sys, time, glob, os
import numpy as np
import pydicom
from pydicom.pixels import pixel_array
folder, plugin = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(folder, "*.dcm")))
t0 = time.perf_counter()
dss = [pydicom.dcmread(f) for f in files]
dss.sort(key=lambda d: float(d.ImagePositionPatient[2]))
first = dss[0]
vol = np.empty((len(dss), first.Rows, first.Columns), np.int16)
for i, d in enumerate(dss):
    if plugin:
        vol[i] = pixel_array(d, decoding_plugin=plugin)
    else:
        vol[i] = d.pixel_array
print(time.perf_counter() - t0)
print(int(vol[len(dss) // 2].astype(np.int64).sum()))
"""

SITK_CHILD = r"""
import sys, time
import SimpleITK as sitk
folder = sys.argv[1]
t0 = time.perf_counter()
r = sitk.ImageSeriesReader()
r.SetFileNames(r.GetGDCMSeriesFileNames(folder))
img = r.Execute()
a = sitk.GetArrayViewFromImage(img)
print(time.perf_counter() - t0)
print(a.shape)
"""


def run_child(cmd, timeout=600):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} … {' '.join(cmd[-2:])} failed: "
                           f"{p.stderr.strip().splitlines()[-1:]}")
    return p.stdout


def time_anchorage(binary, folder):
    out = json.loads(run_child([binary, "bench", "load", str(folder)]))
    return out["total_s"], out


def time_cat(folder):
    files = sorted(str(f) for f in Path(folder).glob("*.dcm"))
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(["cat", *files], stdout=null, check=True)
    return time.perf_counter() - t0, None


def time_pydicom(folder, plugin):
    out = run_child([sys.executable, "-c", PYDICOM_CHILD, str(folder), plugin])
    return float(out.split()[0]), None


def time_sitk(folder):
    out = run_child([sys.executable, "-c", SITK_CHILD, str(folder)])
    return float(out.split()[0]), None


def plugin_available(plugin, syntax):
    import importlib
    mod = PLUGIN_MODULES.get(plugin)
    if isinstance(mod, dict):
        mod = mod.get(syntax)
        if mod is None:
            return False
        try:
            importlib.import_module("pylibjpeg")
        except ImportError:
            return False
    if mod is None:
        return True
    try:
        importlib.import_module(mod)
        return True
    except ImportError:
        return False


def sitk_available():
    try:
        import SimpleITK  # noqa: F401
        return True
    except ImportError:
        return False


# ---------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", help="a folder with <syntax>/ subfolders of one series each")
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "anchorage-compare"),
                    help="where the generated series go (kept between runs)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slices", type=int, default=300)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--syntaxes", nargs="+", default=SYNTAXES, choices=SYNTAXES)
    ap.add_argument("--anchorage", default=str(ROOT / "target" / "release" / "anchorage"))
    ap.add_argument("--no-sitk", action="store_true", help="leave SimpleITK out (slow on RLE)")
    ap.add_argument("--json", help="also write every time to this file")
    ap.add_argument("--prepare-only", action="store_true", help="write the series, time nothing")
    args = ap.parse_args()

    if args.prepare_only:
        for s, d in prepare(args).items():
            print(f"{s}: {d}")
        return
    if not Path(args.anchorage).is_file():
        sys.exit(f"compare.py: no {args.anchorage}; run `cargo build --release` first")
    dirs = prepare(args)
    results = {}
    details = {}
    for syntax, folder in dirs.items():
        tools = [("anchorage", lambda f=folder: time_anchorage(args.anchorage, f)),
                 ("cat", lambda f=folder: time_cat(f))]
        for plugin in PLUGINS[syntax]:
            if plugin_available(plugin, syntax):
                name = "pydicom" if not plugin else f"pydicom[{plugin}]"
                tools.append((name, lambda f=folder, p=plugin: time_pydicom(f, p)))
        if sitk_available() and not args.no_sitk:
            tools.append(("simpleitk", lambda f=folder: time_sitk(f)))
        time_cat(folder)  # hot cache
        times = {name: [] for name, _ in tools}
        for run in range(args.runs):
            # Alternate: each run visits every tool once, in a rotated order.
            order = tools[run % len(tools):] + tools[:run % len(tools)]
            for name, fn in order:
                try:
                    t, extra = fn()
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print(f"compare.py: {syntax} {name}: {e}", file=sys.stderr)
                    continue
                times[name].append(t)
                if extra is not None:
                    details.setdefault(syntax, []).append(extra)
            print(f"compare.py: {syntax} run {run + 1}/{args.runs} done", file=sys.stderr)
        results[syntax] = {n: ts for n, ts in times.items() if ts}

    report(results, details, dirs)
    if args.json:
        Path(args.json).write_text(json.dumps({"times_s": results, "anchorage": details}, indent=1))


def report(results, details, dirs):
    med = {s: {n: statistics.median(ts) for n, ts in r.items()} for s, r in results.items()}
    print()
    print("| syntax | MiB | tool | median s | runs |")
    print("|---|---|---|---|---|")
    for s, r in med.items():
        mib = sum(f.stat().st_size for f in Path(dirs[s]).glob("*.dcm")) / 2**20
        for n, t in sorted(r.items(), key=lambda kv: kv[1]):
            print(f"| {s} | {mib:.1f} | {n} | {t:.3f} | {len(results[s][n])} |")
    print()
    print("| syntax | target | measured | met |")
    print("|---|---|---|---|")
    for s, r in med.items():
        a = r.get("anchorage")
        if a is None:
            continue
        pyd = {n: t for n, t in r.items() if n.startswith("pydicom")}
        if s == "uncompressed":
            if "cat" in r:
                q = a / r["cat"]
                print(f"| {s} | anchorage ≤ 2 × cat | {q:.2f} × cat | {'yes' if q <= 2 else 'NO'} |")
            if "pydicom" in r:
                q = a / r["pydicom"]
                print(f"| {s} | anchorage ≤ 0.5 × pydicom + numpy | {q:.2f} × | {'yes' if q <= 0.5 else 'NO'} |")
        elif pyd:
            best_name, best = min(pyd.items(), key=lambda kv: kv[1])
            q = a / best
            print(f"| {s} | anchorage ≤ 0.5 × fastest pydicom ({best_name}) | {q:.2f} × | "
                  f"{'yes' if q <= 0.5 else 'NO'} |")
        if "simpleitk" in r:
            q = a / r["simpleitk"]
            print(f"| {s} | (SimpleITK, no target) | {q:.2f} × simpleitk | |")
    for s, ds in details.items():
        firsts = [d["first_slice_s"] for d in ds]
        peaks = [d["peak_rss_mib"] for d in ds if d.get("peak_rss_mib") is not None]
        base = [d["baseline_rss_mib"] for d in ds if d.get("baseline_rss_mib") is not None]
        vox = ds[0]["series"][0]["voxel_bytes"] / 2**20 if ds and ds[0].get("series") else 0
        line = f"| {s} | first slice ≤ 0.100 s | {statistics.median(firsts):.3f} s (max {max(firsts):.3f}) | " \
               f"{'yes' if max(firsts) <= 0.1 else 'NO'} |"
        print(line)
        if peaks and base:
            limit = 1.3 * vox + statistics.median(base)
            p = max(peaks)
            print(f"| {s} | peak RSS ≤ 1.3 × {vox:.0f} MiB + baseline = {limit:.0f} MiB | "
                  f"{p:.0f} MiB | {'yes' if p <= limit else 'NO'} |")


if __name__ == "__main__":
    main()
