"""Every hop authenticated: the shared secret and its keys, the signed metadata that says
who speaks, and the Rasa input channel that only the bot can use (README, "Security model").

Imported by the bot, the Rasa server (through credentials.yml) and the action server, so it
depends on nothing of ours and on Rasa only in `security.rasa_channel`.
"""
