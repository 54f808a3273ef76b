"""The stall probe used by bench/bench_gui_stall.py sees a blocked event loop.

No timing claims about the app here (those are the benchmark's): only that the probe
notices a deliberate block of the GUI thread and measures at least its length.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from kiosk_app.ui.stall import StallProbe


def test_the_probe_measures_a_deliberate_block(qapp, qtbot):
    probe = StallProbe(interval_ms=10)
    probe.start()
    QTimer.singleShot(50, lambda: time.sleep(0.25))  # the GUI thread is blocked 250 ms
    qtbot.wait(500)

    report = probe.stop()

    assert report.ticks > 5
    assert report.longest_ms >= 200  # at least the block (minus one tick of slack)
    assert report.over_100ms >= 1
    assert report.seconds >= 0.45
