"""The mastering chain: a :class:`ChainSpec` designed from the raw render (and the compare), then
rendered offline, streamed in blocks, to a master that lands on the target loudness under a
true-peak ceiling. See :mod:`.spec`, :mod:`.design`, :mod:`.render` and :mod:`.dsp`;
:func:`master_files` (:mod:`.master`) is the whole job on files, as ``masteraid master`` runs it.
"""

from .design import design_chain, fit_eq
from .render import RenderResult, render_chain
from .master import MasterRun, master_files
from .spec import ChainSpec, CompressorSpec, EqBand, LimiterSpec

__all__ = ["ChainSpec", "EqBand", "CompressorSpec", "LimiterSpec", "design_chain", "fit_eq", "render_chain", "RenderResult",
           "master_files", "MasterRun"]
