"""The public enrolment page over real HTTP: the journey from the link to ENROLLED (the QR code
decoded and scanned by the simulated phone), one neutral answer for every link that is not live,
the headers, escaping, the language, and an API fault as a sentence with a retry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dashboard.domain.invitations import new_token
from dashboard.public_page.headers import HEADERS
from dashboard.usecases.invitation_links import USED_GRACE
from tests.public_page.conftest import PublicPage
from tests.support.phone import Phone
from tests.support.simulator import Simulator, decode_qr
from tests.support.waiting import wait_until

DEADLINE = 30.0


def poll_until(page: PublicPage, token: str, state: str) -> dict[str, object]:
    """Poll the enrolment the way the poller does until the page's status says ``state``."""
    found: dict[str, object] = {}

    def reached() -> bool:
        for ident, reference in page.console.polling.claim_due(10, ahead=timedelta(seconds=5)):
            page.console.polling.poll(ident, reference, backoff=lambda _: timedelta(0))
        response = page.http.get(f"/i/{token}/status")
        found.update(response.json() if response.status_code == 200 else {"state": "gone"})
        return found.get("state") == state

    wait_until(reached, DEADLINE, f"status {state}")
    return found


def test_the_journey_from_the_link_to_enrolled(page: PublicPage, phone: Phone) -> None:
    ident, token = page.invite(shown="Ann Example")
    opened = page.http.get(f"/i/{token}")
    assert opened.status_code == 200
    assert opened.headers["content-type"].startswith("text/html")
    assert "Ann Example" in opened.text
    assert f'<img id="qr" class="qr" src="/i/{token}/qr.png"' in opened.text
    assert '<script src="/static/page.js"></script>' in opened.text
    assert "<script>" not in opened.text
    assert "style=" not in opened.text
    image = page.http.get(f"/i/{token}/qr.png")
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")
    assert "/device/enrol/" in decode_qr(image.content)
    assert page.http.get(f"/i/{token}/status").json() == {"state": "pending", "device": None}
    reference = page.console.accounts.get(page.account_of(ident)).reference
    phone.scan(reference)
    poll_until(page, token, "scanned")
    phone.finish(reference, "confirm", "Pixel 9")
    assert poll_until(page, token, "enrolled") == {"state": "enrolled", "device": "Pixel 9"}
    neutral = page.http.get(f"/i/{malformed()}")
    for used in (f"/i/{token}", f"/i/{token}/qr.png"):  # opening it again is refused
        again = page.http.get(used)
        assert (again.status_code, again.text) == (neutral.status_code, neutral.text)
    # The page left open still learns the end (for USED_GRACE), however it was settled.
    assert page.http.get(f"/i/{token}/status").json() == {"state": "enrolled", "device": "Pixel 9"}


def malformed() -> str:
    return "not-a-token"


def test_every_link_that_is_not_live_gets_one_neutral_page(page: PublicPage) -> None:
    expired = page.invite("expired", days=7, ago=8)[1]
    revoked_id, revoked = page.invite("revoked")
    superseded_id, superseded = page.invite("superseded")
    used_id, used = page.invite("used")
    page.end(revoked_id, "REVOKED")
    page.end(superseded_id, "SUPERSEDED")
    page.end(used_id, "ENROLLED", ago=USED_GRACE + timedelta(seconds=1))
    live = page.invite("alive")[1]
    reference = page.http.get("/i/" + malformed())
    assert reference.status_code == 404
    assert "This link is not valid" in reference.text
    assert "Deze link is niet geldig" in reference.text
    tokens = [expired, revoked, superseded, used, new_token(), "x" * 43 + "%21", "%00", "a" * 5000]
    addresses = [f"/i/{t}" for t in tokens] + [f"/i/{t}/status" for t in tokens[:5]]
    addresses += [f"/i/{t}/qr.png" for t in tokens[:5]]
    addresses += ["/", "/i/", f"/i/{live}/", f"/i/{live}/other", "/admin", "/_stcore/health"]
    addresses += ["/static/", "/static/other.js"]
    for address in addresses:
        answer = page.http.get(address)
        assert (address, answer.status_code, answer.text) == (address, 404, reference.text)
    for method in ("POST", "PUT", "DELETE"):
        answer = page.http.request(method, f"/i/{live}")
        assert (answer.status_code, answer.text) == (404, reference.text)
    assert page.http.get(f"/i/{live}").status_code == 200  # the live one still works


