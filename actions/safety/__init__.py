"""Safety and privacy: crisis language, the private safety check, resources, /forget.

Domain code (crisis matcher, resources, check questions) is plain Python, testable
without Rasa; the Rasa actions live in `actions.safety.actions` and `actions.privacy.forget`.
"""
