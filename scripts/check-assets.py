#!/usr/bin/env python3
"""Checks that each built function asset of a cloud assembly holds its own function.

Usage: scripts/check-assets.py [--root DIR] CDK_OUT

For every function asset listed in CDK_OUT/*.assets.json (a `.zip` file asset; its
`displayName` is the function's package, which `infra synth` writes) whose zip exists,
checks that the zip holds exactly one file, `bootstrap`, whose bytes contain
`functions/<crate>/src/` of its own crate and of no other function crate of the
workspace (crates it depends on by path excepted). Those paths are the panic locations
rustc embeds in the binary; stripping keeps them.

Prints one line per asset (package, zip, size in bytes, OK or FAIL with the reason) and
exits 1 when an asset fails or when no asset zip exists (run `infra build --output
CDK_OUT` first), 2 on bad usage. DIR is the workspace root (default: the parent of this
script's directory); the function crates are the ones under DIR/functions/ that build a
binary. Python 3.11 standard library only.
"""

import argparse
import json
import posixpath
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Crate:
    """A crate under functions/: its directory relative to the root, whether it builds
    a binary (a function), and the directories of the crates it depends on by path."""

    dir: str
    is_function: bool
    path_deps: set[str]


def read_toml(path: Path) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def workspace_crates(root: Path) -> dict[str, Crate]:
    """The crates under root/functions/, by package name."""
    workspace = read_toml(root / "Cargo.toml").get("workspace", {})
    workspace_paths = {
        name: spec["path"]
        for name, spec in workspace.get("dependencies", {}).items()
        if isinstance(spec, dict) and "path" in spec
    }
    crates = {}
    for manifest in sorted((root / "functions").glob("*/Cargo.toml")):
        data = read_toml(manifest)
        crate_dir = manifest.parent.relative_to(root).as_posix()
        deps = set()
        for section in ("dependencies", "build-dependencies"):
            for name, spec in data.get(section, {}).items():
                if not isinstance(spec, dict):
                    continue
                if "path" in spec:
                    deps.add(posixpath.normpath(posixpath.join(crate_dir, spec["path"])))
                elif spec.get("workspace") and name in workspace_paths:
                    deps.add(posixpath.normpath(workspace_paths[name]))
        is_function = bool(data.get("bin")) or (manifest.parent / "src" / "main.rs").is_file()
        crates[data["package"]["name"]] = Crate(crate_dir, is_function, deps)
    return crates


def dependency_closure(crates: dict[str, Crate], start: str) -> set[str]:
    """The directory `start` and those of the crates it depends on by path, transitively."""
    by_dir = {c.dir: c for c in crates.values()}
    seen, todo = {start}, [start]
    while todo:
        crate = by_dir.get(todo.pop())
        for dep in crate.path_deps if crate else ():
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def zip_assets(cdk_out: Path) -> dict[str, str | None]:
    """Every `.zip` file asset of the assembly's asset manifests, once: path → displayName."""
    found: dict[str, str | None] = {}
    for manifest in sorted(cdk_out.glob("*.assets.json")):
        for entry in json.loads(manifest.read_text()).get("files", {}).values():
            path = entry.get("source", {}).get("path", "")
            if path.endswith(".zip"):
                found.setdefault(path, entry.get("displayName"))
    return found


def problem(zip_path: Path, own: str, others: list[str]) -> str | None:
    """Why the zip at `zip_path` does not hold the function of crate `own`, or None."""
    try:
        with zipfile.ZipFile(zip_path) as z:
            names = z.namelist()
            if names != ["bootstrap"]:
                return f"holds {names}, not exactly ['bootstrap']"
            binary = z.read("bootstrap")
    except zipfile.BadZipFile as e:
        return f"not a zip: {e}"
    if f"{own}/src/".encode() not in binary:
        return f"its bootstrap has no {own}/src/ path: it is not built from {own}"
    foreign = [d for d in others if f"{d}/src/".encode() in binary]
    if foreign:
        return f"its bootstrap holds code of {', '.join(foreign)}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Check that each function asset zip of a cloud assembly holds its own function."
    )
    parser.add_argument("cdk_out", type=Path, help="the cloud assembly directory (cdk.out)")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the workspace root (default: the parent of scripts/)",
    )
    args = parser.parse_args()
    if not args.cdk_out.is_dir():
        parser.error(f"'{args.cdk_out}' is not a directory; run 'infra build --output {args.cdk_out}' first")

    crates = workspace_crates(args.root)
    functions = sorted(c.dir for c in crates.values() if c.is_function)
    checked = failed = 0
    for path, package in zip_assets(args.cdk_out).items():
        zip_path = args.cdk_out / path
        if not zip_path.is_file():
            continue
        checked += 1
        crate = crates.get(package or "")
        if crate is None or not crate.is_function:
            why = (
                f"displayName '{package}' is no function crate under {args.root / 'functions'}"
                if package
                else "the asset has no displayName (the package); synthesize with a current infra"
            )
        else:
            allowed = dependency_closure(crates, crate.dir)
            why = problem(zip_path, crate.dir, [d for d in functions if d not in allowed])
        status = "OK" if why is None else f"FAIL: {why}"
        failed += why is not None
        print(f"{package or '?':<20} {path}  {zip_path.stat().st_size:>10}  {status}")
    if checked == 0:
        print(
            f"check-assets: no function asset zip in {args.cdk_out}; run 'infra build --output {args.cdk_out}' first",
            file=sys.stderr,
        )
        return 1
    if failed:
        print(f"check-assets: {failed} of {checked} assets failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
