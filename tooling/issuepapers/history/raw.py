"""What git records, read whatever it holds: dates, identities and messages of commits and tags.

git stores a date as `<seconds since the epoch> <±HHMM>` and an identity as
`Name <email> <date>`, and checks neither strictly: `git hash-object
--literally`, old importers and hand-written objects give names with control
characters or bytes that are not UTF-8, time zones such as `+9959`, `+99999`
or none at all, timestamps past the year 9999, no author line. Everything
here reads such records without failing:

* text is decoded as UTF-8 with undecodable bytes replaced, and made one line
  of printable text (controls and line breaks become spaces, `fields.one_line`):
  nothing a commit holds can move a terminal's cursor or forge a line of output;
* a time zone that is not `±HHMM` with hours below 24 and minutes below 60 is
  read as UTC (the instant is kept: only the offset it is shown in is lost);
* a timestamp is clamped to 1970-01-01 … 2106-02-07 (0 … 2³²-1 seconds): git
  stores no earlier date, and later ones are past what the outputs' formats hold
  (gzip's 32-bit time in MkDocs' sitemap, say; Python's dates end in 9999);
* a date git cannot read at all is None: the caller falls back (the committer's
  date for a commit's author date, the commit's date for a tag's).
"""

from __future__ import annotations

import datetime as dt
import re

from ..fields import one_line

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
LATEST = 2**32 - 1  # seconds: 2106-02-07T06:28:15Z
_RAW_DATE = re.compile(rb"^\s*(-?[0-9]+)(?:\s+([^\s]*))?\s*$")
_ZONE = re.compile(rb"^([+-])([0-9]{2})([0-9]{2})$")


def text(raw: bytes | str) -> str:
    """A name, an email or a subject as one line of printable text."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    else:
        raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return one_line(raw)


def zone(raw: bytes | None) -> dt.timezone:
    """`+0100` → UTC+01:00; anything git would print but a timezone cannot be (`+9959`, `abc`, none) → UTC."""
    m = _ZONE.match(raw or b"")
    if not m:
        return UTC
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours >= 24 or minutes >= 60:
        return UTC
    offset = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-offset if m.group(1) == b"-" else offset)


def date(raw: bytes | str | None) -> dt.datetime | None:
    """`<seconds> <±HHMM>` (git's raw date, `--date=raw`, `%(…date:raw)`) as an aware datetime; None when
    there is no number of seconds to read."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    m = _RAW_DATE.match(raw)
    if not m:
        return None
    digits = m.group(1)
    # More digits than any date holds: clamped below without asking int() for thousands of digits.
    seconds = int(digits) if len(digits) <= 19 else (-1 if digits.startswith(b"-") else 1) * 10 ** 18
    instant = EPOCH + dt.timedelta(seconds=min(max(seconds, 0), LATEST))
    return instant.astimezone(zone(m.group(2)))


def ident(line: bytes) -> tuple[str, str, dt.datetime | None]:
    """(name, email, date) of an `author`/`committer`/`tagger` value, `Name <email> <seconds> <±HHMM>`.

    As git's own reading: the email is between the first `<` and the last `>`,
    the date after it. Whatever is missing is empty (None for the date).
    """
    lt, gt = line.find(b"<"), line.rfind(b">")
    if lt < 0 or gt < lt:
        return text(line), "", None
    return text(line[:lt]), text(line[lt + 1:gt]), date(line[gt + 1:])


def headers(data: bytes) -> dict[bytes, bytes]:
    """The header lines of a commit or tag object (first value of each key; continuation lines skipped)."""
    found: dict[bytes, bytes] = {}
    for line in data.split(b"\n\n", 1)[0].split(b"\n"):
        if not line or line.startswith(b" "):
            continue
        key, _, value = line.partition(b" ")
        found.setdefault(key, value)
    return found


def commit_dates(data: bytes) -> tuple[dt.datetime, dt.datetime]:
    """(author date, committer date) of a raw commit object: each falls back on the other, then on the epoch."""
    fields = headers(data)
    author = ident(fields[b"author"])[2] if b"author" in fields else None
    committer = ident(fields[b"committer"])[2] if b"committer" in fields else None
    return author or committer or EPOCH, committer or author or EPOCH


__all__ = ["EPOCH", "LATEST", "UTC", "commit_dates", "date", "headers", "ident", "text", "zone"]
