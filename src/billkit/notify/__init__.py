"""Notifiers: what delivers the engine's outbox messages to people and systems.

Every notifier implements :class:`billkit.ports.Notifier` (one method,
``deliver(message)``) and may be handed a message more than once (the
outbox delivers at least once): each message carries its de-duplication
``key``.

* :class:`MemoryNotifier`: keeps the messages (tests, notebooks), each key once;
* :class:`SmtpNotifier`: e-mail through the standard library's ``smtplib``,
  plain text and HTML, in the customer's language;
* :class:`WebhookNotifier`: a signed POST (Standard Webhooks) to an app's URL;
* :class:`Channels`: routes each message to the notifier of its channel.

Each topic has a category (:data:`billkit.ports.CATEGORIES`); a business and
each customer choose the channels (:data:`billkit.ports.CHANNELS`) per
category, and the engine queues one message per chosen channel.

:func:`compose` writes the subject and bodies of a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # pragma: no cover
    from billkit.notify.senders import (
        Channels,
        MemoryNotifier,
        SmtpNotifier,
        WebhookNotifier,
        compose,
    )

__all__ = [
    "Channels",
    "MemoryNotifier",
    "SmtpNotifier",
    "WebhookNotifier",
    "compose",
]

_EXPORTS = {name: "billkit.notify.senders" for name in __all__}
__getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)
