"""The GS1 EPCIS 2.0 REST binding at /epcis/ (capture, events, browse paths): its own NinjaAPI, because the
standard fixes its paths, media types and error shapes (RFC 7807 problem details), unlike /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from ecredit import __version__
from ecredit.access.auth import PrincipalAuth

epcis_api = NinjaAPI(title="ecredit EPCIS 2.0", version=__version__, auth=PrincipalAuth(), urls_namespace="epcis")
