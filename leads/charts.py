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


def histogram(counts: list[int], hot: int = 70, warm: int = 40) -> dict[str, Any]:
    """Ten columns for scores 0-9, 10-19, ... 90-100, coloured by the label they fall in."""
    height, column_width, gap = 120, 30, 4
    largest = max(counts, default=0) or 1
    columns = []
    for index, count in enumerate(counts):
        low = index * 10
        css = "HOT" if low >= hot else "WARM" if low >= warm else "COLD"
        bar_height = count / largest * height if count else 0
        columns.append(Bar(label=f"{low}", value=count, x=index * (column_width + gap), y=height - bar_height,
                           width=column_width, height=bar_height, css=css,
                           caption=f"{count:,} leads scored {low}-{low + 9 if index < 9 else 100}"))
    return {"bars": columns, "width": 10 * (column_width + gap), "height": height, "axis_y": height + 14}


def conversion(rows: list[dict[str, Any]]) -> dict[str, Any]:
    chart = horizontal_bars([(row["label"], row["rate"], row["label"]) for row in rows], scale_to=100,
                             caption_room=110, label_width=50)
    for bar, row in zip(chart["bars"], rows):
        bar.caption = f"{row['rate']}% ({row['converted']} of {row['leads']})"
    return chart
