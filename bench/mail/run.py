"""What mail costs: (a) the write path's added cost per report submission (the report with its
address, with and without queueing the confirmation mail in the same transaction), p50 of
alternating rounds; (b) worker throughput to a local SMTP sink (aiosmtpd), mails per second.

Usage, from the repository root:
    PYTHONPATH=$PWD .venv/bin/python bench/mail/run.py [--reports 300] [--mails 1000]
Starts a throwaway PostGIS cluster of its own (like the tests); needs aiosmtpd (test extras).
Targets (issue 14): ≤ 2 ms p50 added per report, ≥ 50 mails/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.config import Settings  # noqa: E402
from app.database import make_engine  # noqa: E402
from app.embedded import EmbeddedPostgres, find_pg_bin  # noqa: E402
from app.mail import events, service  # noqa: E402
from app.mail.worker import MailWorker  # noqa: E402
from app.municipalities import boundary_import  # noqa: E402
from app.scoring import flows  # noqa: E402
from app.vacancies.report_schemas import ReportCreate  # noqa: E402
from tests.helpers.participation import report_body  # noqa: E402
from tests.helpers.server import free_port  # noqa: E402
from tests.helpers.smtp import smtp_server  # noqa: E402

MAIL_STEP: list[float] = []  # ms of the mail step alone, inside the report's transaction


def submit(engine, n: int, with_mail: bool) -> float:
    """ms for one report with an address, stored and committed (with or without its mail)."""
    email = f"bench{n}-{int(with_mail)}@example.org"
    report = ReportCreate.model_validate(report_body(dlon=0.0001 * (n % 40), dlat=0.00007 * (n // 40),
                                                     email=email, consent=True))
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        vacancy, _, _ = flows.submit_report(session=session, report=report)
        if with_mail:
            step = time.perf_counter()
            events.report_submitted(session=session, vacancy=vacancy, email=email, days=7,
                                    base_url="https://leerstand.example")
            MAIL_STEP.append((time.perf_counter() - step) * 1000)
    return (time.perf_counter() - started) * 1000


def write_cost(engine, reports: int) -> tuple[float, float]:
    without, with_mail = [], []
    for n in range(reports):  # alternating: drift of the machine hits both alike
        without.append(submit(engine, n, False))
        with_mail.append(submit(engine, n, True))
    return statistics.median(without), statistics.median(with_mail)


def post_cost(url: str, reports: int) -> tuple[float, float]:
    """p50 ms of ``POST /api/v1/reports`` in process (TestClient, the whole app): without an
    address and with one (its confirmation mail queued in the request's transaction)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    settings = Settings(_env_file=None, database_url=url, secret_key="bench-" + "x" * 40,
                        public_posts_per_hour=1_000_000, mail_worker=False)
    without, with_mail = [], []
    with TestClient(create_app(settings)) as client:
        for n in range(-1, reports):  # n = -1 warms up
            for times, extra in ((without, {}),
                                 (with_mail, {"email": f"post{n}@example.org", "consent": True})):
                body = report_body(dlon=0.0001 * (n % 40), dlat=-0.00007 * (n // 40 + 1), **extra)
                started = time.perf_counter()
                response = client.post("/api/v1/reports", json=body)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 201, response.text
                if n >= 0:
                    times.append(elapsed)
    return statistics.median(without), statistics.median(with_mail)


def throughput(engine, url: str, mails: int) -> float:
    with Session(engine) as session, session.begin():
        for n in range(mails):
            service.enrol(session=session, email=f"sink{n}@example.org", what="report", days=7,
                          base_url="https://leerstand.example")
    with smtp_server() as (sink, port):
        settings = Settings(_env_file=None, database_url=url, secret_key="bench-" + "x" * 40,
                            smtp_url=f"smtp://127.0.0.1:{port}")
        worker = MailWorker(engine=engine, settings=settings)
        started = time.perf_counter()
        sent = worker.deliver_due()
        elapsed = time.perf_counter() - started
        # the write-cost rounds queued confirmation mails too: all of them are sent
        assert sent >= mails and len(sink.messages) == sent, (sent, len(sink.messages))
    print(f"worker: {sent} mails in {elapsed:.2f} s", flush=True)
    return sent / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--mails", type=int, default=1000)
    args = parser.parse_args()
    cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="leerstand-bench-")), free_port(),
                               find_pg_bin())
    cluster.start()
    try:
        url = cluster.url()
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            boundary_import.import_boundaries(session=session)
        submit(engine, 10_000, True)  # warm up
        without, with_mail = write_cost(engine, args.reports)
        print(f"report submission p50: {without:.2f} ms without mail, {with_mail:.2f} ms with "
              f"the confirmation mail queued: {with_mail - without:+.2f} ms (target ≤ 2 ms)",
              flush=True)
        print(f"the mail step alone (render + one INSERT, inside the report's transaction) p50: "
              f"{statistics.median(MAIL_STEP[1:]):.2f} ms", flush=True)
        without, with_mail = post_cost(url, args.reports)
        print(f"POST /api/v1/reports p50: {without:.2f} ms without an address, {with_mail:.2f} ms "
              f"with one: {with_mail - without:+.2f} ms (target ≤ 2 ms)", flush=True)
        rate = throughput(engine, url, args.mails)
        print(f"worker: {rate:.0f} mails/s to a local aiosmtpd sink (target ≥ 50)")
        engine.dispose()
    finally:
        cluster.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
