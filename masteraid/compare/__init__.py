"""Raw render vs pre-treated render: what the stereo-bus processing did.

:func:`compare` fills a :class:`~masteraid.compare.model.Comparison`; :func:`comparison_document`
is its JSON view (with the loudness-matching plan and the streaming preview).
"""

from .core import compare
from .document import comparison_document
from .model import (
    Alignment,
    Comparison,
    Distortion,
    DynamicsChange,
    GainReductionSummary,
    LevelsComparison,
    MetricDelta,
    StereoChange,
    TonalChange,
)

__all__ = [
    "compare",
    "comparison_document",
    "Alignment",
    "Comparison",
    "Distortion",
    "DynamicsChange",
    "GainReductionSummary",
    "LevelsComparison",
    "MetricDelta",
    "StereoChange",
    "TonalChange",
]
