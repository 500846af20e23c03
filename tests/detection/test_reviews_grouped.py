"""Cross-validation of the review classifier grouped by the finding that labelled the accounts: accounts of one
finding share their burst and neighbours, so splitting a finding across folds lets the model recognise the
finding instead of learning what a fake account is, and the figure is inflated."""

from __future__ import annotations

import numpy as np
import pytest

from ecredit.detection.reviews import Features, _folds, choose_params, nested_auc

GRID = ({"learning_rate": 0.1, "n_estimators": 20, "num_leaves": 7, "min_child_samples": 2},
        {"learning_rate": 0.1, "n_estimators": 40, "num_leaves": 7, "min_child_samples": 2})


def leaky(n_groups: int = 40, size: int = 5, seed: int = 0):
    """Findings whose accounts share a fingerprint (their burst, their neighbours) and whose labels have nothing
    to do with any feature: an honest estimate is about 0.5."""
    rng = np.random.default_rng(seed)
    group_label = np.array([0, 1] * (n_groups // 2))
    centre = rng.normal(size=(n_groups, 3))
    groups = np.repeat(np.arange(n_groups), size)
    values = centre[groups] + rng.normal(scale=0.05, size=(len(groups), 3))
    feats = Features(np.arange(len(groups)), ("a", "b", "c"), values, np.array([1, 1, 1], dtype=np.int8))
    return feats, group_label[groups], groups


def test_grouped_folds_keep_each_finding_whole_and_stratify_findings():
    labels = np.array([1] * 12 + [0] * 30)
    groups = np.array([f"p{i // 3}" for i in range(12)] + [f"n{i // 5}" for i in range(30)])
    fold = _folds(labels, 3, 0, groups)
    for g in np.unique(groups):
        assert len(set(fold[groups == g].tolist())) == 1
    for k in range(3):
        assert set(labels[fold == k].tolist()) == {0, 1}    # each fold holds findings of both labels
    # Without groups: the old per-row stratified folds, unchanged.
    np.testing.assert_array_equal(_folds(labels, 3, 0), _folds(labels, 3, 0, None))
    assert len(set(fold.tolist())) == 3


def test_splitting_by_account_inflates_the_auc_and_grouping_does_not():
    pytest.importorskip("lightgbm")
    feats, y, groups = leaky()
    _params, by_account = choose_params(feats, y, GRID, folds=4, engine="lightgbm")
    _params, by_finding = choose_params(feats, y, GRID, folds=4, engine="lightgbm", groups=groups)
    assert by_account > 0.9            # the leak: the model recognises the findings
    assert by_finding < 0.7            # nothing to learn, and the figure says so
    assert nested_auc(feats, y, GRID, folds=4, engine="lightgbm", groups=groups) < 0.7


def test_nested_auc_scores_each_fold_with_a_setting_chosen_without_it():
    pytest.importorskip("lightgbm")
    rng = np.random.default_rng(3)
    n = 240
    y = rng.integers(0, 2, n)
    values = np.column_stack([y + rng.normal(scale=0.8, size=n), rng.normal(size=(n, 2))])
    feats = Features(np.arange(n), ("signal", "x", "z"), values, np.array([1, 1, 1], dtype=np.int8))
    groups = np.arange(n) // 6
    auc = nested_auc(feats, y, GRID, folds=4, engine="lightgbm", groups=groups)
    assert 0.65 < auc <= 1.0           # a real signal survives held-out findings
