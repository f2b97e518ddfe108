"""Small server-rendered charts: a goal's progress ratings, an assessment's change, a report's
percentages, a team's weighted load per worker.

Pure functions of what they draw: no database access, no request. The SVG
carries no script at all, so it needs no JavaScript and nothing from a CDN."""
from __future__ import annotations

import datetime as dt

import pygal
from pygal.style import Style

from ..models.goal import RATING_MAX, RATING_MIN
from ..models.voice import SCALE_MAX, SCALE_MIN
from .clock import day_text

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    opacity="1",
    opacity_hover="1",
    transition="none",
    stroke_opacity="1",
    stroke_opacity_hover="1",
    stroke_width="3",
    stroke_width_hover="3",
    guide_stroke_color="#b1b4b6",
    major_guide_stroke_color="#b1b4b6",
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
    # Rating (blue), target (green), baseline (grey): GOV.UK palette, readable in greyscale.
    colors=("#1d70b8", "#00703c", "#505a5f"),
    font_family="Arial, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    title_font_size=16,
)


def progress_points(goal) -> list[tuple[dt.date, int]]:
    """The trajectory: the baseline on the start date, then each rating by date."""
    return [(goal.start_date, goal.baseline)] + [(r.date, r.rating) for r in goal.ratings]


def chart_summary(goal) -> str:
    """What the chart shows, in words, for its alt text: "Ratings from 3 on 1 Sep to 6 on
    20 Oct; target 8"."""
    points = progress_points(goal)
    first_day, first = points[0]
    if len(points) == 1:
        return (
            f"Rated {first} on {day_text(first_day)} when agreed; no progress ratings yet; "
            f"target {goal.target}"
        )
    last_day, last = points[-1]
    with_year = first_day.year != last_day.year
    return (
        f"Ratings from {first} on {day_text(first_day, year=with_year)} to {last} on "
        f"{day_text(last_day, year=with_year)}; target {goal.target}"
    )