@pytest.mark.parametrize("address", ["page", "qr", "status", "neutral", "script", "style"])
def test_every_answer_carries_the_strict_headers(page: PublicPage, address: str) -> None:
    token = page.invite()[1]
    path = {
        "page": f"/i/{token}",
        "qr": f"/i/{token}/qr.png",
        "status": f"/i/{token}/status",
        "neutral": "/i/unknown",
        "script": "/static/page.js",
        "style": "/static/page.css",
    }[address]
    page.http.get(f"/i/{token}")  # the page first, as a browser does
    answer = page.http.get(path)
    for name, value in HEADERS.items():
        assert answer.headers[name] == value, name
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    assert "server" not in answer.headers


def test_a_hostile_name_renders_escaped_and_isolated(page: PublicPage) -> None:
    ident, token = page.invite()
    hostile = '<script>alert("x")</script>\u202e' + "&amp;" + "W" * 10_000 + '"><img src=x>'
    page.rename(ident, hostile)
    opened = page.http.get(f"/i/{token}")
    assert opened.status_code == 200
    assert "<script>alert" not in opened.text
    assert "<img src=x>" not in opened.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in opened.text
    assert "&amp;amp;" in opened.text
    shown = re.search(r'<bdi class="name">(.*?)</bdi>', opened.text, re.S)
    assert shown is not None
    assert "W" * 10_000 in shown.group(1)
    style = page.http.get("/static/page.css").text
    assert "overflow-wrap: anywhere" in style
    assert "word-break: break-word" in style


def test_the_page_speaks_the_invitations_language(page: PublicPage) -> None:
    dutch = page.http.get(f"/i/{page.invite('nl-person', language='nl')[1]}")
    english = page.http.get(f"/i/{page.invite('en-person', language='en')[1]}")
    assert '<html lang="nl">' in dutch.text
    assert "Je telefoon instellen" in dutch.text
    assert '<html lang="en">' in english.text
    assert "Set up your phone" in english.text
    assert "Je telefoon" not in english.text


def test_an_api_fault_is_a_sentence_with_a_retry(page: PublicPage, api: Simulator) -> None:
    _, token = page.invite()
    api.fault(route="enrol", status=500, count=2)  # the request and its one retry
    failed = page.http.get(f"/i/{token}")
    assert failed.status_code == 503
    assert "We could not make your code just now" in failed.text
    assert f'<a class="button" href="/i/{token}">Try again</a>' in failed.text
    assert "Traceback" not in failed.text
    assert "<img" not in failed.text
    api.fault(route="enrol", status=500, count=2)
    image = page.http.get(f"/i/{token}/qr.png")
    assert (image.status_code, image.headers["retry-after"]) == (503, "5")
    assert image.text == "We could not make your code just now. Please try again in a moment."
    retried = page.http.get(f"/i/{token}")
    assert retried.status_code == 200
    assert decode_qr(page.http.get(f"/i/{token}/qr.png").content)


def test_the_health_check_and_the_static_files(page: PublicPage) -> None:
    assert page.http.get("/healthz").text == "ok"
    script = page.http.get("/static/page.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "fetch(" in script.text
    assert page.http.get("/static/page.css").headers["content-type"].startswith("text/css")


def test_the_page_reaches_nothing_of_the_console(page: PublicPage) -> None:
    opened = page.http.get(f"/i/{page.invite()[1]}")
    links = set(re.findall(r'(?:href|src)="([^"]+)"', opened.text))
    assert all(link.startswith(("/i/", "/static/")) for link in links), links
    assert not any(word in opened.text for word in ("Streamlit", "_stcore", "Enrolments"))
