# @description MasterAid - Audit last render
# @version 0.1.0
# @author MasterAid
# @about
#   Audits the file the project's render settings point at (what File > Render just wrote):
#   loudness, true peak, clipping, phase, edges, and whether it is ready for mastering.
#   Prints the report to the REAPER console. Changes nothing in the project.
from reaper_python import *  # noqa: F401,F403 - REAPER's binding, as every ReaScript does
from masteraid.errors import MasterAidError
import masteraid.reaper

try:
    masteraid.reaper.audit_last_render_action()
except MasterAidError as exc:
    masteraid.reaper.console.show_error(exc)