def _without_scripts(root):
    """pygal always writes a config <script>; a chart here must carry none."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


# A goal's chart is drawn at about the width a page shows it (the family page's small one,
# the goal page's beside its details on a desktop or across a tablet), so that its 14 px text
# is shown at about 14 px: an SVG drawn at 640 and shown at 320 would have 7 px text.
GOAL_CHART_SIZES = {"small": (320, 200), "medium": (460, 260), "large": (640, 300)}


def goal_chart_svg(goal, *, size: str = "large") -> bytes:
    """The goal's ratings over time as a line chart (y from 1 to 10), with its baseline and
    target drawn as reference lines, as SVG bytes, at one of ``GOAL_CHART_SIZES``."""
    width, height = GOAL_CHART_SIZES[size]
    points = progress_points(goal)
    start = points[0][0]
    end = max(goal.target_date, points[-1][0])
    if end <= start:
        end = start + dt.timedelta(days=1)
    with_year = start.year != end.year

    chart = pygal.DateLine(
        width=width,
        height=height,
        style=CHART_STYLE,
        js=[],
        range=(RATING_MIN, RATING_MAX),
        y_labels=list(range(RATING_MIN, RATING_MAX + 1)),
        x_value_formatter=lambda day: day_text(day, year=with_year),
        x_label_rotation=0,
        x_labels=[start, end],
        show_x_guides=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_legend=-1,
        dots_size=4,
        margin=8,
        margin_left=36,
        margin_right=40,
        spacing=8,
        tooltip_border_radius=0,
        disable_xml_declaration=False,
        print_values=False,
    )
    chart.xml_filters.append(_without_scripts)
    chart.add("Rating", points)
    chart.add("Target", [(start, goal.target), (end, goal.target)], show_dots=False,
              stroke_style={"dasharray": "8, 4"})
    chart.add("Baseline", [(start, goal.baseline), (end, goal.baseline)], show_dots=False,
              stroke_style={"dasharray": "2, 4"})
    svg = chart.render()
    return svg if isinstance(svg, bytes) else svg.encode("utf-8")


# --- An assessment's change (radar or bars); a report's percentages (bars) ------------------------------


def _bar_svg(chart) -> bytes:
    chart.xml_filters.append(_without_scripts)
    svg = chart.render()
    return svg if isinstance(svg, bytes) else svg.encode("utf-8")


def _bar_options(width: int, height: int, **extra) -> dict:
    options = dict(
        width=width, height=height, style=CHART_STYLE, js=[], legend_at_bottom=True,
        legend_at_bottom_columns=3, truncate_legend=-1, truncate_label=-1, margin=8, spacing=8,
        tooltip_border_radius=0, print_values=False,
    )
    options.update(extra)
    return options


def _with_style(colors) -> Style:
    """CHART_STYLE with other series colours."""
    options = {name: getattr(CHART_STYLE, name) for name in dir(CHART_STYLE)
               if not name.startswith("_") and not callable(getattr(CHART_STYLE, name))}
    return Style(**{**options, "colors": colors})


# First (grey, dashed) and latest (blue, solid): told apart in greyscale too.
ASSESSMENT_STYLE = _with_style(("#505a5f", "#1d70b8"))


def _level_labels(root):
    """pygal turns a radar's domain labels along their spokes; lay them flat instead, each
    starting away from the centre, so they read left to right in print as on screen."""
    for group in root.iter():
        if not (isinstance(group.tag, str) and "axis x web" in (group.get("class") or "")):
            continue
        texts = [node for node in group.iter() if isinstance(node.tag, str) and node.tag.rsplit("}", 1)[-1] == "text"]
        if not texts:
            continue
        centre_x = sum(float(node.get("x")) for node in texts) / len(texts)
        centre_y = sum(float(node.get("y")) for node in texts) / len(texts)
        for node in texts:
            node.attrib.pop("transform", None)
            x, y = float(node.get("x")), float(node.get("y"))
            anchor = "start" if x > centre_x + 1 else "end" if x < centre_x - 1 else "middle"
            node.set("style", f"text-anchor:{anchor}")
            if anchor == "middle" and y < centre_y:
                node.set("y", f"{y - 6:.2f}")
    return root


def assessment_chart_height(changes) -> int:
    return 440 if len(changes) >= 3 else max(200, 90 + 48 * len(changes))


def assessment_chart_svg(framework, changes, first, latest, *, width: int = 720) -> bytes:
    """The first and the latest score in each domain, direction-aware: whichever end of the
    framework's scale is better, better is further out (a radar of three or more domains) or
    longer (bars, for one or two). The scale's rings or ticks are labelled with its scores."""
    levels = [{"label": str(score), "value": framework.goodness(score)}
              for score in range(framework.scale_min, framework.scale_max + 1)]
    options = _bar_options(width, assessment_chart_height(changes), style=ASSESSMENT_STYLE, range=(0, framework.points),
                           y_labels=levels, legend_at_bottom_columns=1 if latest is first else 2)
    if first is None:  # nothing recorded yet: an empty chart (pygal cannot label an empty one)
        return _bar_svg(pygal.HorizontalBar(**{**options, "y_labels": None}))
    if len(changes) >= 3:
        chart = pygal.Radar(**{**options, "fill": False, "dots_size": 4, "margin_left": 150, "margin_right": 150,
                               "margin_top": 28, "margin_bottom": 20})
        chart.xml_filters.append(_level_labels)
    else:
        chart = pygal.HorizontalBar(**options)
        changes = changes[::-1]  # pygal draws the first at the bottom: this way it is at the top
    chart.x_labels = [change.domain.label for change in changes]

    def plotted(score):
        return None if score is None else framework.goodness(score)

    if first is not None:
        chart.add(f"First ({day_text(first.date)})", [plotted(c.first) for c in changes],
                  stroke_style={"dasharray": "8, 4"})
    if latest is not None and latest is not first:
        chart.add(f"Latest ({day_text(latest.date)})", [plotted(c.latest) for c in changes])
    return _bar_svg(chart)


