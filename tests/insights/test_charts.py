"""The server-drawn bar charts: bars scale to the largest value and grow from the labels' side, mirrored right
to left."""

from decimal import Decimal

from insights.charts import LABEL_WIDTH, WIDTH, bar_chart


def test_bars_scale_to_the_largest_value():
    chart = bar_chart("Points", [("Issued", 100, "100"), ("Redeemed", 25, "25"), ("Expired", 0, "0")])
    issued, redeemed, expired = chart.bars
    assert issued.width == 4 * redeemed.width and expired.width == 0
    assert issued.x == redeemed.x == LABEL_WIDTH and chart.anchor == "end"


def test_right_to_left_bars_grow_leftwards_from_the_labels_on_the_right():
    chart = bar_chart("Points", [("Issued", Decimal(100), "100"), ("Redeemed", Decimal(50), "50")], rtl=True)
    issued, redeemed = chart.bars
    assert issued.x + issued.width == redeemed.x + redeemed.width == WIDTH - LABEL_WIDTH
    assert issued.label_x > WIDTH - LABEL_WIDTH and chart.anchor == "start" and chart.rtl


def test_no_values_draw_no_bars_without_dividing_by_zero():
    chart = bar_chart("Empty", [("Members", 0, "0"), ("Others", 0, "0")])
    assert [bar.width for bar in chart.bars] == [0, 0]
