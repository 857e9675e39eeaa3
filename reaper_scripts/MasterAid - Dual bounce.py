# @description MasterAid - Dual bounce
# @version 0.1.0
# @author MasterAid
# @about
#   Renders the master mix twice, WITH the stereo-bus FX (pre-treat) and WITHOUT them (raw),
#   as 32-bit float WAV next to the project ("<Project> - pretreat.wav", "<Project> - raw.wav",
#   never overwriting), writes bounce.json, audits both and prints a summary to the console.
#   The project's render settings and FX states are restored; one undo point.
from reaper_python import *  # noqa: F401,F403 - REAPER's binding, as every ReaScript does
from masteraid.errors import MasterAidError
import masteraid.reaper

try:
    masteraid.reaper.dual_bounce_action()
except MasterAidError as exc:
    masteraid.reaper.console.show_error(exc)
