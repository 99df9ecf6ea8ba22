"""Where the program apps (referrals, partners, memberships, …) plug into the core. The core never imports them:
each app registers what it adds in its AppConfig.ready, and the core calls what is registered.

- **Events** are facts the core emits inside the transaction of the change (`emit`); handlers run in the order
  they were registered, and an error in one rolls the whole change back.
- **Benefit sources** say what a member's other programs add to earning and discounts (`benefits_for`); the
  quote, the purchase, the counter and the API all read them, so they compute the same numbers.
- **Jobs** are the periodic jobs, run in `order` by `loyalty_jobs` and the beat task.
- **Configuration sections** are top-level keys of the configuration document (parse, apply, export); whole
  **documents** of another kind (a coalition) have their own importer.
- **Page sections** are template partials that the counter's member panel and purchase page, the member's card page
  and the portal's member page show, each with its own context function.
- **Receipt lines** are what the apps add to a purchase's receipt message (a surprise won with it).
- **Portal links** are the portal's navigation entries of the apps.
- **Shared members** say which member of another shop a phone's account is shared with (a coalition's), and
  **account sharing** whether a shop shares accounts at all (its tier basis is then what occurred at the shop).
- **Sign-in destinations** say where a person lands after signing in when the core has no page for them (an
  affiliate partner's page), instead of onboarding.
- **Member filters** are the apps' filters of the portal's members table (a segment, a membership plan).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction

# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class MemberEnrolled:
    """A new member, with the codes they enrolled with and where: "join_page", "counter", "till", "import", …"""

    member: Any
    actor: Any
    at: datetime
    channel: str
    referral_code: str = ""
    partner_code: str = ""
    device: str = ""  # a stable id of the browser that joined (public join pages only), for fraud rules


@dataclass(frozen=True)
class MembersImported:
    """Members an import made (`manage.py members_import`, the portal's import page), all at once: an import of
    100,000 customers emits this once, never MemberEnrolled per member (docs/portal.md). `member_ids` are the new
    members' ids in the file's order; the members it only updated are not in it."""

    shop: Any
    member_ids: tuple
    actor: Any
    at: datetime
    channel: str = "import"


@dataclass(frozen=True)
class PurchaseRecorded:
    """A purchase of a member, recorded; `first` when it is the account's first purchase ever."""

    purchase: Any
    member: Any
    account: Any
    actor: Any
    at: datetime
    first: bool
    partner_code: str = ""
    lines: tuple = ()


@dataclass(frozen=True)
class PurchaseRefunded:
    """A refund of a member's purchase: `share` of the purchase amount it refunded, `complete` when the refunds
    now cover the whole purchase."""

    purchase: Any
    refund: Any
    account: Any
    actor: Any
    at: datetime
    share: Decimal
    complete: bool


@dataclass(frozen=True)
class MembersMerged:
    """Support merged `duplicate` into `keep` (the core moved its points, wallet, stamps, vouchers and purchases);
    the apps move what they hold of the duplicate."""

    keep: Any
    duplicate: Any
    at: datetime


@dataclass(frozen=True)
class VoucherRedeemed:
    """A reward bought with points: its voucher was issued."""

    voucher: Any
    member: Any
    at: datetime


@dataclass(frozen=True)
class ReferralApproved:
    """A program app approved a referral: `referrer` (the current member, whose `account` the app locked) brought
    `friend`; `at` is the approval's moment. Other apps count it (a challenge of approved referrals)."""

    referrer: Any
    account: Any
    friend: Any
    referral_id: int
    at: datetime


@dataclass(frozen=True)
class ReferralVoided:
    """An approved referral was voided later (the friend's first purchase refunded in full), at `at`."""

    referrer: Any
    account: Any
    referral_id: int
    at: datetime


_handlers: dict[type, list[Callable]] = defaultdict(list)


def subscribe(event_type: type, handler: Callable) -> Callable[[], None]:
    """Run `handler(event)` for every event of this type; returns a function that unsubscribes it."""
    _handlers[event_type].append(handler)
    return lambda: _handlers[event_type].remove(handler)


def on(event_type: type):
    """`@on(PurchaseRecorded)` registers the decorated function."""

    def register(handler):
        subscribe(event_type, handler)
        return handler

    return register


def emit(event) -> None:
    """Run the event's handlers now, in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{type(event).__name__} is emitted inside the transaction of its change")
    for handler in _handlers[type(event)]:
        handler(event)


# ---------------------------------------------------------------- benefits


@dataclass(frozen=True)
class Benefit:
    """What one program gives a member now: a points multiplier and a member discount, with the label the
    explanation and the counter show ("88VIP")."""

    label: str
    points_multiplier: Decimal = Decimal(1)
    discount_percent: Decimal = Decimal(0)
    free_delivery: bool = False


_benefit_sources: list[Callable] = []


def benefit_source(source: Callable[[Any, datetime], Iterable[Benefit]]):
    """Register `source(member, at)`, which yields the member's benefits at that moment."""
    _benefit_sources.append(source)
    return source


def benefits_for(member, at: datetime) -> list[Benefit]:
    return [benefit for source in _benefit_sources for benefit in source(member, at)]


# ---------------------------------------------------------------- periodic jobs

# The order of cli.md's loyalty_jobs; apps take the slot of their job.
JOB_ORDER = {
    "points_expired": 10,
    "tiers": 20,
    "referrals_approved": 30,
    "commissions_approved": 40,
    "birthday_bonuses": 50,
    "memberships_renewed": 60,
    "membership_rewards": 70,
    "vouchers_expired": 80,
    "segments": 90,
}
HOUSEKEEPING_ORDER = 100  # after the jobs cli.md names: reminders, purges, re-queues


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., Any]  # run(as_of=moment) -> what it did, for the command's report
    order: int


