"""Each provider adapter names the extra that installs its missing package."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from billkit.errors import MissingDependencyError
from billkit.ports import FixedClock

CLOCK = FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc))


def make_yookassa() -> object:
    from billkit.payments.yookassa import YooKassaGateway

    return YooKassaGateway(shop_id="1", secret_key="s")


def make_zarinpal() -> object:
    from billkit.payments.zarinpal import ZarinpalGateway

    return ZarinpalGateway(merchant_id="m", callback_url="https://x.example/", clock=CLOCK)


def robokassa_lookup() -> object:
    from billkit.payments.robokassa import RobokassaGateway

    kassa = RobokassaGateway(merchant_login="m", password1="a", password2="b", clock=CLOCK)
    return kassa.get_payment("1")


@pytest.mark.parametrize(
    ("make", "extra"),
    [(make_yookassa, "yookassa"), (make_zarinpal, "zarinpal"), (robokassa_lookup, "robokassa")],
)
def test_without_httpx_the_error_names_the_extra(
    make: Callable[[], object], extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)
    with pytest.raises(MissingDependencyError, match=rf"py-billkit\[{extra}\]") as caught:
        make()
    assert caught.value.package == "httpx"


def test_importing_billkit_payments_loads_no_provider_library() -> None:
    import subprocess

    code = (
        "import sys, billkit.payments; "
        "print(' '.join(m for m in ('stripe', 'httpx', 'requests') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
