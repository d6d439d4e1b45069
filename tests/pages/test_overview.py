"""The Overview page: counts, time to enrol, the chart and the funnel, from real enrolments."""

from __future__ import annotations

from datetime import timedelta

from streamlit.testing.v1 import AppTest

from tests.support.apptest import Env, assert_no_exception, open_page, texts
from tests.support.console import Console
from tests.support.phone import Phone


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_an_empty_console(env: Env) -> None:
    at = open_page("overview")
    assert_no_exception(at)
    shown = metrics(at)
    assert shown["Accounts"] == "0"
    assert shown["Median"] == "–"
    assert "No enrolments issued in this period yet." in texts(at)


def test_counts_timing_chart_and_funnel(env: Env, seeder: Console, phone: Phone) -> None:
    backoff = lambda _: timedelta(seconds=1)  # noqa: E731
    people = [seeder.accounts.create(name, actor="test") for name in ("ann", "ben", "cyd", "dia")]
    ann, ben, cy = people[:3]
    enrolled = seeder.enrolments.issue(ann.id, actor="test")
    phone.scan(ann.id)
    phone.finish(ann.id, "confirm")
    seeder.polling.poll(enrolled.id, ann.reference, backoff=backoff)
    declined = seeder.enrolments.issue(ben.id, actor="test")
    phone.scan(ben.id)
    seeder.polling.poll(declined.id, ben.reference, backoff=backoff)
    phone.finish(ben.id, "decline")
    seeder.polling.poll(declined.id, ben.reference, backoff=backoff)
    seeder.enrolments.issue(cy.id, actor="test")

    at = open_page("overview")
    assert_no_exception(at)
    shown = metrics(at)
    assert shown["Accounts"] == "4"
    assert shown["Pending"] == "1"
    assert shown["Enrolled"] == "1"
    assert shown["Expired or declined"] == "1"
    assert shown["Issued today"] == "3"
    assert shown["Enrolled today"] == "1"
    assert shown["Enrolments measured"] == "1"
    assert shown["Median"].endswith(" s")
    assert shown["Median"] == shown["90th percentile"]
    funnel = [m for m in at.metric if m.label in ("Issued", "Scanned", "Enrolled")][-3:]
    assert [m.value for m in funnel] == ["3", "2", "1"]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = str(getattr(charts[0], "proto", ""))
    assert "Enrolled" in spec
    assert "Declined" in spec


def test_the_period_can_be_changed(env: Env, seeder: Console) -> None:
    ann = seeder.accounts.create("ann", actor="test")
    seeder.enrolments.issue(ann.id, actor="test")
    at = open_page("overview")
    for period in ("Last 7 days", "All time", "Last 90 days"):
        at.button_group[0].set_value(period)
        at.run()
        assert_no_exception(at)
        funnel = [m for m in at.metric if m.label == "Issued"]
        assert [m.value for m in funnel] == ["1"]
