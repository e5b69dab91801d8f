"""Builders for the events a client records, and Python enums for the
proto enums, so user code reads like the deal it describes.

Every builder returns a `pactlog.v1.EventData` ready for `Client.append`,
and takes `asserted_by=` for whose reading the event is ("US", "JP", an
outlet's name; "" when the source does not say).
Money and rates are exact: builders take integers, `Decimal`s or decimal
strings and refuse floats, which cannot hold 0.1 exactly.
"""

from __future__ import annotations

import decimal
import enum
from typing import Iterable, Mapping, Optional, Tuple, Type, TypeVar, Union

from pactlog.v1 import events_pb2, ledger_pb2, state_pb2

from ._time import TimeLike, to_timestamp


def _enum_from_proto(name: str, proto_enum, prefix: str) -> Type[enum.IntEnum]:
    """An IntEnum with the proto enum's values minus the UNSPECIFIED one and
    minus the common prefix: `Sector.ENERGY == events_pb2.SECTOR_ENERGY`."""
    members = {v.name[len(prefix):]: v.number
               for v in proto_enum.DESCRIPTOR.values if v.number != 0}
    cls = enum.IntEnum(name, members, module=__name__)
    cls._proto_prefix = prefix  # used by coerce_enum to accept full names
    return cls


Sector = _enum_from_proto("Sector", events_pb2.Sector, "SECTOR_")
FundingSource = _enum_from_proto("FundingSource", events_pb2.FundingSource, "FUNDING_SOURCE_")
Firmness = _enum_from_proto("Firmness", events_pb2.Firmness, "FIRMNESS_")
EventKind = _enum_from_proto("EventKind", events_pb2.EventKind, "EVENT_KIND_")
ProjectStatus = _enum_from_proto("ProjectStatus", state_pb2.ProjectStatus, "PROJECT_STATUS_")
FundingStatus = _enum_from_proto("FundingStatus", state_pb2.FundingStatus, "FUNDING_STATUS_")
AllocationBasis = _enum_from_proto("AllocationBasis", events_pb2.AllocationBasis,
                                   "ALLOCATION_BASIS_")
Durability = _enum_from_proto("Durability", ledger_pb2.Durability, "DURABILITY_")
SupersessionKind = _enum_from_proto("SupersessionKind", state_pb2.SupersessionKind,
                                    "SUPERSESSION_KIND_")

E = TypeVar("E", bound=enum.IntEnum)
EnumLike = Union[enum.IntEnum, int, str]


def coerce_enum(cls: Type[E], value: EnumLike, what: str) -> E:
    """Accepts a member, its number, or its name in any case, with or
    without the proto prefix and with '-' for '_' ("energy",
    "SECTOR_ENERGY", "oil-and-gas", 5)."""
    if isinstance(value, cls):
        return value
    if isinstance(value, (bool, enum.Enum)):  # Sector.ENERGY is no FundingSource
        raise TypeError(f"{what}: expected a {cls.__name__}, got {value!r}")
    if isinstance(value, int):
        try:
            return cls(value)
        except ValueError:
            pass
    elif isinstance(value, str):
        key = value.strip().upper().replace("-", "_").replace(" ", "_")
        if key.startswith(cls._proto_prefix):
            key = key[len(cls._proto_prefix):]
        if key in cls.__members__:
            return cls[key]
    else:
        raise TypeError(f"{what}: expected a {cls.__name__}, got {type(value).__name__}")
    names = ", ".join(m.name.lower() for m in cls)
    raise ValueError(f"{what}: {value!r} is not a {cls.__name__} (one of: {names})")


# --- money and rates -------------------------------------------------------

Exact = Union[int, decimal.Decimal, str]


