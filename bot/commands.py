"""Telegram commands and the Rasa intents they stand for (commands skip NLU entirely)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    intent: str
    description: str
    argument_entity: str | None = None  # text after the command goes into this entity


COMMANDS: tuple[Command, ...] = (
    Command(
        "talk", "start_statement", "Say something hard, well: describe, feel, request", "topic"
    ),
    Command(
        "roundrobin", "start_round_robin", "Take turns: five uninterrupted minutes each", "topic"
    ),
    Command("done", "finish_turn", "Pass the floor before your time is up"),
    Command("pause", "request_pause", "Stop now and agree when to come back"),
    Command("resume", "resume", "Come back to where you paused"),
    Command("cancel", "cancel", "End the current exercise"),
    Command("escalation", "show_escalation", "Your escalation steps"),
    Command("export", "export_data", "Get your couple's saved data as a file"),
    Command("forget", "forget_data", "Delete your data (asks first)"),
    Command("timezone", "set_timezone", "Change your couple's time zone", "timezone"),
    Command("start", "start", 'Set up: the two of you press "I\'m in"', "start_param"),
    Command("help", "help", "What I do and how to use me"),
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
