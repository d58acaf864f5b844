"""Registration channels: how each volunteer came into a pool, stated once.

The database's check constraint, the use cases, the dashboard's assisted registration
form and the reading of a pool file's channel column all take them from here.
"""

from __future__ import annotations

from quotas.model import normalise

#: Every channel a volunteer can have registered through ("file": a partner's pool file;
#: "online": the public registration page; "paper": a printed form typed in by a partner).
CHANNELS = ("file", "online", "phone", "in_person", "mail", "paper")
#: The channels of a registration someone assists, one person at a time; the first is usual.
ASSISTED_CHANNELS = ("phone", "in_person", "mail", "online")
# A word of a file's channel column and the channel it names; the first word found wins.
_WORDS = (
    ("online", "online"),
    ("web", "online"),
    ("phone", "phone"),
    ("person", "in_person"),
    ("mail", "mail"),
    ("letter", "mail"),
    ("paper", "paper"),
)


def channel_of(text: str, default: str) -> str:
    """The channel a pool file's channel cell names, or ``default`` when it names none.

    >>> channel_of("In person with assistance", "file"), channel_of("?", "file")
    ('in_person', 'file')
    """
    key = normalise(text)
    return next((channel for word, channel in _WORDS if word in key), default)
