"""How the bot delivers the chart: a photo with the summary as its caption; a caption over
Telegram's limit follows as a message; a chart for another chat is not sent at all."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.sender import CAPTION_LIMIT, OutgoingMessage, deliver
from storage.couples import couple_for_group
from storage.engine import transaction
from tests.support.factories import form_couple

GROUP = -100130
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PhotoBot:
    """Records what would have gone to Telegram."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, Any]] = []

    async def send_photo(self, chat_id: int, photo: Any, caption: str | None = None) -> None:
        self.sent.append(("photo", chat_id, (photo.input_file_content, caption)))

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        self.sent.append(("message", chat_id, text))


def chart_message(text: str, chat_id: int = GROUP) -> OutgoingMessage:
    with transaction() as session:
        couple_id = couple_for_group(GROUP, session=session).id
    return OutgoingMessage(chat_id, text, chart={"couple_id": couple_id, "quarter": "2026-Q4"})


def test_the_chart_is_one_photo_with_its_caption(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    bot = PhotoBot()
    asyncio.run(deliver(bot, chart_message("Oct–Dec 2026 so far")))  # type: ignore[arg-type]
    [(kind, chat, (png, caption))] = bot.sent
    assert (kind, chat, caption) == ("photo", GROUP, "Oct–Dec 2026 so far")
    assert png.startswith(PNG_SIGNATURE)


def test_a_caption_too_long_for_telegram_follows_the_photo(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    bot = PhotoBot()
    long_text = "\n".join(["• numbers"] * (CAPTION_LIMIT // 9 + 10))
    asyncio.run(deliver(bot, chart_message(long_text)))  # type: ignore[arg-type]
    [photo, message] = bot.sent
    assert photo[0] == "photo" and photo[2][1] is None  # no caption on the photo
    assert message == ("message", GROUP, long_text)


def test_a_chart_asked_for_another_chat_sends_nothing(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    bot = PhotoBot()
    asyncio.run(deliver(bot, chart_message("summary", chat_id=-555)))  # type: ignore[arg-type]
    assert bot.sent == []
