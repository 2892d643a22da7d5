"""The core dashboard views: screen time against face-to-face time, categories, when, people.

Each one draws the small aggregate tracker/store/dashboard.py made for it into a figure, or shows
an honest empty state saying what is missing.
"""

from __future__ import annotations

from dashboards import figures
from dashboards.views import PARTIAL, View, register
from tracker.domain import coverage
from tracker.domain.ranges import Range

NO_DATA = "No {what} in this range yet. Run `offscreen daemon` and `offscreen log`, or try `offscreen demo`."


@register("screen-vs-f2f")
def screen_vs_f2f(d: dict, rng: Range) -> View:
    v = View(
        "Screen time vs face-to-face (hours per day)",
        "Daily hours at the screen (social media in red) next to hours with people in person, with 7-day means "
        "of the days that have data; days without screen tracking (shaded) have no screen bar, not a zero one.",
    )
    if d["tracked_days"] == 0 and d["interaction_days"] == 0 and not d.get("phone_days"):
        v.empty = NO_DATA.format(what="screen time or in-person time")
    else:
        v.figure = figures.screen_vs_f2f(d)
        if d.get("bucket") == "week":
            v.caption = (
                "Hours per day at the screen (social media in red) next to hours with people in person, "
                "one bar per week (the mean of its days with data) and 4-week means, since daily bars over "
                "this long a range would be hairlines; weeks without screen tracking (shaded) have no screen bar."
            )
            if any(coverage.partial(n) for n in d["week_days"].values()):
                v.caption += f" {PARTIAL.format(what='days tracked')}"
        v.caption += _phone_caption(d)
    return v


def _phone_caption(d: dict) -> str:
    """The sentence that says what the dashed phone line is, when the view draws one."""
    if not d.get("phone_days"):
        return ""
    n = d["phone_days"]
    return (
        f" The dashed purple line is your phone's screen time ({d.get('phone_label', 'phone, as you reported it')}: "
        "`offscreen checkin --phone`, `offscreen import-aw`), "
        f"on {n} day{'s' if n != 1 else ''}; it is not part of the screen bars."
    )


@register("f2f-per-screen-hour")
def f2f_per_screen_hour(d: dict, rng: Range) -> View:
    v = View(
        "Face-to-face minutes per screen hour (rolling 7 days)",
        "In-person minutes per hour of screen time over the last 7 days, against your own ratio "
        "over the 4 weeks before them.",
    )
    if why := coverage.missing(d["tracked_days"], d["needed"]):
        v.empty = why
    elif all(r is None for r in d["ratio7"]):
        v.empty = coverage.missing(d["best_week_days"], d["needed"], "days with screen time recorded in one week")
    else:
        v.figure = figures.f2f_per_screen_hour(d)
    return v


@register("categories-per-week")
def categories_per_week(d: dict, rng: Range) -> View:
    v = View(
        "Screen time by category (hours per week)",
        "Active screen hours per week by category; categories come from your rules "
        "(`offscreen config show`), applied when the page is built.",
    )
    if not d["week"] and not d.get("phone_week"):
        v.empty = NO_DATA.format(what="screen time")
    else:
        v.figure = figures.categories_per_week(d)
        if any(coverage.partial(n) for n in d["week_days"].values()):
            v.caption += f" {PARTIAL.format(what='days tracked')}"
        v.caption += _phone_caption(d)
    return v


@register("weekday-hour")
def heatmap(d: dict, rng: Range) -> View:
    v = View(
        "When you are at the screen (mean minutes per hour)",
        "Average active screen minutes in each hour of each weekday (days start at "
        f"{rng.calendar.day_start_hour:02d}:00); dots mark where in-person meetings and calls started.",
    )
    if not any(d["tracked_per_weekday"]):
        v.empty = NO_DATA.format(what="screen time")
    elif why := coverage.missing(d["tracked_days"]):
        v.empty = why
    else:
        v.figure = figures.heatmap(d)
        counts = [n for kind in d["starts"].values() for row in kind for n in row if n]
        if counts:
            v.caption += (
                f" A larger dot means more started in that hour over the range: the smallest dot is "
                f"{min(counts)}, the largest {max(counts)}; hover a dot for its number."
            )
    return v


@register("people")
def people_status(d: dict, rng: Range) -> View:
    v = View(
        "People: days since you last met (days)",
        "Days since the last in-person contact (any mode for people set to 'any') against each "
        "person's cadence: on track up to the ideal gap, late up to the maximum, then overdue "
        "(Dunbar's layers: the closest few weekly, the next fifteen monthly).",
    )
    if not any(r["days_since"] is not None for r in d["people"]):
        v.empty = (
            "No one to show yet: log an interaction with --with NAME, or give people a tier "
            "(`offscreen people add NAME --tier close`)."
        )
    else:
        v.figure = figures.people_status(d)
    return v


@register("friendship-hours")
def friendship_hours(d: dict, rng: Range) -> View:
    v = View(
        "Hours together per person (cumulative, leisure, in person)",
        "Leisure time in person adds up: about 50 hours to a casual friend, 90 to a friend, "
        "200 to a close friend (Hall 2019); time working side by side is left out.",
    )
    if not d["people"]:
        v.empty = 'No leisure time in person logged yet (`offscreen log "dinner" --with Sam --for 2h`).'
    else:
        v.figure = figures.friendship_hours(d)
    return v


@register("closeness")
def closeness(d: dict, rng: Range) -> View:
    v = View(
        "Closeness against duration, by mode (1-7 vs minutes)",
        "Each rated interaction: how long it lasted and how close you felt afterwards "
        "(Inclusion of Other in the Self, 1-7). Only face-to-face time scaled with happiness in a "
        "contact diary (Vlahovic et al. 2012).",
    )
    if not any(p["duration_min"] for p in d.values()):
        v.empty = "No rated interactions in this range yet (`offscreen log ... --closeness 5`)."
    else:
        v.figure = figures.closeness(d)
    return v


@register("mode-mix")
def mode_mix(d: dict, rng: Range) -> View:
    v = View(
        "How you connect (hours per week by mode)",
        "Hours of interactions per week: in person, video, voice and text; a group meeting counts once.",
    )
    if not d["week"]:
        v.empty = "No interactions in this range yet (`offscreen log`)."
    else:
        v.figure = figures.mode_mix(d)
        if any(coverage.partial(n) for n in d["week_days"].values()):
            v.caption += f" {PARTIAL.format(what='days')}"
    return v


@register("lagged")
def lagged(d: dict, rng: Range) -> View:
    v = View(
        "Screen time and later in-person time: association, not cause (correlation r)",
        "Do your heavier screen days come before fewer in-person minutes on that day and the 3 after? "
        "Within your own days, weekday pattern removed; an association, not cause (Orben & Przybylski "
        "2019); the 95 % interval is approximate since neighbouring days overlap.",
    )
    if why := coverage.missing(d["n_days"], d["needed"], "days with screen time and 3 days after them"):
        v.empty = why
    elif d["screen"] is None and d["social"] is None:
        v.empty = "Not enough variation between days to compute an association yet."
    else:
        v.figure = figures.lagged(d)
        v.reading = " ".join(
            figures.in_words(d[key], what) for key, what in (("screen", "screen"), ("social", "social-media")) if d[key]
        )
    return v
