"""Meeting extraction grows linearly with the report, and refuses reports above its size limit."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.meetings.extract import extract_meeting
from analysis.meetings.lexicon import Cue, keep_longest, phrase_pattern
from analysis.meetings.segment import SortedSpans, Span, fold_aligned, fold_char, items_inside

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from meeting_extract_scaling import build_report  # noqa: E402


def best_seconds(text: str, repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        extract_meeting(text)
        times.append(time.perf_counter() - started)
    return min(times)


class TestLinearTime:
    def test_four_times_the_text_takes_about_four_times_as_long(self):
        extract_meeting(build_report(0.01))  # warm the name table and the patterns
        small, large = build_report(0.05), build_report(0.2)
        per_char_small = best_seconds(small) / len(small)
        per_char_large = best_seconds(large) / len(large)
        # quadratic work gives about 4x per character here; linear about 1x
        assert per_char_large / per_char_small < 2.0

    def test_a_report_without_line_breaks_is_linear_too(self):
        small, large = build_report(0.03, one_line=True), build_report(0.12, one_line=True)
        extract_meeting(small)
        assert (best_seconds(large) / len(large)) / (best_seconds(small) / len(small)) < 2.0


class TestSameResultsFaster:
    def test_fold_aligned_equals_folding_each_character(self):
        text = "UBND xã Thuỵ An, PHONG VÂN; Đồng chí Nguyễn Văn A – 12/10/2021 ½ ß İ\u0301"
        assert fold_aligned(text) == "".join(fold_char(c) for c in text)
        assert len(fold_aligned(text)) == len(text)

    def test_keep_longest_equals_the_pairwise_rule(self):
        rng = random.Random(3)
        for _ in range(200):
            cues = []
            for _ in range(rng.randint(0, 25)):
                start = rng.randint(0, 60)
                cues.append(Cue(start, start + rng.randint(1, 12), "x", "strong", "p"))
            ordered = sorted(cues, key=lambda c: (c.start, -(c.end - c.start)))
            expected: list[Cue] = []
            for cue in ordered:
                if not any(k.start <= cue.start and cue.end <= k.end for k in expected):
                    expected.append(cue)
            assert keep_longest(cues) == expected

    @pytest.mark.parametrize("phrase", ["tre han", "con cham", "chua hoan thanh", "cao"])
    def test_phrase_pattern_matches_like_the_lookbehind_form(self, phrase):
        words = [re.escape(w) for w in phrase.split()]
        old = re.compile(r"(?<![0-9a-z])" + r"[\s,.\-–]*".join(words) + r"(?![0-9a-z])")
        new = re.compile(phrase_pattern(phrase))
        text = f"{phrase}, x{phrase} {phrase}s 9{phrase} ({phrase}) -{phrase}. {phrase}"
        text += " " + phrase.replace(" ", " , ") + " " + phrase.replace(" ", "-")
        assert [m.span() for m in new.finditer(text)] == [m.span() for m in old.finditer(text)]

    def test_items_inside_equals_the_scan(self):
        rng = random.Random(5)
        items = sorted(
            (Span(s, s + rng.randint(1, 9)) for s in (rng.randint(0, 200) for _ in range(80))),
            key=lambda s: s.start,
        )
        indexed = SortedSpans(items)
        for _ in range(100):
            a = rng.randint(0, 210)
            span = Span(a, a + rng.randint(0, 40))
            expected = [i for i in items if span.start <= i.start and i.end <= span.end]
            assert items_inside(indexed, span) == expected
            assert items_inside(items, span) == expected


class TestSizeLimit:
    def run_cli(self, path: Path, limit_mb: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "ANALYSIS_MEETING_REPORT_MAX_MB": limit_mb}
        return subprocess.run(
            [sys.executable, "-m", "analysis", "meeting-extract", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    def test_a_report_above_the_limit_is_refused_with_one_line(self, tmp_path):
        path = tmp_path / "qua_lon.txt"
        path.write_text(build_report(0.05), encoding="utf-8")
        result = self.run_cli(path, "0.01")
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "qua_lon.txt" in result.stderr and "ANALYSIS_MEETING_REPORT_MAX_MB" in result.stderr
        assert result.stdout == ""

    def test_a_report_below_the_limit_is_read(self, tmp_path):
        path = tmp_path / "vua.txt"
        path.write_text(build_report(0.005), encoding="utf-8")
        result = self.run_cli(path, "0.5")
        assert result.returncode == 0, result.stderr
        assert '"mentions"' in result.stdout
