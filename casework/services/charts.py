"""Small server-rendered charts of a goal's progress ratings.

Pure functions of a goal (and its loaded ratings): no database access, no request. The SVG
carries no script at all, so it needs no JavaScript and nothing from a CDN."""
from __future__ import annotations

import datetime as dt

import pygal
from pygal.style import Style

from ..models.goal import RATING_MAX, RATING_MIN

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


def _day(day: dt.date, with_year: bool) -> str:
    return f"{day.day} {day:%b %Y}" if with_year else f"{day.day} {day:%b}"


def chart_summary(goal) -> str:
    """What the chart shows, in words, for its alt text: "Ratings from 3 on 1 Sep to 6 on
    20 Oct; target 8"."""
    points = progress_points(goal)
    first_day, first = points[0]
    if len(points) == 1:
        return (
            f"Rated {first} on {_day(first_day, True)} when agreed; no progress ratings yet; "
            f"target {goal.target}"
        )
    last_day, last = points[-1]
    with_year = first_day.year != last_day.year
    return (
        f"Ratings from {first} on {_day(first_day, with_year)} to {last} on "
        f"{_day(last_day, with_year)}; target {goal.target}"
    )


def _without_scripts(root):
    """pygal always writes a config <script>; a chart here must carry none."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def goal_chart_svg(goal, *, width: int = 640, height: int = 300) -> bytes:
    """The goal's ratings over time as a line chart (y from 1 to 10), with its baseline and
    target drawn as reference lines, as SVG bytes."""
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
        x_value_formatter=lambda day: _day(day, with_year),
        x_label_rotation=0,
        x_labels=[start, end],
        show_x_guides=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_legend=-1,
        dots_size=4,
        margin=8,
        margin_right=32,
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


# --- Bar charts: an assessment's change, a report's outcome areas ------------------------------


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


def assessment_chart_svg(framework, changes, first, latest, *, width: int = 720, height: int = 360) -> bytes:
    """The first and the latest score in each domain, side by side (horizontal bars)."""
    chart = pygal.HorizontalBar(**_bar_options(
        width, height, range=(0, framework.scale_max),
    ))
    chart.x_labels = [change.domain.label for change in changes]
    if first is not None:
        chart.add(f"First ({_day(first.date, True)})", [change.first for change in changes])
    if latest is not None and latest is not first:
        chart.add(f"Latest ({_day(latest.date, True)})", [change.latest for change in changes])
    return _bar_svg(chart)


def assessment_chart_summary(framework, changes, first, latest) -> str:
    """Alt text: which end of the scale is better and the change domain by domain."""
    if first is None:
        return "No assessments recorded yet"
    better = "lower" if not framework.higher_is_better else "higher"
    if latest is first:
        scores = "; ".join(f"{c.domain.label} {c.first}" for c in changes)
        return f"One assessment on {_day(first.date, True)} ({better} is better): {scores}"
    parts = "; ".join(f"{c.domain.label} {c.first} to {c.latest}" for c in changes)
    return (f"Scores on {_day(first.date, True)} and {_day(latest.date, True)} "
            f"({better} is better): {parts}")


def outcomes_chart_svg(report: dict, area_labels: dict, *, width: int = 720, height: int | None = None) -> bytes:
    """Per outcome area: the % of goals, of families and of children improved."""
    areas = report["areas"]
    chart = pygal.HorizontalBar(**_bar_options(
        width, height or max(200, 90 + 60 * len(areas)), range=(0, 100),
    ))
    chart.x_labels = [area_labels.get(row["area"], row["area"]) for row in areas]
    chart.add("% goals improved", [row["pct_improved"] for row in areas])
    chart.add("% families improved", [row["pct_families_improved"] for row in areas])
    chart.add("% children improved", [row["pct_children_improved"] for row in areas])
    return _bar_svg(chart)


def outcomes_chart_summary(report: dict, area_labels: dict) -> str:
    if not report["areas"]:
        return "No goals in the families closed in this period"
    return "Goals improved by outcome area: " + "; ".join(
        f"{area_labels.get(row['area'], row['area'])} {row['pct_improved']}% of {row['goals']} goals"
        for row in report["areas"]
    )
