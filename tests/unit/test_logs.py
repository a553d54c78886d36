"""JSON logs carry the message, level and extra fields, one object per line."""

from __future__ import annotations

import json
import logging

from reelstack.runtime.logs import JsonFormatter


def test_json_formatter_includes_extras_and_exceptions() -> None:
    record = logging.makeLogRecord(
        {
            "name": "reelstack.x",
            "levelname": "WARNING",
            "msg": "slow %s",
            "args": ("ingest",),
            "item_id": "itm_1",
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "slow ingest"
    assert (line["level"], line["logger"], line["item_id"]) == ("warning", "reelstack.x", "itm_1")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_chatty_libraries_are_quieted_unless_debugging() -> None:
    from reelstack.runtime.logs import configure_logging

    root, chatty = logging.getLogger(), logging.getLogger("faster_whisper")
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        chatty.setLevel(logging.NOTSET)
        configure_logging("debug")
        assert chatty.level == logging.NOTSET
        configure_logging("info")
        assert chatty.level == logging.WARNING
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        chatty.setLevel(logging.NOTSET)
