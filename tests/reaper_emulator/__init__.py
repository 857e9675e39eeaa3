"""A faithful REAPER stand-in for tests (REAPER cannot be installed here).

* :mod:`.binding` — ``reaper_python`` as REAPER generates it (every ``RPR_`` function of the
  signature table, exact arity and return shapes, pointer strings, NULL handling);
* :mod:`.api` — what the implemented functions do; :mod:`.project` — the in-memory session,
  JSON save/load, :func:`snapshot` / :func:`diff`; :mod:`.fx` — FX stand-ins with real DSP;
  :mod:`.render` — the render actions; :mod:`.faults` — faults on demand;
  :mod:`.runner` — run a script in a fresh interpreter as REAPER does (reapy works over it);
  :mod:`.scenarios` — ready-made projects; :mod:`.fixtures` — pytest fixtures.
"""

from .emulator import Emulator
from .faults import InjectedFault, fail_render, raise_on
from .fx import FXInstance
from .project import Item, Project, Send, Session, Take, Track, diff, snapshot
from .runner import RunResult, run_script

__all__ = ["Emulator", "InjectedFault", "fail_render", "raise_on", "FXInstance", "Item", "Project", "Send",
           "Session", "Take", "Track", "diff", "snapshot", "RunResult", "run_script"]
