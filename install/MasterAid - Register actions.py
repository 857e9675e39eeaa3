# @description MasterAid - Register actions
# @version 0.1.0
# @author MasterAid
# @about
#   Run once after `masteraid reaper install` (Actions > Show action list > New action >
#   Load ReaScript..., pick this file in <resource>/Scripts/MasterAid/). Adds every installed
#   MasterAid action to the Actions list with REAPER's own AddRemoveReaScript and prints their
#   command ids in the console. Changes no project. MasterAid never edits reaper-kb.ini.
from reaper_python import *  # noqa: F401,F403 - REAPER's binding, as every ReaScript does

try:
    from masteraid.errors import MasterAidError
    import masteraid.reaper.install
except ImportError as exc:  # REAPER's Python cannot load MasterAid: say why, in the console
    RPR_ShowConsoleMsg(f"MasterAid: cannot import MasterAid in REAPER's Python ({exc}) — in Preferences > "  # noqa: F405
                       "Plug-ins > ReaScript, select the Python library that 'masteraid reaper install' "
                       "printed, restart REAPER, and run this action again\n")
else:
    try:
        masteraid.reaper.install.register_actions_action()
    except MasterAidError as exc:
        masteraid.reaper.console.show_error(exc)
