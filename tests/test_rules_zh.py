"""The Chinese coaching rules, through timed transcripts (no Chinese speech model needed).

Each test writes a small JSONL transcript and runs it through `analyze_transcript` with
language="zh", or through `coach-app analyze --transcript ... --lang zh --json`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from coach_app.batch import analyze_transcript
from coach_app.events import Nudge, SpeechStarted, Words
from coach_app.prompts import default_rules
from coach_app.prompts.runner import RuleRunner
from coach_app.report.timeline import nudge_records
from coach_app.settings import Settings
from coach_app.transcript import load_transcript
from conftest import run_cli

ZH = replace(Settings(), language="zh")

# --- helpers -------------------------------------------------------------------------------------


def line(channel: str, t0: float, t1: float, text: str, **extra: object) -> dict:
    return {"channel": channel, "t0": t0, "t1": t1, "text": text, **extra}


def write(tmp_path: Path, lines: list[dict], name: str = "call.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in lines), encoding="utf-8")
    return path


def analyze(tmp_path: Path, lines: list[dict]) -> list[dict]:
    """Nudge records (kind, t, outcome, ...) of the transcript, analysed as Chinese."""
    return nudge_records(analyze_transcript(load_transcript(write(tmp_path, lines)), ZH).events)


def of(records: list[dict], kind: str) -> list[tuple[float, str]]:
    return [(r["t"], r["outcome"]) for r in records if r["kind"] == kind]


def missed(records: list[dict]) -> list[tuple[str, float]]:
    return [(r["kind"], r["t"]) for r in records if r["outcome"] == "missed"]


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    code, out, err = run_cli(capsys, "analyze", *argv, "--json")
    assert code == 0, err
    return [json.loads(row) for row in out.splitlines()]


ASKED_ANYTHING_ELSE = line("agent", 200.0, 202.0, "请问还有什么可以帮您的吗？")  # a proper close, for calls about other things


# --- label_emotion -------------------------------------------------------------------------------


def test_anxious_customer_labelled_with_tingqilai_is_satisfied(tmp_path):
    records = analyze(tmp_path, [
        line("customer", 0.0, 3.0, "我真的很着急，钱到现在还没到账"),
        line("agent", 5.5, 9.0, "听起来您很着急，我来帮您查一下。"),
        ASKED_ANYTHING_ELSE,
    ])
    assert of(records, "label_emotion") == [(3.0, "satisfied")]


def test_angry_customer_without_a_label_is_missed(tmp_path):
    records = analyze(tmp_path, [
        line("customer", 0.0, 3.0, "我很生气，你们怎么能这样"),
        line("agent", 5.5, 8.0, "请提供一下您的订单号。"),
        line("customer", 9.0, 10.0, "一二三四五六"),
        ASKED_ANYTHING_ELSE,
    ])
    assert of(records, "label_emotion") == [(3.0, "missed")]


def test_polite_mafan_nin_is_not_an_emotion(tmp_path):
    # "麻烦您了" is "thank you for your trouble", said at the end of good calls; it contains 烦 but is no complaint.
    records = analyze(tmp_path, [
        line("agent", 0.0, 3.0, "好的，已经为您登记好了，请问还有什么可以帮您的吗？"),
        line("customer", 5.0, 7.0, "没有了，麻烦您了，谢谢"),
    ])
    assert of(records, "label_emotion") == []


# --- help_offer ----------------------------------------------------------------------------------


def test_charged_twice_then_i_will_handle_it_is_satisfied(tmp_path):
    records = analyze(tmp_path, [
        line("customer", 0.0, 3.0, "我的信用卡被扣了两次"),
        line("agent", 5.5, 8.0, "我来帮您处理。"),
        ASKED_ANYTHING_ELSE,
    ])
    assert of(records, "help_offer") == [(3.0, "satisfied")]


def test_charged_twice_without_assurance_for_two_turns_is_missed(tmp_path):
    records = analyze(tmp_path, [
        line("customer", 0.0, 3.0, "我的信用卡被扣了两次"),
        line("agent", 5.5, 7.0, "请问您的卡号是多少？"),
        line("customer", 8.0, 10.0, "六二二二八八八八"),
        line("agent", 12.5, 14.0, "请问是哪一天的交易？"),
        line("customer", 15.0, 16.0, "昨天"),
        ASKED_ANYTHING_ELSE,
    ])
    assert of(records, "help_offer") == [(3.0, "missed")]


# --- timeframe -----------------------------------------------------------------------------------


def test_jinkuai_without_a_concrete_time_is_missed(tmp_path):
    records = analyze(tmp_path, [line("agent", 0.0, 3.0, "我们会尽快给您退款。"), line("customer", 4.0, 5.0, "好的"),
                                 line("agent", 6.0, 7.0, "感谢您的耐心。"), ASKED_ANYTHING_ELSE])
    assert of(records, "timeframe") == [(3.0, "missed")]


@pytest.mark.parametrize("concrete", ["两个工作日内", "明天下午三点前", "下周一"])
def test_jinkuai_with_a_concrete_time_in_the_same_turn_is_fine(tmp_path, concrete):
    records = analyze(tmp_path, [line("agent", 0.0, 4.0, f"我们会尽快给您退款，{concrete}到账。"), ASKED_ANYTHING_ELSE])
    assert all(outcome == "satisfied" for _, outcome in of(records, "timeframe"))


def test_jinkuai_then_concrete_time_in_the_next_turn_is_satisfied(tmp_path):
    records = analyze(tmp_path, [
        line("agent", 0.0, 3.0, "我们会尽快给您退款。"),
        line("customer", 4.0, 5.0, "具体是什么时候？"),
        line("agent", 6.0, 8.0, "明天下午三点前会到账。"),
        ASKED_ANYTHING_ELSE,
    ])
    assert of(records, "timeframe") == [(3.0, "satisfied")]


def test_mashang_bang_nin_is_an_assurance_not_a_vague_promise(tmp_path):
    # The lexicon lists "我马上帮您" as an assurance; the same words must not also be a vague time.
    records = analyze(tmp_path, [
        line("customer", 0.0, 3.0, "我的信用卡被扣了两次"),
        line("agent", 5.5, 8.0, "我马上帮您查一下。"),
        ASKED_ANYTHING_ELSE,
    ])
    assert of(records, "help_offer") == [(3.0, "satisfied")]
    assert of(records, "timeframe") == []


# --- why_question, hollow_apology, monologue, closing -------------------------------------------


def test_weishenme_nin_is_a_missed_why_question(tmp_path):
    records = analyze(tmp_path, [line("agent", 0.0, 3.0, "为什么您不早点联系我们？"), ASKED_ANYTHING_ELSE])
    assert of(records, "why_question") == [(3.0, "missed")]


def test_scripted_apology_is_missed(tmp_path):
    records = analyze(tmp_path, [line("agent", 0.0, 3.0, "给您带来的不便深表歉意。"), ASKED_ANYTHING_ELSE])
    assert of(records, "hollow_apology") == [(3.0, "missed")]


def test_personal_apology_is_not_hollow(tmp_path):
    records = analyze(tmp_path, [line("agent", 0.0, 3.0, "这件事给您添麻烦了，真的很抱歉。"), ASKED_ANYTHING_ELSE])
    assert of(records, "hollow_apology") == []


def test_forty_five_seconds_of_agent_talk_is_a_monologue(tmp_path):
    records = analyze(tmp_path, [line("agent", 0.0, 45.0, "我给您详细介绍一下我们的退款流程。"), ASKED_ANYTHING_ELSE])
    assert of(records, "monologue") == [(40.0, "missed")]


def test_call_ending_without_anything_else_is_a_missed_closing(tmp_path):
    records = analyze(tmp_path, [line("agent", 0.0, 3.0, "您好，请问有什么可以帮您？"), line("customer", 4.0, 6.0, "没事了，再见")])
    assert of(records, "closing") == [(4.0, "missed")]


def test_asking_anything_else_near_the_end_closes_well(tmp_path):
    records = analyze(tmp_path, [line("agent", 0.0, 3.0, "您好。"), line("agent", 4.0, 6.0, "请问还有什么可以帮您的吗？"),
                                 line("customer", 7.0, 8.0, "没有了，再见")])
    assert of(records, "closing") == []


# --- pause ---------------------------------------------------------------------------------------


def test_quick_reply_to_a_problem_is_a_missed_pause(tmp_path):
    records = analyze(tmp_path, [line("customer", 0.0, 4.0, "我的包裹一直没到，也没人联系我"),
                                 line("agent", 4.5, 6.0, "请提供订单号。"), ASKED_ANYTHING_ELSE])
    assert of(records, "pause") == [(4.5, "missed")]


def test_quick_empathic_reply_retracts_the_pause(tmp_path):
    records = analyze(tmp_path, [line("customer", 0.0, 4.0, "我的包裹一直没到，也没人联系我"),
                                 line("agent", 4.5, 6.0, "非常抱歉，我来帮您处理。"), ASKED_ANYTHING_ELSE])
    assert of(records, "pause") == [(4.5, "retracted")]


def test_quick_answer_to_a_long_plain_question_is_no_missed_pause(tmp_path):
    records = analyze(tmp_path, [line("customer", 0.5, 5.6, "你好，我想问一下你们市中心那家营业厅周六几点开门？"),
                                 line("agent", 6.3, 8.5, "您好，周六早上九点开门。"), ASKED_ANYTHING_ELSE])
    assert of(records, "pause") == []


# --- confidence and partial results --------------------------------------------------------------


@pytest.mark.parametrize("conf, expected", [(0.2, []), (0.9, [(2.0, "missed")])])
def test_a_single_unsure_word_never_fires(tmp_path, conf, expected):
    records = analyze(tmp_path, [
        line("customer", 0.0, 2.0, "我很着急", words=[{"text": "我", "start": 0.0, "end": 0.5, "conf": 0.95},
                                                  {"text": "很", "start": 0.5, "end": 1.0, "conf": 0.95},
                                                  {"text": "着急", "start": 1.0, "end": 2.0, "conf": conf}]),
        ASKED_ANYTHING_ELSE,
    ])
    assert of(records, "label_emotion") == expected


def test_partial_does_not_fire_on_a_channel_with_no_sure_words_yet():
    # Event level: transcripts have no partials. Same contract as English: partials carry no confidence,
    # so they are trusted only on a channel whose recent final words were sure.
    runner = RuleRunner(default_rules(ZH))
    out = runner.dispatch([SpeechStarted("customer", 0.0), Words("customer", 0.0, 1.5, "我真的很着急，你们", (), False)])
    assert [e for e in out if isinstance(e, Nudge)] == []


# --- whole calls and the CLI ---------------------------------------------------------------------

GOOD_CALL = [
    line("agent", 0.0, 3.0, "您好，这里是客服中心，请问有什么可以帮您？"),
    line("customer", 4.0, 9.0, "我的信用卡被扣了两次，我很着急，这笔钱是给孩子看病用的"),
    line("agent", 11.5, 16.0, "听起来您很着急，我来帮您处理。请问您的卡号是多少？"),
    line("customer", 17.0, 19.0, "六二二二八八八八"),
    line("agent", 21.0, 26.0, "已经为您提交退款，两个工作日内会退回到您的卡上。"),
    line("customer", 27.0, 28.0, "好的"),
    line("agent", 29.0, 32.0, "请问还有什么可以帮您的吗？"),
    line("customer", 33.0, 34.5, "没有了，谢谢，再见"),
]

BAD_CALL = [
    line("customer", 0.0, 5.0, "我的信用卡被扣了两次，我真的很生气"),
    line("agent", 5.3, 8.0, "为什么您没有早点查看账单？"),
    line("customer", 9.0, 10.0, "我刚看到"),
    line("agent", 11.0, 14.0, "给您带来的不便深表歉意，我们会尽快处理"),
    line("customer", 15.0, 16.0, "好吧"),
    line("agent", 17.0, 60.0, "我给您完整介绍一下我们的退款政策"),
    line("customer", 61.0, 62.0, "再见"),
]


def test_a_good_chinese_call_gets_no_missed_nudges(tmp_path):
    assert missed(analyze(tmp_path, GOOD_CALL)) == []


def test_a_bad_chinese_call_gets_a_missed_nudge_of_every_word_and_time_kind(tmp_path):
    kinds = {kind for kind, _ in missed(analyze(tmp_path, BAD_CALL))}
    assert kinds == {"pause", "label_emotion", "help_offer", "timeframe", "why_question", "hollow_apology",
                     "monologue", "closing"}


def test_cli_zh_json_matches_the_api(tmp_path, capsys):
    path = write(tmp_path, BAD_CALL)
    rows = cli_json(capsys, "--transcript", str(path), "--lang", "zh")
    cli_nudges = [r for r in rows if r["type"] == "nudge"]
    assert cli_nudges == nudge_records(analyze_transcript(load_transcript(path), ZH).events)
    assert [r["text"] for r in rows if r["type"] == "words"] == [obj["text"] for obj in BAD_CALL]
    assert rows[-1]["type"] == "summary" and rows[-1]["engine"] == "transcript"


def test_cli_prints_chinese_unescaped(tmp_path, capsys):
    path = write(tmp_path, BAD_CALL)
    code, out, _ = run_cli(capsys, "analyze", "--transcript", str(path), "--lang", "zh", "--json")
    assert code == 0 and "扣了两次" in out and "\\u" not in out


def test_cli_language_defaults_to_the_settings_file(tmp_path, capsys):
    path = write(tmp_path, BAD_CALL)
    settings = tmp_path / "settings.toml"
    settings.write_text('language = "zh"\n', encoding="utf-8")
    from_settings = cli_json(capsys, "--transcript", str(path), "--settings", str(settings))
    from_flag = cli_json(capsys, "--transcript", str(path), "--lang", "zh")
    assert [r for r in from_settings if r["type"] == "nudge"] == [r for r in from_flag if r["type"] == "nudge"]
    assert any(r["type"] == "nudge" and r["kind"] == "why_question" for r in from_flag)


def test_same_transcript_twice_gives_the_same_nudges(tmp_path):
    assert analyze(tmp_path, BAD_CALL) == analyze(tmp_path, BAD_CALL)