_jobs: dict[str, Job] = {}


def job(name: str, order: int | None = None):
    """`@job("referrals_approved")` registers `run(*, as_of)` as a periodic job, in cli.md's order."""

    def register(run):
        _jobs[name] = Job(name, run, order if order is not None else JOB_ORDER.get(name, HOUSEKEEPING_ORDER))
        return run

    return register


def jobs_in_order() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: (j.order, j.name))


# ---------------------------------------------------------------- the configuration document


@dataclass(frozen=True)
class ParseContext:
    """What a section may refer to in the rest of the document."""

    currency: str
    reward_codes: frozenset = frozenset()
    tier_codes: frozenset = frozenset()
    location_codes: frozenset = frozenset()


class ConfigSection(Protocol):
    key: str  # the document's top-level key

    def parse(self, value, ctx: ParseContext) -> Any:
        """Check the section; raise ConfigurationError naming the JSON path of what is wrong."""

    def apply(self, shop, parsed) -> None:
        """Make the shop's rows say what the parsed section says (inside the import's transaction)."""

    def export(self, shop) -> Any:
        """The section as the document writes it, or None when the shop has none."""


_sections: dict[str, ConfigSection] = {}
_documents: dict[str, Callable] = {}


def config_section(section: ConfigSection) -> ConfigSection:
    _sections[section.key] = section
    return section


def config_sections() -> list[ConfigSection]:
    return list(_sections.values())


def config_document(key: str, importer: Callable[[dict], str]) -> None:
    """A document of another kind, named by its only top-level key ({"coalition": …}); `importer(document)`
    applies it and returns what `program_import` prints (the coalition's code)."""
    _documents[key] = importer


def document_importer(key: str) -> Callable | None:
    return _documents.get(key)


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class PageSection:
    slot: str  # "counter.member", "counter.purchase", "member.card", "portal.member"
    template: str
    context: Callable[..., dict | None]  # context(member=…, at=…, request=…) -> its context, or None to hide it
    order: int = 100


_page_sections: dict[str, list[PageSection]] = defaultdict(list)


def page_section(slot: str, template: str, order: int = 100):
    """`@page_section("counter.member", "referrals/partials/counter.html")` on the section's context function."""

    def register(context):
        _page_sections[slot].append(PageSection(slot, template, context, order))
        _page_sections[slot].sort(key=lambda s: s.order)
        return context

    return register


def page_sections(slot: str) -> list[PageSection]:
    return list(_page_sections[slot])


