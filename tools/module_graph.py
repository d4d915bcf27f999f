#!/usr/bin/env python3
"""The module graph of a Rust crate, and its import cycles.

Reads every `.rs` file under a crate's `src/` (or the folder given), and draws an edge
A -> B for each path in A that names module B: `crate::b::…`, `super::…`, `self::…`, and
in a module with child modules a bare `child::…`. A path that ends at an item rather
than a module (`super::App`) is an edge to the module that holds the item. Comments
(doc comments too: an intra-doc link is not an import) and string literals are left out;
`mod x;` declarations are not mentions. Inline modules (`mod tests { use super::*; }`)
resolve their paths from where they are, and belong to their file.

Reported, with exit status 1 when any is found:
- every cycle (each strongly connected set of more than one module);
- with `--shared`: the layering of a window crate, in which panels do not import each
  other. `--app` names the App's modules (one `impl App` spread over files, merged into
  one node "App", which may import anything), `--shared` names the modules panels share
  (which must not import a panel); every other module is a panel, which may import the
  shared modules only.

Usage:
    tools/module_graph.py crates/anchorage-core
    tools/module_graph.py crates/anchorage-app --app 'lib,handle*,app_*' \\
        --shared 'action,commands,derived,document,labels,loader,measure_cache,overlay,placement,roi_paint,state,study,style,tools,undo,view,wheel,widgets,analysis_plots'

Options: `--depth N` collapses modules to their first N path segments (1: the top-level
modules, so only cycles between subsystems are reported); `--edges` prints the graph.
Globs are matched against `::`-joined module paths (`dicom::decode::*`); the crate root
is named after its file (`lib`, `main`).
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
from pathlib import Path

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip(src: str) -> str:
    """The source with comments and string and char literals blanked (newlines kept)."""
    out: list[str] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if src[i] == "\n":
                        out.append("\n")
                    i += 1
            out.append(" ")
            continue
        m = re.compile(r'b?r(#*)"').match(src, i)
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            close = '"' + m.group(1)
            j = src.find(close, m.end())
            j = n if j < 0 else j + len(close)
            out.append('""' + "\n" * src.count("\n", i, j))
            i = j
            continue
        if c == '"' or (c == "b" and src.startswith('b"', i)):
            j = i + (2 if c == "b" else 1)
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('""' + "\n" * src.count("\n", i, j))
            i = j + 1
            continue
        if c == "'":
            # A char literal ('a', '\n', '\u{1F600}'), not a lifetime ('a).
            m = re.compile(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'").match(src, i)
            if m:
                out.append("' '")
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def split_use_tree(tree: str) -> list[list[str]]:
    """`a::{b, c::{self, D}}` -> [[a, b], [a, c, self], [a, c, D]] (globs and renames cut)."""
    tree = re.sub(r"\s+", "", tree)
    tree = re.sub(r"\bas[A-Za-z_][A-Za-z0-9_]*", "", tree)  # `X as Y`, spaces gone

    def parse(s: str, prefix: list[str]) -> list[list[str]]:
        s = s.strip(":")
        if not s:
            return [prefix] if prefix else []
        if s.startswith("{"):
            inner = s[1 : match_brace(s, 0)]
            return [p for part in split_top(inner) for p in parse(part, prefix)]
        j = s.find("::")
        if j < 0:
            return [prefix + [s]] if s != "*" else [prefix]
        return parse(s[j + 2 :], prefix + [s[:j]])

    return parse(tree, [])


def match_brace(s: str, i: int) -> int:
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(s)


def split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    return parts


PATH = re.compile(r"(?<![A-Za-z0-9_:])((?:[A-Za-z_][A-Za-z0-9_]*\s*::\s*)+[A-Za-z_*][A-Za-z0-9_]*)")
USE = re.compile(r"\buse\s+([^;]+);")
INLINE_MOD = re.compile(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{")


def file_module(src_dir: Path, f: Path) -> tuple[str, ...]:
    rel = f.relative_to(src_dir).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
        parts = parts[:-1]
    return tuple(parts)


def mentions(code: str, here: tuple[str, ...]) -> list[tuple[tuple[str, ...], list[str]]]:
    """Every path in `code` with the module it is written in (inline modules followed)."""
    # The inline module each offset is in.
    spans: list[tuple[int, int, str]] = []
    for m in INLINE_MOD.finditer(code):
        start = m.end() - 1
        spans.append((start, match_brace(code, start), m.group(1)))

    def scope(pos: int) -> tuple[str, ...]:
        inner = [s for s in spans if s[0] < pos < s[1]]
        inner.sort(key=lambda s: s[0])
        return here + tuple(s[2] for s in inner)

    found: list[tuple[tuple[str, ...], list[str]]] = []
    used = []
    for m in USE.finditer(code):
        used.append((m.start(), m.end()))
        body = re.sub(r"^(pub(\([^)]*\))?\s+)?", "", m.group(1).strip())
        for p in split_use_tree(body):
            found.append((scope(m.start()), p))
    for m in PATH.finditer(code):
        if any(a <= m.start() < b for a, b in used):
            continue
        segs = [s for s in re.split(r"\s*::\s*", m.group(1))]
        found.append((scope(m.start()), segs))
    return found


def resolve(here: tuple[str, ...], segs: list[str], modules: set[tuple[str, ...]]):
    """The module a path names (or holds the item it names), or None when it is outside
    the crate."""
    if not segs:
        return None
    base: tuple[str, ...]
    rest = list(segs)
    if rest[0] == "crate":
        base, rest = (), rest[1:]
    elif rest[0] in ("super", "self"):
        base = here
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    elif here + (rest[0],) in modules:
        base = here  # a bare path to a child module
    else:
        return None
    target = base
    for s in rest:
        if target + (s,) in modules:
            target = target + (s,)
        else:
            break
    return target


def name(m: tuple[str, ...], root: str) -> str:
    return "::".join(m) if m else root


def matches(mod_name: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(mod_name, g) for g in globs)


def cycles(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected sets of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("crate", type=Path, help="a crate folder (its src/) or a source folder")
    ap.add_argument("--depth", type=int, default=0, help="collapse modules to N segments")
    ap.add_argument("--app", default="", help="globs of the App's modules (merged as App)")
    ap.add_argument("--shared", default="", help="globs of the modules panels share")
    ap.add_argument("--edges", action="store_true", help="print every edge")
    args = ap.parse_args()

    src_dir = args.crate / "src" if (args.crate / "src").is_dir() else args.crate
    files = sorted(src_dir.rglob("*.rs"))
    if not files:
        print(f"no .rs files under {src_dir}", file=sys.stderr)
        return 2
    root = "lib" if (src_dir / "lib.rs").exists() else "main"
    by_file = {f: file_module(src_dir, f) for f in files}
    modules = set(by_file.values())

    app_globs = [g for g in args.app.split(",") if g]
    shared_globs = [g for g in args.shared.split(",") if g]

    def node(m: tuple[str, ...]) -> str:
        if args.depth:
            m = m[: args.depth]
        n = name(m, root)
        return "App" if matches(n, app_globs) else n

    nodes = sorted({node(m) for m in modules})
    edges: dict[str, set[str]] = {n: set() for n in nodes}
    for f, mod in by_file.items():
        code = strip(f.read_text(encoding="utf-8"))
        for scope_mod, segs in mentions(code, mod):
            # An inline module (`mod tests`) belongs to its file.
            t = resolve(scope_mod, segs, modules | {scope_mod})
            if t is None or t not in modules:
                continue
            a, b = node(mod), node(t)
            if a != b:
                edges[a].add(b)

    n_edges = sum(len(v) for v in edges.values())
    print(f"{src_dir}: {len(nodes)} modules, {n_edges} edges")
    if args.edges:
        for a in nodes:
            if edges[a]:
                print(f"  {a} -> {', '.join(sorted(edges[a]))}")

    problems = 0
    found = cycles(nodes, edges)
    for comp in found:
        problems += 1
        inside = [f"{a} -> {b}" for a in comp for b in sorted(edges[a]) if b in comp]
        print(f"cycle: {{{', '.join(comp)}}}: {'; '.join(inside)}")
    if not found:
        print("no cycles")

    if shared_globs:
        def kind(n: str) -> str:
            if n == "App":
                return "app"
            return "shared" if matches(n, shared_globs) else "panel"

        panels = [n for n in nodes if kind(n) == "panel"]
        shared = [n for n in nodes if kind(n) == "shared"]
        print(f"panels ({len(panels)}): {', '.join(panels)}")
        print(f"shared ({len(shared)}): {', '.join(shared)}")
        bad = 0
        for a in nodes:
            for b in sorted(edges[a]):
                ka, kb = kind(a), kind(b)
                if ka == "panel" and kb != "shared":
                    print(f"panel {a} mentions {kb} {b}")
                    bad += 1
                elif ka == "shared" and kb != "shared":
                    print(f"shared module {a} mentions {kb} {b}")
                    bad += 1
        if not bad:
            print("no panel mentions another panel or the App; no shared module mentions a panel")
        problems += bad
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
