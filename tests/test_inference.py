"""Predictor, BIO repair with confidence, attention, integrated gradients, ONNX (tiny trained runs)."""
from __future__ import annotations

import numpy as np
import pytest

from inference_support import one_cpu, trained
from workbench.inference.attention import attention_row, piece_words, rollout, word_scores
from workbench.inference.records import uncertainty
from workbench.tasks.entity_predictions import NerPrediction, ScoredSpan, scored_spans
from workbench.spans import Span, Token, tokenize


@pytest.fixture(scope="module")
def runs():
    built = trained()
    from workbench.inference.predictor import Predictor

    with one_cpu():
        yield {"ner": Predictor(built["ner"].model_dir, device="cpu"),
               "sentiment": Predictor(built["sentiment"].model_dir, device="cpu")}


def doc(text: str, doc_id: int = 1):
    from workbench.inference.predictor import as_document

    return as_document(text, doc_id)


# ---- BIO repair -------------------------------------------------------------------------
def test_broken_bio_is_repaired_into_spans_with_mean_confidence():
    words = tokenize("zed alice bob works at acme")
    tags = ["O", "I-PER", "I-PER", "O", "O", "I-ORG"]   # no B- anywhere
    conf = np.array([0.9, 0.6, 0.8, 0.9, 0.9, 0.5], dtype=np.float32)
    spans = scored_spans(words, tags, conf)
    assert [s.span for s in spans] == [Span(4, 13, "PER"), Span(23, 27, "ORG")]
    assert spans[0].confidence == pytest.approx(0.7)
    assert spans[1].confidence == pytest.approx(0.5)


def test_type_change_inside_entity_starts_a_new_span():
    words = tokenize("a b c")
    spans = scored_spans(words, ["B-PER", "I-ORG", "I-ORG"], np.ones(3))
    assert [s.span for s in spans] == [Span(0, 1, "PER"), Span(2, 5, "ORG")]


def test_unseen_words_are_O_and_do_not_count_as_evidence():
    words = tokenize("alice works")
    probs = np.array([[0.1, 0.9, 0.0], [0.2, 0.8, 0.0]], dtype=np.float32)
    pred = NerPrediction(1, words, ["O", "B-PER", "I-PER"], probs, np.array([True, False]))
    assert pred.tags == ["B-PER", "O"]
    assert pred.gold_probability(["O", "B-PER"]).tolist() == pytest.approx([0.1, 1.0])
    assert uncertainty(pred)[0] == pytest.approx(0.9)


# ---- predictions of a tiny trained model ---------------------------------------------------
def test_ner_prediction_matches_the_hand_checked_case(runs):
    pred = runs["ner"].predict_one(doc("the alice visited acme in berlin ."))
    assert pred.tags == ["O", "B-PER", "O", "B-ORG", "O", "B-LOC", "O"]
    assert [s.span for s in pred.spans] == [Span(4, 9, "PER"), Span(18, 22, "ORG"), Span(26, 32, "LOC")]
    assert all(s.confidence > 0.5 for s in pred.spans), pred.spans
    assert pred.probs.shape == (7, 7) and np.allclose(pred.probs.sum(1), 1, atol=1e-5)


def test_word_pieces_map_to_the_labeling_words(runs):
    p = runs["ner"]
    enc = p.encode([doc("alice's bob")])[0]
    # "alice's" is one word for the labeler; its pieces alice ' s all map to word 0
    assert [w.text for w in enc.words] == ["alice's", "bob"]
    assert enc.word_ids[0] is None and enc.word_ids[-1] is None
    assert set(w for w in enc.word_ids if w is not None) == {0, 1}
    assert enc.first_word == [0, 1]
    assert piece_words([(0, 0), (0, 5), (5, 6), (8, 11)], [1, 0, 0, 0], [0, 8], [7, 11]) == [None, 0, 0, 1]


def test_sentiment_prediction_and_batch_order(runs):
    p = runs["sentiment"]
    texts = ["it was awful and boring", "the film was great fun", "", "a very terrible plot"]
    preds = p.predict([doc(t, i) for i, t in enumerate(texts)], batch_size=2)
    assert [x.doc_id for x in preds] == [0, 1, 2, 3]
    assert [preds[i].label for i in (0, 1, 3)] == ["negative", "positive", "negative"]
    assert preds[0].confidence > 0.9


