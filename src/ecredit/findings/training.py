"""The supervised review model: labels from reviewed findings, features over the review window, cross-validation
with each finding's accounts kept in one fold (nested, so the AUC reported is of held-out findings), and the booster kept as LightGBM text (never pickled code)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import numpy as np

from .models import Finding, FindingKind, FindingStatus, ReviewModel

INT_PARAMS = ("n_estimators", "num_leaves", "min_child_samples")


def reviewed_accounts() -> dict[str, tuple[int, int]]:
    """Account key ("platform id:buyer") -> (label, finding id): 1 when its review finding was confirmed (fake),
    0 when dismissed (genuine). An account in several reviewed findings takes the label (and the finding) of the
    latest decision."""
    out: dict[str, tuple[int, int]] = {}
    rows = (Finding.objects.filter(kind=FindingKind.REVIEW_ACCOUNTS,
                                   status__in=[FindingStatus.CONFIRMED, FindingStatus.DISMISSED],
                                   label__isnull=False)
            .order_by("reviewed_at", "id").values_list("pk", "label", "evidence"))
    for pk, label, evidence in rows:
        platform = (evidence.get("platform") or {}).get("id")
        for account in evidence.get("accounts", []):
            out[f"{platform}:{account['buyer']}"] = (int(label), int(pk))
    return out


def account_labels() -> dict[str, int]:
    """Account key -> 1 (confirmed: fake) or 0 (dismissed: genuine), from `reviewed_accounts`."""
    return {key: label for key, (label, _finding) in reviewed_accounts().items()}


def params_of(grid_entry: dict[str, Any]) -> dict[str, Any]:
    """A grid entry of findings.yaml as the classifier takes it (counts as integers)."""
    return {k: int(v) if k in INT_PARAMS else float(v) for k, v in grid_entry.items()}


@lru_cache(maxsize=4)
def _booster(model_id: int, text: str):
    import lightgbm

    return lightgbm.Booster(model_str=text)


def score_accounts(model: ReviewModel, accounts) -> np.ndarray | None:
    """Each account's probability of being fake under `model`, or None when the window's features are not the
    ones it was trained on (another feature set: the unsupervised rule decides)."""
    if list(accounts.names) != list(model.features) or len(accounts.ids) == 0:
        return None
    return np.asarray(_booster(model.pk, model.booster).predict(accounts.values), dtype=np.float64)


def labelled(table, labels: dict[str, int]) -> tuple[Any, np.ndarray]:
    """The accounts of the window that carry a label, and their labels."""
    y = np.array([labels.get(str(k), np.nan) for k in table.accounts.ids], dtype=np.float64)
    known = ~np.isnan(y)
    return table.accounts.rows(np.flatnonzero(known)), y[known]


def labelled_groups(table, reviewed: dict[str, tuple[int, int]]) -> tuple[Any, np.ndarray, np.ndarray]:
    """The accounts of the window that carry a label, their labels, and the finding each was labelled in."""
    ids = [str(k) for k in table.accounts.ids]
    rows = np.array([i for i, k in enumerate(ids) if k in reviewed], dtype=np.int64)
    y = np.array([reviewed[ids[i]][0] for i in rows], dtype=np.float64)
    groups = np.array([reviewed[ids[i]][1] for i in rows], dtype=np.int64)
    return table.accounts.rows(rows), y, groups


def findings_per_label(y: np.ndarray, groups: np.ndarray) -> tuple[int, int]:
    """How many reviewed findings (confirmed, dismissed) have labelled accounts in the window."""
    return len(np.unique(groups[y == 1])), len(np.unique(groups[y == 0]))


def fit(features, y: np.ndarray, rule, groups: np.ndarray | None = None) -> tuple[dict[str, Any], float, str]:
    """Hyper-parameters chosen by cross-validation inside the labels (findings.yaml grid and folds), the ROC-AUC
    the model is judged by, and the final model fitted on every label, as LightGBM text.

    With `groups` (the finding each account was labelled in) folds keep a finding whole, and the AUC is nested:
    each fold scored with the setting chosen on the other folds (`detection.nested_auc`), so neither a finding's
    shared burst and neighbours nor the choice among the grid's settings inflates it."""
    from ecredit.detection import ReviewClassifier, choose_params, nested_auc

    grid = tuple(params_of(g) for g in rule.supervised.grid)
    folds = rule.supervised.folds
    params, auc = choose_params(features, y, grid, folds=folds, seed=0, engine="lightgbm", groups=groups)
    if groups is not None:
        auc = nested_auc(features, y, grid, folds=folds, seed=0, engine="lightgbm", groups=groups)
    model = ReviewClassifier(params, engine="lightgbm", seed=0).fit(features, y)
    return params, auc, model.to_text()


def window(rules, day: dt.date) -> tuple[dt.date, dt.date]:
    """The review window ending on `day` (inclusive)."""
    period = rules.on("windows", day).review_accounts
    return period.before(day) + dt.timedelta(days=1), day
