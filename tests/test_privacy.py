"""Privacy rules are pure, and the daemon applies them before a span is queued (tracker/domain/privacy.py)."""

from __future__ import annotations

import hashlib

import pytest

from tracker import config as config_mod
from tracker.domain.privacy import apply, hash_title


def privacy(**kw):
    return config_mod.parse({"privacy": kw}).privacy


@pytest.mark.parametrize(
    "mode, expect",
    [
        ("keep", ("firefox", "Inbox - Gmail", "/usr/bin/firefox")),
        ("redact", ("firefox", None, "/usr/bin/firefox")),
        ("hash", ("firefox", hashlib.sha256(b"Inbox - Gmail").hexdigest()[:16], "/usr/bin/firefox")),
    ],
)
def test_title_modes(mode, expect):
    assert apply("firefox", "Inbox - Gmail", "/usr/bin/firefox", privacy(titles=mode)) == expect


def test_hash_groups_equal_titles_and_handles_any_unicode():
    assert hash_title("Grüße 🎉") == hash_title("Grüße 🎉") != hash_title("Grüße")
    assert len(hash_title("\udcff broken surrogate")) == 16


@pytest.mark.parametrize(
    "app, title, excluded",
    [
        ("KeePassXC", "Passwords.kdbx", True),
        ("firefox", "Private Browsing - Bank", True),
        ("firefox", "News", False),
        ("signal", "Chat with Sam", True),  # app and title given: both must match
        ("signal", "Settings", False),
        (None, None, False),
    ],
)
def test_exclude_rules(app, title, excluded):
    p = privacy(
        titles="keep",
        exclude=[{"app": "(?i)keepassxc"}, {"title": "(?i)private browsing"}, {"app": "^signal$", "title": "^Chat"}],
    )
    out = apply(app, title, "/bin/x", p)
    assert out == (("excluded", None, None) if excluded else (app, title, "/bin/x"))


def test_missing_title_stays_missing_in_every_mode():
    for mode in ("keep", "redact", "hash"):
        assert apply("xterm", None, None, privacy(titles=mode)) == ("xterm", None, None)


def test_control_characters_never_reach_storage():
    """Any X client picks its own WM_CLASS and title; escape sequences in them must not be stored
    (and so never reach a terminal through `offscreen today` or `report`)."""
    app, title = "\x1b]52;c;cHduZWQ=\x07Evil\x1b[2J", "line 1\nline 2\t\x9b31mend\x00"
    assert apply(app, title, "/bin/e\x1bx", privacy(titles="keep")) == (
        "]52;c;cHduZWQ=Evil[2J",
        "line 1 line 2 31mend",
        "/bin/ex",
    )
    assert apply(app, title, None, privacy(titles="hash"))[1] == hash_title("line 1 line 2 31mend")
    assert apply(None, None, None, privacy(titles="keep")) == (None, None, None)
    # Exclude rules see the cleaned strings.
    assert apply("\x1bKeePassXC", "x", None, privacy(titles="keep", exclude=[{"app": "^KeePassXC$"}]))[0] == "excluded"


def test_a_huge_title_is_cut_before_anything_is_stored():
    from tracker.domain.privacy import MAX_TEXT

    keep = config_mod.Privacy()
    app, title, exe = apply("a" * 5000, "t" * 1_000_000, "/x" * 3000, keep)
    assert len(app) == len(title) == len(exe) == MAX_TEXT
    assert title.endswith("…") and title.startswith("ttt")
    assert apply("app", "short title", None, keep)[1] == "short title"


def test_a_lone_surrogate_becomes_a_replacement_character_and_the_queue_takes_it(tmp_path):
    # A process renamed with non-UTF-8 bytes (prctl PR_SET_NAME b"\xffbad") reads from /proc as
    # "\udcffbad"; a compositor's JSON may carry "\ud800". Stored as is, the queue could not encode
    # the span and would refuse every later one with it (found in review).
    from tracker.daemon.queue import Queue, pending
    from tracker.domain.spans import Span

    app, title, exe = apply("\udcffbad", "doc \ud800 x", "/usr/bin/\udcfe", config_mod.Privacy(titles="keep"))
    assert (app, title, exe) == ("\ufffdbad", "doc \ufffd x", "/usr/bin/\ufffd")
    q = Queue(tmp_path / "q.sqlite3")
    try:
        q.put([Span("a" * 32, 1.0, 2.0, app, title, "active", exe)], closed=True)
    finally:
        q.close()
    assert [r[3:5] for r in pending(tmp_path / "q.sqlite3")] == [("\ufffdbad", "doc \ufffd x")]
