"""`issuepapers history PATH`: a document's revisions from the one-pass git history."""

from __future__ import annotations

from pathlib import Path

from ..history import FileHistory, Repository


def history_record(root: Path, rel: str, repo: Repository | None = None) -> dict:
    """What `history` prints for one document, as plain data (the JSON output).

    From the repository reading: the one-pass log and the publish tags (four git processes).
    """
    repo = repo if repo is not None else Repository.open(root)
    history = repo.read_log()
    fh: FileHistory = repo.get(rel) if repo.in_git else FileHistory(rel, [])
    mine = repo.tags.get(rel, [])
    by_commit: dict[str, list[str]] = {}
    for t in mine:
        by_commit.setdefault(t.commit, []).append(t.name)
    state = "committed"
    if not repo.in_git:
        state = "not in a git repository"
    elif fh.uncommitted and not fh.commits:
        state = "uncommitted"
    elif fh.uncommitted:
        state = "modified"
    return {
        "path": rel,
        "state": state,
        "created": fh.created.isoformat() if fh.created else None,
        "modified": fh.modified.isoformat() if fh.modified else None,
        "revisions": fh.revisions,
        "authors": fh.authors,
        "previous_paths": [_shown(p) for p in fh.previous_paths],
        "published": [{"tag": t.name, "revision": t.number, "commit": t.commit, "date": t.date} for t in mine],
        "commits": [{"sha": c.sha, "date": c.date.isoformat(), "author": c.author, "email": c.email,
                     "subject": c.subject, "tags": by_commit.get(c.sha, [])} for c in fh.commits],
        "shallow": history.shallow,
        "warnings": list(history.warnings),
    }


def _shown(path: str) -> str:
    """A path as text that can be printed (a name that is not UTF-8 keeps U+FFFD where its bytes were)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def format_text(rec: dict) -> str:
    lines = [rec["path"]]
    if rec["state"] != "committed":
        lines.append(f"  state:     {rec['state']}")
    if rec["created"]:
        lines.append(f"  created:   {rec['created'][:10]}")
        lines.append(f"  modified:  {rec['modified'][:10]}")
    lines.append(f"  revisions: {rec['revisions']}")
    if rec["authors"]:
        lines.append(f"  authors:   {', '.join(rec['authors'])}")
    if rec["previous_paths"]:
        lines.append(f"  renamed from: {', '.join(rec['previous_paths'])}")
    if rec["published"]:
        last = rec["published"][-1]
        lines.append(f"  published: revision {last['revision']} ({last['tag']})")
    for w in rec["warnings"]:
        lines.append(f"  warning:   {w}")
    if rec["commits"]:
        lines.append("")
        for c in rec["commits"]:
            tags = f"  [{', '.join(c['tags'])}]" if c["tags"] else ""
            lines.append(f"{c['sha'][:10]}  {c['date'][:10]}  {c['author']}: {c['subject']}{tags}")
    return "\n".join(lines) + "\n"
