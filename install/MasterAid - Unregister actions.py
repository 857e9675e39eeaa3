# @description MasterAid - Unregister actions
# @version 0.1.0
# @author MasterAid
# @about
#   Removes every MasterAid action (this one included) from the Actions list with REAPER's own
#   AddRemoveReaScript. The files stay in <resource>/Scripts/MasterAid/ until you run
#   `masteraid reaper uninstall`. Changes no project.
from reaper_python import *  # noqa: F401,F403 - REAPER's binding, as every ReaScript does
from masteraid.errors import MasterAidError
import masteraid.reaper.install

try:
    masteraid.reaper.install.unregister_actions_action()
except MasterAidError as exc:
    masteraid.reaper.console.show_error(exc)
