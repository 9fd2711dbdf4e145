"""The bot's own lines: what it says without Rasa (Rasa or the actions are down, a command
it doesn't know, a button pressed twice) and its command menu. Everything else it sends
is rendered by Rasa from domain.yml."""

from __future__ import annotations

ONE_MOMENT = (
    "One moment, please: I'm catching up. I've kept your message "
    "and will answer as soon as I can."
)
UNKNOWN_COMMAND = "I don't know /{name}. /help lists what I can do."
ALREADY_ANSWERED = "This was already answered."  # the note on a button pressed too late
FOREIGN_PRESS = "Sorry, that button doesn't work here."  # a press that is none of our buttons
GAVE_UP = "Sorry, something went wrong on my side. Please try again."  # a press given up on

# Telegram's command menu (setMyCommands), in the order shown.
COMMAND_MENU = {
    "talk": "Say something hard, well: describe, feel, request",
    "roundrobin": "Take turns: five uninterrupted minutes each",
    "done": "Pass the floor before your time is up",
    "pause": "Stop now and agree when to come back",
    "resume": "Come back to where you paused",
    "cancel": "End the current exercise",
    "escalation": "Your escalation steps",
    "checkin": "Three needs, three appreciations, shown together",
    "agreements": "What you agreed, with review dates",
    "lifechange": "Life changed: look at your agreements again",
    "progress": "How you two are doing this quarter, as a chart",
    "export": "Get your couple's saved data as a file",
    "forget": "Delete your data (asks first)",
    "timezone": "Change your couple's time zone",
    "start": 'Set up: the two of you press "I\'m in"',
    "help": "What I do and how to use me",
}
