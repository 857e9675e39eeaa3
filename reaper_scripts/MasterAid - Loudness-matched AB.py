# @description MasterAid - Loudness-matched AB
# @version 0.1.0
# @author MasterAid
# @about
#   Puts the raw and pre-treat renders of the newest dual bounce on two new soloed tracks at the
#   project start, each with the volume that makes them equally loud, and prints the gains, the
#   loudness before/after and a streaming-normalization preview. The pre-treat starts muted; run
#   the action again to switch. One undo point per run. Run "MasterAid - Dual bounce" first.
from reaper_python import *  # noqa: F401,F403 - REAPER's binding, as every ReaScript does
from masteraid.errors import MasterAidError
import masteraid.reaper

try:
    masteraid.reaper.actions.ab_action()
except MasterAidError as exc:
    masteraid.reaper.console.show_error(exc)
