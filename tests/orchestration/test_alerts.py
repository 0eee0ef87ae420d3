"""Alerts: a failing gate on a real province fires to a webhook on localhost (Apprise json://)
and to the local alerts file; score drops and rejected files are alerts too; a dead channel
is noted, never fatal."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from ddss.alerts import alerts_file, alerts_for, send
from ddss.orchestration import free_port
from tests.gate.conftest import VI_FORM, copy_run


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "json": json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"json://127.0.0.1:{server.server_address[1]}/ddss-hook", received
    server.shutdown()


def test_failing_gate_fires_to_the_webhook_and_the_file(province_run, tmp_path, webhook):
    from dataclasses import replace

    from ddss.gate import gate

    url, received = webhook
    run = province_run(0.05, 2000, **VI_FORM)
    settings = replace(copy_run(run, tmp_path), alert_urls=(url,))
    result = gate(settings, "79", run.validated.run_id)
    assert not result.passed

    records = send(settings, alerts_for("79", run.ingested, result.scorecard))
    assert [r["kind"] for r in records] == ["khong_dat"]
    assert records[0]["delivered"] == {"apprise": True, "channels": 1}
    assert len(received) == 1 and received[0]["path"] == "/ddss-hook"
    message = received[0]["json"]
    assert "KHÔNG ĐẠT" in message["title"] and result.run_id in message["title"]
    for vi, _en in result.scorecard.reasons:
        assert vi in message["message"]
    written = [json.loads(line) for line in alerts_file(settings).read_text(encoding="utf-8").splitlines()]
    assert [w["kind"] for w in written] == ["khong_dat"]
    # no personal data from the batch in what left the machine
    from ddss.read import preview_file

    staged = preview_file(run.generated.inbox / "population.csv", 10**9).staged
    text = json.dumps(received, ensure_ascii=False) + alerts_file(settings).read_text(encoding="utf-8")
    assert not any(n in text for n in staged["full_name"].drop_nulls())
    assert not any(i in text for i in staged["person_id"].drop_nulls())


def _dim(dimension, score, dropped, previous=None):
    return SimpleNamespace(dimension=dimension, score=score, dropped=dropped, previous_score=previous, previous_run="r0")


@pytest.mark.parametrize(
    ("passed", "dropped", "rejected", "kinds"),
    [
        (True, False, False, []),  # lawful run: no alert at all
        (False, False, False, ["khong_dat"]),
        (True, True, False, ["score_drop"]),
        (True, False, True, ["file_rejected"]),
    ],
)
def test_which_alerts_a_run_raises(passed, dropped, rejected, kinds):
    dims = [_dim("dung", 0.9 if dropped else 0.99, dropped, 0.99)]
    card = SimpleNamespace(
        run_id="r1",
        passed=passed,
        reasons=[] if passed else [("Tập birth không đạt.", "birth fails.")],
        drop_margin=0.02,
        datasets=lambda: [SimpleNamespace(dataset="birth", dimensions=dims, overall=_dim("overall", 0.9, False))],
    )
    files = [
        SimpleNamespace(status="rejected" if rejected else "loaded", source_file="birth.csv", reason_vi="hỏng", reason_en="bad")
    ]
    ingested = SimpleNamespace(batch_id="b1", files=files)
    assert [a.kind for a in alerts_for("79", ingested, card)] == kinds


def test_a_dead_channel_is_noted_not_fatal(settings):
    from dataclasses import replace

    dead = replace(settings, alert_urls=(f"json://127.0.0.1:{free_port()}/nobody",))
    card = SimpleNamespace(run_id="r1", passed=False, reasons=[("x", "x")], drop_margin=0.02, datasets=lambda: [])
    records = send(dead, alerts_for("79", None, card))
    assert records[0]["delivered"]["apprise"] is False
    assert alerts_file(dead).exists()
