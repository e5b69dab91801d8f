"""pactlog: Python client for the append-only record of investment-for-tariff
deals (the pactlogd gRPC service, package pactlog.v1).

    import pactlog

    with pactlog.Client("127.0.0.1:50051") as client:
        client.append("us-japan", [pactlog.deal_announcement(
            "US-Japan Strategic Investment Framework", "JP", "US",
            pactlog.usd(550_000_000_000), {"all-goods": pactlog.bps(15)},
            source="https://example.gov/fact-sheet")], expected_version="no_deal")
        print(client.get_deal("us-japan").deal.headroom)

The generated messages are in `pactlog.v1` (events_pb2, ledger_pb2, ...);
the common ones are re-exported here.
"""

try:
    from pactlog.v1 import events_pb2 as _events_pb2
except ImportError as _e:  # pragma: no cover - a source checkout without stubs
    raise ImportError(
        "pactlog's generated modules (pactlog.v1) are missing: run "
        "`/usr/bin/python3 sdk/python/generate.py` or install the package "
        "(see sdk/python/README.md)") from _e

from pactlog.v1 import ledger_pb2 as _ledger_pb2
from pactlog.v1 import query_pb2 as _query_pb2
from pactlog.v1 import state_pb2 as _state_pb2
from pactlog.v1 import stream_pb2 as _stream_pb2

from ._client import (APPEND_ATTEMPTS, CHANNEL_OPTIONS, DEFAULT_ADDRESS, NO_DEAL, AppendResult,
                      Client, Pages, default_actor, make_filter)
from ._errors import (EXPECTED_VERSION_MISMATCH, RULE_BROKEN, AbortedError, AlreadyExistsError,
                      CancelledError, DeadlineExceededError, ErrorInfo, FailedPreconditionError, FieldViolation, InvalidArgumentError,
                      NotFoundError, OutOfRangeError, PactlogError, PermissionDeniedError,
                      ResourceExhaustedError, UnauthenticatedError, UnavailableError,
                      from_rpc_error)
from ._events import (AllocationBasis, Durability, EventKind, Firmness, FundingSource, FundingStatus,
                      ProjectStatus, Sector, SupersessionKind, allocation_announcement,
                      approval, bps, correction, deal_announcement, deal_terms, disbursement,
                      firmness_raise, lead_company, money, project_announcement, project_site,
                      retraction, revision, tariff_change, usd, withdrawal)
from ._subscription import Subscription
from ._time import to_datetime, to_timestamp

# Messages users build or inspect most.
Money = _events_pb2.Money
EventData = _events_pb2.EventData
Event = _events_pb2.Event
TariffCap = _events_pb2.TariffCap
LeadCompany = _events_pb2.LeadCompany
DealTerms = _events_pb2.DealTerms
AppendResponse = _ledger_pb2.AppendResponse
EventFilter = _stream_pb2.EventFilter
CaughtUp = _stream_pb2.CaughtUp
Progress = _stream_pb2.Progress
DealState = _state_pb2.DealState
ProjectState = _state_pb2.ProjectState
AllocationState = _state_pb2.AllocationState
TermsReading = _state_pb2.TermsReading
ComplianceView = _state_pb2.ComplianceView
ProjectCompliance = _state_pb2.ProjectCompliance
Amendment = _events_pb2.Amendment
Correction = _events_pb2.Correction
EventReference = _events_pb2.EventReference
Supersession = _state_pb2.Supersession
Figures = _state_pb2.Figures
LineageEntry = _state_pb2.LineageEntry
GetLineageResponse = _query_pb2.GetLineageResponse
AsOf = _query_pb2.AsOf

__version__ = "0.1.0"

# Retries and reconnects are logged to the "pactlog" logger; silent unless
# the application configures logging.
import logging as _logging

_logging.getLogger("pactlog").addHandler(_logging.NullHandler())

__all__ = [
    "Client", "AppendResult", "Pages", "Subscription", "make_filter", "default_actor",
    "DEFAULT_ADDRESS", "NO_DEAL", "APPEND_ATTEMPTS", "CHANNEL_OPTIONS",
    # events
    "deal_announcement", "allocation_announcement", "lead_company", "project_announcement",
    "project_site", "deal_terms", "approval", "disbursement", "tariff_change",
    "revision", "withdrawal", "firmness_raise", "retraction", "correction",
    "money", "usd", "bps",
    "Sector", "AllocationBasis", "Durability", "FundingSource", "Firmness", "EventKind", "ProjectStatus",
    "FundingStatus", "SupersessionKind",
    # messages
    "Money", "EventData", "Event", "TariffCap", "LeadCompany", "AppendResponse", "EventFilter",
    "CaughtUp", "Progress", "DealState", "ProjectState", "AllocationState", "AsOf",
    "DealTerms", "TermsReading", "ComplianceView", "ProjectCompliance",
    "Amendment", "Correction", "EventReference", "Supersession", "Figures", "LineageEntry",
    "GetLineageResponse",
    # time
    "to_datetime", "to_timestamp",
    # errors
    "PactlogError", "FieldViolation", "ErrorInfo", "EXPECTED_VERSION_MISMATCH", "RULE_BROKEN", "InvalidArgumentError", "AbortedError",
    "FailedPreconditionError", "NotFoundError", "AlreadyExistsError", "ResourceExhaustedError",
    "OutOfRangeError", "UnavailableError", "DeadlineExceededError", "CancelledError",
    "UnauthenticatedError", "PermissionDeniedError", "from_rpc_error",
]
