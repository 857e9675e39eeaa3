"""Reports: plain text for people, JSON documents (with ``schema_version``) for programs.

One module per kind of result: :mod:`masteraid.report.audit` renders an audit.
"""

from .audit import audit_document, render_audit_text

__all__ = ["audit_document", "render_audit_text"]
