"""Chinese text on the screens: the Chinese demo with a long paragraph (no space to break at),
its spans, a run's suggestions, and Review's error boxes and attribution overlay, drawn with a
font that has the glyphs and wrapped inside the view.  The PNGs are written to /tmp/cjk_shots
to be looked at."""
from __future__ import annotations

import pathlib

import pytest

pytestmark = pytest.mark.ui
SHOTS = pathlib.Path("/tmp/cjk_shots")
# Two paragraphs of the demo's made-up world, long enough to wrap several times.
LONG_GOLD = ("星澜今天在上海发布了星澜X5手机，王小明在发布会上说这款手机的电池比上一代更耐用。云杉也宣布云杉Air 3"
             "将于下个月在北京开卖，李娜认为两家公司的竞争会让价格更低。青禾的负责人陈静表示，青禾Pad 2在深圳和杭州"
             "的门店都已经卖完了。")
LONG_NEW = ("据报道，墨石计划在成都开设第二家旗舰店，张伟说墨石耳机Pro的音质很好。朗月的朗月音箱mini在广州卖得不错，"
            "赵敏在南京的门店买了两台，她觉得价格比北辰手表S便宜多了。")
ENTITIES = {"星澜X5手机": "PRODUCT", "云杉Air 3": "PRODUCT", "青禾Pad 2": "PRODUCT", "王小明": "PER", "李娜": "PER",
            "陈静": "PER", "上海": "LOC", "北京": "LOC", "深圳": "LOC", "杭州": "LOC", "星澜": "ORG", "云杉": "ORG",
            "青禾": "ORG"}


def gold_spans(text: str):
    from workbench.spans import Span, place_span

    spans: list = []
    for name, label in sorted(ENTITIES.items(), key=lambda kv: -len(kv[0])):   # products before their brands
        at = text.find(name)
        while at >= 0:
            if not any(s.start < at + len(name) and at < s.end for s in spans):
                spans = place_span(spans, Span(at, at + len(name), label))
            at = text.find(name, at + len(name))
    return spans


@pytest.fixture(scope="module")
def zh_trained(tmp_path_factory):
    """The Chinese demo with the two paragraphs, and a NER run of a tiny character-vocabulary BERT."""
    from inference_support import train_run
    from tiny_bert import make_tiny_bert
    from workbench.demo import ensure_demo_project
    from workbench.store import NewDocument, Store

    root = tmp_path_factory.mktemp("zh_display")
    project = ensure_demo_project(root / "zh.db", lang="zh")
    with Store(project) as store:
        store.add_documents([NewDocument(LONG_GOLD, spans=gold_spans(LONG_GOLD), split="dev"),
                             NewDocument(LONG_NEW, split="train")])
        texts = [store.document(i).text for i in range(1, store.document_count() + 1)]
    chars = sorted({c for t in texts for c in t if not c.isspace() and not c.isascii()})
    base = make_tiny_bert(root / "base", [*chars, "x5", "air", "pad", "pro", "mini", "s"])
    run = train_run(project, "ner", base, root / "runs", epochs=15)
    assert run.status == "done", run.message
    return project, run


def test_chinese_document_with_spans_suggestions_and_attribution(qtbot, tmp_path, zh_trained):
    import shutil

    from PySide6.QtCore import Qt

    from conftest import open_main_window

    project = tmp_path / "zh.db"
    shutil.copy2(zh_trained[0], project)
    win = open_main_window(qtbot, project, 1400, 880)
    SHOTS.mkdir(exist_ok=True)
    store = win.store
    gold_id, new_id = store.document_count() - 1, store.document_count()

    # Review: pre-annotate with the run, then its errors and an attribution on the long paragraph
    win.tabs.setCurrentIndex(next(i for i in range(win.tabs.count()) if win.tabs.tabText(i) == "Review"))
    panel = win.screen("Review")
    panel.run_box.setCurrentIndex(panel.run_box.findData(zh_trained[1].run_id))
    qtbot.waitUntil(lambda: not panel.jobs.busy and panel.review is not None, timeout=60_000)
    panel.preannotate_button.click()
    qtbot.waitUntil(lambda: not panel.jobs.busy and "Pre-annotated" in panel.summary.text(), timeout=60_000)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.jobs.busy and panel.review is not None and gold_id in panel.review.predictions,
                    timeout=60_000)
    panel.show_document(gold_id)
    assert panel.view.text == LONG_GOLD and len(panel.view._doc) >= 2       # the paragraph wraps
    _assert_wrapped_with_glyphs(panel.view, LONG_GOLD)
    win.grab().save(str(SHOTS / "zh_review_errors.png"))
    panel.explain.mode_box.setCurrentIndex(panel.explain.mode_box.findData("attribution"))
    qtbot.waitUntil(lambda: panel.view._heat is not None and not panel.explain.jobs.busy, timeout=60_000)
    assert panel.view._heat.shape == (len(panel.view._words),) and len(panel.view._words) > len(LONG_GOLD) * 0.8
    win.grab().save(str(SHOTS / "zh_review_attribution.png"))
    panel.explain.mode_box.setCurrentIndex(0)

    # Annotate: the new paragraph with the run's suggestions, one entity labeled by keys
    win.tabs.setCurrentWidget(win.annotate)
    win.annotate.open_doc(new_id)
    view = win.annotate.view
    view.setFocus()
    layer = win.annotate.suggestions
    assert layer.spans, "the run suggested no entity in the new paragraph"
    _assert_wrapped_with_glyphs(view, LONG_NEW)
    at = LONG_NEW.index("张伟")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.point_for_char(at))    # on 张
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)                    # and 伟
    qtbot.keyClick(view, Qt.Key.Key_1)                                                            # PER
    assert ("张伟", "PER") in [(LONG_NEW[s.start:s.end], s.label) for s in store.annotation(new_id, "ner").spans]
    win.grab().save(str(SHOTS / "zh_annotate_spans_suggestions.png"))
    panel.shutdown()
    win.close()


def _assert_wrapped_with_glyphs(view, text: str) -> None:
    """Every line fits the view, lines break between Chinese characters (not only at spaces),
    and the fonts drawing the text have a glyph for each character."""
    width = view.viewport().width()
    lines = [view._doc[i] for i in range(len(view._doc))]
    assert len(lines) >= 2
    assert all(info.line.naturalTextWidth() <= width for info in lines)
    assert any(text[info.end - 1] != " " and info.end < len(text) for info in lines[:-1])
    # glyph 0 is a font's "missing glyph" box (tofu): no run may hold one
    runs = [(run.rawFont().familyName(), list(run.glyphIndexes())) for info in lines for run in info.line.glyphRuns()]
    assert sum(len(glyphs) for _, glyphs in runs) >= len(text.replace(" ", "")) * 0.9
    tofu = [family for family, glyphs in runs if 0 in glyphs]
    assert not tofu, f"characters drawn as boxes by {tofu}: install a CJK font (Debian/Ubuntu: fonts-noto-cjk)"
    # Chinese glyph shapes for Chinese text where a Chinese font is installed, not the Japanese
    # font a system often picks first for Han characters
    from PySide6.QtGui import QFontDatabase

    if "Noto Sans CJK SC" in QFontDatabase.families():
        assert {family for family, _ in runs} & {"Noto Sans CJK SC"} and not any("JP" in f for f, _ in runs), runs