def assessment_chart_summary(framework, changes, first, latest) -> str:
    """Alt text: which end of the scale is better and the change domain by domain."""
    if first is None:
        return "No assessments recorded yet"
    better = "lower" if not framework.higher_is_better else "higher"
    if latest is first:
        scores = "; ".join(f"{c.domain.label} {c.first}" for c in changes)
        return f"One assessment on {day_text(first.date)} ({better} is better): {scores}"
    parts = "; ".join(f"{c.domain.label} {c.first} to {c.latest}" for c in changes)
    return (f"Scores on {day_text(first.date)} and {day_text(latest.date)} "
            f"({better} is better): {parts}")


def assessment_chart_key(framework, changes) -> str:
    """How to read the chart, in a sentence beside it."""
    if len(changes) >= 3:
        where = "the further from the centre, the better"
        ends = (f"the outer ring is {framework.best} ({framework.label(framework.best)}), "
                f"the innermost {framework.worst} ({framework.label(framework.worst)})")
    else:
        where = "the longer the bar, the better"
        ends = (f"the longest is {framework.best} ({framework.label(framework.best)}), "
                f"the shortest {framework.worst} ({framework.label(framework.worst)})")
    return (f"On the chart {where}, for every domain: {ends}. "
            "The first assessment is dashed grey, the latest solid blue.")


def percent_chart_svg(labels: list[str], series: list[tuple[str, list]], *, width: int = 720) -> bytes:
    """Horizontal bars of percentages (0 to 100), one group per label, one bar per series."""
    # (pygal leaves no room for the legend when it has fewer entries than columns.)
    chart = pygal.HorizontalBar(**_bar_options(width, percent_chart_height(labels), range=(0, 100),
                                               legend_at_bottom_columns=len(series)))
    # pygal draws the first label at the bottom: reversed, the chart reads top down like its table.
    chart.x_labels = labels[::-1]
    for title, values in series:
        chart.add(title, values[::-1])
    return _bar_svg(chart)


def percent_chart_height(labels) -> int:
    return max(200, 90 + 60 * len(labels))


def outcomes_chart_svg(report: dict, area_labels: dict, *, width: int = 720) -> bytes:
    """Per outcome area: the % of goals, of families and of children improved."""
    areas = report["areas"]
    return percent_chart_svg([area_labels.get(row["area"], row["area"]) for row in areas], [
        ("% goals improved", [row["pct_improved"] for row in areas]),
        ("% families improved", [row["pct_families_improved"] for row in areas]),
        ("% children improved", [row["pct_children_improved"] for row in areas]),
    ], width=width)


def outcomes_chart_summary(report: dict, area_labels: dict) -> str:
    if not report["areas"]:
        return "No goals in the families closed in this period"
    return "Goals improved by outcome area: " + "; ".join(
        f"{area_labels.get(row['area'], row['area'])} {row['pct_improved']:g}% of {row['goals']} goals"
        for row in report["areas"]
    )


def domains_chart_svg(report: dict, *, width: int = 720) -> bytes:
    """Per assessment domain: the % of families, and of their children, better at the latest
    assessment than at the first."""
    rows = report["assessment_domains"]
    return percent_chart_svg([row["label"] for row in rows], [
        ("% families better", [row["pct_improved"] for row in rows]),
        ("% children in them", [row["pct_children_improved"] for row in rows]),
    ], width=width)


def domains_chart_summary(report: dict) -> str:
    if not report["assessment_domains"]:
        return "No family closed in this period had two assessments to compare"
    return "Families better at the latest assessment than the first, by domain: " + "; ".join(
        f"{row['label']} {row['pct_improved']:g}% of {row['families']} families" for row in report["assessment_domains"]
    )


# --- The weighted-load chart of a team's caseloads -------------------------------------------------

def load_chart_summary(loads) -> str:
    """What the chart of ``loads`` (``caseload.WorkerLoad`` rows) shows, in words, for its alt text."""
    if not loads:
        return "Weighted load by family worker: the team has no workers."
    parts = [f"{load.name} {load.weighted_load:.1f}" for load in loads]
    heaviest = max(loads, key=lambda load: load.weighted_load)
    return (
        "Weighted load by family worker: " + "; ".join(parts) + "."
        + (f" Heaviest: {heaviest.name}." if heaviest.weighted_load > 0 else "")
    )


