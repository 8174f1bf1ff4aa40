"""The chart palette: each colour has 3:1 contrast on white (WCAG 1.4.11) and every pair stays distinguishable under
protanopia, deuteranopia and tritanopia (Machado et al. 2009 simulation, CIELAB distance)."""

from __future__ import annotations

import itertools

import pytest

from observatory.web.charts import BAR_COLOUR, PALETTE, line_chart

# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
DEFICIENCIES = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
MIN_DISTANCE = 15  # CIELAB ΔE: well above the ~2.3 a person notices and the ~10 of "clearly different"


def _linear(colour: str) -> list[float]:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _contrast_on_white(colour: str) -> float:
    r, g, b = _linear(colour)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x, y, z = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(colour: str, matrix) -> tuple[float, float, float]:
    rgb = _linear(colour)
    return _lab([min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix])


@pytest.mark.parametrize("colour", [*PALETTE, BAR_COLOUR])
def test_each_colour_stands_out_on_white(colour):
    assert _contrast_on_white(colour) >= 3.0


@pytest.mark.parametrize("deficiency", list(DEFICIENCIES))
def test_every_pair_stays_apart_for_colour_blind_readers(deficiency):
    matrix = DEFICIENCIES[deficiency]
    for a, b in itertools.combinations(PALETTE, 2):
        distance = sum((p - q) ** 2 for p, q in zip(_seen(a, matrix), _seen(b, matrix), strict=True)) ** 0.5
        assert distance >= MIN_DISTANCE, (deficiency, a, b, round(distance, 1))


def test_the_checker_catches_a_red_green_pair():
    red_green = ("#D55E00", "#4F9A00")  # vermillion and a green of the same lightness
    seen = [_seen(c, DEFICIENCIES["deuteranopia"]) for c in red_green]
    assert sum((p - q) ** 2 for p, q in zip(*seen, strict=True)) ** 0.5 < MIN_DISTANCE


def test_series_keep_their_colour_by_name_and_are_told_apart_by_shape():
    points = [{"year": 2000, "value": 1.0, "area": name} for name in ("Italy", "France", "Germany")]
    chart = line_chart("Test", points, "persons", "area", series_order=["Germany", "France", "Italy"])
    colour = chart.spec["encoding"]["color"]["scale"]
    assert colour == {"domain": ["Germany", "France", "Italy"], "range": list(PALETTE[:3])}
    assert chart.spec["encoding"]["shape"]["field"] == "area"
    assert chart.spec["description"] == chart.alt
