"""A local stand-in for Robokassa: the payment page's signature check (done
when the tests "visit" the link) and the XML interface ``OpStateExt``, as
documented: ``Result/Code`` 0 (ok), 1 (bad signature), 3 (no such invoice);
``State/Code`` 5 (initiated), 10 (canceled), 50 (paid, being credited),
60 (returned), 100 (paid)."""

from __future__ import annotations

import hashlib
import threading
import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.payments.fakes.server import StartResponse, respond

LOGIN = "billkit-demo"
PASSWORD1 = "pass-one"
PASSWORD2 = "pass-two"

XML = """<?xml version="1.0" encoding="utf-8"?>
<OperationStateResponse xmlns="http://merchant.roboxchange.com/WebService/">
  <Result><Code>{code}</Code><Description>{description}</Description></Result>{rest}
</OperationStateResponse>"""
STATE = """
  <State><Code>{state}</Code><RequestDate>2026-03-01T15:00:00+03:00</RequestDate><StateDate>2026-03-01T15:00:00+03:00</StateDate></State>
  <Info><IncCurrLabel>BankCardPSR</IncCurrLabel><IncSum>{out_sum}</IncSum><IncAccount>548673******1234</IncAccount>
    <PaymentMethod><Code>BankCard</Code><Description>Bank card</Description></PaymentMethod>
    <OutCurrLabel>BankCardPSR</OutCurrLabel><OutSum>{out_sum}</OutSum></Info>"""


def md5(text: str, algorithm: str = "md5") -> str:
    return hashlib.new(algorithm, text.encode()).hexdigest()


class RobokassaFake:
    def __init__(self, algorithm: str = "md5") -> None:
        self.algorithm = algorithm
        self.invoices: dict[str, dict[str, Any]] = {}
        self.requests = 0
        self.slow_next = False
        self.delay = 1.5  # past the tests' client timeout (1 s)
        self._lock = threading.Lock()

    def visit(self, url: str, *, success: bool = True) -> None:
        """The payer opens the link: the page checks its signature, then the payer pays."""
        query = dict(parse_qsl(urlsplit(url).query))
        shp = sorted((k, v) for k, v in query.items() if k.startswith("Shp_"))
        text = ":".join(
            [
                query["MerchantLogin"],
                query["OutSum"],
                query["InvId"],
                PASSWORD1,
                *(f"{k}={v}" for k, v in shp),
            ]
        )
        if query["SignatureValue"].lower() != md5(text, self.algorithm):
            raise AssertionError("Robokassa's page would refuse this link: bad signature")
        declined = dict(shp).get("Shp_card") == "declined" or not success
        self.invoices[query["InvId"]] = {
            "out_sum": f"{Decimal(query['OutSum']):.6f}",  # Robokassa writes six decimals
            "state": "10" if declined else "100",
            "shp": dict(shp),
        }

    def result_url_form(self, inv_id: str, password2: str = PASSWORD2) -> str:
        invoice = self.invoices[inv_id]
        shp = sorted(invoice["shp"].items())
        text = ":".join([invoice["out_sum"], inv_id, password2, *(f"{k}={v}" for k, v in shp)])
        pairs = [
            ("OutSum", invoice["out_sum"]),
            ("InvId", inv_id),
            ("SignatureValue", md5(text, self.algorithm).upper()),
            *shp,
        ]
        return "&".join(f"{k}={v}" for k, v in pairs)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            self.requests += 1
            slow, self.slow_next = self.slow_next, False
        if slow:
            time.sleep(self.delay)
        if not environ["PATH_INFO"].endswith("/OpStateExt"):
            return respond(start_response, 404, "not found", "text/plain")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        inv_id = query.get("InvoiceID", "")
        expected = md5(f"{query.get('MerchantLogin')}:{inv_id}:{PASSWORD2}", self.algorithm)
        if query.get("MerchantLogin") != LOGIN or query.get("Signature", "").lower() != expected:
            body = XML.format(code=1, description="Invalid signature", rest="")
        elif inv_id not in self.invoices:
            body = XML.format(code=3, description="Invoice not found", rest="")
        else:
            invoice = self.invoices[inv_id]
            body = XML.format(code=0, description="", rest=STATE.format(**invoice))
        return respond(start_response, 200, body, "text/xml; charset=utf-8")
