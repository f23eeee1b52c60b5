"""The background learner ("Learn as I label", workbench/learning/): when a round is due, and what
a round does (trains on a snapshot, takes over the suggestions only when better on dev, never
touches the labels).  Policies run on a fake clock; rounds train the tiny BERT in seconds."""
from __future__ import annotations

import pathlib
import threading

import pytest

from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs
from workbench.inference.batch import select_documents, suggestion_run
from workbench.inference.queue import next_uncertain, set_next_order
from workbench.jobs import Cancelled
from workbench.learning import (
    LearnerPolicy, mark_new_project, run_round, set_enabled, set_options, set_paused, status, task_state,
)
from workbench.spans import Span
from workbench.store import NewDocument, Store
from workbench.training import runs


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def unlabeled(n: int, offset: int = 0, split: str = "train") -> list[NewDocument]:
    """Toy sentences with no labels (the documents a user has not reached yet)."""
    return [NewDocument(text=d.text, split=split) for d in toy_ner_docs(n, split=split, offset=offset)]


def accept(store: Store, doc_ids: list[int]) -> None:
    """The user labels and accepts these documents, one after another (the toy gold spans)."""
    for doc_id in doc_ids:
        text = store.document(doc_id).text
        name, _, rest = text.partition(" ")
        city = text.split()[-2]
        at = text.rindex(city)
        store.set_spans(doc_id, [Span(0, len(name), "PER"), Span(at, at + len(city), "LOC")], status="accepted")


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A project with 30 unlabeled train sentences and 6 labeled dev ones."""
    path = tmp_path / "p.db"
    with Store.create(path, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(unlabeled(30) + toy_ner_docs(6, split="dev", offset=30))
    return path


def ids_of(path: pathlib.Path, status: str = "unlabeled") -> list[int]:
    with Store(path) as store:
        return [r[0] for r in store.conn.execute(
            "SELECT doc_id FROM annotations WHERE task = 'ner' AND status = ? ORDER BY doc_id", (status,))]


# ---- the policy ------------------------------------------------------------------------------
def test_off_until_the_user_switches_it_on_in_a_project_not_made_by_the_app(project):
    with Store(project) as store:
        accept(store, ids_of(project)[:25])
        policy = LearnerPolicy(clock=Clock())
        assert not policy.enabled(store, "ner") and not policy.due(store, "ner")
        set_enabled(store, "ner", True)
        assert policy.enabled(store, "ner") and policy.due(store, "ner")


def test_on_by_default_at_20_accepted_in_a_new_project_and_a_users_off_sticks(project):
    policy = LearnerPolicy(clock=Clock())
    with Store(project) as store:
        mark_new_project(store)
        todo = ids_of(project)
        accept(store, todo[:13])      # with the 6 dev documents: 19 accepted
        assert not policy.enabled(store, "ner")
        assert status(store, "ner", policy=policy).text == "no model suggests yet; learning is off"
        accept(store, todo[13:14])    # the 20th
        assert policy.enabled(store, "ner") and policy.due(store, "ner")
        set_enabled(store, "ner", False)
        accept(store, todo[14:20])
        assert not policy.enabled(store, "ner") and not policy.due(store, "ner")


def test_due_after_n_new_accepts_n_follows_the_last_rounds_time_and_the_users_pace(project):
    clock = Clock()
    policy = LearnerPolicy(clock=clock, min_every=10, max_every=200)
    with Store(project) as store:
        set_enabled(store, "ner", True)
        todo = ids_of(project)
        accept(store, todo[:14])                  # 20 accepted with dev: the first round
        assert policy.due(store, "ner")
        started = policy.round_started(store, "ner", 20)
        clock.t += 30
        policy.round_finished(store, "ner", 20, started, busy_s=30.0)
        # 30 s of work at the default pace (20 s a document): at most a third of the labeling time
        # needs 30 / (20 / 3) = 4.5 documents, below the floor of 10
        assert policy.every(store, "ner") == 10
        accept(store, todo[14:23])
        assert policy.remaining(store, "ner") == 1 and not policy.due(store, "ner")
        accept(store, todo[23:24])
        assert policy.due(store, "ner")
        # the user took 600 s for those 10 documents: 60 s a document; a round of 400 s wants
        # 400 / (60 / 3) = 20 documents between rounds
        clock.t = started + 600
        started = policy.round_started(store, "ner", 30)
        assert task_state(store, "ner")["pace_s"] == pytest.approx(60)   # measured: the guess is gone
        policy.round_finished(store, "ner", 30, started, busy_s=400.0)
        assert policy.every(store, "ner") == 20
        # later measurements are smoothed: 20 documents in 400 s (20 s each) gives (60 + 20) / 2
        clock.t = started + 400
        policy.round_started(store, "ner", 50)
        assert task_state(store, "ner")["pace_s"] == pytest.approx(40)
        policy.round_finished(store, "ner", 30, started, busy_s=40_000.0)
        assert policy.every(store, "ner") == 200  # the ceiling


def test_paused_is_never_due_and_resume_makes_it_due_again(project):
    policy = LearnerPolicy(clock=Clock())
    with Store(project) as store:
        set_enabled(store, "ner", True)
        accept(store, ids_of(project)[:20])
        set_paused(store, "ner", True)
        assert not policy.due(store, "ner")
        assert status(store, "ner", policy=policy).text == "no model suggests yet; paused"
        set_paused(store, "ner", False)
        assert policy.due(store, "ner")
        assert status(store, "ner", policy=policy).text == "no model suggests yet; update due"


# ---- rounds ----------------------------------------------------------------------------------
@pytest.fixture
def tiny(tmp_path: pathlib.Path) -> pathlib.Path:
    return make_tiny_bert(tmp_path / "tiny", TOY_WORDS)


def switch_on(path: pathlib.Path, base_model: pathlib.Path | str, budget_s: float = 20, accepted: int = 20) -> None:
    """The user switches the learner on (rounds train ``base_model``) and accepts ``accepted`` documents."""
    with Store(path) as store:
        set_enabled(store, "ner", True)
        set_options(store, base_model=str(base_model), budget_s=budget_s)
        accept(store, ids_of(path)[:accepted])


STRONG = {"lr": 5e-3, "batch_size": 4, "epochs": 40}    # the toy task learnt (dev F1 near 1)
WEAK = {"lr": 1e-7, "batch_size": 4, "epochs": 1}       # hardly a step away from random weights


def a_run(path: pathlib.Path, tiny: pathlib.Path, **settings) -> int:
    """A run trained from the Train screen (not the learner), made the suggester."""
    from workbench.inference.batch import predict_job
    from workbench.training.config import TrainConfig
    from workbench.training.loop import train

    result = train(TrainConfig(store_path=path, task="ner", base_model=str(tiny), **settings))
    predict_job(path, result.run_id, "unlabeled")
    return result.run_id


def test_the_first_round_becomes_the_suggester_and_orders_the_queue(project, tiny):
    with Store(project) as store:
        set_enabled(store, "ner", True)
        set_options(store, base_model=str(tiny), budget_s=20)
        set_next_order(store, "least_confidence")
        accept(store, ids_of(project)[:20])
    result = run_round(project, "ner", low_priority=False, **STRONG)
    assert result.error == "" and result.replaced and result.run_id is not None
    assert result.labels == 26 and result.incumbent_run is None and result.continued_from is None
    assert result.dev_score is not None and result.dev_score > 0.5
    assert result.predicted == 10       # every unlabeled document is pre-annotated
    with Store(project) as store:
        assert suggestion_run(store, "ner") == result.run_id
        (row,) = runs.list_runs(store, "ner")
        assert row.status == "done" and row.counts["learner"] is True
        assert next_uncertain(store, 0, ["ner"]) in select_documents(store, "ner", "unlabeled")
        said = status(store, "ner").text
        assert said.startswith("model from just now, 26 labels, dev F1 ") and said.endswith("next update after 10 more")


def test_a_round_replaces_a_worse_suggester_and_continues_its_own_line(project, tiny):
    switch_on(project, tiny)
    weak = a_run(project, tiny, **WEAK)
    first = run_round(project, "ner", low_priority=False, **STRONG)
    assert first.incumbent_run == weak and first.replaced, first.message
    assert first.dev_score > first.incumbent_score
    # the same labels: the next round continues the learner's model instead of starting over
    with Store(project) as store:
        accept(store, ids_of(project)[:10])
    second = run_round(project, "ner", low_priority=False, budget_s=5, lr=5e-4, batch_size=4)
    assert second.continued_from == first.run_id and second.error == ""
    assert second.labels == 36


def test_a_round_that_does_worse_on_dev_leaves_the_suggestions_alone(project, tiny):
    switch_on(project, tiny)
    strong = a_run(project, tiny, **STRONG)
    with Store(project) as store:
        before = store.conn.execute("SELECT COUNT(*) FROM predictions WHERE run_id = ?", (strong,)).fetchone()[0]
    result = run_round(project, "ner", low_priority=False, **WEAK)
    assert result.error == "" and not result.replaced and result.run_id is not None
    assert result.incumbent_run == strong and result.dev_score < result.incumbent_score
    assert "did not beat" in result.message and result.predicted == 0
    with Store(project) as store:
        assert suggestion_run(store, "ner") == strong
        assert store.conn.execute("SELECT COUNT(*) FROM predictions WHERE run_id = ?", (result.run_id,)
                                  ).fetchone()[0] == 0
        assert store.conn.execute("SELECT COUNT(*) FROM predictions WHERE run_id = ?", (strong,)
                                  ).fetchone()[0] == before
        assert runs.get_run(store, result.run_id).counts["learner"] is True   # in the runs list all the same


def test_a_failing_round_is_reported_not_raised_and_changes_no_label(project, tmp_path):
    switch_on(project, tmp_path / "no such model")
    with Store(project) as store:
        labels_before = store.conn.execute("SELECT doc_id, start, \"end\", label_id FROM spans ORDER BY 1, 2").fetchall()
    result = run_round(project, "ner", low_priority=False)
    assert result.error and not result.replaced and "no such model" in result.error
    policy = LearnerPolicy()
    with Store(project) as store:
        assert store.conn.execute("SELECT doc_id, start, \"end\", label_id FROM spans ORDER BY 1, 2"
                                  ).fetchall() == labels_before
        assert suggestion_run(store, "ner") is None
        assert "last update failed" in status(store, "ner").text
        assert not policy.due(store, "ner")    # not retried at every key: after N more accepts


def test_labels_written_while_a_round_trains_are_all_kept_in_order(project, tiny):
    switch_on(project, tiny, budget_s=6)
    training = threading.Event()
    outcome: dict = {}

    def progress(p) -> None:
        if p.message.startswith("Training"):
            training.set()

    def round_thread() -> None:
        outcome["result"] = run_round(project, "ner", progress=progress, lr=5e-3, batch_size=4)

    worker = threading.Thread(target=round_thread)
    worker.start()
    assert training.wait(120)
    written = []
    with Store(project) as store:
        for doc_id in ids_of(project):           # the user goes on labeling while it trains
            if not worker.is_alive():
                break
            accept(store, [doc_id])
            written.append(doc_id)
        if written:                              # and changes their mind about the first one
            store.set_spans(written[0], [Span(0, 4, "LOC")], status="accepted")
    worker.join(300)
    result = outcome["result"]
    assert written and result.error == "" and result.labels == 26    # it trained on its snapshot only
    with Store(project) as store:
        stamps = []
        for doc_id in written:
            ann = store.annotation(doc_id, "ner")
            assert ann.status == "accepted"
            expected = 1 if doc_id == written[0] else 2
            assert len(ann.spans) == expected and (doc_id != written[0] or ann.spans[0].label == "LOC")
            stamps.append(ann.updated)
        assert stamps[1:] == sorted(stamps[1:])     # written in the user's order


def test_a_stopped_round_raises_cancelled_and_keeps_the_suggester(project, tiny):
    switch_on(project, tiny)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(Cancelled):
        run_round(project, "ner", low_priority=False, should_stop=stop)
    with Store(project) as store:
        assert suggestion_run(store, "ner") is None
        assert task_state(store, "ner").get("running_since") is None