def test_predict_stops_when_cancelled(runs):
    from workbench.jobs import Cancelled

    calls = []
    with pytest.raises(Cancelled):
        runs["sentiment"].predict([doc("good", i) for i in range(10)], batch_size=2,
                                  progress=calls.append, cancelled=lambda: len(calls) >= 2)
    assert len(calls) == 2 and [(p.done, p.total) for p in calls] == [(2, 10), (4, 10)]


# ---- attention ------------------------------------------------------------------------------
def test_attention_rows_sum_to_one_and_rollout_is_row_stochastic(runs):
    pred, enc, att = runs["ner"].predict_with_attention(doc("bob joined globex in lima ."))
    layers, heads, n, m = att.shape
    assert (layers, heads) == (2, 2) and n == m == len(enc.input_ids)
    for layer in (0, 1, None):
        for head in (0, 1, None):
            assert attention_row(att, 1, layer, head).sum() == pytest.approx(1.0, abs=1e-5)
    roll = rollout(att)
    assert np.allclose(roll.sum(-1), 1.0, atol=1e-6) and (roll >= 0).all()
    words = word_scores(attention_row(att, 0), enc.word_ids, len(enc.words))
    assert len(words) == 6 and 0 < words.sum() <= 1.0 + 1e-6
    assert pred.tags[0] == "B-PER"


def test_rollout_of_identity_attention_is_identity():
    att = np.tile(np.eye(4), (3, 2, 1, 1))
    assert np.allclose(rollout(att), np.eye(4))


# ---- integrated gradients ----------------------------------------------------------------
def model_output(pred, text: str, label: str, word: int | None = None, empty: bool = False) -> float:
    """The score (logit) of ``label`` computed here with a plain forward pass, on the text or on
    the all-[PAD] baseline (an independent check of the attribution's completeness)."""
    import torch

    enc = pred.encode([doc(text)])[0]
    ids = torch.tensor([enc.input_ids])
    if empty:
        special = torch.isin(ids, torch.tensor(pred.tokenizer.all_special_ids))
        ids = torch.where(special, ids, torch.full_like(ids, pred.tokenizer.pad_token_id))
    # the word case ids (models trained with them) are input, not attributed: the same in both
    types = torch.tensor([enc.type_ids]) if enc.type_ids is not None else None
    with torch.no_grad():
        logits = pred.model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=types).logits[0]
    if word is not None:
        logits = logits[dict(zip(enc.first_word, enc.first_piece))[word]]
    return float(logits[pred.labels.index(label)])


def test_integrated_gradients_completeness_sentiment(runs):
    from workbench.inference.attribution import integrated_gradients

    # Explain the sentence whose prediction the words change most (the empty baseline already
    # leans to one class); its cue word must carry the attribution.
    cases = []
    for text, cue, label in (("it was an awful film", "awful", "negative"), ("it was a great film", "great", "positive")):
        a = integrated_gradients(runs["sentiment"], doc(text), steps=256, internal_batch_size=64)
        assert a.label == label
        cases.append((a.output - a.baseline_output, a, cue))
    change, a, cue = max(cases, key=lambda c: c[0])
    assert change > 0.3
    text = a.enc.doc.text
    independent = model_output(runs["sentiment"], text, a.label) - model_output(runs["sentiment"], text, a.label,
                                                                                 empty=True)
    assert a.total == pytest.approx(independent, abs=0.02) and a.delta < 0.02
    assert [w.text for w in a.enc.words][int(np.argmax(a.word_scores))] == cue
    refined = integrated_gradients(runs["sentiment"], a.enc.doc, steps=8, max_steps=512, tolerance=0.005)
    assert refined.delta <= 0.005 or refined.steps == 512
    assert refined.steps >= 8


def test_integrated_gradients_for_a_selected_word_tag(runs):
    from workbench.inference.attribution import integrated_gradients

    d = doc("carol met with initech in tokyo .")
    a = integrated_gradients(runs["ner"], d, word=3, steps=48, internal_batch_size=8)
    assert a.label == "B-ORG" and a.word == 3
    text = d.text
    independent = model_output(runs["ner"], text, "B-ORG", 3) - model_output(runs["ner"], text, "B-ORG", 3, True)
    assert a.total == pytest.approx(independent, abs=0.02)
    assert a.baseline_output == pytest.approx(model_output(runs["ner"], text, "B-ORG", 3, True), abs=1e-4)
    assert a.word_scores.shape == (7,)
    explicit = integrated_gradients(runs["ner"], d, word=3, label="O", steps=8)
    assert explicit.label == "O"


