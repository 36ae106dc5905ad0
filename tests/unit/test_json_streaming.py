"""The audit's JSON report streamed to a file is byte for byte the rendered report, written
whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clicmd._common import write_json_chunks, write_output
from bot.render.json_report import json_chunks, render_json
from tests.unit.test_render_common import sample_report


def test_streamed_file_equals_the_rendered_report(tmp_path: Path) -> None:
    report = sample_report()  # holds hostile text (markup, control characters)
    whole, streamed = tmp_path / "whole.json", tmp_path / "streamed.json"
    write_output(render_json(report, catalogue={}), str(whole))
    write_json_chunks(json_chunks(report), str(streamed))
    assert streamed.read_bytes() == whole.read_bytes()
    assert "".join(json_chunks(report)) == render_json(report, catalogue={})


def test_each_piece_is_neutralized_as_the_whole_text_would_be(tmp_path: Path) -> None:
    pieces = ['{"detail": "evil\u202ename', "\ud800", '"}\n']
    whole, streamed = tmp_path / "whole.json", tmp_path / "streamed.json"
    write_output("".join(pieces), str(whole))
    write_json_chunks(iter(pieces), str(streamed))
    assert streamed.read_bytes() == whole.read_bytes()
    assert b"\\u202e" in streamed.read_bytes()  # escaped, not a raw bidi control


def test_standard_output_gets_the_same_text(capsys: pytest.CaptureFixture[str]) -> None:
    report = sample_report()
    write_output(render_json(report, catalogue={}), None)
    whole = capsys.readouterr().out
    write_json_chunks(json_chunks(report), "-")
    assert capsys.readouterr().out == whole


def test_a_failing_renderer_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous report")

    def broken() -> Iterator[str]:
        yield "{\n"
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError):
        write_json_chunks(broken(), str(target))
    assert target.read_text() == "previous report"  # the old report stays as it was
    assert list(tmp_path.iterdir()) == [target]  # and no temporary file is left behind
