"""Rasa's SQL tracker store, loading only a conversation's recent turns for each message.

Loaded in the Rasa process only (launcher/stack.py names this class in Rasa's endpoints);
nothing else imports it, so the bot never loads Rasa.

Rasa's own store loads every event of the current session for each message, rebuilds the
tracker from them, and its policies then featurize the whole history: a cost that grows with
every message of an evening's conversation (a third of Rasa's CPU per message in
benchmarks/throughput.py, and rising). Talking Stick's dialogue needs none of that history:
there are no slots (the flows keep their state in the couple's database), and every rule is
"this intent → that action" (tests/core/test_dialogue_rules.py). So each message loads the
events since the `RECENT_TURNS`-th last user message of the session, which is more than
Rasa's policies look back (the memoization policy's 5 states).

Everything is still stored: saving appends the events past the ones loaded (Rasa counted
the stored events again for that). A full tracker (`retrieve_full_tracker`: Rasa's API,
exports) is the whole conversation, as before. On SQLite the connections are pooled, as in
storage/engine.py (Rasa's SQLAlchemy 1.4 engine opens a new one per query otherwise).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

RECENT_TURNS = 5
# How many of a tracker's events are in the database: set when it is loaded or saved.
STORED = "_talking_stick_stored_events"


class RecentEventsTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        if engine.dialect.name == "sqlite":
            url = engine.url
            engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=QueuePool, connect_args={"check_same_thread": False}
            )
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _recent_event_query(self, session: Any, sender_id: str) -> Any:
        """The session's events from its `RECENT_TURNS`-th last user message on."""
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        oldest = (
            query.filter(self.SQLEvent.type_name == UserUttered.type_name)
            .order_by(None)
            .order_by(self.SQLEvent.id.desc())
            .with_entities(self.SQLEvent.id)
            .offset(RECENT_TURNS - 1)
            .limit(1)
            .scalar()
        )
        return query if oldest is None else query.filter(self.SQLEvent.id >= oldest)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            rows = self._recent_event_query(session, sender_id).all()
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots
        )
        setattr(tracker, STORED, len(tracker.events))
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Any:
        stored = getattr(tracker, STORED, None)
        if stored is None:  # a new conversation, or a tracker made elsewhere: Rasa's count
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        setattr(tracker, STORED, len(tracker.events))
