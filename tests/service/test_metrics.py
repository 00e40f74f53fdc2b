"""The metrics registry speaks the Prometheus text format and refuses misuse."""

from __future__ import annotations

import pytest

from bot.service.metrics import MetricError, Registry


def test_counters_gauges_and_histograms_render_in_the_text_format() -> None:
    registry = Registry()
    requests = registry.counter("app_requests_total", "Requests.\nBy forge.", ("forge",))
    depth = registry.gauge("app_depth", "Depth.")
    seconds = registry.histogram("app_seconds", "Time.", ("route",), buckets=(0.1, 1.0))
    requests.inc(forge="gitea")
    requests.inc(2.5, forge='we"ird\\')
    depth.set(7)
    seconds.observe(0.05, route="/")
    seconds.observe(0.5, route="/")
    seconds.observe(3, route="/")
    assert registry.render() == "\n".join([
        "# HELP app_depth Depth.",
        "# TYPE app_depth gauge",
        "app_depth 7",
        "# HELP app_requests_total Requests.\\nBy forge.",
        "# TYPE app_requests_total counter",
        'app_requests_total{forge="gitea"} 1',
        'app_requests_total{forge="we\\"ird\\\\"} 2.5',
        "# HELP app_seconds Time.",
        "# TYPE app_seconds histogram",
        'app_seconds_bucket{route="/",le="0.1"} 1',
        'app_seconds_bucket{route="/",le="1"} 2',
        'app_seconds_bucket{route="/",le="+Inf"} 3',
        'app_seconds_sum{route="/"} 3.55',
        'app_seconds_count{route="/"} 3',
        "",
    ])


def test_a_bucket_bound_is_inclusive() -> None:
    histogram = Registry().histogram("h", "H.", buckets=(1.0,))
    histogram.observe(1.0)
    assert ("_bucket", (), (("le", "1"),), 1.0) in histogram.samples()


def test_replace_drops_series_that_are_gone() -> None:
    gauge = Registry().gauge("g", "G.", ("state",))
    gauge.replace([({"state": "pending"}, 3), ({"state": "dead"}, 1)])
    gauge.replace([({"state": "pending"}, 0)])
    assert [(values, value) for _, values, _, value in gauge.samples()] == [(("pending",), 0)]


@pytest.mark.parametrize(
    ("make", "use"),
    [
        (lambda r: r.counter("c_total", "C.", ("a",)), lambda m: m.inc(b="x")),
        (lambda r: r.counter("c_total", "C."), lambda m: m.inc(-1)),
        (lambda r: r.gauge("bad name", "G."), None),
        (lambda r: r.gauge("g", "G.", ("le",)), None),
        (lambda r: r.histogram("h", "H.", buckets=()), None),
    ],
    ids=["wrong-labels", "counter-down", "bad-name", "reserved-label", "no-buckets"],
)
def test_misuse_is_refused(make, use) -> None:
    registry = Registry()
    with pytest.raises(MetricError):
        metric = make(registry)
        use(metric)


def test_a_name_is_declared_once() -> None:
    registry = Registry()
    registry.counter("x_total", "X.")
    with pytest.raises(MetricError, match="declared twice"):
        registry.gauge("x_total", "X.")
