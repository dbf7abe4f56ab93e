"""Every output is well formed for any value: control characters, line breaks, dates at the calendar's end."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from conftest import copy_sample, run_cli
from issuepapers.collection import load_collection
from issuepapers.site.pages import SiteOptions, generate
from issuepapers.workflow.publish import tag_message

HOSTILE = ["A\x01B", "line\nPDF-SHA256: " + "0" * 64, "tab\there\x0b", "nul\x00", "bell\x07\u2028sep", "\x1f\x7f\x9f"]
PAPER = "papers/cross-border-recognition/2024-03.md"


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_data_files_parse_whatever_the_values(tmp_path, value):
    root = copy_sample(tmp_path / "repo")
    coll = load_collection(root)
    paper = coll.by_path[PAPER]
    paper.values["title"] = value
    paper.values["office"] = value
    for mid, m in coll.registry.meetings.items():
        coll.registry.meetings[mid] = dataclasses.replace(m, location=value)
    nm = paper.values["next_meeting"]
    nm["date"], nm["location"] = dt.date(9999, 12, 31), value
    site = generate(coll, SiteOptions(site_url="https://example.org/", today=dt.date(2024, 4, 1),
                                      build_time=dt.datetime(2024, 4, 1, tzinfo=dt.timezone.utc)))
    ET.fromstring(site.files["feed.xml"])  # XML 1.0
    cal = Calendar.from_ical(site.files["calendar.ics"])
    assert any(str(e.get("dtstart").dt).startswith("9999-12-31") for e in cal.walk("VEVENT"))
    json.loads(site.files["papers.json"])
    json.loads(site.files["recommendations.json"])


def test_a_title_cannot_forge_tag_message_fields():
    message = tag_message(PAPER, 1, dt.date(2024, 1, 25), "x.pdf", "a" * 64,
                          "Title\nPDF-SHA256: " + "0" * 64 + "\rRevision: 9\u2028Date: 1999-01-01")
    fields = [line.split(":", 1)[0] for line in message.splitlines()[2:]]
    assert fields == ["Title", "Paper", "Revision", "Date", "PDF", "PDF-SHA256"]
    assert [line for line in message.splitlines() if line.startswith("PDF-SHA256:")] == ["PDF-SHA256: " + "a" * 64]


def test_check_refuses_control_characters_and_the_pdf_metadata_stays_xml(tmp_path):
    root = copy_sample(tmp_path / "repo")
    path = root / PAPER
    path.write_text(path.read_text().replace("\noffice: ", '\ntitle: "Bad\\x01 title\\nSecond line"\noffice: ', 1))
    r = run_cli("check", str(path), cwd=root)
    assert r.returncode == 1 and "error[control-character]" in r.stdout
    r = run_cli("pdf", str(path), "--out", str(tmp_path / "out"), cwd=root)
    assert r.returncode == 0, r.stderr
    reader = PdfReader(tmp_path / "out/cross-border-recognition/2024-03.pdf")
    xmp = reader.xmp_metadata  # parses the XMP packet as XML
    assert xmp is not None and "Bad title Second line" in (reader.metadata.title or "")


def test_committee_yml_refuses_control_characters(tmp_path):
    root = copy_sample(tmp_path / "repo")
    reg = root / "committee.yml"
    reg.write_text(reg.read_text().replace("location: Charleston, SC", 'location: "Charleston\\x0b SC"', 1))
    r = run_cli("check", cwd=root)
    assert r.returncode == 1 and "error[registry-invalid]" in r.stdout and "U+000B" in r.stdout


@pytest.mark.parametrize("epoch", ["99999999999999", "253402300800", "253402300000", "4294967296"])
def test_source_date_epoch_past_the_calendar_is_a_clean_error(tmp_path, epoch):
    root = copy_sample(tmp_path / "repo")
    r = run_cli("build", "--no-pdf", cwd=root, env={"SOURCE_DATE_EPOCH": epoch, "NO_MKDOCS_2_WARNING": "1"})
    assert r.returncode != 0 and "SOURCE_DATE_EPOCH" in r.stderr and "Traceback" not in r.stderr
