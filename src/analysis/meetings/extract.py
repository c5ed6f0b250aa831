"""Meeting reports -> what the district said about each commune (topic, polarity, evidence).

Method (see docs/meeting_extraction.md): segment the report into lines, sentences, clauses
(';', never inside a commune list) and contrast segments ('…, nhưng …'); find commune names
with the reference table; group them into lists; give each list the topic and polarity cues
nearest to it on the side where Vietnamese puts them (before an object list "… như A, B",
after a subject list "Các xã A, B còn chậm …"), widening to the clause, then to a lead-in
("… hạn chế như:" or a heading line ending with ':'). A list with no polarity cue is no
judgement and yields no mention.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.ingest.contract import MEETING_MENTIONS
from analysis.meetings.communes import (
    CommuneList,
    find_commune_names,
    group_commune_lists,
)
from analysis.meetings.lexicon import (
    ANAPHORA,
    BACKDROP_TOPICS,
    DIRECTIVE_TAIL,
    KEEP_UP,
    SUBJECT_LEAD,
    Cue,
    find_polarity_cues,
    find_topic_cues,
)
from analysis.meetings.metadata import (
    extract_chair,
    extract_connection_points,
    extract_format,
    extract_meeting_date,
    extract_opinions,
    extract_plans,
    extract_title,
)
from analysis.meetings.read import read_report_text
from analysis.meetings.segment import (
    SortedSpans,
    Span,
    clause_cuts,
    contrast_cuts,
    fold_aligned,
    is_bullet,
    items_inside,
    prepare_text,
    split_at,
    split_lines,
    split_sentences,
)
from analysis.privacy import scrub_text
from analysis.text import slugify

MENTION_COLUMNS = MEETING_MENTIONS.names  # declared in analysis.ingest.contract
MEETING_COLUMNS = [
    "meeting_id",
    "meeting_date",
    "title",
    "chair_role",
    "format",
    "connection_points",
    "opinions",
    "plans",
    "source_file",
    "source_row",
]
STRENGTHS = ("strong", "inherent", "intro")


def redact_people(text: str) -> str:
    """Mask names, phones, e-mails, ID numbers and addresses with the one privacy module
    (`analysis.privacy`, Nghị định 13/2023); roles after honorifics stay."""
    return scrub_text(text)


def resolve_directional(cue: Cue, clause_inherent: list[Cue]) -> str:
    """'cao'/'thấp' mean bad or good depending on what is measured: a late rate or a good rate."""
    before = [c for c in clause_inherent if c.end <= cue.start]
    reference = before[-1] if before else (clause_inherent[0] if clause_inherent else None)
    bad_quantity = reference is not None and reference.label == "negative"
    if cue.label == "high":
        return "negative" if bad_quantity else "positive"
    return "positive" if bad_quantity else "negative"


def cues_in(cues: list[Cue], span: Span) -> list[Cue]:
    """Cues lying wholly inside a span (a binary search when the cues are SortedSpans)."""
    return items_inside(cues, span)


def pick_polarity(back: list[Cue], fwd: list[Cue], subject: bool) -> Cue | None:
    """Nearest cue by strength, looking first where the language puts the predicate."""
    for strength in STRENGTHS:
        nearest_back = [c for c in back if c.strength == strength][-1:]
        nearest_fwd = [c for c in fwd if c.strength == strength][:1]
        order = (nearest_fwd, nearest_back) if subject else (nearest_back, nearest_fwd)
        for found in order:
            if found:
                return found[0]
    return None


def pick_topic(back: list[Cue], fwd: list[Cue], subject: bool) -> Cue | None:
    """The first topic cue of the window: the subject of a Vietnamese clause comes first."""
    order = (fwd, back) if subject else (back, fwd)
    for found in order:
        if found:
            focused = [c for c in found if c.label not in BACKDROP_TOPICS]
            return (focused or found)[0]
    return None


def is_subject_list(folded: str, start_from: int, commune_list: CommuneList) -> bool:
    """True when only lead words ('Các xã', 'Trong đó,') precede the list in its stretch."""
    lead = folded[start_from : commune_list.start]
    last_comma = lead.rfind(",")
    return bool(SUBJECT_LEAD.match(lead[last_comma + 1 :]))


def judge_list(
    folded: str,
    commune_list: CommuneList,
    neighbours: tuple[int, int],
    segment: Span,
    clause: Span,
    sentence: Span,
    contexts: list[Span],
    topic_cues: list[Cue],
    polarity_cues: list[Cue],
) -> tuple[str, str] | None:
    """(topic, polarity) of one commune list, or None when nothing judges it."""
    prev_end, next_start = neighbours
    back = Span(max(segment.start, prev_end), commune_list.start)
    fwd = Span(commune_list.end, min(segment.end, next_start))
    subject = is_subject_list(folded, back.start, commune_list)
    polarity = pick_polarity(cues_in(polarity_cues, back), cues_in(polarity_cues, fwd), subject)
    if polarity is None:
        polarity = pick_polarity(
            cues_in(polarity_cues, Span(clause.start, commune_list.start)),
            cues_in(polarity_cues, Span(commune_list.end, clause.end)),
            subject,
        )
    for context in contexts:
        if polarity is None:
            polarity = pick_polarity(cues_in(polarity_cues, context), [], False)
    if polarity is None:  # a judgement inside the list's own figures: "Phú Châu (trễ hẹn 12 hồ sơ)"
        polarity = pick_polarity(cues_in(polarity_cues, commune_list), [], False)
    if polarity is None:
        return None
    polarity = read_directive(folded, back, commune_list, polarity)
    topic = pick_topic(cues_in(topic_cues, back), cues_in(topic_cues, fwd), subject)
    if topic is None:
        topic = pick_topic(
            cues_in(topic_cues, Span(clause.start, commune_list.start)),
            cues_in(topic_cues, Span(commune_list.end, clause.end)),
            subject,
        )
    if topic is None:
        earlier = cues_in(topic_cues, Span(sentence.start, clause.start))
        topic = earlier[-1] if earlier else None
    for context in contexts:
        if topic is None:
            topic = pick_topic(cues_in(topic_cues, context), [], False)
    if topic is None:
        topic = pick_topic(cues_in(topic_cues, commune_list), [], False)
    label = polarity.label
    if label in ("high", "low"):
        scope = [clause, *contexts]
        inherent = [
            c for span in scope for c in cues_in(polarity_cues, span) if c.strength == "inherent"
        ]
        label = resolve_directional(polarity, sorted(set(inherent), key=lambda c: c.start))
    return (topic.label if topic else "other"), label


def read_directive(folded: str, back: Span, commune_list: CommuneList, polarity: Cue) -> Cue:
    """'Yêu cầu xã A hoàn thành …' singles A out as lagging: praise words after a directive are
    an instruction, so the named commune is criticised (except 'tiếp tục phát huy')."""
    directive = DIRECTIVE_TAIL.search(folded[back.start : commune_list.start])
    if (
        directive is None
        or polarity.start < commune_list.end
        or polarity.label not in ("positive", "high")
    ):
        return polarity
    if KEEP_UP.search(folded[commune_list.end : polarity.end]):
        return polarity
    return Cue(polarity.start, polarity.end, "negative", polarity.strength, polarity.phrase)


def build_evidence(text: str, clause: Span, context: Span | None) -> str:
    """The clause that carries the judgement; a bare list item borrows its heading."""
    body = text[clause.start : clause.end].strip(" ;,.\n")
    body = re.sub(r"^\s*(?:[-–+•*·▪]|\d{1,2}[.)])\s+", "", body)
    if context is not None:
        heading = text[context.start : context.end].strip(" :;,.\n")
        if heading and heading not in body:
            body = f"{heading}: {body}"
    return redact_people(" ".join(body.split()))


def add_mentions(
    mentions: dict[tuple[str, str, str], dict],
    commune_list: CommuneList,
    topic: str,
    polarity: str,
    evidence: str,
) -> None:
    """One mention per (commune, topic, polarity); the first evidence found is kept."""
    for hit in commune_list.hits:
        mentions.setdefault(
            (hit.code, topic, polarity),
            {
                "commune_code": hit.code,
                "commune_name": hit.name,
                "topic": topic,
                "polarity": polarity,
                "evidence": evidence,
            },
        )


def row_head(
    text: str, folded: str, line: Span, sentence: Span, first: CommuneList
) -> CommuneList | None:
    """The list a whole row is about: "- Xã A: đúng hạn 100%; chưa có phòng tiếp dân".

    A list that opens its line (after a bullet and lead words) and is followed by ':' — or
    opens a bullet line as its subject — is the subject of every ';' clause of the sentence,
    even the clauses that do not repeat its name.
    """
    if text[line.start : sentence.start].strip():
        return None
    if not SUBJECT_LEAD.match(folded[sentence.start : first.start]):
        return None
    after = folded[first.end : first.end + 3].lstrip()
    bullet = is_bullet(text[line.start : line.end])
    return first if after.startswith(":") or bullet else None


def find_mentions(text: str, on: str | None = None) -> list[dict]:
    """One mention per (commune, topic, polarity), in reading order, from a prepared text.

    `on` is the meeting date: names resolve to the units that existed that day.
    """
    folded = fold_aligned(text)
    hits = SortedSpans(find_commune_names(text, folded, on))
    topic_cues = SortedSpans(find_topic_cues(folded))
    polarity_cues = SortedSpans(find_polarity_cues(folded))
    mentions: dict[tuple[str, str, str], dict] = {}
    heading: Span | None = None
    fresh_heading = False
    last_sentence: Span | None = None
    for line in split_lines(text):
        line_text = text[line.start : line.end].strip()
        line_context = (
            heading if heading is not None and (fresh_heading or is_bullet(line_text)) else None
        )
        for sentence in split_sentences(text, line):
            previous, last_sentence = last_sentence, sentence
            lists = group_commune_lists(folded, hits, sentence)
            if not lists:
                continue
            protected = [Span(cl.start, cl.end) for cl in lists]
            clauses = split_at(sentence, clause_cuts(text, sentence, protected))
            colon = text.rfind(":", sentence.start, lists[0].start)
            lead_in = Span(sentence.start, colon) if colon != -1 else None
            anaphora = previous if previous and ANAPHORA.match(folded, sentence.start) else None
            contexts = [c for c in (lead_in, line_context, anaphora) if c is not None]
            for index, commune_list in enumerate(lists):
                clause = next(c for c in clauses if c.start <= commune_list.start < c.end)
                segment = next(
                    s
                    for s in split_at(clause, contrast_cuts(folded, clause))
                    if s.start <= commune_list.start < s.end
                )
                neighbours = (
                    lists[index - 1].end if index > 0 else -1,
                    lists[index + 1].start if index + 1 < len(lists) else len(text),
                )
                judged = judge_list(
                    folded,
                    commune_list,
                    neighbours,
                    segment,
                    clause,
                    sentence,
                    contexts,
                    topic_cues,
                    polarity_cues,
                )
                if judged is None:
                    continue
                topic, polarity = judged
                evidence = build_evidence(text, clause, line_context)
                add_mentions(mentions, commune_list, topic, polarity, evidence)
            head = row_head(text, folded, line, sentence, lists[0])
            for clause in clauses if head is not None else []:
                if any(clause.start <= cl.start < clause.end for cl in lists):
                    continue
                judged = judge_list(
                    folded,
                    CommuneList(clause.start, clause.start, head.hits),
                    (-1, len(text)),
                    clause,
                    clause,
                    sentence,
                    [],
                    topic_cues,
                    polarity_cues,
                )
                if judged is not None:
                    evidence = build_evidence(text, Span(sentence.start, clause.end), None)
                    add_mentions(mentions, head, *judged, evidence)
        if line_text.endswith(":"):
            heading, fresh_heading = split_sentences(text, line)[-1], True
        elif line_context is not None and (is_bullet(line_text) or fresh_heading):
            fresh_heading = False
        else:
            heading, fresh_heading = None, False
    return list(mentions.values())


def describe_meeting(text: str, source: str = "") -> dict:
    """The meeting's facts: date, format, connection points, opinions, chair, plans."""
    meeting_date = extract_meeting_date(text, source)
    chair, chair_role = extract_chair(text)
    year = int(meeting_date[:4]) if meeting_date else None
    return {
        "date": meeting_date,
        "title": extract_title(text),
        "format": extract_format(text),
        "connection_points": extract_connection_points(text),
        "opinions": extract_opinions(text),
        "chair": chair,
        "chair_role": chair_role,
        "plans": extract_plans(text, year),
        "source": source,
    }


