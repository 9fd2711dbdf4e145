"""Local Telegram server checked with the real PTB Bot / Application and the control client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from local_telegram import (
    BOT_ID,
    ButtonGone,
    LocalTelegram,
    LocalTelegramError,
    LocalTelegramServer,
    buttons,
)
from local_telegram.chat import LocalChat

TOKEN = "123456:TEST-token"
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("I'm in", callback_data="in"),
            InlineKeyboardButton("Not now", callback_data="later"),
        ]
    ]
)


@pytest.fixture()
def server() -> Iterator[LocalTelegramServer]:
    with LocalTelegramServer() as running:
        yield running


@pytest.fixture()
def tg(server: LocalTelegramServer) -> Iterator[LocalTelegram]:
    with LocalTelegram(server.url) as client:
        yield client


def with_bot(server: LocalTelegramServer, body: Callable[[Bot], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with Bot(
            TOKEN, base_url=server.bot_base_url, base_file_url=server.file_base_url
        ) as bot:
            return await body(bot)

    return asyncio.run(main())


def started_user(tg: LocalTelegram, name: str = "Alex") -> dict[str, Any]:
    return tg.create_user(name, started=True)


def test_health_and_get_me(server: LocalTelegramServer, tg: LocalTelegram) -> None:
    assert tg.health() == {"ok": True}
    me = with_bot(server, lambda bot: bot.get_me())
    assert me.id == BOT_ID and me.is_bot
    assert me.username == "TalkingStickBot" and me.first_name == "Talking Stick"
    assert me.can_join_groups and me.can_read_all_group_messages
    assert me.supports_inline_queries is False


def test_send_message_with_inline_keyboard(server: LocalTelegramServer, tg: LocalTelegram) -> None:
    alex = started_user(tg)
    after = tg.last_seq()

    async def body(bot: Bot) -> Any:
        first = await bot.send_message(alex["id"], "Ready?", reply_markup=KEYBOARD)
        second = await bot.send_message(
            alex["id"],
            "<b>Hi</b> &amp; welcome",
            parse_mode="HTML",
            reply_parameters=ReplyParameters(first.message_id),
            disable_notification=True,
        )
        return first, second

    first, second = with_bot(server, body)
    assert first.chat.id == alex["id"] and first.from_user.id == BOT_ID
    assert first.reply_markup == KEYBOARD
    assert isinstance(first.date.timestamp(), float)
    assert second.message_id == first.message_id + 1
    assert second.text == "Hi & welcome" and second.entities[0].type == "bold"
    assert second.reply_to_message.message_id == first.message_id

    items = tg.sent(alex["id"], after=after)
    assert [i["method"] for i in items] == ["sendMessage", "sendMessage"]
    assert buttons(items[0]) == [("I'm in", "in"), ("Not now", "later")]
    assert items[1]["parse_mode"] == "HTML" and items[1]["text"] == "<b>Hi</b> &amp; welcome"
    assert items[1]["plain_text"] == "Hi & welcome"
    assert items[0]["received_at"] <= time.time()
    assert tg.wait_for_text(alex["id"], "welcome", after=after)["seq"] == items[1]["seq"]
    assert tg.message(alex["id"], first.message_id)["reply_markup"]["inline_keyboard"]


def test_get_updates_long_poll_wakes_on_control_message(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex = tg.create_user("Alex")

    async def body(bot: Bot) -> tuple[list[Update], float, list[Update]]:
        async def send_later() -> float:
            await asyncio.sleep(0.3)
            sent_at = time.perf_counter()
            await asyncio.to_thread(tg.send, alex["id"], alex, "/start@TalkingStickBot hi")
            return sent_at

        sender = asyncio.create_task(send_later())
        updates = await bot.get_updates(timeout=10)
        returned_at = time.perf_counter()
        latency = returned_at - await sender
        again = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        return list(updates), latency, list(again)

    updates, latency, again = with_bot(server, body)
    assert latency < 0.5
    message = updates[0].message
    assert message is not None and message.text == "/start@TalkingStickBot hi"
    assert message.from_user.id == alex["id"] and message.chat.type == "private"
    command = message.entities[0]
    assert (command.type, command.offset, command.length) == ("bot_command", 0, 22)
    assert again == []
    stats = tg.stats()
    assert stats["updates_created"] == 1 and stats["updates_fetched"] == 1
    assert stats["get_updates_calls"] == 2


def test_callback_queries_by_two_users_and_removed_keyboard(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex, sam = tg.create_user("Alex"), tg.create_user("Sam")
    group = tg.create_group("Us", [alex, sam])

    async def send(bot: Bot) -> Any:
        await bot.get_updates(offset=-1)
        return await bot.send_message(group["id"], "Start?", reply_markup=KEYBOARD)

    sent = with_bot(server, send)
    first = tg.press(group["id"], alex, sent.message_id, data="in")
    second = tg.press(group["id"], sam, sent.message_id, button_text="Not now")
    twice = tg.press(group["id"], alex, sent.message_id, data="in")
    assert first["callback_query_id"] != second["callback_query_id"]

    async def handle(bot: Bot) -> list[Any]:
        updates = await bot.get_updates(offset=first["update_id"], timeout=1)
        assert [u.update_id for u in updates] == [
            first["update_id"],
            second["update_id"],
            twice["update_id"],
        ]
        queries = [u.callback_query for u in updates if u.callback_query]
        await queries[0].answer("Noted")
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await queries[0].answer()
        await bot.edit_message_reply_markup(group["id"], sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match="(?i)not modified"):
            await bot.edit_message_reply_markup(group["id"], sent.message_id, reply_markup=None)
        return queries

    queries = with_bot(server, handle)
    assert [q.data for q in queries] == ["in", "later", "in"]
    assert [q.from_user.id for q in queries] == [alex["id"], sam["id"], alex["id"]]
    assert queries[0].message.message_id == sent.message_id
    assert queries[0].message.reply_markup == KEYBOARD
    assert queries[0].chat_instance == queries[1].chat_instance
    with pytest.raises(ButtonGone):
        tg.press(group["id"], alex, sent.message_id, data="in")
    answer = tg.wait_for(group["id"], lambda i: i["method"] == "answerCallbackQuery")
    assert answer["text"] == "Noted" and answer["callback_query_id"] == first["callback_query_id"]
    assert tg.message(group["id"], sent.message_id)["reply_markup"] is None


def test_edit_message_text_without_markup_removes_keyboard(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex = started_user(tg)

    async def body(bot: Bot) -> Any:
        sent = await bot.send_message(alex["id"], "Pick", reply_markup=KEYBOARD)
        edited = await bot.edit_message_text("Picked", alex["id"], sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("Picked", alex["id"], sent.message_id)
        await bot.delete_message(alex["id"], sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message to delete not found"):
            await bot.delete_message(alex["id"], sent.message_id)
        return sent, edited

    sent, edited = with_bot(server, body)
    assert edited.text == "Picked" and edited.reply_markup is None and edited.edit_date
    with pytest.raises(ButtonGone):
        tg.press(alex["id"], alex, sent.message_id, data="in")
    methods = [i["method"] for i in tg.sent(alex["id"])]
    assert methods == ["sendMessage", "editMessageText", "deleteMessage"]


def test_send_document_upload_download_and_file_id(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex = started_user(tg)
    content = "Our agreement ♥\nwe listen first\n".encode()

    async def body(bot: Bot) -> Any:
        doc = await bot.send_document(
            alex["id"], InputFile(content, filename="agreement.txt"), caption="Your summary"
        )
        assert doc.document is not None
        downloaded = await (await doc.document.get_file()).download_as_bytearray()
        again = await bot.send_document(alex["id"], doc.document.file_id)
        photo = await bot.send_photo(alex["id"], io.BytesIO(_tiny_png()), caption="pic")
        return doc, bytes(downloaded), again, photo

    doc, downloaded, again, photo = with_bot(server, body)
    assert doc.document.file_name == "agreement.txt"
    assert doc.document.mime_type == "text/plain" and doc.document.file_size == len(content)
    assert doc.caption == "Your summary" and downloaded == content
    assert again.document.file_id == doc.document.file_id
    assert photo.photo[-1].width == 1 and photo.photo[-1].height == 1
    items = tg.sent(alex["id"])
    assert items[0]["document"]["content_text"] == content.decode()
    assert items[0]["document"]["size"] == len(content) and items[0]["text"] == "Your summary"
    assert items[2]["method"] == "sendPhoto" and items[2]["document"]["size"] > 0


def _tiny_png() -> bytes:
    from local_telegram.files import PLACEHOLDER_PNG

    return PLACEHOLDER_PNG


def test_validation_errors_match_telegram(server: LocalTelegramServer, tg: LocalTelegram) -> None:
    alex = started_user(tg)
    bob = tg.create_user("Bob")

    async def body(bot: Bot) -> None:
        cases: list[tuple[Awaitable[Any], type[Exception], str]] = [
            (bot.send_message(alex["id"], " "), BadRequest, "message text is empty"),
            (bot.send_message(alex["id"], "x" * 4097), BadRequest, "message is too long"),
            (
                bot.send_message(alex["id"], "<b>hi", parse_mode="HTML"),
                BadRequest,
                "can't parse entities",
            ),
            (
                bot.send_message(alex["id"], "Hi.", parse_mode="MarkdownV2"),
                BadRequest,
                "can't parse entities",
            ),
            (
                bot.send_message(
                    alex["id"],
                    "x",
                    reply_markup=InlineKeyboardMarkup(
                        [[InlineKeyboardButton("x", callback_data="y" * 65)]]
                    ),
                ),
                BadRequest,
                "button_data_invalid",
            ),
            (bot.send_message(-999, "x"), BadRequest, "chat not found"),
            (bot.send_message(bob["id"], "x"), Forbidden, "can't initiate conversation"),
            (
                bot.send_message(alex["id"], "x", reply_to_message_id=999),
                BadRequest,
                "message to be replied not found",
            ),
        ]
        for call, error, text in cases:
            with pytest.raises(error) as caught:
                await call
            assert text in str(caught.value).lower()
        ok = await bot.send_message(alex["id"], "*Hi* there\\.", parse_mode="MarkdownV2")
        assert ok.text == "Hi there." and ok.entities[0].type == "bold"
        assert await bot.send_message(alex["id"], "x" * 4096)

    with_bot(server, body)
    unknown = httpx.post(f"{server.bot_base_url}{TOKEN}/sendTelepathy")
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [i["method"] for i in tg.sent(alex["id"])] == ["sendMessage", "sendMessage"]


def test_json_get_and_form_encodings(server: LocalTelegramServer, tg: LocalTelegram) -> None:
    alex = started_user(tg)
    base = f"{server.bot_base_url}{TOKEN}"
    by_json = httpx.post(
        f"{base}/sendMessage",
        json={
            "chat_id": alex["id"],
            "text": "json",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        },
    ).json()
    by_form = httpx.post(f"{base}/sendMessage", data={"chat_id": str(alex["id"]), "text": "form"})
    by_get = httpx.get(f"{base}/getMe").json()
    assert by_json["ok"] and by_json["result"]["reply_markup"]["inline_keyboard"][0][0]["text"]
    assert by_form.json()["result"]["text"] == "form"
    assert by_get["result"]["id"] == BOT_ID
    bad = httpx.post(f"{base}/sendMessage", data={"chat_id": str(alex["id"]), "text": ""}).json()
    assert bad == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message text is empty",
    }


def test_privacy_mode_withholds_plain_group_messages(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex, sam = tg.create_user("Alex"), tg.create_user("Sam")
    group = tg.create_group("Us", [alex, sam])
    tg.set_bot_can_read_all(False)
    assert with_bot(server, lambda bot: bot.get_me()).can_read_all_group_messages is False
    gid = group["id"]

    plain = tg.send(gid, alex, "just chatting")
    command = tg.send(gid, alex, "/start")
    other_bot = tg.send(gid, alex, "/start@SomeOtherBot")
    mention = tg.send(gid, sam, "hey @TalkingStickBot")
    sticker = tg.send(gid, sam, kind="sticker")
    assert [plain["delivered"], command["delivered"], other_bot["delivered"]] == [
        False,
        True,
        False,
    ]
    assert plain["update_id"] is None and mention["delivered"] and not sticker["delivered"]

    bot_message = with_bot(server, lambda bot: bot.send_message(gid, "Talk to me"))
    reply = tg.send(gid, sam, "ok", reply_to_message_id=bot_message.message_id)
    reply_to_human = tg.send(gid, sam, "ok", reply_to_message_id=plain["message_id"])
    assert reply["delivered"] and not reply_to_human["delivered"]
    withheld = tg.undelivered(gid)
    assert [w["message_id"] for w in withheld] == [
        plain["message_id"],
        other_bot["message_id"],
        sticker["message_id"],
        reply_to_human["message_id"],
    ]

    tg.set_bot_status(gid, "administrator")
    assert tg.send(gid, alex, "now you see me")["delivered"]
    tg.set_bot_status(gid, "member")
    keyboard_message = with_bot(
        server, lambda bot: bot.send_message(gid, "Pick", reply_markup=KEYBOARD)
    )
    assert tg.press(gid, sam, keyboard_message.message_id, data="in")["update_id"]


def test_groups_members_and_chat_member_updates(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex, sam, robin = (tg.create_user(n) for n in ("Alex", "Sam", "Robin"))
    group = tg.create_group("Alex & Sam", [alex, sam], type="supergroup")
    assert group["id"] < 0 and group["type"] == "supergroup" and group["bot_status"] == "member"
    joined = tg.add_member(group["id"], robin)
    status = tg.set_bot_status(group["id"], "administrator")

    async def body(bot: Bot) -> Any:
        updates = await bot.get_updates(timeout=1)
        admins = await bot.get_chat_administrators(group["id"])
        count = await bot.get_chat_member_count(group["id"])
        member = await bot.get_chat_member(group["id"], robin["id"])
        chat = await bot.get_chat(group["id"])
        assert await bot.leave_chat(group["id"])
        with pytest.raises(Forbidden, match="(?i)not a member"):
            await bot.send_message(group["id"], "still here?")
        return updates, admins, count, member, chat

    updates, admins, count, member, chat = with_bot(server, body)
    added, bot_joined, robin_joined, promoted = updates
    assert added.my_chat_member.new_chat_member.status == "member"
    assert added.my_chat_member.old_chat_member.status == "left"
    assert added.my_chat_member.from_user.id == alex["id"]
    assert bot_joined.message.new_chat_members[0].id == BOT_ID
    assert robin_joined.update_id == joined["update_id"]
    assert robin_joined.message.new_chat_members[0].id == robin["id"]
    assert promoted.update_id == status["update_id"]
    assert promoted.my_chat_member.new_chat_member.status == "administrator"
    assert {a.user.id for a in admins} == {alex["id"], BOT_ID}
    assert count == 4 and member.status == "member" and chat.title == "Alex & Sam"


def test_fault_injection(server: LocalTelegramServer, tg: LocalTelegram) -> None:
    alex = started_user(tg)
    tg.inject_fault("sendMessage", 429, retry_after=7, chat_id=alex["id"])
    tg.inject_fault("sendMessage", 502, times=1)
    tg.inject_fault("sendChatAction", "delay", delay=0.3)

    async def body(bot: Bot) -> float:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(alex["id"], "one")
        assert caught.value.retry_after in (7, dtm.timedelta(seconds=7))
        with pytest.raises(NetworkError):
            await bot.send_message(alex["id"], "two")
        await bot.send_message(alex["id"], "three")
        started = time.perf_counter()
        await bot.send_chat_action(alex["id"], "typing")
        return time.perf_counter() - started

    delayed = with_bot(server, body)
    assert delayed >= 0.3
    assert [(i["method"], i["text"]) for i in tg.sent(alex["id"])] == [
        ("sendMessage", "three"),
        ("sendChatAction", None),
    ]
    assert tg.stats()["faults_served"] == 2
    tg.inject_fault("sendMessage", 500, times=3)
    tg.clear_faults()
    assert with_bot(server, lambda bot: bot.send_message(alex["id"], "four")).text == "four"


def test_sent_long_poll_and_wait_for_timeout(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex = started_user(tg)
    after = tg.last_seq()

    async def body(bot: Bot) -> list[dict[str, Any]]:
        waiter = asyncio.create_task(asyncio.to_thread(tg.sent, alex["id"], after, 5, 2))
        await asyncio.sleep(0.2)
        await bot.send_message(alex["id"], "a")
        await bot.send_message(alex["id"], "b")
        return await waiter

    items = with_bot(server, body)
    assert [i["text"] for i in items] == ["a", "b"]
    with pytest.raises(AssertionError, match="'a'"):
        tg.wait_for_text(alex["id"], "never said", after=after, timeout=0.3)


def test_user_edits_media_and_commands(server: LocalTelegramServer, tg: LocalTelegram) -> None:
    alex = tg.create_user("Alex", username="alex")
    sent = tg.send(alex["id"], alex, "helo")
    edit = tg.edit(alex["id"], alex, sent["message_id"], "hello")
    doc = tg.send(
        alex["id"], alex, kind="document", file_name="n.txt", content="notes", caption="see"
    )
    tg.send(alex["id"], alex, kind="photo")
    tg.send(alex["id"], alex, kind="voice")

    async def body(bot: Bot) -> Any:
        updates = await bot.get_updates()
        await bot.set_my_commands([("start", "Begin"), ("help", "Help")])
        commands = await bot.get_my_commands()
        document = updates[2].message.document if updates[2].message else None
        assert document is not None
        content = await (await document.get_file()).download_as_bytearray()
        return updates, commands, bytes(content)

    updates, commands, content = with_bot(server, body)
    assert updates[1].edited_message.text == "hello" and updates[1].update_id == edit["update_id"]
    assert updates[2].message.caption == "see" and content == b"notes"
    assert updates[2].update_id == doc["update_id"]
    assert updates[3].message.photo and updates[4].message.voice
    assert [c.command for c in commands] == ["start", "help"]
    assert [c["command"] for c in tg.commands()["default"]] == ["start", "help"]
    with pytest.raises(LocalTelegramError) as caught:
        tg.send(-5, alex, "nowhere")
    assert caught.value.status == 404


def test_real_application_polling_round_trip(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    """PTB Application with handlers, run_polling-style, driven only through the client."""
    alex, sam = tg.create_user("Alex"), tg.create_user("Sam")
    group = tg.create_group("Us", [alex, sam])

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome! Ready?", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.from_user is not None
        await query.answer()
        await query.edit_message_text(f"{query.from_user.first_name} chose {query.data}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("heard you")

    async def main() -> None:
        app = (
            Application.builder()
            .token(TOKEN)
            .base_url(server.bot_base_url)
            .base_file_url(server.file_base_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=10)
            try:
                await asyncio.to_thread(drive)
            finally:
                await app.updater.stop()
                await app.stop()

    def drive() -> None:
        gid = group["id"]
        tg.send(gid, alex, "/start@TalkingStickBot")
        welcome = tg.wait_for_text(gid, "Ready?", timeout=10)
        assert buttons(welcome) == [("I'm in", "in"), ("Not now", "later")]
        tg.press(gid, sam, welcome["message_id"], button_text="I'm in")
        tg.wait_for_text(gid, "Sam chose in", after=welcome["seq"], timeout=10)
        with pytest.raises(ButtonGone):
            tg.press(gid, alex, welcome["message_id"], data="later")
        tg.send(gid, sam, "plain words")
        tg.wait_for_text(gid, "heard you", timeout=10)

    asyncio.run(main())
    methods = [i["method"] for i in tg.sent(group["id"])]
    assert methods == ["sendMessage", "answerCallbackQuery", "editMessageText", "sendMessage"]


def test_local_chat_shows_bot_output_and_presses(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    out = io.StringIO()
    chat = LocalChat(server.url, out=out)
    chat.setup()
    gid = chat.group["id"]
    assert {m["first_name"] for m in chat.group["members"]} == {"Alex", "Sam", "Robin"}
    assert chat.prompt() == "[Alex @ group] > "

    async def body(bot: Bot) -> None:
        await bot.send_message(gid, "Shall we start?", reply_markup=KEYBOARD)
        await bot.send_document(gid, InputFile(b"line one\nline two", filename="notes.txt"))

    with_bot(server, body)
    chat.poll_once(wait=2)
    text = out.getvalue()
    assert "🤖 [group] Shall we start?" in text and "[1] I'm in  [2] Not now" in text
    assert "📎 notes.txt (17 bytes)" in text and "line two" in text

    assert chat.handle(":as sam") and chat.prompt() == "[Sam @ group] > "
    chat.handle(":press 2")
    chat.handle("hello everyone")
    chat.handle(":in private")
    chat.handle(":sticker")
    assert chat.prompt() == "[Sam @ private] > "
    assert chat.handle(":quit") is False

    updates = with_bot(server, lambda bot: bot.get_updates())
    query = next(u.callback_query for u in updates if u.callback_query)
    assert query.data == "later" and query.from_user.first_name == "Sam"
    texts = [u.message.text for u in updates if u.message and u.message.text]
    assert "hello everyone" in texts
    assert any(
        u.message and u.message.sticker and u.message.chat.type == "private" for u in updates
    )
    chat.tg.close()
    chat._poll_client.close()


def test_a_group_upgraded_to_a_supergroup_moves_and_the_old_id_refuses_messages(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex, sam = tg.create_user("Alex"), tg.create_user("Sam")
    group = tg.create_group("Us", [alex, sam])
    moved = tg.migrate_group(group["id"], by=alex)
    new_id = moved["new_chat_id"]
    assert moved["old_chat_id"] == group["id"] and tg.chat(new_id)["type"] == "supergroup"

    async def body(bot: Bot) -> tuple[list[Update], int | None]:
        updates = await bot.get_updates(timeout=0)
        try:
            await bot.send_message(group["id"], "hello")
        except Exception as error:  # PTB's ChatMigrated carries the new id
            return updates, getattr(error, "new_chat_id", None)
        return updates, None

    updates, new_chat_id = with_bot(server, body)
    assert new_chat_id == new_id
    messages = [u.message for u in updates if u.message]
    assert any(m.migrate_to_chat_id == new_id for m in messages)
    assert any(m.migrate_from_chat_id == group["id"] and m.chat.id == new_id for m in messages)
    with pytest.raises(LocalTelegramError):
        tg.send(group["id"], sam, "still here?")


def test_update_ids_restarted_after_a_quiet_week_still_reach_the_bot(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex = started_user(tg)
    first = tg.send(alex["id"], alex, "one")

    async def body(bot: Bot) -> list[int]:
        seen = [u.update_id for u in await bot.get_updates(timeout=0)]
        tg.restart_update_ids(first["update_id"])
        await asyncio.to_thread(tg.send, alex["id"], alex, "two")
        # The offset confirms "one"; "two" has a smaller or equal id but is new.
        seen += [u.update_id for u in await bot.get_updates(offset=seen[-1] + 1, timeout=0)]
        return seen

    seen = with_bot(server, body)
    assert seen[-2:] == [first["update_id"], first["update_id"]]


def test_a_forged_press_carries_data_no_button_has(
    server: LocalTelegramServer, tg: LocalTelegram
) -> None:
    alex = started_user(tg)

    async def body(bot: Bot) -> Update:
        sent = await bot.send_message(alex["id"], "Join?", reply_markup=KEYBOARD)
        await bot.get_updates(timeout=0)
        with pytest.raises(ButtonGone):
            await asyncio.to_thread(tg.press, alex["id"], alex, sent.message_id, data="/other")
        await asyncio.to_thread(
            tg.press, alex["id"], alex, sent.message_id, data="/other", forged=True
        )
        updates = await bot.get_updates(timeout=0)
        return updates[-1]

    update = with_bot(server, body)
    assert update.callback_query is not None and update.callback_query.data == "/other"
    assert update.callback_query.message.reply_markup == KEYBOARD
