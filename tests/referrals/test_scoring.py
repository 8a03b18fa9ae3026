"""Table-driven tests of the questionnaire scoring core (screening-spec v4 §1); no database."""

import json

import pytest

from referrals import scoring


def phq9_items(total: int, item9: int = 0) -> list[int]:
    """Nine 0..3 items with the given total and ninth item."""
    item9 = max(item9, total - 24)
    items = [0] * 8 + [item9]
    remaining = total - item9
    for index in range(8):
        step = min(3, remaining)
        items[index] = step
        remaining -= step
    assert remaining == 0 and sum(items) == total
    return items


def gad7_items(total: int) -> list[int]:
    items = [0] * 7
    remaining = total
    for index in range(7):
        items[index] = min(3, remaining)
        remaining -= items[index]
    assert sum(items) == total
    return items


# Both scales band the same way up to 14; they part above it.
BANDS_TO_14 = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate")]


class PHQ9Tests:
    @pytest.mark.parametrize(
        ("total", "band"),
        [*BANDS_TO_14, (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")],
    )
    def test_bands_at_every_boundary(self, total, band):
        items = phq9_items(total)
        assert scoring.phq9(items) == scoring.PHQ9Score(total=total, band=band, item9=items[8])

    @pytest.mark.parametrize("item9", [0, 1, 2, 3])
    def test_item9_is_the_raw_ninth_item(self, item9):
        score = scoring.phq9([0, 0, 0, 0, 0, 0, 0, 0, item9])
        assert score.item9 == item9
        assert score.total == item9

    def test_item9_is_not_another_item(self):
        assert scoring.phq9([3, 0, 0, 0, 0, 0, 0, 0, 0]).item9 == 0

    def test_accepts_a_tuple(self):
        assert scoring.phq9((1,) * 9).total == 9

    @pytest.mark.parametrize(
        "items",
        [
            [0] * 8,
            [0] * 10,
            [],
            [0] * 8 + [4],
            [0] * 8 + [-1],
            [True] + [0] * 8,
            [False] * 9,
            [1.0] + [0] * 8,
            ["1"] + [0] * 8,
            [None] + [0] * 8,
            "000000000",
            None,
            {i: 0 for i in range(9)},
        ],
    )
    def test_refuses_bad_items(self, items):
        with pytest.raises(ValueError):
            scoring.phq9(items)

    def test_is_frozen(self):
        score = scoring.phq9([0] * 9)
        with pytest.raises(AttributeError):
            score.total = 3


class GAD7Tests:
    @pytest.mark.parametrize(
        ("total", "band"),
        [*BANDS_TO_14, (15, "severe"), (21, "severe")],
    )
    def test_bands_at_every_boundary(self, total, band):
        assert scoring.gad7(gad7_items(total)) == scoring.GAD7Score(total=total, band=band)

    @pytest.mark.parametrize(
        "items",
        [[0] * 6, [0] * 8, [0] * 6 + [4], [0] * 6 + [-1], [True] + [0] * 6, [0.0] * 7, "0000000", None],
    )
    def test_refuses_bad_items(self, items):
        with pytest.raises(ValueError):
            scoring.gad7(items)


class PCPTSD5Tests:
    @pytest.mark.parametrize(
        ("items", "cutoff", "total", "positive"),
        [
            ([False] * 5, 3, 0, False),
            ([True, True, False, False, False], 3, 2, False),
            ([True, True, True, False, False], 3, 3, True),
            ([True, True, True, False, False], 4, 3, False),
            ([True, True, True, True, False], 4, 4, True),
            ([True] * 5, 5, 5, True),
            ([True, False, False, False, False], 1, 1, True),
        ],
    )
    def test_counts_yes_answers_against_the_cutoff(self, items, cutoff, total, positive):
        assert scoring.pc_ptsd5(True, items, cutoff=cutoff) == scoring.PCPTSD5Score(
            total=total, positive=positive
        )

    def test_default_cutoff_is_three(self):
        assert scoring.pc_ptsd5(True, [True, True, True, False, False]).positive is True
        assert scoring.pc_ptsd5(True, [True, True, False, False, False]).positive is False

    @pytest.mark.parametrize("items", [[], (), [True] * 5, [False] * 5])
    def test_not_exposed_scores_zero_whatever_the_items(self, items):
        assert scoring.pc_ptsd5(False, items, cutoff=1) == scoring.PCPTSD5Score(total=0, positive=False)

    @pytest.mark.parametrize(
        ("exposed", "items"),
        [
            (True, []),
            (True, [True] * 4),
            (True, [True] * 6),
            (True, [1, 0, 0, 0, 0]),
            (True, [None] * 5),
            (1, [True] * 5),
            (None, [True] * 5),
            ("yes", [True] * 5),
            (False, [True] * 3),
            (False, [1, 1, 1, 1, 1]),
            (True, "TTTTT"),
        ],
    )
    def test_refuses_bad_input(self, exposed, items):
        with pytest.raises(ValueError):
            scoring.pc_ptsd5(exposed, items)

    @pytest.mark.parametrize("cutoff", [0, 6, True, 3.0, "3"])
    def test_refuses_bad_cutoff(self, cutoff):
        with pytest.raises(ValueError):
            scoring.pc_ptsd5(True, [True] * 5, cutoff=cutoff)


class PainNRSTests:
    @pytest.mark.parametrize(("current", "average", "worst"), [(0, 0, 0), (10, 10, 10), (3, 5, 9)])
    def test_keeps_the_three_ratings(self, current, average, worst):
        assert scoring.pain_nrs(current, average, worst) == scoring.PainScore(
            current=current, average=average, worst=worst
        )

    @pytest.mark.parametrize(
        "values", [(-1, 0, 0), (0, 11, 0), (0, 0, 11), (True, 0, 0), (0, 5.0, 0), (0, 0, None), ("3", 0, 0)]
    )
    def test_refuses_bad_ratings(self, values):
        with pytest.raises(ValueError):
            scoring.pain_nrs(*values)


class ASQTests:
    @pytest.mark.parametrize(
        ("questions", "acuity", "result"),
        [
            ((False, False, False, False), None, "negative"),
            ((True, False, False, False), False, "non_acute_positive"),
            ((False, False, False, True), False, "non_acute_positive"),
            ((False, True, False, False), True, "acute_positive"),
            ((True, True, True, True), True, "acute_positive"),
        ],
    )
    def test_results(self, questions, acuity, result):
        assert scoring.asq(*questions, acuity) == scoring.ASQScore(result=result)

    @pytest.mark.parametrize(
        ("questions", "acuity"),
        [
            ((False, False, False, False), False),
            ((False, False, False, False), True),
            ((True, False, False, False), None),
            ((1, False, False, False), False),
            ((False, False, False, 0), None),
            ((True, False, False, False), 1),
            ((None, False, False, False), None),
            (("yes", False, False, False), True),
        ],
    )
    def test_refuses_bad_answers(self, questions, acuity):
        with pytest.raises(ValueError):
            scoring.asq(*questions, acuity)

    def test_positive_and_acute_properties(self):
        assert scoring.ASQScore("negative").positive is False
        assert scoring.ASQScore("non_acute_positive").positive is True
        assert scoring.ASQScore("non_acute_positive").acute is False
        assert scoring.ASQScore("acute_positive").acute is True


class ScoreFromDictTests:
    @pytest.mark.parametrize(
        ("name", "score"),
        [
            ("phq9", scoring.phq9([3, 3, 2, 1, 0, 0, 0, 0, 2])),
            ("gad7", scoring.gad7([3, 3, 3, 3, 3, 0, 0])),
            ("pc_ptsd5", scoring.pc_ptsd5(True, [True, True, True, True, False])),
            ("pc_ptsd5", scoring.pc_ptsd5(False, [])),
            ("pain_nrs", scoring.pain_nrs(4, 6, 9)),
            ("asq", scoring.asq(True, False, False, False, True)),
        ],
    )
    def test_round_trips_through_json(self, name, score):
        stored = json.loads(json.dumps(score.to_dict()))
        assert scoring.score_from_dict(name, stored) == score

    def test_to_dict_shapes(self):
        assert scoring.phq9([1] * 9).to_dict() == {"total": 9, "band": "mild", "item9": 1}
        assert scoring.gad7([0] * 7).to_dict() == {"total": 0, "band": "minimal"}
        assert scoring.pc_ptsd5(True, [True] * 5).to_dict() == {"total": 5, "positive": True}
        assert scoring.pain_nrs(1, 2, 3).to_dict() == {"current": 1, "average": 2, "worst": 3}
        assert scoring.asq(False, False, False, False, None).to_dict() == {"result": "negative"}

    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("phq10", {"total": 1}),
            ("phq9", {"total": 9, "band": "mild"}),
            ("phq9", {"total": 9, "band": "severe", "item9": 0}),
            ("phq9", {"total": 28, "band": "severe", "item9": 0}),
            ("phq9", {"total": 9, "band": "mild", "item9": 0, "extra": 1}),
            ("gad7", {"total": 22, "band": "severe"}),
            ("pc_ptsd5", {"total": 2, "positive": "no"}),
            ("pain_nrs", {"current": 11, "average": 0, "worst": 0}),
            ("asq", {"result": "positive"}),
            ("asq", None),
        ],
    )
    def test_refuses_bad_stored_data(self, name, data):
        with pytest.raises(ValueError):
            scoring.score_from_dict(name, data)