def extract_meeting(text: str, source: str = "") -> dict:
    """Extract {"meeting": {...}, "mentions": [...]} from a report's text (any normalisation)."""
    prepared = prepare_text(text)
    meeting = describe_meeting(prepared, source)
    return {"meeting": meeting, "mentions": find_mentions(prepared, meeting["date"])}


# Largest report read, in MB of the file and of its text (a setting: ANALYSIS_MEETING_REPORT_MAX_MB).
# Extraction is linear (about 5 s per MB on the 2-core build machine, benchmarks/
# meeting_extract_scaling.py); a real report is 5-50 kB, so 5 MB is a hundred reports pasted
# together, more likely a wrong file than a meeting.
MAX_REPORT_MB = 5.0


def max_report_bytes() -> int:
    """The size limit in bytes: $ANALYSIS_MEETING_REPORT_MAX_MB, else MAX_REPORT_MB."""
    setting = os.environ.get("ANALYSIS_MEETING_REPORT_MAX_MB", "").strip()
    try:
        megabytes = float(setting) if setting else MAX_REPORT_MB
    except ValueError:
        raise UserError(
            f"ANALYSIS_MEETING_REPORT_MAX_MB={setting!r}: give a number of MB, e.g. 5"
        ) from None
    return int(megabytes * 1_000_000)


