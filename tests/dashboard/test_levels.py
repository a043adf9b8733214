"""Running sums over monthly custody changes: what was held at each month's end, by manufacturer and port."""

import datetime
from decimal import Decimal

from dashboard.levels import MonthlyChange, custody_by_manufacturer, custody_by_month, custody_by_port

D = datetime.date
CHANGES = [
    MonthlyChange(D(2024, 11, 1), "Bitmain", "2809", 100, Decimal("300000.00"), Decimal("20000.00")),
    MonthlyChange(D(2024, 11, 1), "Canaan", "2809", 10, Decimal("10000.00"), Decimal("1500.00")),
    MonthlyChange(D(2025, 1, 1), "Canaan", "3801", 20, Decimal("24000.00"), Decimal("3000.00")),
    MonthlyChange(D(2025, 2, 1), "Canaan", "3801", -20, Decimal("-24000.00"), Decimal("-3000.00")),
    MonthlyChange(D(2025, 3, 1), "Bitmain", "2809", -30, Decimal("-90000.00"), Decimal("-6000.00")),
]
MONTHS = [D(2024, 12, 1), D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]


def test_each_months_level_sums_every_change_up_to_its_end_including_those_before_the_view():
    months = custody_by_month(CHANGES, MONTHS)

    assert [(month.month, month.units, month.value_usd, month.hashrate_ths) for month in months] == [
        (D(2024, 12, 1), 110, Decimal("310000.00"), Decimal("21500.00")),
        (D(2025, 1, 1), 130, Decimal("334000.00"), Decimal("24500.00")),
        (D(2025, 2, 1), 110, Decimal("310000.00"), Decimal("21500.00")),
        (D(2025, 3, 1), 80, Decimal("220000.00"), Decimal("15500.00")),
    ]


def test_a_manufacturer_or_port_slice_sums_only_its_changes():
    assert [month.units for month in custody_by_month(CHANGES, MONTHS, manufacturer="Canaan")] == [10, 30, 10, 10]
    assert [month.units for month in custody_by_month(CHANGES, MONTHS, port="3801")] == [0, 20, 0, 0]
    assert [month.units for month in custody_by_month(CHANGES, MONTHS, manufacturer="Bitmain", port="3801")] == [
        0,
        0,
        0,
        0,
    ]


def test_by_manufacturer_gives_one_series_per_manufacturer_in_name_order():
    by_maker = custody_by_manufacturer(CHANGES, MONTHS)

    assert list(by_maker) == ["Bitmain", "Canaan"]
    assert [month.units for month in by_maker["Bitmain"]] == [100, 100, 100, 70]


def test_by_port_is_what_each_port_held_at_the_end_of_the_month():
    ports = custody_by_port(CHANGES, D(2025, 1, 1), {"2809": "San Francisco", "3801": "Detroit"})

    assert [(port.code, port.name, port.units, port.value_usd) for port in ports] == [
        ("2809", "San Francisco", 110, Decimal("310000.00")),
        ("3801", "Detroit", 20, Decimal("24000.00")),
    ]