# ---- ONNX ------------------------------------------------------------------------------------
@pytest.mark.parametrize("task", ["ner", "sentiment"])
def test_onnx_export_matches_torch(tmp_path, task):
    from workbench.inference.onnx_export import export_onnx

    report = export_onnx(trained()[task].model_dir, tmp_path / task)
    assert report.ok and report.max_abs_diff < 1e-3
    assert (tmp_path / task / "model.onnx").is_file() and (tmp_path / task / "tokenizer.json").is_file()


def test_batch_prediction_through_onnx_runtime_matches_torch(tmp_path):
    import shutil

    from workbench.inference.onnx_export import default_onnx_dir, use_onnx_runtime
    from workbench.inference.predictor import Predictor

    model = shutil.copytree(trained()["ner"].model_dir, tmp_path / "run" / "model")
    docs = [doc(t, i) for i, t in enumerate(["bob met acme in lima .", "", "the carol left with globex ."])]
    torch_preds = Predictor(model, device="cpu").predict(docs)
    fast = Predictor(model, device="cpu")
    assert use_onnx_runtime(fast) == "fp32" and (default_onnx_dir(model) / "model.onnx").is_file()
    for a, b in zip(torch_preds, fast.predict(docs, batch_size=2)):
        assert a.tags == b.tags and np.allclose(a.probs, b.probs, atol=1e-4)
    stamp = (default_onnx_dir(model) / "model.onnx").stat().st_mtime
    assert use_onnx_runtime(Predictor(model, device="cpu"))          # the export is reused
    assert (default_onnx_dir(model) / "model.onnx").stat().st_mtime == stamp


def test_suggestions_come_from_a_checked_int8_copy(tmp_path):
    import shutil

    from workbench.inference.onnx_export import default_onnx_dir, use_onnx_runtime
    from workbench.inference.predictor import Predictor

    model = shutil.copytree(trained()["ner"].model_dir, tmp_path / "run" / "model")
    docs = [doc(t, i) for i, t in enumerate(["bob met acme in lima .", "the carol left with globex ."])]
    exact = Predictor(model, device="cpu").predict(docs)
    fast = Predictor(model, device="cpu")
    assert use_onnx_runtime(fast, int8=True) == "int8"
    import onnx

    ops = {n.op_type for n in onnx.load(str(default_onnx_dir(model) / "model.int8.onnx")).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops      # the matrix products run in int8
    for a, b in zip(exact, fast.predict(docs)):
        assert a.tags == b.tags and np.abs(a.probs - b.probs).max() < 0.1


def test_scored_span_record():
    s = ScoredSpan(0, 3, "PER", 0.5)
    assert s.span == Span(0, 3, "PER")
    assert Token("a", 0, 1).text == "a"


# ---- explanations as the Review screen asks for them --------------------------------------
def test_explanations_for_the_review_screen(runs):
    from workbench.inference import explain

    d = doc("the dave joined globex in lima .")
    att = explain.explain_job(runs["ner"], explain.Request(explain.ATTENTION, d, word=3, layer=1, head=0))
    assert att.kind == "attention" and att.word == 3 and att.label == "B-ORG"
    assert att.scores.shape == (7,) and att.scores.sum() + att.special == pytest.approx(1.0, abs=1e-5)
    assert "'globex'" in att.note and "not what mattered" in att.note and not att.signed
    roll = explain.explain_job(runs["ner"], explain.Request(explain.ROLLOUT, d, word=3))
    assert roll.kind == "rollout" and roll.scores.sum() + roll.special == pytest.approx(1.0, abs=1e-5)
    ig = explain.explain_job(runs["ner"], explain.Request(explain.ATTRIBUTION, d, word=3, steps=32))
    assert ig.signed and ig.label == "B-ORG" and int(np.argmax(ig.scores)) == 3
    assert ig.note.startswith("Attribution to the score of B-ORG (p = ")
    s = explain.explain_job(runs["sentiment"], explain.Request(explain.ATTENTION, doc("a terrible film"), word=2))
    assert s.word is None and s.label == "negative" and "[CLS]" in s.note