def check_report_size(path: Path, size: int) -> None:
    """Refuse a report above the limit, with one line naming the file, its size and the setting."""
    limit = max_report_bytes()
    if size > limit:
        raise UserError(
            f"{path.name}: {size / 1_000_000:.1f} MB is above the {limit / 1_000_000:g} MB limit "
            "for a meeting report (raise ANALYSIS_MEETING_REPORT_MAX_MB to read it anyway)"
        )


def read_meeting_report(path: str | Path) -> dict:
    """Read a report (.txt in any common encoding, .docx) and extract it (size-limited)."""
    path = Path(path)
    with contextlib.suppress(OSError):  # an unreadable file is named by the reader below
        check_report_size(path, path.stat().st_size)
    text = read_report_text(path)
    check_report_size(path, len(text.encode("utf-8", "surrogatepass")))  # a .docx is zipped
    return extract_meeting(text, source=path.name)


def make_meeting_id(meeting_date: str | None, source_file: str) -> str:
    """Stable id: date + slug of the file name ('2021-10-12_hop-truc-tuyen-...')."""
    stem = Path(source_file).stem
    slug = slugify(stem)
    day = meeting_date or "undated"
    slug = re.sub(rf"^{re.escape(day)}-?", "", slug) if meeting_date else slug
    return f"{day}_{slug}" if slug else day


