"""Terminal "local chat": try the bot without Telegram, as Alex, Sam or Robin.

    python -m local_telegram.chat --control-url http://127.0.0.1:8081

Typed text is sent as the current person in the current chat; lines starting with ``:`` are
local commands (``:help``). Bot output from every chat is printed as it arrives.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

import httpx

from .client import ButtonGone, LocalTelegram, LocalTelegramError, buttons

JSON = dict[str, Any]
PEOPLE = ("Alex", "Sam", "Robin")  # the couple, and an observer
HELP = """\
  text          send as the current person in the current chat
  :as NAME      switch person: alex | sam | robin
  :in WHERE     switch chat: group | private (the current person's chat with the bot)
  :press N      press button N of the newest bot message with buttons in this chat
  :sticker      send a sticker          :photo   send a photo
  :help         this help               :quit    leave (Ctrl-D / Ctrl-C work too)
  Like on Telegram, the bot can only write to you privately after you wrote to it there."""
PREVIEW_CHARS = 300


class LocalChat:
    def __init__(
        self,
        control_url: str,
        out: TextIO = sys.stdout,
        read_line: Callable[[str], str] = input,
    ) -> None:
        self.tg = LocalTelegram(control_url)
        self._poll_client = LocalTelegram(control_url)  # the poller thread's own connection
        self.out = out
        self.read_line = read_line
        self.people: dict[str, JSON] = {}
        self.group: JSON = {}
        self.person = "alex"
        self.where = "group"
        self.keyboards: dict[int, dict[int, list[tuple[str, str | None]]]] = {}
        self.cursor = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._at_prompt = False

    # --- setup and loop ------------------------------------------------------------------

    def setup(self) -> None:
        self.tg.health()
        self.cursor = self.tg.last_seq()
        for name in PEOPLE:
            self.people[name.lower()] = self.tg.create_user(name, username=f"{name.lower()}_local")
        members = [self.people[name.lower()] for name in PEOPLE]
        self.group = self.tg.create_group("Alex & Sam", members)

    def run(self) -> None:
        self.setup()
        self.emit("Local chat: you are in the group 'Alex & Sam' with the bot. :help for help.")
        poller = threading.Thread(target=self._poll, name="local-chat-poller", daemon=True)
        poller.start()
        try:
            while True:
                with self._lock:
                    self._at_prompt = True
                try:
                    line = self.read_line(self.prompt())
                except (EOFError, KeyboardInterrupt):
                    self.out.write("\n")
                    break
                finally:
                    with self._lock:
                        self._at_prompt = False
                if not self.handle(line.strip()):
                    break
        finally:
            self._stop.set()
            poller.join(timeout=2)
            self.tg.close()
            self._poll_client.close()

    def prompt(self) -> str:
        return f"[{self.person.capitalize()} @ {self.where}] > "

    @property
    def chat_id(self) -> int:
        return int(self.group["id"]) if self.where == "group" else self.me["id"]

    @property
    def me(self) -> JSON:
        return self.people[self.person]

    def label(self, chat_id: int | None) -> str:
        if chat_id == self.group.get("id"):
            return "group"
        for user in self.people.values():
            if user["id"] == chat_id:
                return f"{user['first_name']} (private)"
        return str(chat_id)

    def emit(self, text: str) -> None:
        with self._lock:
            clear = "\r\033[K" if self.out.isatty() else ""
            self.out.write(f"{clear}{text}\n")
            if self._at_prompt and clear:
                self.out.write(self.prompt())
            self.out.flush()

    # --- input ---------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Act on one input line; False means quit."""
        if not line:
            return True
        try:
            if line.startswith(":"):
                return self.command(line[1:].split())
            self.send(text=line)
        except LocalTelegramError as exc:
            self.emit(f"  ! {exc.error}")
        return True

    def command(self, words: list[str]) -> bool:
        name, args = (words[0].lower(), words[1:]) if words else ("help", [])
        if name in ("quit", "q", "exit"):
            return False
        if name == "as" and args and args[0].lower() in self.people:
            self.person = args[0].lower()
        elif name == "in" and args and args[0].lower() in ("group", "private"):
            self.where = args[0].lower()
        elif name == "press" and args and args[0].isdigit():
            self.press(int(args[0]))
        elif name in ("sticker", "photo"):
            self.send(kind=name)
        else:
            self.emit(HELP)
        return True

    def send(self, text: str | None = None, kind: str = "text") -> None:
        result = self.tg.send(self.chat_id, self.me, text, kind=kind)
        if not result["delivered"]:
            self.emit("  (the bot does not see this message: privacy mode)")

    def press(self, number: int) -> None:
        keyboards = self.keyboards.get(self.chat_id, {})
        if not keyboards:
            self.emit("  (no bot message with buttons in this chat)")
            return
        message_id = max(keyboards)
        choices = keyboards[message_id]
        if not 1 <= number <= len(choices):
            self.emit(f"  (choose a button from 1 to {len(choices)})")
            return
        text, data = choices[number - 1]
        try:
            self.tg.press(self.chat_id, self.me, message_id, data=data, button_text=text)
        except ButtonGone:
            self.emit("  (that button is gone)")

    # --- bot output ----------------------------------------------------------------------

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait=1)
            except Exception as exc:  # server gone or client closed: report once, then stop
                if not self._stop.is_set():
                    self.emit(f"  ! lost the local telegram server: {exc}")
                return

    def poll_once(self, wait: float = 0) -> None:
        """Print bot output that arrived since the last poll (waiting up to ``wait`` s)."""
        page = self._poll_client.sent_page(after=self.cursor, wait=wait)
        for item in page["items"]:
            self.cursor = max(self.cursor, item["seq"])
            self.track(item)
            text = self.render(item)
            if text:
                self.emit(text)

    def track(self, item: JSON) -> None:
        """Remember which bot messages currently carry buttons, for :press."""
        chat = self.keyboards.setdefault(item.get("chat_id") or 0, {})
        message_id = item.get("message_id")
        if message_id is None or item["method"] in ("answerCallbackQuery", "sendChatAction"):
            return
        found = buttons(item)
        if found and item["method"] != "deleteMessage":
            chat[message_id] = found
        else:
            chat.pop(message_id, None)

    def render(self, item: JSON) -> str | None:
        method = item["method"]
        head = f"🤖 [{self.label(item.get('chat_id'))}]"
        text = item.get("plain_text") or item.get("text") or ""
        lines: list[str] = []
        if method == "sendMessage":
            lines.append(f"{head} {text}")
        elif method in ("editMessageText", "editMessageCaption"):
            lines.append(f"{head} ✏️ (edited #{item['message_id']}) {text}")
        elif method == "editMessageReplyMarkup":
            change = "changed" if buttons(item) else "removed"
            lines.append(f"{head} (buttons {change} on #{item['message_id']})")
        elif method == "deleteMessage":
            lines.append(f"{head} (deleted message #{item['message_id']})")
        elif method in ("sendDocument", "sendPhoto"):
            lines.extend(self.render_file(head, item))
        elif method == "answerCallbackQuery" and text:
            lines.append(f"{head} (popup) {text}")
        if not lines:
            return None
        choices = buttons(item)
        if choices:
            lines.append("   " + "  ".join(f"[{i}] {t}" for i, (t, _) in enumerate(choices, 1)))
        return "\n".join(lines)

    @staticmethod
    def render_file(head: str, item: JSON) -> list[str]:
        document = item.get("document") or {}
        name = document.get("file_name") or "photo"
        icon = "🖼" if item["method"] == "sendPhoto" else "📎"
        lines = [f"{head} {icon} {name} ({document.get('size', 0)} bytes)"]
        caption = item.get("plain_text") or item.get("text")
        if caption:
            lines.append(f"   {caption}")
        preview = document.get("content_text")
        if preview and item["method"] == "sendDocument":
            short = preview[:PREVIEW_CHARS] + ("…" if len(preview) > PREVIEW_CHARS else "")
            lines.extend(f"   │ {line}" for line in short.splitlines())
        return lines


def run_local_chat(control_url: str) -> None:
    LocalChat(control_url).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Chat with the bot through local telegram")
    parser.add_argument("--control-url", default="http://127.0.0.1:8081")
    args = parser.parse_args(argv)
    try:
        run_local_chat(args.control_url)
    except KeyboardInterrupt:
        pass
    except LocalTelegramError as exc:
        sys.exit(f"local telegram refused: {exc}")
    except (OSError, httpx.HTTPError) as exc:
        sys.exit(f"cannot reach local telegram at {args.control_url}: {exc}")


if __name__ == "__main__":
    main()
