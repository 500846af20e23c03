"""Every page carries a content security policy without inline script, and no template needs one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ecredit

TEMPLATES = sorted(Path(ecredit.__file__).parent.rglob("templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:json|ld\+json)\")[^>]*>", re.I)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p).split("/templates/")[-1])
def test_no_template_runs_inline_script(template):
    text = template.read_text(encoding="utf-8")
    if template.name.endswith("_pdf.html"):
        return   # rendered by WeasyPrint into a PDF, never served to a browser
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static file"
    assert not EVENT_ATTRIBUTE.search(text), "on…= handler attribute: bind it from a static script"
    assert not JS_URL.search(text), "javascript: URL"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/console/login/", "/api/v1/docs", "/api/v1/health", "/verify"])
def test_pages_carry_the_policy(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "http" not in script
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_widget_frame_keeps_its_own_policy(client):
    response = client.get("/widget/frame")
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
