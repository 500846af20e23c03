"""Pure analytics for detecting faked credit. Imports only numpy, scipy and scikit-learn/lightgbm (and
`ecredit.kit`), never Django: arrays or data frames in, arrays, data frames or plain dataclasses out, so the same
code runs in a notebook, a test, the `findings` app, or beside the PySpark engine."""

from ecredit.detection.names import (Licence, NameHit, borrowed_names, missing_licences, name_similarity,
                                     normalise_name, unlicensed_channels)
from ecredit.detection.parcels import PARCEL_RULES, ParcelHit, find_empty_parcels
from ecredit.detection.reviews import (Features, ReviewClassifier, account_signals, choose_params,
                                       nested_auc, neighbour_features, review_features, unsupervised_score)
from ecredit.detection.ring_candidates import find_ring_candidates
from ecredit.detection.rings import Ring, block_density, find_rings, order_weights
from ecredit.detection.yelpchi import YelpChi, load_yelpchi

__all__ = ["Features", "Licence", "NameHit", "PARCEL_RULES", "ParcelHit", "ReviewClassifier", "Ring", "YelpChi",
           "account_signals", "block_density", "borrowed_names", "choose_params", "find_empty_parcels",
           "find_ring_candidates", "find_rings", "load_yelpchi", "missing_licences", "name_similarity",
           "nested_auc", "neighbour_features", "normalise_name", "order_weights", "review_features",
           "unlicensed_channels",
           "unsupervised_score"]
