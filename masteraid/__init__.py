"""MasterAid: audit a mix, say what its stereo-bus pre-treat did, loudness-match, and master it.

The pure audio core (this package minus :mod:`masteraid.reaper`) needs only numpy, scipy and
soundfile; :mod:`masteraid.reaper` is the only part that talks to REAPER.
"""

__version__ = "0.1.0"
