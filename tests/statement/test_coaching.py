"""Behaviour of the coaching rules (actions.statement.coaching): codes, offsets, edge cases, CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from actions.statement.coaching import ALL_CODES, CODES_BY_STEP, Finding, analyze
from actions.statement.coaching.metrics import evaluate, load_cases

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "statement" / "coaching_cases.jsonl"


def spans(step: str, text: str) -> list[tuple[str, str]]:
    return [(f.code, text[f.start : f.end]) for f in analyze(step, text)]


def codes(step: str, text: str) -> set[str]:
    return {f.code for f in analyze(step, text)}


# --- each code, with the exact flagged span ----------------------------------------

FLAGGED = [
    ("describe", "You always forget to lock the door", "ABSOLUTE", "always"),
    ("describe", "we never talk anymore 😞", "ABSOLUTE", "never"),
    ("describe", "Every single time I ask, you sigh", "ABSOLUTE", "Every single time"),
    ("describe", "you do nothing around here", "ABSOLUTE", "nothing"),
    ("describe", "you’re on your phone all the time", "ABSOLUTE", "all the time"),
    ("describe", "you haven't once asked about my job", "ABSOLUTE", "haven't once"),
    ("describe", "You’re so lazy", "LABEL", "lazy"),
    ("describe", "you're such a child when you lose", "LABEL", "child"),
    ("describe", "you selfish jerk", "LABEL", "selfish jerk"),
    ("describe", "That was really inconsiderate", "LABEL", "inconsiderate"),
    ("describe", "You don’t care about me", "YOU_BLAME", "You don’t care"),
    ("describe", "you ruined my birthday", "YOU_BLAME", "you ruined"),
    ("describe", "You make me so angry", "YOU_BLAME", "You make me"),
    ("describe", "you only think about yourself", "YOU_BLAME", "you only think"),
    ("describe", "It's all your fault", "YOU_BLAME", "all your fault"),
    ("feel", "I feel that you don't care", "THOUGHT_AS_FEELING", "I feel that"),
    ("feel", "i feel like u never listen", "THOUGHT_AS_FEELING", "i feel like"),
    ("feel", "I feel as though I'm alone in this", "THOUGHT_AS_FEELING", "I feel as though"),
    ("feel", "I feel you don't want me here", "THOUGHT_AS_FEELING", "I feel you"),
    ("feel", "I feel ignored", "FAUX_FEELING", "ignored"),
    ("feel", "I feel taken for granted 😔", "FAUX_FEELING", "taken for granted"),
    ("feel", "I felt so criticised", "FAUX_FEELING", "criticised"),
    ("feel", "I FELT CRITICIZED", "FAUX_FEELING", "CRITICIZED"),
    ("feel", "  you came home late again ", "NO_FEELING", "you came home late again"),
    ("request", "Stop interrupting me", "NEGATIVE_REQUEST", "Stop"),
    ("request", "please don’t yell at me", "NEGATIVE_REQUEST", "don’t"),
    ("request", "Can you not smoke in the car", "NEGATIVE_REQUEST", "Can you not"),
    ("request", "No more phones in bed", "NEGATIVE_REQUEST", "No more"),
    ("request", "Be more supportive", "VAGUE_REQUEST", "Be more supportive"),
    ("request", "I want you to try harder", "VAGUE_REQUEST", "try harder"),
    ("request", "Respect me.", "VAGUE_REQUEST", "Respect me"),
    ("request", "You have to call me", "DEMAND", "You have to"),
    ("request", "you’d better be home by 10", "DEMAND", "you’d better"),
    ("request", "Clean up tonight or else", "DEMAND", "or else"),
    (
        "request",
        "If you don't call by 6, I'm leaving",
        "DEMAND",
        "If you don't call by 6, I'm leaving",
    ),
]


@pytest.mark.parametrize(("step", "text", "code", "flagged"), FLAGGED)
def test_flags_code_with_exact_span(step: str, text: str, code: str, flagged: str) -> None:
    assert (code, flagged) in spans(step, text)


def test_every_code_is_exercised_above() -> None:
    assert {code for _, _, code, _ in FLAGGED} == set(ALL_CODES)


def test_several_findings_sorted_by_start() -> None:
    text = "You never help and you're so lazy, you ruin everything"
    found = analyze("describe", text)
    assert [f.start for f in found] == sorted(f.start for f in found)
    assert [(f.code, text[f.start : f.end]) for f in found] == [
        ("ABSOLUTE", "never"),
        ("LABEL", "lazy"),
        ("YOU_BLAME", "you ruin"),
        ("ABSOLUTE", "everything"),
    ]


def test_thought_and_faux_can_fire_together() -> None:
    assert codes("feel", "I feel like I'm being ignored") == {
        "THOUGHT_AS_FEELING",
        "FAUX_FEELING",
    }


def test_demand_and_negative_request_together() -> None:
    assert codes("request", "You need to stop yelling at me") == {"DEMAND", "NEGATIVE_REQUEST"}


# --- hard negatives ---------------------------------------------------------------

CLEAN = [
    ("describe", "I don't think you're lazy"),
    ("describe", "I'm not saying you're selfish, but you booked the trip without asking"),
    ("describe", "You're not always late, but on Friday you were 40 minutes late"),
    ("describe", "It’s not every time, but twice this week you forgot the kids"),
    ("describe", 'he said "you never listen" and went to bed'),
    ("describe", "you told me “you’re always nagging” when I asked"),
    ("describe", "He called me 'selfish' and left"),
    ("describe", "I never got a chance to finish"),
    ("describe", "I always feel nervous when you raise your voice"),
    ("describe", "My boss always emails on Sundays"),
    ("describe", "Everything was fine until Tuesday"),
    ("describe", "you said nothing when my mum asked about the wedding"),
    ("describe", "On Tuesday you came home at 11 and didn't text me"),
    ("feel", "I feel sad that you left"),
    ("feel", "I feel worried that you'll leave"),
    ("feel", "I feel like crying"),
    ("feel", "I’m hurt 💔"),
    ("feel", "I don’t feel safe when you drive fast"),
    ("request", "Could you stop by the pharmacy on the way home?"),
    ("request", "If you have to work late, could you text me by 6?"),
    ("request", "You don't have to do it today, but could you book the dentist by Friday?"),
    ("request", "Don't forget to call your mum on Friday"),
    ("request", "Why don't we cook together on Wednesday?"),
    ("request", "Would you be more patient when I'm learning to drive on Sundays?"),
    ("request", "you must be tired, could you rest tonight?"),
    ("request", "Would you be willing to put your phone away during dinner tonight?"),
]


@pytest.mark.parametrize(("step", "text"), CLEAN)
def test_hard_negatives_have_no_findings(step: str, text: str) -> None:
    assert analyze(step, text) == []


def test_absolute_still_fires_next_to_a_negated_one() -> None:
    assert spans("describe", "you don't always call, and you never text") == [("ABSOLUTE", "never")]


def test_label_words_aimed_at_the_speaker_are_not_labels() -> None:
    assert codes("describe", "you made me look like an idiot in front of Sam") == {"YOU_BLAME"}
    assert codes("describe", "you told me I was being dramatic") == set()


def test_scare_quotes_are_still_analysed() -> None:
    assert codes("feel", 'I feel "ignored"') == {"FAUX_FEELING"}


def test_faux_word_used_as_accusation_is_no_feeling() -> None:
    assert codes("feel", "you ignored me at the party") == {"NO_FEELING"}


def test_faux_suggestion_offers_fitting_real_feelings() -> None:
    (finding,) = analyze("feel", "I feel abandoned")
    assert "lonely" in finding.suggestion
    assert '"abandoned"' in finding.suggestion


# --- input edge cases -----------------------------------------------------------------


def test_unknown_step_raises() -> None:
    with pytest.raises(ValueError, match="unknown step"):
        analyze("apologise", "sorry")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(text: str) -> None:
    assert analyze("describe", text) == []
    assert analyze("request", text) == []
    (finding,) = analyze("feel", text)
    assert (finding.code, finding.start, finding.end) == ("NO_FEELING", 0, len(text))


@pytest.mark.parametrize(
    ("step", "text"),
    [
        ("describe", "Ты никогда меня не слушаешь"),
        ("describe", "Tu ne m'écoutes jamais"),
        ("feel", "Ich bin so traurig und müde"),
        ("feel", "我很难过"),
        ("request", "Deja de gritarme, por favor"),
    ],
)
def test_other_languages_do_not_crash_or_guess(step: str, text: str) -> None:
    assert analyze(step, text) == []


def test_offsets_count_characters_after_emoji() -> None:
    text = "😡😡👩‍❤️‍👨 you ALWAYS lie"
    (finding,) = analyze("describe", text)
    assert text[finding.start : finding.end] == "ALWAYS"


def test_long_text_is_analysed_whole() -> None:
    """Speed on 4000-character texts is printed by benchmarks/coaching_quality.py."""
    text = ("You never listen 😡 and you’re so lazy. I feel like you don't care. " * 60)[:4000]
    for step in CODES_BY_STEP:
        found = analyze(step, text)
        assert all(0 <= f.start < f.end <= len(text) for f in found)
    assert len(analyze("describe", text)) > 100


def test_finding_is_frozen_and_serialisable() -> None:
    (finding,) = analyze("describe", "you never call")
    assert isinstance(finding, Finding)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "LABEL"  # type: ignore[misc]
    assert finding.to_dict() == {
        "code": "ABSOLUTE",
        "start": 4,
        "end": 9,
        "suggestion": finding.suggestion,
    }


@pytest.mark.parametrize(("step", "text", "code", "flagged"), FLAGGED)
def test_suggestions_are_short_and_offer_an_example(
    step: str, text: str, code: str, flagged: str
) -> None:
    for finding in analyze(step, text):
        assert len(finding.suggestion) <= 200
        assert "you" in finding.suggestion.lower()  # addressed to the writer
        assert finding.suggestion.count('"') >= 2  # carries an example rewrite


def test_import_does_no_work() -> None:
    code = (
        "import importlib, pkgutil, sys, actions.statement.coaching as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'actions.statement.coaching.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert 'spacy' not in sys.modules, 'spaCy imported at import time'\n"
        "assert not any(m.startswith(('rasa', 'rasa_sdk')) for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# --- CLI ----------------------------------------------------------------------------


def test_cli_jsonl_round_trip() -> None:
    lines = [
        json.dumps({"step": "describe", "text": "You’re ALWAYS late 😡"}, ensure_ascii=False),
        "this is not json",
        json.dumps({"step": "dance", "text": "hi"}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"step": "feel", "text": "Je suis triste"}),
        json.dumps({"step": "request", "text": "Could you call me at lunch tomorrow?"}),
        json.dumps({"step": "feel", "text": "I feel “ignored” 😔"}, ensure_ascii=False),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "actions.statement.coaching", "--jsonl"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    (absolute,) = out[0]["findings"]
    assert absolute["code"] == "ABSOLUTE"
    assert "You’re ALWAYS late 😡"[absolute["start"] : absolute["end"]] == "ALWAYS"
    assert set(absolute) == {"code", "start", "end", "suggestion"}
    for bad in out[1:5]:
        assert bad["findings"] == [] and bad["error"]
    assert out[5] == {"findings": []}
    assert out[6] == {"findings": []}
    assert [f["code"] for f in out[7]["findings"]] == ["FAUX_FEELING"]
    assert "…" in result.stdout and "\\u" not in result.stdout  # raw UTF-8, not escapes


# --- labelled data and quality ------------------------------------------------------


def test_labelled_cases_are_well_formed_and_cover_every_code() -> None:
    cases = load_cases(CASES)  # raises on a malformed line
    assert len(cases) >= 240
    positives: Counter[str] = Counter()
    for case in cases:
        assert case.codes <= set(CODES_BY_STEP[case.step]), case
        positives.update(case.codes)
    assert sum(1 for case in cases if not case.codes) >= 60
    assert all(positives[code] >= 20 for code in ALL_CODES), positives


def test_precision_and_recall_per_code_on_labelled_cases() -> None:
    report = evaluate(load_cases(CASES))
    for code, score in report.scores.items():
        assert score.precision >= 0.90, (code, score, report.mistakes)
        assert score.recall >= 0.90, (code, score, report.mistakes)


# --- blind set (written before the rules were read) and its regressions ------------

BLIND = ROOT / "tests" / "statement" / "coaching_blind.jsonl"
REGRESSIONS = ROOT / "tests" / "statement" / "coaching_regressions.jsonl"


def test_blind_cases_are_well_formed_and_cover_every_code() -> None:
    cases = load_cases(BLIND)
    assert len(cases) >= 160
    positives: Counter[str] = Counter()
    for case in cases:
        assert case.codes <= set(CODES_BY_STEP[case.step]), case
        positives.update(case.codes)
    clean = sum(1 for case in cases if not case.codes)
    assert 0.3 * len(cases) <= clean <= 0.4 * len(cases)
    assert all(positives[code] >= 10 for code in ALL_CODES), positives


def test_precision_and_recall_per_code_on_blind_cases() -> None:
    report = evaluate(load_cases(BLIND))
    for code, score in report.scores.items():
        assert score.precision >= 0.90, (code, score, report.mistakes)
        assert score.recall >= 0.90, (code, score, report.mistakes)


def test_fixed_blind_misses_stay_fixed() -> None:
    cases = load_cases(REGRESSIONS)
    for case in cases:
        assert case.codes <= set(CODES_BY_STEP[case.step]), case
    assert evaluate(cases).mistakes == []