def _exact_scaled(value: Exact, scale: int, what: str) -> int:
    """`value * 10**scale` as an int, refusing floats and lost digits."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{what}: use an int, Decimal or decimal string, not {value!r} "
                        "(floats are not exact)")
    if isinstance(value, int):
        return value * 10**scale
    try:
        d = decimal.Decimal(value) if isinstance(value, str) else value
        if not isinstance(d, decimal.Decimal):
            raise TypeError(f"{what}: expected a number, got {type(value).__name__}")
        scaled = d.scaleb(scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{what}: {value!r} has more than {scale} decimal places")
        return int(scaled)
    except decimal.InvalidOperation as e:
        raise ValueError(f"{what}: {value!r} is not a number") from e


def money(minor_units: int, currency_code: str = "USD") -> events_pb2.Money:
    """An exact amount in the currency's minor unit: money(1999, "USD") is
    $19.99, money(5_000, "JPY") is 5,000 yen."""
    if isinstance(minor_units, bool) or not isinstance(minor_units, int):
        raise TypeError(f"money: minor_units must be an int, got {minor_units!r}")
    return events_pb2.Money(currency_code=currency_code, minor_units=minor_units)


def usd(dollars: Exact) -> events_pb2.Money:
    """US dollars, exactly: usd(550_000_000_000) is $550B, usd("19.99")."""
    return money(_exact_scaled(dollars, 2, "usd"), "USD")


def bps(percent: Exact) -> int:
    """A percentage as basis points: bps(15) == 1500, bps("17.5") == 1750."""
    return _exact_scaled(percent, 2, "bps")


# --- events ------------------------------------------------------------------

def _event(*, source: str, firmness: EnumLike, effective_time: Optional[TimeLike],
           event_id: str, asserted_by: str) -> events_pb2.EventData:
    if not isinstance(source, str):
        raise TypeError(f"source: expected a str (document or URL), got {source!r}")
    if not isinstance(asserted_by, str):
        raise TypeError(f"asserted_by: expected a str (a party's ISO alpha-2 code or an "
                        f"outlet's name), got {asserted_by!r}")
    event = events_pb2.EventData(event_id=event_id or "")
    event.provenance.source = source
    event.provenance.asserted_by = asserted_by
    event.provenance.firmness = coerce_enum(Firmness, firmness, "firmness")
    if effective_time is not None:
        event.effective_time.CopyFrom(to_timestamp(effective_time, "effective_time"))
    return event


def _restates(event: events_pb2.EventData, restates: Iterable[str]) -> None:
    """EventData.restates: the earlier reports (event ids) this announcement
    reports again."""
    if isinstance(restates, str):
        raise TypeError("restates: expected a list of event ids, got a single str")
    for i, event_id in enumerate(restates):
        if not isinstance(event_id, str):
            raise TypeError(f"restates[{i}]: expected an event id (str), got {event_id!r}")
        event.restates.append(event_id)


TariffCaps = Union[Mapping[str, int], Iterable[Union[events_pb2.TariffCap, Tuple[str, int]]]]


def deal_announcement(title: str, investor_country: str, host_country: str,
                      ceiling: events_pb2.Money, tariff_caps: Optional[TariffCaps] = None,
                      *, source: str, firmness: EnumLike = Firmness.REPORTED,
                      effective_time: Optional[TimeLike] = None,
                      event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Announces a deal: its parties (ISO-3166 alpha-2), title, commitment
    ceiling (whose currency becomes the deal's) and agreed tariff caps, given
    as {"all-goods": 1500} or [("autos", 1500)] in basis points."""
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    deal = event.announcement.deal
    deal.title = title
    deal.investor_country = investor_country
    deal.host_country = host_country
    deal.commitment_ceiling.CopyFrom(ceiling)
    items = tariff_caps.items() if isinstance(tariff_caps, Mapping) else (tariff_caps or ())
    for item in items:
        if isinstance(item, events_pb2.TariffCap):
            deal.tariff_caps.add().CopyFrom(item)
        else:
            category, rate = item
            deal.tariff_caps.add(product_category=category, max_rate_bps=rate)
    return event


