from __future__ import annotations

import io
import itertools

import pytest

from kindling_job.events import EventLog, StageTimer


class Recorder(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushed_at: list[int] = []

    def flush(self) -> None:
        self.flushed_at.append(len(self.getvalue()))


def test_one_flushed_ascii_line_per_event() -> None:
    out = Recorder()
    EventLog(out).emit("error", stage="load", kind="MissingColumn", message="colonne 'texte' absente — é")
    assert out.getvalue() == (
        '@@kindling {"event":"error","stage":"load","kind":"MissingColumn",'
        '"message":"colonne \'texte\' absente \\u2014 \\u00e9"}\n'
    )
    assert out.flushed_at == [len(out.getvalue())]


def test_stage_timer_records_finished_stages_and_remembers_the_failed_one() -> None:
    out = io.StringIO()
    ticks = itertools.count(start=10.0, step=0.5)
    timer = StageTimer(EventLog(out, clock=lambda: 1000.0), elapsed=lambda: next(ticks))
    with timer.stage("load"):
        pass
    with pytest.raises(RuntimeError), timer.stage("prepare"):
        raise RuntimeError("boom")
    assert timer.stages == [{"name": "load", "seconds": 0.5}]
    assert timer.failed == "prepare"
    assert out.getvalue().splitlines() == [
        '@@kindling {"event":"stage_start","stage":"load","ts":1000.0}',
        '@@kindling {"event":"stage_end","stage":"load","seconds":0.5}',
        '@@kindling {"event":"stage_start","stage":"prepare","ts":1000.0}',
    ]
