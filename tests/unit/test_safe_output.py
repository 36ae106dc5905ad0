"""Output safety: CSV cells with CR/LF, formula guards per line, bidi controls, surrogates."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.model.safe_parse import UnsafeInput, check_depth, parse_json
from bot.render.csv_report import spreadsheet_safe
from bot.render.safe_output import neutralize, neutralize_json, safe_for_output


def test_a_bare_cr_cannot_split_a_row_and_start_a_formula() -> None:
    """OWASP CSV injection with a CR: the issue's `ops\\r=cmd|' /C calc'!A0` name."""
    name = "ops\r=cmd|' /C calc'!A0"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([spreadsheet_safe(name), "x"])
    written = buffer.getvalue()
    assert written.startswith('"')  # the cell is quoted: a spreadsheet keeps it one cell
    rows = list(csv.reader(io.StringIO(written)))
    assert len(rows) == 1
    assert rows[0][0] == "ops\n'=cmd|' /C calc'!A0"  # guarded on its own line too
    for line in written.replace("\r", "\n").split("\n"):
        assert not line.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("value", ["a\r\n@SUM(1)", "a\n+1", "=1", "\r-2"])
def test_every_line_of_a_cell_is_guarded(value: str) -> None:
    for line in spreadsheet_safe(value).split("\n"):
        assert not line.startswith(("=", "+", "-", "@"))


def test_bidi_controls_and_surrogates_become_visible_in_text() -> None:
    assert neutralize("admin\u202etxt.exe") == "admin<U+202E>txt.exe"
    assert neutralize("a\ud800b") == "a<U+D800>b"
    assert neutralize("plain ünïcode") == "plain ünïcode"
    assert neutralize("\u2066x\u2069") == "<U+2066>x<U+2069>"


def test_in_json_they_become_escapes_with_the_same_value() -> None:
    document = json.dumps({"name": "a\u202eb"}, ensure_ascii=False)
    safe = neutralize_json(document)
    assert "\u202e" not in safe
    assert json.loads(safe) == {"name": "a\u202eb"}
    assert safe_for_output(document) == safe
    assert safe_for_output("x\u202e") == "x<U+202E>"
    safe.encode("utf-8")  # always encodable
    neutralize_json(json.dumps({"n": "\ud800"}, ensure_ascii=False)).encode("utf-8")


def test_parse_json_bounds_depth_and_number_size() -> None:
    with pytest.raises(UnsafeInput, match="nested too deeply"):
        parse_json("[" * 100_000)
    with pytest.raises(UnsafeInput, match="more than"):
        parse_json("9" * 5000)
    with pytest.raises(json.JSONDecodeError):
        parse_json("{")
    check_depth([[1]], limit=2)
    with pytest.raises(UnsafeInput):
        check_depth([[[1]]], limit=2)


def test_slack_text_shows_bidi_controls_escaped_for_mrkdwn() -> None:
    from bot.slack.blocks import code, escape

    assert escape("adm\u202enim<x>") == "adm&lt;U+202E&gt;nim&lt;x&gt;"
    assert code("bob\ud800") == "`bob&lt;U+D800&gt;`"
    json.dumps(escape("\ud800")).encode("utf-8")  # a Slack payload can always be sent


def test_dumped_json_needs_only_del_looked_for() -> None:
    """json.dumps escapes C0 (and, ASCII-only, every non-ASCII character) itself; a chunk it
    did not write (DEL, C1 or ESC raw) is still escaped like neutralize_json does."""
    from bot.render.safe_output import neutralize_dumped_json

    dumped = json.dumps({"name": "x\x1b[2J\x7f\x9b"})
    assert neutralize_dumped_json(dumped) == dumped
    assert neutralize_dumped_json('{"a": "\x7f"}') == '{"a": "\\u007f"}'
    assert neutralize_dumped_json('{"a": "\x9b\x1b"}') == '{"a": "\\u009b\\u001b"}'
