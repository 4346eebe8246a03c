"""Error bodies and the access line, in process: one short line, whatever the request held.

The same answers through real uvicorn are in test_http.py.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from resizer.core.errors import MAX_ECHO, BadRequest, echo
from resizer.core.spec import Grammar
from resizer.server import headers
from resizer.server.headers import Reply
from resizer.server.trace import MAX_LOGGED_PATH, Trace

# Anything a reader could take for a line end or a terminal command: C0, DEL, C1, U+2028, U+2029.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
HOSTILE = "w_100\r\nX-Injected: 1\x00\x1b[31m\x85\u2028\u2029"


def test_echo_escapes_control_characters_and_cuts_long_pieces() -> None:
    assert echo("w_100") == "w_100"
    assert echo("w_1\r\n\x00\x7f\x85\u2028") == "w_1\\r\\n\\x00\\x7f\\x85\\u2028"
    assert echo("a" * MAX_ECHO) == "a" * MAX_ECHO
    assert echo("a" * (MAX_ECHO + 1)) == "a" * (MAX_ECHO - 1) + "…"
    assert echo("é" * 1000) == "é" * (MAX_ECHO - 1) + "…"  # characters, not bytes
    cut = echo("a" * 60 + "\r" * 10)
    assert cut == "a" * 60 + "\\r" + "…" and len(cut) <= MAX_ECHO  # never half an escape


@pytest.mark.parametrize(
    "path",
    [
        "w_" + "9" * 8192 + "/cat.jpg",
        HOSTILE + "/cat.jpg",
        "dpr_" + "\u732b" * 500 + "/cat.jpg",
        "bg_" + "\n" * 300 + "/cat.jpg",
        "v_" + "\u2028" * 300 + "/cat.jpg",
        "p_" + "x" * 5000 + "/cat.jpg",
        "c_" + "\x85" * 100 + "/cat.jpg",
    ],
    ids=["digits", "crlf", "dpr-unicode", "bg-newlines", "v-line-separators", "p-long", "c-nel"],
)
def test_grammar_messages_repeat_at_most_64_characters_of_the_request(path: str) -> None:
    with pytest.raises(BadRequest) as error:
        Grammar({"thumb": "w_10"}).parse(path)
    echoed, _, explanation = error.value.message.partition(": ")
    assert len(echoed) <= MAX_ECHO and explanation
    assert not CONTROL.search(error.value.message)


@pytest.mark.parametrize(
    "message",
    ["x" * 500, "é" * 500, HOSTILE * 40, "\u732b" * 67 + "ab", "short"],
    ids=["ascii", "two-byte", "controls", "three-byte-at-the-cut", "short"],
)
def test_every_text_answer_is_one_line_of_at_most_200_bytes(message: str) -> None:
    for reply in (headers.error(BadRequest(message)), headers.redirect("/media/" + message)):
        text = reply.body.decode("utf-8")  # cut on a character boundary
        assert len(reply.body) <= 200 and int(reply.headers["Content-Length"]) == len(reply.body)
        assert text.endswith("\n") and not CONTROL.search(text[:-1])
    assert headers.error(BadRequest("short")).body == b"short\n"


def test_the_access_line_is_one_escaped_line_with_a_bounded_path(caplog: pytest.LogCaptureFixture) -> None:
    path = "/media/" + HOSTILE + "a" * 5000
    with caplog.at_level(logging.INFO, logger="resizer.access"):
        Trace("G" * 5000, path).record(Reply(400, body=b"x\n"))
    (line,) = [record.getMessage() for record in caplog.records if record.name == "resizer.access"]
    assert len(line.splitlines()) == 1 and not CONTROL.search(line)
    logged = json.loads(line)
    assert logged["path"] == path[:MAX_LOGGED_PATH] and len(logged["method"]) <= 32