@dataclass(frozen=True)
class PortalLink:
    url_name: str
    label: Any  # a lazy translation
    role: str  # the least role that sees it
    order: int = 100


_portal_links: list[PortalLink] = []


def portal_link(url_name: str, label, role: str, order: int = 100) -> None:
    _portal_links.append(PortalLink(url_name, label, role, order))


def portal_links() -> list[PortalLink]:
    return sorted(_portal_links, key=lambda link: link.order)


_sign_in_destinations: list[Callable] = []


def sign_in_destination(destination: Callable[[Any], str | None]):
    """Register `destination(user)`: the URL a signed-in person who is neither staff nor a member lands on (the
    app's own page for them), or None when the app has no page for this person."""
    _sign_in_destinations.append(destination)
    return destination


def sign_in_destination_for(user) -> str | None:
    return next((url for destination in _sign_in_destinations if (url := destination(user))), None)


# ---------------------------------------------------------------- the receipt

_receipt_lines: list[Callable] = []


def receipt_line(lines: Callable[[Any], list]):
    """Register `lines(purchase)`: what the app adds to the purchase's receipt message ("You won a pastry"), as lazy
    translations (django.utils.text.format_lazy), so they read in the member's language when the message renders;
    the message writes them as one list ("A and B")."""
    _receipt_lines.append(lines)
    return lines


def receipt_lines(purchase) -> list:
    return [line for lines in _receipt_lines for line in lines(purchase)]


# ---------------------------------------------------------------- redemptions and the member answer

_redemption_checks: list[Callable] = []


def redemption_check(check: Callable[[Any, Any, datetime], str | None]):
    """Register `check(reward, member, at)`: a reason code ("not_eligible") when the member may not redeem the
    reward now for the app's reasons (a reward only a plan's members may have), else None."""
    _redemption_checks.append(check)
    return check


def redemption_refusal(reward, member, at: datetime) -> str | None:
    return next((reason for check in _redemption_checks if (reason := check(reward, member, at))), None)


_member_fields: dict[str, Callable] = {}


def member_field(name: str):
    """`@member_field("membership")` on `value(member, at)`: the field of the till API's Member answer it fills."""

    def register(value):
        _member_fields[name] = value
        return value

    return register


def member_fields(member, at: datetime) -> dict:
    return {name: value(member, at) for name, value in _member_fields.items()}


# ---------------------------------------------------------------- accounts shared across shops

_shared_members: list[Callable] = []


def shared_member(find: Callable[[Any, str], Any]):
    """Register `find(shop, phone)`: a current member of another shop whose account a member of `shop` with this
    phone (E.164) shares (a coalition's), or None. Enrolment then opens no account of its own, and a lookup by
    phone that finds no member of `shop` enrols one on that account."""
    _shared_members.append(find)
    return find


def shared_member_for(shop, phone: str):
    return next((member for find in _shared_members if (member := find(shop, phone))), None)


_account_sharing: list[Callable] = []


def account_sharing(shares: Callable[[Any], bool]):
    """Register `shares(program)`: whether the program's shop shares accounts with other shops now (a coalition's).
    Its tier basis then counts only what occurred at the shop, not the shared account's cached lifetime figures.
    Answered without a query for a shop that shares none (once judged in the process)."""
    _account_sharing.append(shares)
    return shares


def shares_accounts(program) -> bool:
    return any(shares(program) for shares in _account_sharing)


# ---------------------------------------------------------------- referral codes an app keeps

_referrer_finders: list[Callable] = []


def referrer_finder(find: Callable[[Any, str], Any]):
    """Register `find(shop, code)`: the current member of `shop` a normalised referral code names when no member
    holds it as their code today (the code drawn for a member who later chose their own), or None."""
    _referrer_finders.append(find)
    return find


def referrer_found_by_apps(shop, code: str):
    return next((member for find in _referrer_finders if (member := find(shop, code))), None)


# ---------------------------------------------------------------- the demo shop

_demo_documents: list[Callable] = []
_demo_histories: list[Callable] = []


def demo_document(add: Callable[[dict], None]):
    """Register `add(document)`, which puts the app's section into the demo shop's configuration document."""
    _demo_documents.append(add)
    return add