def extract_reports(
    paths: Iterable[str | Path], root: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reports -> (meetings, mentions) tables for meetings / meeting_mentions.parquet.

    `source_file` is the path relative to `root` when given, else the file name. Officials'
    names are not kept: meetings carry `chair_role` only.
    """
    meeting_rows, mention_rows = [], []
    for path in sorted(Path(p) for p in paths):
        result = read_meeting_report(path)
        source_file = path.relative_to(root).as_posix() if root is not None else path.name
        meeting = result["meeting"]
        meeting_id = make_meeting_id(meeting["date"], path.name)
        meeting_rows.append(
            {
                "meeting_id": meeting_id,
                "meeting_date": meeting["date"],
                "title": meeting["title"],
                "chair_role": meeting["chair_role"],
                "format": meeting["format"],
                "connection_points": meeting["connection_points"],
                "opinions": meeting["opinions"],
                "plans": json.dumps(meeting["plans"], ensure_ascii=False),
                "source_file": source_file,
                "source_row": None,
            }
        )
        for mention in result["mentions"]:
            mention_rows.append(
                {
                    "meeting_id": meeting_id,
                    "meeting_date": meeting["date"],
                    "source_file": source_file,
                    **mention,
                }
            )
    meetings = pd.DataFrame(meeting_rows, columns=MEETING_COLUMNS)
    mentions = pd.DataFrame(mention_rows, columns=MENTION_COLUMNS)
    return type_meetings(meetings), type_mentions(mentions)


def type_meetings(meetings: pd.DataFrame) -> pd.DataFrame:
    """Contract dtypes: dates as datetime64, counts as nullable integers, text as string."""
    meetings = meetings.copy()
    meetings["meeting_date"] = pd.to_datetime(meetings["meeting_date"])
    for column in ("connection_points", "opinions", "source_row"):
        meetings[column] = pd.array(meetings[column], dtype="Int64")
    for column in ("meeting_id", "title", "chair_role", "format", "plans", "source_file"):
        meetings[column] = meetings[column].astype("string")
    return meetings


def type_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    """Contract dtypes: commune codes as 5-character strings, dates as datetime64."""
    mentions = mentions.copy()
    mentions["meeting_date"] = pd.to_datetime(mentions["meeting_date"])
    for column in MENTION_COLUMNS:
        if column != "meeting_date":
            mentions[column] = mentions[column].astype("string")
    return mentions
