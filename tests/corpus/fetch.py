#!/usr/bin/env python3
"""Fills the spreadsheet corpus of the no-panic test (crates/core/tests/core/corpus.rs).

The corpus is spreadsheets other programs made — Excel (97 to 365, Chinese and Japanese
editions), Excel 95, LibreOffice, WPS, Google Sheets, openpyxl — taken from packages in the
registries every machine of ours reaches: test files shipped inside crates on crates.io, and
example files inside Debian packages (downloaded and unpacked, never installed). Nothing is
committed: the files belong to their projects. Each download is checked against its
registry's checksum.

Usage: fetch.py [DEST]   (default ~/.cache/zhucun/corpus; does nothing when DEST is complete)
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")

# Crates whose packages carry their test spreadsheets.
CRATES = [
    ("umya-spreadsheet", "2.3.3"),  # 60 files: Excel, LibreOffice, WPS, Google Sheets, openpyxl
    ("spreadsheet-ods", "1.0.4"),  # LibreOffice .ods
    ("office", "0.8.2"),
]

# Debian packages whose documentation or data carries example spreadsheets.
DEBIAN = [
    "libspreadsheet-parseexcel-perl",  # Excel 95/97 .xls, Japanese text, 1904 dates
    "libspreadsheet-writeexcel-perl",  # .xls with charts
    "python3-xlrd",  # an .xls with defined names
    "r-cran-readxl",  # .xls and .xlsx pairs made by Excel
]

COMPLETE = ".complete-v1"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def crate_checksum(name: str, version: str) -> str:
    prefix = {1: "1", 2: "2", 3: f"3/{name[0]}"}.get(len(name), f"{name[:2]}/{name[2:4]}")
    for line in fetch(f"https://index.crates.io/{prefix}/{name}").decode().splitlines():
        entry = json.loads(line)
        if entry["vers"] == version:
            return entry["cksum"]
    raise SystemExit(f"{name} {version} is not in the crates.io index")


def keep(root: Path, dest: Path) -> int:
    """Copies every spreadsheet under root into dest, keeping relative paths; returns the count."""
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in EXTENSIONS:
            target = dest / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            count += 1
    return count


def main() -> None:
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.home() / ".cache/zhucun/corpus"
    if (dest / COMPLETE).exists():
        return
    dest.mkdir(parents=True, exist_ok=True)
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, version in CRATES:
            data = fetch(f"https://static.crates.io/crates/{name}/{name}-{version}.crate")
            if hashlib.sha256(data).hexdigest() != crate_checksum(name, version):
                raise SystemExit(f"{name} {version}: checksum differs from the index")
            unpacked = tmp / f"{name}-{version}"
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                archive.extractall(tmp, filter="data")
            total += keep(unpacked, dest / "crates" / f"{name}-{version}")
        debs = tmp / "debs"
        debs.mkdir()
        # apt-get checks each package against the signed archive index. A package this
        # distribution lacks is left out; the count below says whether enough remain.
        updated = False
        for package in DEBIAN:
            download = ["apt-get", "download", package]
            if subprocess.run(download, cwd=debs, capture_output=True).returncode == 0:
                continue
            if not updated:
                subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
                updated = True
                if subprocess.run(download, cwd=debs, capture_output=True).returncode == 0:
                    continue
            print(f"corpus: {package} is not available here, left out", file=sys.stderr)
        for deb in sorted(debs.glob("*.deb")):
            unpacked = tmp / deb.stem
            subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
            total += keep(unpacked, dest / "debian" / deb.name.split("_")[0])
    if total < 80:
        raise SystemExit(f"only {total} spreadsheets found; the corpus needs at least 80")
    (dest / COMPLETE).write_text(f"{total} spreadsheets\n")
    print(f"corpus: {total} spreadsheets in {dest}")


if __name__ == "__main__":
    main()
