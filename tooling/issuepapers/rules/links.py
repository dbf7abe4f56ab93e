"""Link rules: documents named by other documents exist and make sense."""

from __future__ import annotations

from ..diagnostics import ERROR, WARNING
from ..fields import did_you_mean
from ..model import Paper
from . import rule


@rule("recommendation-missing", ERROR, ("paper",))
def cited_recommendations(doc, coll):
    """Each id under a paper's `recommendations` must be an existing recommendation."""
    for i, rid in enumerate(doc.recommendations):
        if rid not in coll.by_id:
            yield doc.source.at("recommendations", i), f"no recommendation {rid!r}", \
                did_you_mean(rid, coll.by_id) or "create it with `issuepapers new recommendation`"


@rule("supersedes-missing", ERROR, ("paper",))
def superseded_paper(doc, coll):
    """A paper's `supersedes` must be the path of an existing, earlier paper of the same working group."""
    target = doc.supersedes
    if not target:
        return
    old = coll.by_path.get(target)
    if not isinstance(old, Paper):
        paths = [p.path for p in coll.papers]
        yield doc.source.at("supersedes"), f"no paper at {target!r}", \
            did_you_mean(target, paths) or "give the repository path, e.g. papers/<working-group>/<YYYY-MM>.md"
        return
    if old is doc:
        yield doc.source.at("supersedes"), "a paper cannot supersede itself", None
    elif old.working_group != doc.working_group:
        yield doc.source.at("supersedes"), \
            f"{target} belongs to working group {old.working_group!r}, not {doc.working_group!r}", None
    else:
        new_m, old_m = coll.meeting_of(doc), coll.meeting_of(old)
        if new_m and old_m and old_m.date >= new_m.date:
            yield doc.source.at("supersedes"), f"{target} is not for an earlier meeting", None


@rule("paper-missing", ERROR, ("recommendation",))
def originating_papers(doc, coll):
    """Each path under a recommendation's `papers` must be an existing paper."""
    for i, path in enumerate(doc.values.get("papers", [])):
        if not isinstance(coll.by_path.get(path), Paper):
            yield doc.source.at("papers", i), f"no paper at {path!r}", \
                did_you_mean(path, [p.path for p in coll.papers])


@rule("supersedes-recommendation-missing", ERROR, ("recommendation",))
def superseded_recommendation(doc, coll):
    """A recommendation's `supersedes` must be the id of another existing recommendation."""
    target = doc.supersedes
    if target and (target not in coll.by_id or target == doc.id):
        yield doc.source.at("supersedes"), f"no other recommendation {target!r}", \
            did_you_mean(target, coll.by_id)


@rule("superseded-twice", WARNING, ("collection",))
def superseded_once(coll):
    """A document should be superseded by at most one other."""
    seen: dict[str, str] = {}
    for doc in coll.documents():
        target = doc.values.get("supersedes")
        if not target:
            continue
        if target in seen:
            yield doc.path, doc.source.at("supersedes"), f"{target} is already superseded by {seen[target]}", None
        else:
            seen[target] = doc.path
