"""Readers of the sponsors' transport files: SAS transport (``.xpt``) and gzip'd CSV.

``.xpt`` is read with pyreadstat (never ``pandas.read_sas``, which reads a stored 0 as
5.4e-79), from memory: uploads are not written to disk. SAS dates come back as dates and
are written as ISO text, so a domain reads the same from ``.xpt`` and from CSV.
"""
from __future__ import annotations

import datetime as dt
import gzip
import io
import zlib
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from lusp.i18n import Text
from lusp.io.readers import MAX_UNZIPPED_BYTES, RawTable, _error, read_file
from lusp.io.sources import InputFile

_XPT_MAGIC = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
_XPT_V8_MAGIC = b"HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!"


def read_xpt(name: str, data: bytes) -> tuple[list[RawTable], list]:
    """One SAS transport file (one dataset, as SDTM and ADaM ship them)."""
    if not (data.startswith(_XPT_MAGIC) or data.startswith(_XPT_V8_MAGIC)):
        return [], [_error(name, "wrong_content", Text("The file is named .xpt but is not a SAS transport file. "
                           "Export the dataset again as SAS transport (XPORT), or send it as CSV."))]
    try:
        import pyreadstat

        frame, _meta = pyreadstat.read_xport(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 — a damaged upload becomes a report
        return [], [_error(name, "unreadable_xpt", Text("The SAS transport file cannot be read ({error}): "
                           "it may be damaged or cut short. Export it again, or send the dataset as CSV.",
                           error=type(exc).__name__))]
    header = tuple(str(c).strip() for c in frame.columns)
    body = frame.copy()
    for col in body.columns:
        if body[col].dtype == object:
            sample = body[col].dropna().head(20)
            if len(sample) and sample.map(lambda v: isinstance(v, (dt.date, dt.datetime))).all():
                body[col] = body[col].map(_iso, na_action="ignore")
            else:
                body[col] = body[col].where(body[col] != "", np.nan)  # SAS blanks are empty text
    body.columns = range(len(header))
    stem = PurePosixPath(name).stem
    return [RawTable(name, stem, header, body.reset_index(drop=True), 1, "xpt")], []


def _iso(value) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes") if (value.hour or value.minute) else value.date().isoformat()
    return value.isoformat()


def read_gzip(name: str, data: bytes, text_columns=None) -> tuple[list[RawTable], list]:
    """``lb.csv.gz``: decompressed in memory within the unpacked-size budget, then read as
    the file it holds (``lb.csv``)."""
    inner = name[: -len(".gz")] if name.lower().endswith(".gz") else name
    try:
        stream = gzip.GzipFile(fileobj=io.BytesIO(data))
        chunks, total = [], 0
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_UNZIPPED_BYTES:
                return [], [_error(name, "zip_too_large", Text("The compressed file expands to more than "
                                   "{gb:.0f} GB. Send smaller files.", gb=MAX_UNZIPPED_BYTES / 1e9))]
            chunks.append(chunk)
    except (OSError, EOFError, zlib.error):
        return [], [_error(name, "bad_zip", Text("The .gz file is damaged or incomplete. Compress the file again."))]
    return read_file(InputFile(inner, b"".join(chunks)), text_columns)
