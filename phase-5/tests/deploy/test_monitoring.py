"""The chart's monitoring objects: the PrometheusRule carries exactly the rule file the
local Prometheus loads (and the promtool tests cover), rendered only where the operator's
API exists; every Grafana dashboard is a labelled ConfigMap of valid JSON whose panels all
have queries (tests/e2e/test_dashboards.py runs those queries on the real stack)."""

import json

import pytest
import yaml

from tests.deploy.manifests import ENVIRONMENTS, OUR_CHART, Manifest, render_ours

RULES = OUR_CHART / "files" / "alerts.yaml"
DASHBOARDS = sorted((OUR_CHART / "files" / "grafana").glob("*.json"))
WITH_OPERATOR = ("--api-versions", "monitoring.coreos.com/v1/PrometheusRule")


def _kind(docs: list[Manifest], kind: str) -> list[Manifest]:
    return [d for d in docs if d["kind"] == kind]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_prometheus_rule_is_the_rule_file(env: str) -> None:
    rules = _kind(render_ours(env, *WITH_OPERATOR), "PrometheusRule")
    assert len(rules) == 1
    assert rules[0]["spec"] == yaml.safe_load(RULES.read_text())


def test_no_prometheus_rule_without_the_operator(ours: dict[str, list[Manifest]]) -> None:
    for env in ENVIRONMENTS:
        assert _kind(ours[env], "PrometheusRule") == []


def test_dashboards_are_labelled_configmaps_of_panels_with_queries(
    ours: dict[str, list[Manifest]],
) -> None:
    assert {p.stem for p in DASHBOARDS} >= {"events", "api", "engine", "notifications", "pods"}
    for env in ENVIRONMENTS:
        maps = [
            d
            for d in _kind(ours[env], "ConfigMap")
            if d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
        ]
        assert len(maps) == len(DASHBOARDS)
        uids = set()
        for cm in maps:
            (raw,) = cm["data"].values()
            dash = json.loads(raw)
            uids.add(dash["uid"])
            assert dash["panels"], cm["metadata"]["name"]
            for panel in dash["panels"]:
                exprs = [t["expr"] for t in panel["targets"]]
                assert exprs and all(e.strip() for e in exprs), panel["title"]
        assert len(uids) == len(DASHBOARDS), "dashboard uids must be unique"