def project_announcement(project_id: str, name: str, sector: EnumLike, us_state: Optional[str],
                         pledged: events_pb2.Money, sponsors: Iterable[str] = (),
                         *, allocation_id: str = "", restates: Iterable[str] = (), source: str,
                         firmness: EnumLike = Firmness.REPORTED,
                         effective_time: Optional[TimeLike] = None,
                         event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Announces a project in an announced deal, with its pledge. us_state
    may be "" (or None) while the site is not known: project_site() gives it
    later. allocation_id names the allocation the pledge draws on. restates:
    the event ids of earlier reports of the same money (project or
    allocation announcements), which stop counting when this one is
    recorded."""
    if isinstance(sponsors, str):
        raise TypeError("sponsors: expected a list of names, got a single str")
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    project = event.announcement.project
    project.project_id = project_id
    project.name = name
    project.sector = coerce_enum(Sector, sector, "sector")
    project.us_state = us_state or ""
    project.sponsors.extend(sponsors)
    project.pledged.CopyFrom(pledged)
    project.allocation_id = allocation_id
    _restates(event, restates)
    return event


def project_site(project_id: str, us_state: str, *, source: str,
                 firmness: EnumLike = Firmness.REPORTED,
                 effective_time: Optional[TimeLike] = None,
                 event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Gives the site (US postal code, e.g. "TX") of a project announced
    without one."""
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    site = event.announcement.project_site
    site.project_id = project_id
    site.us_state = us_state
    return event


def lead_company(name: str, country: str = "") -> events_pb2.LeadCompany:
    """A company named to lead an allocation; country is its home country
    (ISO-3166 alpha-2, e.g. "JP"), "" when not reported."""
    if not isinstance(name, str) or not isinstance(country, str):
        raise TypeError(f"lead_company: expected str name and country, got {name!r}, {country!r}")
    return events_pb2.LeadCompany(name=name, country=country)


LeadCompanies = Iterable[Union[events_pb2.LeadCompany, str, Tuple[str, str]]]


def allocation_announcement(allocation_id: str, name: str, basis: EnumLike,
                            sector: Optional[EnumLike] = None,
                            cap: Optional[events_pb2.Money] = None,
                            lead_companies: LeadCompanies = (), *, scope: str = "",
                            parent_allocation_id: str = "", restates: Iterable[str] = (),
                            source: str,
                            firmness: EnumLike = Firmness.REPORTED,
                            effective_time: Optional[TimeLike] = None,
                            event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Announces an allocation: a part of the deal's ceiling set aside for a
    sector (basis "sector") or led by companies (basis "company").

    sector None: the allocation spans sectors. cap None: the source gives no
    amount (the allocation then holds what its earmarks hold). Lead companies
    are lead_company() messages, ("name", "JP") pairs or plain names.
    parent_allocation_id makes it an earmark inside that allocation.
    restates: as in project_announcement()."""
    if isinstance(lead_companies, (str, events_pb2.LeadCompany)):
        raise TypeError("lead_companies: expected a list of companies, got a single one")
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    allocation = event.announcement.allocation
    allocation.allocation_id = allocation_id
    allocation.name = name
    allocation.basis = coerce_enum(AllocationBasis, basis, "basis")
    if sector is not None:
        allocation.sector = coerce_enum(Sector, sector, "sector")
    if cap is not None:
        if not isinstance(cap, events_pb2.Money):
            raise TypeError(f"cap: expected Money (see usd()), got {type(cap).__name__}")
        allocation.cap.CopyFrom(cap)
    allocation.scope = scope
    for i, company in enumerate(lead_companies):
        if isinstance(company, events_pb2.LeadCompany):
            allocation.lead_companies.add().CopyFrom(company)
        elif isinstance(company, str):
            allocation.lead_companies.add(name=company)
        elif isinstance(company, tuple) and len(company) == 2:
            allocation.lead_companies.add().CopyFrom(lead_company(*company))
        else:
            raise TypeError(f"lead_companies[{i}]: expected lead_company(), a name or a "
                            f"(name, country) pair, got {company!r}")
    allocation.parent_allocation_id = parent_allocation_id
    _restates(event, restates)
    return event


def deal_terms(*, project_selector: str = "", final_decision: str = "",
               funding_channels: Iterable[EnumLike] = (), funding_deadline_days: int = 0,
               enforcement_clause: str = "", profit_sharing: str = "",
               other_commitments: Iterable[str] = (), oversight: str = "",
               asserted_by: str = "", source: str, firmness: EnumLike = Firmness.REPORTED,
               effective_time: Optional[TimeLike] = None,
               event_id: str = "") -> events_pb2.EventData:
    """The deal's terms as one party reads them (asserted_by: "US", "JP" or
    an outlet's name). Each terms event is its party's whole reading and
    replaces that party's earlier one, so give every term the party states.

    funding_channels are FundingSource members, numbers or names ("jbic",
    "nexi"); funding_deadline_days is the days the investor has to fund a
    project after its first approval (0: no deadline reported)."""
    if isinstance(funding_channels, (str, int)):
        raise TypeError("funding_channels: expected a list of funding sources, got a single one")
    if isinstance(other_commitments, str):
        raise TypeError("other_commitments: expected a list of strings, got a single str")
    if isinstance(funding_deadline_days, bool) or not isinstance(funding_deadline_days, int):
        raise TypeError(f"funding_deadline_days: expected an int number of days, "
                        f"got {funding_deadline_days!r}")
    if funding_deadline_days < 0:
        raise ValueError(f"funding_deadline_days: must be >= 0 (0: no deadline), "
                         f"got {funding_deadline_days}")
    channels = [coerce_enum(FundingSource, c, f"funding_channels[{i}]")
                for i, c in enumerate(funding_channels)]
    repeated = sorted({c.name.lower() for c in channels if channels.count(c) > 1})
    if repeated:
        raise ValueError(f"funding_channels: {', '.join(repeated)} given twice")
    commitments = list(other_commitments)
    for i, c in enumerate(commitments):
        if not isinstance(c, str):
            raise TypeError(f"other_commitments[{i}]: expected a str, got {c!r}")
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    terms = event.announcement.terms
    terms.SetInParent()  # an event with every term empty is still a terms event
    terms.project_selector = project_selector
    terms.final_decision = final_decision
    terms.funding_channels.extend(channels)
    terms.funding_deadline_days = funding_deadline_days
    terms.enforcement_clause = enforcement_clause
    terms.profit_sharing = profit_sharing
    terms.other_commitments.extend(commitments)
    terms.oversight = oversight
    return event


def approval(project_id: str, amount: events_pb2.Money, approving_body: str,
             *, source: str, firmness: EnumLike = Firmness.REPORTED,
             effective_time: Optional[TimeLike] = None,
             event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Approves an announced project for an amount."""
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    event.approval.project_id = project_id
    event.approval.amount.CopyFrom(amount)
    event.approval.approving_body = approving_body
    return event


def disbursement(project_id: str, amount: events_pb2.Money, funding_source: EnumLike,
                 tranche: str = "", *, source: str, firmness: EnumLike = Firmness.REPORTED,
                 effective_time: Optional[TimeLike] = None,
                 event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Moves money to an approved project from a funding source (JBIC...)."""
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    event.disbursement.project_id = project_id
    event.disbursement.amount.CopyFrom(amount)
    event.disbursement.funding_source = coerce_enum(FundingSource, funding_source,
                                                    "funding_source")
    event.disbursement.tranche = tranche
    return event


def tariff_change(product_category: Union[str, Iterable[str]], rate_bps: int,
                  legal_instrument: str, reason: str = "", *, source: str,
                  firmness: EnumLike = Firmness.REPORTED,
                  effective_time: Optional[TimeLike] = None,
                  event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Sets the tariff rate of a product category (basis points; see bps())
    from the event's effective time. A list of categories sets the same rate
    on each: tariff_change(["autos", "auto-parts"], 1500, ...) (the first is
    the event's product_category, the others its product_categories)."""
    if isinstance(rate_bps, bool) or not isinstance(rate_bps, int):
        raise TypeError(f"rate_bps: expected an int number of basis points, got {rate_bps!r} "
                        "(bps(15) == 1500)")
    if isinstance(product_category, str):
        categories = [product_category]
    else:
        categories = list(product_category)
        for c in categories:
            if not isinstance(c, str):
                raise TypeError(f"product_category: expected strings, got {c!r}")
        if not categories:
            raise ValueError("product_category: at least one category is needed")
        repeated = sorted({c for c in categories if categories.count(c) > 1})
        if repeated:
            raise ValueError(f"product_category: {', '.join(map(repr, repeated))} given twice")
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    change = event.tariff_change
    change.product_category = categories[0]
    change.product_categories.extend(categories[1:])
    change.rate_bps = rate_bps
    change.legal_instrument = legal_instrument
    change.reason = reason
    return event


# --- amendments ----------------------------------------------------------------
#
# An amendment is an event of its own that names an earlier event of the same
# deal (target_event_id): the one that stands now for its subject, the
# original event or its latest amendment (`head_event_id` in the state
# views). A revision or a withdrawal is a change in the world and takes
# effect at its own effective time; a correction, a retraction or a
# firmness raise fixes the record and takes effect when its target did, so
# leave their effective_time unset (the server uses the target's).

def _amendment(target_event_id: str, reason: str, *, source: str, firmness: EnumLike,
               effective_time: Optional[TimeLike], event_id: str,
               asserted_by: str) -> events_pb2.EventData:
    if not isinstance(target_event_id, str):
        raise TypeError(f"target_event_id: expected an event id (str), got {target_event_id!r}")
    if not target_event_id:
        raise ValueError("target_event_id: the event amended is required")
    if not isinstance(reason, str):
        raise TypeError(f"reason: expected a str, got {reason!r}")
    event = _event(source=source, firmness=firmness, effective_time=effective_time,
                   event_id=event_id, asserted_by=asserted_by)
    event.amendment.target_event_id = target_event_id
    event.amendment.reason = reason
    return event


def _required_reason(reason: str, what: str) -> str:
    if not isinstance(reason, str):
        raise TypeError(f"reason: expected a str, got {reason!r}")
    if not reason:
        raise ValueError(f"reason: a {what} needs a reason")
    return reason


def revision(target_event_id: str, amount: events_pb2.Money, reason: str = "", *,
             source: str, firmness: EnumLike = Firmness.REPORTED,
             effective_time: Optional[TimeLike] = None,
             event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Revises an amount: a project's pledge (target: its announcement), an
    allocation's cap (its announcement) or an approval's amount (the
    approval), in the deal's currency. It takes effect at its own
    effective_time (default: when recorded); queries as of a recorded time
    before it still show the old amount."""
    if not isinstance(amount, events_pb2.Money):
        raise TypeError(f"amount: expected Money (see usd()), got {type(amount).__name__}")
    event = _amendment(target_event_id, reason, source=source, firmness=firmness,
                       effective_time=effective_time, event_id=event_id,
                       asserted_by=asserted_by)
    event.amendment.revised_amount.CopyFrom(amount)
    return event


def withdrawal(target_event_id: str, reason: str, *, source: str,
               firmness: EnumLike = Firmness.REPORTED,
               effective_time: Optional[TimeLike] = None,
               event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Withdraws (or cancels) a project, target its announcement: from the
    event's effective_time (default: when recorded) its pledge and approvals
    no longer count and its status is WITHDRAWN. reason is required. Only a
    project with nothing disbursed can be withdrawn."""
    event = _amendment(target_event_id, _required_reason(reason, "withdrawal"),
                       source=source, firmness=firmness, effective_time=effective_time,
                       event_id=event_id, asserted_by=asserted_by)
    event.amendment.withdrawal.SetInParent()
    return event


def firmness_raise(target_event_id: str, raised_firmness: EnumLike, reason: str = "", *,
                   source: str, firmness: Optional[EnumLike] = None,
                   effective_time: Optional[TimeLike] = None,
                   event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Raises the firmness of the target's report (reported -> officially
    announced -> confirmed), e.g. when the signed agreement confirms what
    the press reported; only upward (to lower it, retract the report).
    firmness, the firmness of this event's own source, defaults to
    raised_firmness. Leave effective_time unset: it takes effect when the
    target did."""
    raised = coerce_enum(Firmness, raised_firmness, "raised_firmness")
    event = _amendment(target_event_id, reason, source=source,
                       firmness=raised if firmness is None else firmness,
                       effective_time=effective_time, event_id=event_id,
                       asserted_by=asserted_by)
    event.amendment.raised_firmness = raised
    return event


def retraction(target_event_id: str, reason: str, *, source: str,
               firmness: EnumLike = Firmness.REPORTED,
               effective_time: Optional[TimeLike] = None,
               event_id: str = "", asserted_by: str = "") -> events_pb2.EventData:
    """Retracts a report that proved false: the target's effect is removed
    as of the target's effective time (a project gets status RETRACTED; one
    with approvals cannot be retracted). reason is required. Leave
    effective_time unset: it takes effect when the target did."""
    event = _amendment(target_event_id, _required_reason(reason, "retraction"),
                       source=source, firmness=firmness, effective_time=effective_time,
                       event_id=event_id, asserted_by=asserted_by)
    event.amendment.retraction.SetInParent()
    return event


_REPLACEMENT_KINDS = ("announcement", "approval", "disbursement", "tariff_change")
Replacement = Union[events_pb2.EventData, events_pb2.Announcement, events_pb2.Approval,
                    events_pb2.Disbursement, events_pb2.TariffChange]


def correction(target_event_id: str, replacement: Replacement, reason: str = "", *,
               source: Optional[str] = None, firmness: Optional[EnumLike] = None,
               effective_time: Optional[TimeLike] = None,
               event_id: str = "", asserted_by: Optional[str] = None) -> events_pb2.EventData:
    """Corrects an event recorded in error: `replacement` takes its place,
    of the same kind and about the same subject (the same project,
    allocation and parent; the same project of an approval or disbursement).

    The replacement is most easily built with the other builders:

        correction(disbursed.event_ids[0],
                   disbursement("p", usd(5), "jbic", "T1", source=..., firmness="confirmed"),
                   "the tranche was $5, not $50")

    Its kind becomes the correction's replacement and its provenance the
    correction's own unless source= / firmness= / asserted_by= are given
    (an Announcement, Approval, Disbursement or TariffChange message is
    taken as well; then source= is required). The replacement may carry no
    event id, effective time or restates: the correction has its own id and
    takes effect when the target did (leave effective_time unset)."""
    if isinstance(replacement, events_pb2.EventData):
        kind = replacement.WhichOneof("kind")
        if kind not in _REPLACEMENT_KINDS:
            raise ValueError(f"replacement: a correction replaces an announcement, approval, "
                             f"disbursement or tariff change, got {kind or 'no kind'}")
        if replacement.event_id:
            raise ValueError("replacement: has an event_id; give the correction's own as "
                             "correction(event_id=...)")
        if replacement.HasField("effective_time"):
            raise ValueError("replacement: has an effective_time; a correction takes effect "
                             "when its target did (leave it unset)")
        if replacement.restates:
            raise ValueError("replacement: has restates; a correction restates nothing")
        body = getattr(replacement, kind)
        provenance = replacement.provenance
        source = provenance.source if source is None else source
        firmness = (provenance.firmness or Firmness.REPORTED) if firmness is None else firmness
        asserted_by = provenance.asserted_by if asserted_by is None else asserted_by
    else:
        kinds = {events_pb2.Announcement: "announcement", events_pb2.Approval: "approval",
                 events_pb2.Disbursement: "disbursement",
                 events_pb2.TariffChange: "tariff_change"}
        kind = kinds.get(type(replacement))
        if kind is None:
            raise TypeError(f"replacement: expected an EventData (see approval() etc.) or an "
                            f"Announcement, Approval, Disbursement or TariffChange, got "
                            f"{type(replacement).__name__}")
        if source is None:
            raise TypeError("source: required when the replacement is not an EventData")
        body = replacement
    event = _amendment(target_event_id, reason, source=source,
                       firmness=Firmness.REPORTED if firmness is None else firmness,
                       effective_time=effective_time, event_id=event_id,
                       asserted_by="" if asserted_by is None else asserted_by)
    getattr(event.amendment.correction, kind).CopyFrom(body)
    return event
