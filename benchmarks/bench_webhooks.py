"""How fast is verifying and parsing a signed webhook, against bare hmac + json.loads?

20 000 Standard Webhooks messages (payment events of about 300 bytes, each
with its own id, all within the five-minute tolerance) are verified and
decoded:

* **billkit**: :meth:`billkit.payments.WebhookVerifier.parse`: header look-up,
  timestamp check, HMAC-SHA256 compared in constant time against every
  signature in the header, replay memory, ``json.loads``;
* **baseline**: the bare minimum on the same messages: ``hmac.new`` over
  ``id.timestamp.body``, base64, ``hmac.compare_digest`` with the header's
  one signature, ``json.loads``;
* **typed events** (for information): the sandbox gateway's
  ``parse_webhook``, which also builds a typed ``GatewayEvent``.

Both paths must accept every message (checked before timing). Rounds
alternate so a noisy neighbour slows both alike; medians are reported.
Target: billkit at most 2x the baseline.

Run: ``python benchmarks/bench_webhooks.py [--messages N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import statistics
import time
from datetime import datetime, timedelta, timezone

from billkit.payments import SandboxGateway, WebhookVerifier, decode_secret, sign
from billkit.ports import FixedClock

AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SECRET = "whsec_" + base64.b64encode(b"bench-secret-for-billkit-webhooks").decode()


def messages(n: int) -> list[tuple[dict[str, str], bytes]]:
    out = []
    for i in range(n):
        body = json.dumps(
            {
                "id": f"evt_{i:06d}",
                "type": "payment.succeeded",
                "created": (AT - timedelta(seconds=i % 200)).isoformat(),
                "data": {
                    "payment": f"pay_{i:06d}",
                    "currency": "EUR",
                    "amount": f"{10 + i % 90}.{i % 100:02d}",
                    "customer": f"cus_{i % 977:04d}",
                    "description": "Pro plan, monthly renewal",
                },
            },
            separators=(",", ":"),
        ).encode()
        out.append((sign(SECRET, f"msg_{i:06d}", AT - timedelta(seconds=i % 200), body), body))
    return out


def baseline(batch: list[tuple[dict[str, str], bytes]]) -> int:
    key = decode_secret(SECRET)
    accepted = 0
    for headers, body in batch:
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
        if hmac.compare_digest(expected, headers["webhook-signature"][3:].encode()):
            json.loads(body)
            accepted += 1
    return accepted


def billkit(batch: list[tuple[dict[str, str], bytes]]) -> int:
    verifier = WebhookVerifier(SECRET, clock=FixedClock(AT))  # fresh replay memory per round
    for headers, body in batch:
        verifier.parse(headers, body)
    return len(batch)


def typed(batch: list[tuple[dict[str, str], bytes]]) -> int:
    sandbox = SandboxGateway(clock=FixedClock(AT), secret=SECRET)
    for headers, body in batch:
        sandbox.parse_webhook(headers, body)
    return len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    batch = messages(args.messages)
    assert baseline(batch) == billkit(batch) == typed(batch) == len(batch)
    times: dict[str, list[float]] = {"baseline": [], "billkit": [], "typed": []}
    runs = {"baseline": baseline, "billkit": billkit, "typed": typed}
    for _ in range(args.rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run(batch)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["baseline"])
    print(f"{args.messages} signed webhooks, median of {args.rounds} rounds")
    for name in ("baseline", "billkit", "typed"):
        median = statistics.median(times[name])
        rate = args.messages / median
        print(
            f"  {name:<9} {median * 1000:8.1f} ms  {rate:10,.0f}/s  {median / base:5.2f}x baseline"
        )
    ratio = statistics.median(times["billkit"]) / base
    print(f"billkit verify+parse: {ratio:.2f}x the baseline (target: at most 2x)")


if __name__ == "__main__":
    main()
