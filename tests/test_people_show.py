"""`offscreen people show`: every field, unset ones marked "-", times in local time."""

from __future__ import annotations

from inproc import cli  # noqa: F401 (fixture)


def test_people_show_marks_unset_fields_and_prints_local_times(cli):
    cli("people", "add", "Priya", "--tier", "close", check=0)
    cli("log", "walk", "--with", "Priya", "--at", "2025-11-20 18:00", "--for", "1h", check=0)
    assert cli("people", "show", "priya", check=0).stdout == (
        "Priya (#1)\n"
        "  aliases:         -\n"
        "  tier:            close\n"
        "  kin:             no\n"
        "  every days:      -\n"
        "  max days:        -\n"
        "  counts:          in-person (default)\n"
        "  note:            -\n"
        "  interactions:    1\n"
        "  last contact:    2025-11-20 18:00\n"
        "  last in person:  2025-11-20 18:00\n"
        "  in person hours: 1h00m\n"
        "  who starts:      Not enough yet: 0 one-to-one interactions say who started it, 5 needed.\n"
        "  latest:\n"
        "    #1 2025-11-20 18:00 in-person 1h00m walk\n"
    )
    assert "  note:         -" in cli("interactions", "show", "1", check=0).stdout.splitlines()
