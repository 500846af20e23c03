"""YelpChi as shipped inside the PyPI package UGFraud (0.1.1.3), read with importlib.resources (no network).

`UGFraud/Yelp_Data/YelpChi/metadata.gz` holds one review per line, "user product rating label date"; in
this copy rating and date are "None" (no text either), so only who reviewed what is left. Labels are
Yelp's filter: -1 spam, 1 genuine. `priors.pkl` is [user priors, review priors keyed by (user, product),
product priors]: SpEagle's priors (Rayana & Akoglu, KDD 2015), computed in the package's lineage from
behavioural features of the full data (ratings, dates, text: MNR, PR, NR, avgRD, BST, ERD, ETG for users
and products; RD, EXT, DEV, ETF, ISR for reviews) through feature ECDFs whose suspicious direction is
fixed by configuration, not from the labels. They are the only trace of ratings and dates here.

User labels follow UGFraud's `create_ground_truth`: a user is spam (1) if any of their reviews is spam.

**Order leaks labels.** The file is grouped by product with genuine reviews before filtered ones (a
review's position within its product separates spam at ROC-AUC 0.98) and numeric user ids were handed
out in that order (user id as a score: AUC 0.91). Never use row order or ids as features, and break ties
without them (`reviews.py` uses average ranks). `load_yelpchi` therefore returns the reviews in a seeded
random order by default.

UGFraud is imported only to locate its data (its own modules need networkx, which is not required here).
"""

from __future__ import annotations

import gzip
import importlib.resources
import importlib.util
import pickle
from dataclasses import dataclass

import numpy as np

__all__ = ["YelpChi", "load_yelpchi", "yelpchi_available"]

_PACKAGE = "UGFraud"
_DIR = ("Yelp_Data", "YelpChi")


@dataclass(frozen=True, eq=False)
class YelpChi:
    """The review graph, labels and priors as parallel arrays.

    Per review (67,395): `users`, `products` (ids as strings), `review_labels` (1 spam, 0 genuine),
    `review_prior`. Per user (38,063, in `user_ids` order, sorted as strings): `user_labels`
    (1 if any review is spam), `user_prior`. Per product (201, in `product_ids` order): `product_prior`.
    `user_index` / `product_index` give each review's row in the per-user / per-product arrays.
    """

    users: np.ndarray
    products: np.ndarray
    review_labels: np.ndarray
    review_prior: np.ndarray
    user_ids: np.ndarray
    user_labels: np.ndarray
    user_prior: np.ndarray
    product_ids: np.ndarray
    product_prior: np.ndarray
    user_index: np.ndarray
    product_index: np.ndarray

    @property
    def n_reviews(self) -> int:
        return len(self.users)


def yelpchi_available() -> bool:
    """True when the UGFraud package (with its YelpChi files) is installed."""
    if importlib.util.find_spec(_PACKAGE) is None:
        return False
    root = importlib.resources.files(_PACKAGE).joinpath(*_DIR)
    return root.joinpath("metadata.gz").is_file() and root.joinpath("priors.pkl").is_file()


def load_yelpchi(*, shuffle: bool = True, seed: int = 0) -> YelpChi:
    """Read YelpChi from the installed UGFraud package. With `shuffle` (default) the reviews come in a
    random order fixed by `seed` instead of the file's label-revealing order (see the module notes)."""
    if importlib.util.find_spec(_PACKAGE) is None:
        raise ModuleNotFoundError("YelpChi needs the UGFraud package: pip install UGFraud")
    root = importlib.resources.files(_PACKAGE).joinpath(*_DIR)
    with root.joinpath("metadata.gz").open("rb") as raw, gzip.open(raw, "rt") as f:
        rows = [line.split() for line in f if line.strip()]
    with root.joinpath("priors.pkl").open("rb") as f:
        # The package's own data file (trusted as the package is): plain dicts of str/tuple -> float.
        user_priors, review_priors, product_priors = pickle.load(f)  # noqa: S301

    users = np.array([r[0] for r in rows])
    products = np.array([r[1] for r in rows])
    labels = np.array([int(r[3]) for r in rows])
    if not np.isin(labels, (-1, 1)).all():
        raise ValueError("YelpChi labels must be -1 (spam) or 1 (genuine)")
    if shuffle:
        order = np.random.default_rng(seed).permutation(len(rows))
        users, products, labels = users[order], products[order], labels[order]

    user_ids, user_index = np.unique(users, return_inverse=True)
    product_ids, product_index = np.unique(products, return_inverse=True)
    review_labels = (labels == -1).astype(np.int8)
    user_labels = np.zeros(len(user_ids), dtype=np.int8)
    np.maximum.at(user_labels, user_index, review_labels)  # create_ground_truth: any spam review
    return YelpChi(
        users=users, products=products, review_labels=review_labels,
        review_prior=np.array([review_priors[(u, p)] for u, p in zip(users.tolist(), products.tolist())]),
        user_ids=user_ids, user_labels=user_labels,
        user_prior=np.array([user_priors[u] for u in user_ids.tolist()]),
        product_ids=product_ids,
        product_prior=np.array([product_priors[p] for p in product_ids.tolist()]),
        user_index=user_index.astype(np.int64), product_index=product_index.astype(np.int64))
