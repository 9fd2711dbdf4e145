"""Telegram commands and the Rasa intents they stand for (commands skip NLU entirely)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.texts import COMMAND_MENU


@dataclass(frozen=True)
class Command:
    name: str
    intent: str
    argument_entity: str | None = None  # text after the command goes into this entity

    @property
    def description(self) -> str:
        return COMMAND_MENU[self.name]


COMMANDS: tuple[Command, ...] = (
    Command("talk", "start_statement", "topic"),
    Command("roundrobin", "start_round_robin", "topic"),
    Command("done", "finish_turn"),
    Command("pause", "request_pause"),
    Command("resume", "resume"),
    Command("cancel", "cancel"),
    Command("escalation", "show_escalation"),
    Command("checkin", "start_checkin", "checkin_option"),
    Command("agreements", "show_agreements"),
    Command("lifechange", "life_change"),
    Command("progress", "show_progress"),
    Command("export", "export_data"),
    Command("forget", "forget_data"),
    Command("timezone", "set_timezone", "timezone"),
    Command("start", "start", "start_param"),
    Command("help", "help"),
)

BY_NAME = {command.name: command for command in COMMANDS}


def split_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """Split "/talk@TalkingStickBot the dishes" into ("talk", "the dishes").

    None when the command is addressed to another bot in the group."""
    head, _, rest = text.strip().partition(" ")
    name, _, addressee = head[1:].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return name.lower(), rest.strip()


def as_rasa_payload(command: Command, argument: str) -> str:
    """Rasa's intent syntax: `/intent{"entity": "value"}`; json.dumps keeps any text safe."""
    if command.argument_entity and argument:
        return f"/{command.intent}{json.dumps({command.argument_entity: argument[:200]})}"
    return f"/{command.intent}"
