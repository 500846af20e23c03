"""Credit reports as PDF: rendering with WeasyPrint (A4, Noto Sans CJK SC embedded as subsets), and reading
back what a PDF says about itself (its attachment, metadata, file identifier and text) to verify it.

Rendering keeps one WeasyPrint FontConfiguration per thread: fontconfig's font list and the loaded fonts are
reused, so a warm render costs the layout only (~0.2 s on 2 cores for a typical report). Only `data:` URLs are
fetched (the QR code), never the network or the file system."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

ATTACHMENT_NAME = "ecredit-report.json"
MAX_TEXT_PAGES = 3                                 # where the code is printed: the first page and the last

# ECR-XXXX-XXXX-XXXX-XXXX in Crockford's base32 (no I, L, O, U)
CODE_RE = re.compile(rb"ECR(?:-[0-9A-HJKMNP-TV-Z]{4}){4}")
_local = threading.local()
logger = logging.getLogger(__name__)


def _weasy():
    """Per-thread font configuration and URL fetcher (pango's font map is not shared between threads)."""
    if getattr(_local, "font_config", None) is None:
        from weasyprint import URLFetcher
        from weasyprint.text.fonts import FontConfiguration

        _local.font_config = FontConfiguration()
        _local.fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1)
    return _local.font_config, _local.fetcher


def warm_up() -> float:
    """Load fontconfig, the CJK fonts and the layout code once, so that the first report a worker renders is
    as fast as the next (call from a worker start hook, e.g. gunicorn's post_worker_init). Returns seconds."""
    import time

    from weasyprint import HTML

    start = time.perf_counter()
    font_config, fetcher = _weasy()
    html = ('<html lang="zh-Hans"><body style="font-family: \'Noto Sans CJK SC\'"><b>信用报告</b> 验证码 ECR'
            '<table><tr><td>0123</td></tr></table></body></html>')
    HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=font_config)
    return time.perf_counter() - start


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data: URI."""
    import segno

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def key_fingerprint(public_hex: str) -> str:
    """A short, readable fingerprint of a public key: the first 16 bytes of its SHA-256, colon-separated."""
    digest = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:32].upper()
    return ":".join(digest[i:i + 4] for i in range(0, 32, 4))


def render(context: dict[str, Any], *, code: str, attachment: bytes, language: str) -> bytes:
    """The report as PDF bytes: template portal/report_pdf.html in `language`, with `attachment` embedded as
    ecredit-report.json and `code` in the metadata and the file identifier."""
    from weasyprint import HTML, Attachment

    font_config, fetcher = _weasy()
    with translation.override(language):
        html = render_to_string("portal/report_pdf.html", context)
    document = HTML(string=html, url_fetcher=fetcher)
    file = Attachment(string=attachment, name=ATTACHMENT_NAME, url_fetcher=fetcher, relationship="Data",
                      description="ecredit credit report: content, SM3 digest and Ed25519 signature")
    return document.write_pdf(font_config=font_config, attachments=[file], custom_metadata=True,
                              pdf_identifier=code.encode("ascii"))


# ------------------------------------------------------------------------------------------- reading back


def _reader(data: bytes):
    """A pypdf reader of `data`, or None when it is not a PDF pypdf can open."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        return None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are expected here, not news
    from pypdf import PdfReader

    return _safely(lambda: PdfReader(io.BytesIO(data), strict=False), None)


def _safely(read, default: Any = ""):
    """What `read()` returns, or `default` when the file defeats the parser (uploads may be anything)."""
    try:
        return read()
    except Exception:  # an unreadable upload is simply not a report
        logger.debug("unreadable part of an uploaded file", exc_info=True)
        return default


def _attachment(reader) -> dict | None:
    import orjson

    for blob in reader.attachments.get(ATTACHMENT_NAME) or []:
        value = orjson.loads(blob)
        if isinstance(value, dict):
            return value
    return None


def embedded_report(data: bytes) -> dict | None:
    """The ecredit-report.json attachment of a PDF, parsed; None when absent or unreadable."""
    reader = _reader(data)
    return None if reader is None else _safely(lambda: _attachment(reader), None)


def _metadata_text(reader) -> str:
    meta = reader.metadata or {}
    return " ".join(str(meta.get(k, "")) for k in ("/Keywords", "/ecreditcode", "/Title"))


def _page_text(reader) -> str:
    pages = list(reader.pages)
    return "\n".join(page.extract_text() or "" for page in pages[:MAX_TEXT_PAGES] + pages[-1:])


def codes_in(data: bytes) -> Iterator[str]:
    """Verification codes a file names, most authoritative first: its attachment, its metadata and file
    identifier, its raw bytes, then the text of its first and last pages. Lazy, and never raises."""
    reader = _reader(data)
    sources = []
    if reader is not None:
        sources += [lambda: str((_attachment(reader) or {}).get("code", "")), lambda: _metadata_text(reader)]
    sources.append(lambda: data)
    if reader is not None:
        sources.append(lambda: _page_text(reader))
    seen: set[str] = set()
    for source in sources:
        found = _safely(source)
        raw = found.encode("utf-8", "replace") if isinstance(found, str) else found
        for match in CODE_RE.finditer(raw):
            code = match.group(0).decode("ascii")
            if code not in seen:
                seen.add(code)
                yield code
