"""Geometry for the dashboard's server-rendered SVG charts: no chart library, no JavaScript."""

from dataclasses import dataclass
from typing import Any

CHART_WIDTH = 360
BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 110


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    css: str = ""
    caption: str = ""

    @property
    def caption_x(self) -> float:
        return self.x + self.width + 4


def horizontal_bars(
    rows: list[tuple[str, int, str]], caption_suffix: str = "", scale_to: int = 0, caption_room: int = 50,
    label_width: int = LABEL_WIDTH,
) -> dict[str, Any]:
    """(label, value, css class) rows as bars scaled to `scale_to` or else the largest value."""
    largest = scale_to or max((value for _, value, _ in rows), default=0) or 1
    room = CHART_WIDTH - label_width - caption_room
    bars = [
        Bar(label=label, value=value, x=label_width, y=index * (BAR_HEIGHT + BAR_GAP),
            width=max(value / largest * room, 1 if value else 0), height=BAR_HEIGHT, css=css,
            caption=f"{value:,}{caption_suffix}")
        for index, (label, value, css) in enumerate(rows)
    ]
    return {"bars": bars, "width": CHART_WIDTH, "height": len(rows) * (BAR_HEIGHT + BAR_GAP),
            "label_x": label_width - 6}


def funnel(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return horizontal_bars([(row["label"], row["count"], f"status-{row['status']}") for row in rows])


def histogram(columns: list[dict[str, int]]) -> dict[str, Any]:
    """Ten columns for scores 0-9, 10-19, ... 90-100, each split by the label its leads carry.

    A lead keeps the label of the version that scored it: once a learned version (a probability in
    percent, HOT from about 20) takes over, closed leads keep their rule labels (points, HOT from 70),
    so colouring a whole column by one set of cut-offs would misstate one group or the other.
    """
    height, column_width, gap = 120, 30, 4
    largest = max((sum(column.values()) for column in columns), default=0) or 1
    bars, axis, totals = [], [], []
    for index, column in enumerate(columns):
        low, x = index * 10, index * (column_width + gap)
        scores = f"{low}-{low + 9 if index < 9 else 100}"
        top = float(height)
        for label in ("COLD", "WARM", "HOT"):  # stacked from the bottom
            count = column.get(label, 0)
            if count:
                bar_height = count / largest * height
                top -= bar_height
                bars.append(Bar(label=label, value=count, x=x, y=top, width=column_width, height=bar_height,
                                css=label,
                                caption=f"{count:,} {label} lead{'' if count == 1 else 's'} scored {scores}"))
        axis.append({"label": str(low), "x": x + column_width / 2})
        total = sum(column.values())
        # The count above each column, and the same figures as a table for screen readers.
        totals.append({"scores": scores, "count": total, "x": x + column_width / 2, "y": top - 3,
                       "text": f"{total:,}" if total else "", "labels": {label: column.get(label, 0)
                                                                       for label in ("HOT", "WARM", "COLD")}})
    top_room = 14
    return {"bars": bars, "axis": axis, "totals": totals, "width": 10 * (column_width + gap), "height": height,
            "axis_y": height + 14, "title_y": height + 28, "top": -top_room, "view_height": height + 32 + top_room}


def conversion(rows: list[dict[str, Any]]) -> dict[str, Any]:
    chart = horizontal_bars([(row["label"], row["rate"], row["label"]) for row in rows], scale_to=100,
                             caption_room=110, label_width=50)
    for bar, row in zip(chart["bars"], rows):
        bar.caption = f"{row['rate']}% ({row['converted']} of {row['leads']})"
    return chart
