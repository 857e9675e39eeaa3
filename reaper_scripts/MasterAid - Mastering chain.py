# @description MasterAid - Mastering chain
# @version 0.1.0
# @author MasterAid
# @about
#   Masters the raw render of the newest dual bounce offline toward the pre-treat's loudness and tone
#   (a new "<raw> - master.wav" and its chain spec beside it; nothing overwritten), then adds two
#   soloed tracks at the project start: the raw through ReaEQ / ReaComp / ReaLimit set to the chain's
#   values, and the offline preview (muted). One undo point. Run "MasterAid - Dual bounce" first.
#   It takes a few seconds per minute of audio; REAPER waits meanwhile.
from reaper_python import *  # noqa: F401,F403 - REAPER's binding, as every ReaScript does
from masteraid.errors import MasterAidError
import masteraid.reaper

try:
    masteraid.reaper.actions.chain_action()
except MasterAidError as exc:
    masteraid.reaper.console.show_error(exc)
