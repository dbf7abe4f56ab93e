"""The Jinja templates of the generated pages (templates/site/pages/), loaded through the template chain.

A committee overrides any one of them by putting a file of the same name in its
own templates/site/pages/ (the chain searches the committee's folder first, then
the package's). Each template is compiled once per build. Autoescape is on: every
value a view model carries is escaped where a template places it.

Layout is free: a line break in a template's text, with the indentation that
follows it, is dropped between two tags (`</h1>` ⏎ `<dl>`) and next to a Jinja
tag, and becomes one space between words; so templates can be written one
element a line and still give the compact HTML the pages are made of.

A template that is missing, does not compile, or fails while rendering (an
undefined variable, say) stops the build with `TemplateMissing`, naming the
file and line.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from pathlib import Path

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token
from markupsafe import Markup

from ..assets import Templates, TemplateMissing

FOLDER = "site/pages"
# Every template a build uses, compiled up front so that a broken one fails every build,
# whichever pages it happens to have.
PAGE_TEMPLATES = ("paper.html", "recommendation.html", "redline.html", "home.html", "home_blocks.html",
                  "papers_index.html", "working_group.html", "meetings_index.html", "meeting.html",
                  "status.html", "tracker.html", "calendar.html")
SHARED_TEMPLATES = ("_macros.html", "_history.html")
# Where a document page's own Markdown goes: `{{ body }}` in paper.html and recommendation.html.
BODY = "body"


def words(value: str | None) -> str:
    """`not-adopted` → `Not adopted`."""
    return (value or "").replace("-", " ").replace("_", " ").capitalize()


def long_date(day: dt.date | None) -> str:
    """January 25, 2024."""
    return f"{day:%B} {day.day}, {day.year}" if day else ""


_BREAK = re.compile(r"[ \t\r]*\n\s*")


def compact(text: str) -> str:
    """A template's text with its layout removed (see the module's docstring)."""
    if "\n" not in text:
        return text

    def sub(m: re.Match) -> str:
        start, end = m.start(), m.end()
        if start == 0 or end == len(text) or (text[start - 1] == ">" and text[end] == "<"):
            return ""
        return " "

    return _BREAK.sub(sub, text)


class Compact(Extension):
    """Applies `compact` to the text of every template, once, when it is compiled."""

    def filter_stream(self, stream):
        for token in stream:
            if token.type == "data":
                yield Token(token.lineno, "data", compact(token.value))
            else:
                yield token


class TemplateBroken(TemplateMissing):
    """A template of the chain that does not compile or render."""


class PageTemplates:
    """The page templates of one build: the committee's first, then the package's, compiled once."""

    def __init__(self, chain: Templates):
        self.chain = chain
        self.env = chain.jinja(FOLDER, autoescape=True, undefined=jinja2.StrictUndefined, auto_reload=False,
                               cache_size=-1, extensions=[Compact])
        self.env.filters["words"] = words
        self.env.filters["long_date"] = long_date
        self.compiled: dict[str, jinja2.Template] = {}
        for name in SHARED_TEMPLATES + PAGE_TEMPLATES:
            self.compiled[name] = self._load(name)

    def _load(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateError as exc:
            raise self._error(name, exc) from None

    def render(self, name: str, **context) -> Markup:
        template = self.compiled.get(name) or self._load(name)
        try:
            return Markup(template.render(context))
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            where = self._frame(exc)
            if where is None and not isinstance(exc, jinja2.TemplateError):
                raise  # our bug, not the template's
            raise self._error(name, exc, where) from None

    def render_parts(self, name: str, token: str, **context) -> tuple[Markup, Markup]:
        """A document page: the HTML before and after `{{ body }}`, which the template places exactly once."""
        marker = f"{token}body"
        html = self.render(name, **context, **{BODY: Markup(marker)})
        pieces = html.split(marker)
        if len(pieces) != 2:
            raise TemplateBroken(f"{self.where(name)}: template error: places {{{{ {BODY} }}}} "
                                 f"{len(pieces) - 1} times, not once",
                                 "a document page shows the document's text exactly once")
        return Markup(pieces[0]), Markup(pieces[1])

    # errors ---------------------------------------------------------------------------------

    def where(self, name: str, line: int | None = None) -> str:
        """The file a template name resolves to (relative to the committee's root when inside it), and a line."""
        found = self.chain.get(f"{FOLDER}/{name}")
        shown = self._show(found) if found else f"{FOLDER}/{name}"
        return f"{shown}:{line}" if line else shown

    def _show(self, path: Path | str) -> str:
        path = Path(path)
        for base in self.chain.dirs[:-1]:  # the committee's folder: show it relative to the repository
            if path.is_relative_to(base):
                return (Path(base.name) / path.relative_to(base)).as_posix()
        return str(path)

    def _frame(self, exc: BaseException) -> tuple[str, int] | None:
        """The innermost template file and line of a rendering error (Jinja puts them in the traceback)."""
        folders = [str(d) for d in self.chain.subdirs(FOLDER)]
        found = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if any(frame.filename.startswith(f) for f in folders):
                found = (frame.filename, frame.lineno)
        return found

    def _error(self, name: str, exc: Exception, where: tuple[str, int] | None = None) -> TemplateMissing:
        hint = "fix the template, or delete the committee's copy to use the package's default"
        if isinstance(exc, jinja2.TemplateSyntaxError):
            place = f"{self._show(exc.filename)}:{exc.lineno}" if exc.filename else self.where(exc.name or name,
                                                                                              exc.lineno)
            return TemplateBroken(f"{place}: template error: {exc.message}", hint)
        if isinstance(exc, jinja2.TemplateNotFound):
            missing = exc.name if exc.name != name else name
            return TemplateMissing(f"template {FOLDER}/{missing!s} not found in "
                                   f"{', '.join(str(d) for d in self.chain.dirs)}"
                                   + (f" (needed by {self.where(name)})" if missing != name else ""),
                                   "restore it from the issuepapers package, or reinstall issuepapers")
        place = f"{self._show(where[0])}:{where[1]}" if where else self.where(name)
        return TemplateBroken(f"{place}: template error: {type(exc).__name__}: {exc}", hint)
