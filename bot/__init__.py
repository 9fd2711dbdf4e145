"""The Telegram side: relays updates to Rasa, sends Rasa's answers, fires durable timers."""