def demo_history(make: Callable[[Any], None]):
    """Register `make(shop)`, run once the demo shop has its members and their visits: the app's own history."""
    _demo_histories.append(make)
    return make


def demo_documents() -> list[Callable]:
    return list(_demo_documents)


def demo_histories() -> list[Callable]:
    return list(_demo_histories)


# ---------------------------------------------------------------- names of ledger entries

_source_labels: dict[str, Callable] = {}


def entry_source_label(prefix: str):
    """`@entry_source_label("referral")` on `label(entry) -> str`: how pages name ledger entries whose source is
    `referral` or starts with `referral:` (the core names its own: purchases, rewards, refunds, bonuses…)."""

    def register(label):
        _source_labels[prefix] = label
        return label

    return register


def entry_source_label_for(prefix: str) -> Callable | None:
    return _source_labels.get(prefix)


# ---------------------------------------------------------------- reports and segments (read by insights)


@dataclass(frozen=True)
class FigureValue:
    """One number of a report figure: `kind` says how it is written: "count", "money" (the shop's currency,
    rounded once), "rate" (a share, 4 places). None when it does not apply (a location for a whole-shop figure)."""

    key: str
    label: Any  # a lazy translation
    value: int | Decimal | None
    kind: str = "count"


@dataclass(frozen=True)
class ReportFigure:
    key: str  # the report's key ("referral_funnel"), its values under it
    label: Any
    note: Any  # the one sentence saying how it is computed
    compute: Callable[..., list[FigureValue]]
    order: int = 100


_report_figures: dict[str, ReportFigure] = {}


def report_figure(key: str, label, note, order: int = 100):
    """`@report_figure("referral_funnel", _("Referral funnel"), _("…"))` on `compute(shop, since, until,
    location, now)` -> [FigureValue]: a figure of the program report for the moments [since, until), one location
    or None for the whole shop, in one or two aggregate queries."""

    def register(compute):
        _report_figures[key] = ReportFigure(key, label, note, compute, order)
        return compute

    return register


def report_figures() -> list[ReportFigure]:
    return sorted(_report_figures.values(), key=lambda figure: (figure.order, figure.key))


@dataclass(frozen=True)
class SegmentRule:
    field: str  # the rule's "field" ("referrals")
    label: Any
    ops: tuple[str, ...]
    parse: Callable[[Any, str, Any], Any]  # parse(shop, op, value) -> the value as stored; ValueError when wrong
    condition: Callable[..., Any]  # condition(shop, rule, at) -> a Q over the shop's members


_segment_rules: dict[str, SegmentRule] = {}


def segment_rule(field: str, label, ops: tuple[str, ...], parse: Callable):
    """`@segment_rule("referrals", _("Referrals"), ("gte", "lte"), parse)` on `condition(shop, rule, at)`: a rule
    custom segments may use, turned into a condition (a Q) over Member without a query of its own."""

    def register(condition):
        _segment_rules[field] = SegmentRule(field, label, ops, parse, condition)
        return condition

    return register


def segment_rules() -> dict[str, SegmentRule]:
    return dict(_segment_rules)


# ---------------------------------------------------------------- the portal's members table


@dataclass(frozen=True)
class MemberFilter:
    key: str  # the query parameter ("segment", "membership")
    label: Any  # a lazy translation
    choices: Callable[[Any], list[tuple[str, Any]]]  # choices(shop) -> [(value, label)], one query at most
    condition: Callable[..., Any]  # condition(shop, value, at) -> a Q over Member (a lookup at most, no rows read)
    order: int = 100


_member_filters: dict[str, MemberFilter] = {}


def member_filter(key: str, label, choices: Callable, order: int = 100):
    """`@member_filter("segment", _("Segment"), choices)` on `condition(shop, value, at)`: a filter of the portal's
    members table offered by a program app (a segment, a membership plan). A filter whose `choices(shop)` is empty
    is not shown; a value not among the choices filters nothing."""

    def register(condition):
        _member_filters[key] = MemberFilter(key, label, choices, condition, order)
        return condition

    return register


def member_filters() -> list[MemberFilter]:
    return sorted(_member_filters.values(), key=lambda f: (f.order, f.key))
