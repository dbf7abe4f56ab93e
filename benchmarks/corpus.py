"""Deterministic synthetic committee repositories for benchmarks.

`generate(dest, n, seed)` writes a registry and `n` documents (about 80 %
papers, 20 % recommendations) that pass `issuepapers check` with no errors.
Run as a script to write one: `python benchmarks/corpus.py DEST N [SEED]`.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

WORDS = ("trade facilitation border partnership validation program benefits security supply chain "
         "modernization entry data sharing importer carrier broker port inspection recommendation "
         "deployment schedule working group stakeholders compliance review pilot process guidance").split()


def _sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return (" ".join(words)).capitalize() + "."


def _para(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def registry(n_groups: int, n_meetings: int) -> tuple[str, list[str], list[tuple[str, dt.date]]]:
    """committee.yml text, working-group ids, and (meeting id, date) pairs (one per month)."""
    groups = [f"group-{i:03d}" for i in range(n_groups)]
    meetings = []
    start = dt.date(2000, 1, 15)
    for i in range(n_meetings):
        y, m = divmod(start.month - 1 + i, 12)
        day = dt.date(start.year + y, m + 1, 15)
        meetings.append((day.strftime("%Y-%m"), day))
    lines = ["committee:", "  name: Synthetic Advisory Committee", "  short_name: SAC",
             "  agency: Synthetic Agency", "  current_term: 1", "  signature_lead_days: 120",
             "terms:"] + [f"  - term: {t}" for t in range(1, 11)] + ["subcommittees:"]
    for s in range(0, n_groups, 10):
        lines += [f"  - id: subcommittee-{s // 10:02d}", f"    name: Subcommittee {s // 10:02d}",
                  "    working_groups:"]
        for g in groups[s:s + 10]:
            lines += [f"      - id: {g}", f"        name: Group {g[-3:]}",
                      "        lifecycle:", "          - state: active", "            since: 1999-01-01"]
    lines.append("meetings:")
    for mid, day in meetings:
        lines += [f"  - id: {mid}", f"    date: {day.isoformat()}", "    location: Washington, DC"]
    return "\n".join(lines) + "\n", groups, meetings


def paper(rng: random.Random, group: str, sub: str, meeting: tuple[str, dt.date], recs: list[str]) -> str:
    mid, day = meeting
    signed = day - dt.timedelta(days=rng.randint(10, 60))
    status = rng.choice(("draft", "review", "final", "published", "published"))
    fm = [f"subcommittee: {sub}", f"working_group: {group}", f"meeting: {mid}", f"status: {status}",
          f"action_required: {rng.choice(('informational', 'decision'))}"]
    if status in ("final", "published"):
        key = rng.choice(("prepared_by", "submitted_by"))
        fm += [f"pub_number: {rng.randint(1000, 9999)}-{signed:%m%y}", f"{key}:",
               "  - name: Government Co-Lead", "    office: Office of Field Operations",
               f"date: {signed.isoformat()}", "next_meeting:",
               f"  date: {(signed + dt.timedelta(days=14)).isoformat()}", '  time: "10:00"',
               "  cadence: bi-weekly"]
    if recs:
        fm += ["recommendations:"] + [f"  - {r}" for r in recs]
    body = ["## Background", "", _para(rng), "", "## Objectives and Scope of Activities", "",
            _para(rng, 2), ""] + [f"- {_sentence(rng, 8)}" for _ in range(4)] + [
        "", "## Current Status", ""] + [f"- {_sentence(rng, 10)}" for _ in range(3)] + [
        f"    - {_sentence(rng, 8)}", "", _para(rng, 3), "", "## Next Steps", "", _para(rng, 2)]
    return "---\n" + "\n".join(fm) + "\n---\n\n" + "\n".join(body) + "\n"


def recommendation(rng: random.Random, rid: str, group: str, sub: str, meeting: tuple[str, dt.date]) -> str:
    mid, day = meeting
    status = rng.choice(("proposed", "adopted", "adopted", "not-adopted"))
    fm = [f"id: {rid}", f"title: {_sentence(rng, 8)[:-1]}", f"term: {rid.split('-')[0]}", f"subcommittee: {sub}",
          f"working_group: {group}", f"status: {status}"]
    if status in ("adopted", "not-adopted"):
        fm += [f"meeting: {mid}", "vote:", f"  for: {rng.randint(10, 20)}", "  against: 1", "  abstain: 0"]
    if status == "adopted":
        agency = rng.choice(("pending", "concur", "partially-concur", "non-concur", "in-progress", "implemented"))
        fm.append(f"agency_status: {agency}")
        if agency != "pending":
            fm.append(f"agency_response_date: {(day + dt.timedelta(days=60)).isoformat()}")
    return "---\n" + "\n".join(fm) + "\n---\n\n" + _para(rng, 3) + "\n"


def generate(dest: Path, n: int, seed: int = 0) -> Path:
    """Write a committee repo with `n` documents under `dest`; return `dest`."""
    rng = random.Random(seed)
    n_recs = n // 5
    n_papers = n - n_recs
    n_groups = max(1, min(200, n_papers // 20))
    n_meetings = -(-n_papers // n_groups)  # one paper per group and meeting
    text, groups, meetings = registry(n_groups, n_meetings)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "committee.yml").write_text(text)
    rec_ids = [f"{1 + i // 999}-{i % 999 + 1:03d}" for i in range(n_recs)]  # 999 ids per term
    made = 0
    for mi, meeting in enumerate(meetings):
        for gi, group in enumerate(groups):
            if made >= n_papers:
                break
            sub = f"subcommittee-{gi // 10:02d}"
            cites = [rec_ids[made % len(rec_ids)]] if rec_ids and made % 3 == 0 else []
            path = dest / "papers" / group / f"{meeting[0]}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(paper(rng, group, sub, meeting, cites))
            made += 1
    for i, rid in enumerate(rec_ids):
        gi = i % n_groups
        path = dest / "recommendations" / rid.split("-")[0] / f"{rid}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(recommendation(rng, rid, groups[gi], f"subcommittee-{gi // 10:02d}",
                                       meetings[i % len(meetings)]))
    return dest


if __name__ == "__main__":
    out = generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    print(out)
