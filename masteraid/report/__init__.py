"""Reports: plain text for people, JSON documents (with ``schema_version``) for programs, and
self-contained HTML pages with plots (:mod:`masteraid.report.html`).

One module per kind of result: :mod:`masteraid.report.audit` renders an audit,
:mod:`masteraid.report.compare` a comparison; :mod:`masteraid.report.html` draws both.
"""

from .audit import audit_document, render_audit_text

__all__ = ["audit_document", "render_audit_text"]
