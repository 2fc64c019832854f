"""``streamlit`` with cProfile around script runs: the launcher ``bench/email_bench.py --profile``
starts the real server with (``python bench/profiled_streamlit.py run app.py ...``).

Environment: ``BENCH_PROFILE_OUT`` (where the stats go, rewritten after every profiled run, so
nothing depends on how the server is stopped) and ``BENCH_PROFILE_SKIP`` (how many script runs
of this process are left out: the first run and the warm-up reruns).

What is profiled is ``ScriptRunner._run_script`` on the script thread: the page's own code and
Streamlit's work around it on that thread (widget state, session-state cleanup, the post-script
``gc.collect``). The server's event-loop thread (serialising ForwardMsgs, the websocket) is not in
the profile; the bench's "srv cpu" column includes it.
"""

from __future__ import annotations

import cProfile
import os
import sys
from typing import Any

from streamlit.runtime.scriptrunner import script_runner
from streamlit.web.cli import main

OUT = os.environ["BENCH_PROFILE_OUT"]
SKIP = int(os.environ.get("BENCH_PROFILE_SKIP", "0"))
_profile = cProfile.Profile()
_runs = 0
_original = script_runner.ScriptRunner._run_script


def _profiled(self: Any, rerun_data: Any) -> None:
    global _runs
    _runs += 1
    if _runs <= SKIP:
        return _original(self, rerun_data)
    _profile.enable()
    try:
        return _original(self, rerun_data)
    finally:
        _profile.disable()
        _profile.dump_stats(OUT)


script_runner.ScriptRunner._run_script = _profiled  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(prog_name="streamlit"))