def load_chart_svg(loads, *, width: int = 640) -> bytes:
    """A horizontal bar of weighted load per worker (in the order given), as SVG bytes with no
    script in it."""
    height = max(160, 60 + 36 * len(loads))
    chart = pygal.HorizontalBar(
        width=width,
        height=height,
        style=CHART_STYLE,
        js=[],
        show_legend=False,
        print_values=False,
        value_formatter=lambda value: f"{value:.1f}",
        x_labels=[load.name for load in loads],
        truncate_label=-1,
        show_x_guides=True,
        margin=8,
        spacing=8,
        disable_xml_declaration=False,
    )
    chart.xml_filters.append(_without_scripts)
    chart.add("Weighted load", [round(load.weighted_load, 1) for load in loads])
    svg = chart.render()
    return svg if isinstance(svg, bytes) else svg.encode("utf-8")


# --- The child's voice: a child's scale over time; a report's first against latest ------------

VOICE_CHART_SIZE = (320, 200)


def _scale_points(voices) -> list[tuple[dt.date, int]]:
    """(date, scale) of the voices (oldest first) that have a scale."""
    return [(voice.date, voice.scale) for voice in voices if voice.scale is not None]


def voice_chart_summary(first_name: str, voices) -> str:
    """Alt text: "Ava's scale (0 very bad, 10 really good): 3 on 1 Sep, 5 on 20 Oct"."""
    points = _scale_points(voices)
    if not points:
        return f"{first_name} has not put things on the scale yet"
    with_year = points[0][0].year != points[-1][0].year
    return (f"How {first_name} says things are at home, from 0 (very bad) to 10 (really good): "
            + ", ".join(f"{scale} on {day_text(day, year=with_year)}" for day, scale in points))


def voice_chart_svg(voices) -> bytes:
    """A child's scale (0 to 10) over time, oldest first, as a line: SVG bytes without script."""
    points = _scale_points(voices)
    width, height = VOICE_CHART_SIZE
    start, end = (points[0][0], points[-1][0]) if points else (None, None)
    options = dict(width=width, height=height, style=CHART_STYLE, js=[], range=(SCALE_MIN, SCALE_MAX),
                   y_labels=list(range(SCALE_MIN, SCALE_MAX + 1, 2)), show_legend=False, x_label_rotation=0,
                   show_x_guides=False, dots_size=4, margin=8, margin_left=36, margin_right=40, spacing=8,
                   tooltip_border_radius=0, print_values=False)
    if not points:
        return _bar_svg(pygal.Line(**{**options, "y_labels": None}))
    if end <= start:
        end = start + dt.timedelta(days=1)
    with_year = start.year != end.year
    chart = pygal.DateLine(**options, x_labels=[start, end],
                           x_value_formatter=lambda day: day_text(day, year=with_year))
    chart.add("Scale", points)
    return _bar_svg(chart)


def voice_report_chart_svg(child_voice: dict, *, width: int = 720) -> bytes:
    """The median scale children gave the first time they were asked, and the latest time."""
    chart = pygal.HorizontalBar(**_bar_options(width, 200, range=(SCALE_MIN, SCALE_MAX),
                                               style=ASSESSMENT_STYLE, legend_at_bottom_columns=2))
    chart.x_labels = ["Median scale (0 to 10)"]
    chart.add("First time asked", [child_voice["median_first_scale"]])
    chart.add("Latest time asked", [child_voice["median_latest_scale"]])
    return _bar_svg(chart)


def voice_report_chart_summary(child_voice: dict) -> str:
    first, latest = child_voice["median_first_scale"], child_voice["median_latest_scale"]
    if first is None:
        return "No child of the families closed in this period put things on the scale"
    return (f"How children said things were at home, from 0 (very bad) to 10 (really good): a median of "
            f"{first:g} the first time they were asked and {latest:g} the latest time; the scale rose for "
            f"{child_voice['scale_rose']} of the {child_voice['with_two_scales']} children asked twice")
