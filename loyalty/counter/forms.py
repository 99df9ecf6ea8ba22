"""The counter's forms. They check what the cashier typed and put it in the services' terms; the services
decide what is allowed. Every state-changing form carries an idempotency key made when it is rendered."""

from __future__ import annotations

import secrets
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Location
from loyalty.models.purchases import PaymentMethod
from loyalty.money import quantum
from loyalty.services.rules import Line, rules_for
from rewards.models import VOUCHER_ALPHABET

from .idempotency import new_key
from .present import money


def new_receipt_number() -> str:
    """A receipt number for a purchase the till did not number: the day and five unguessable characters."""
    return f"C{timezone.localdate():%y%m%d}-" + "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(5))


def new_refund_number() -> str:
    return "RF-" + "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(8))


def big_number(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "autocomplete": "off", **attrs})


class IdempotentForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, initial=new_key, max_length=64)
    prefix_ids = ""

    def __init__(self, *args, **kwargs):
        """Each form's inputs have ids of their own: several forms share a page."""
        if self.prefix_ids:
            kwargs.setdefault("auto_id", f"{self.prefix_ids}-%s")
        super().__init__(*args, **kwargs)


class PurchaseForm(IdempotentForm):
    """A purchase: the amount (or the quick items that add up to it), the member's vouchers to use, points to
    pay with, and the till's receipt number (else the one generated with the form, so a retry repeats it)."""

    prefix_ids = "purchase"
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=4,
        widget=big_number(placeholder="0"),
        help_text=_("What the till asks for, after any voucher discounts."),
    )
    vouchers = forms.MultipleChoiceField(
        label=_("Vouchers to use"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Voucher %(value)s cannot be used now: it was used, has expired or was cancelled.")
        },
    )
    points = forms.IntegerField(
        label=_("Pay with points"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
    )
    wallet = forms.DecimalField(
        label=_("Pay from the wallet"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "placeholder": "0"}),
    )
    other_category = forms.ChoiceField(label=_("Other items: category"), required=False)
    other_quantity = forms.IntegerField(
        label=_("How many"),
        required=False,
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "1"}),
    )
    other_amount = forms.DecimalField(
        label=_("For"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=4,
        help_text=_("Leave empty: the rest of the amount."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
    )
    receipt = forms.CharField(
        label=_("Receipt number"),
        required=False,
        max_length=100,
        help_text=_("From the till; leave empty to number it here."),
    )
    generated_receipt = forms.CharField(widget=forms.HiddenInput, initial=new_receipt_number, max_length=100)
    payment_method = forms.ChoiceField(
        label=_("Paid by"), required=False, choices=[("", _("Not said"))] + PaymentMethod.choices
    )

    def __init__(
        self,
        *args,
        shop,
        quick_items=(),
        vouchers=(),
        points_available: int = 0,
        wallet_balance: Decimal = Decimal(0),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.shop, self.points_available, self.wallet_balance = shop, points_available, wallet_balance
        self.offers_wallet = wallet_balance > 0
        if self.offers_wallet:
            self.fields["wallet"].help_text = _("%(amount)s in the wallet.") % {
                "amount": money(wallet_balance, shop.currency)
            }
        self.point_value = shop.program.point_value
        self.quick_items = list(quick_items)
        for item in self.quick_items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=item.label,
                required=False,
                min_value=0,
                max_value=999,
                widget=forms.NumberInput(
                    attrs={
                        "inputmode": "numeric",
                        "data-price": f"{item.amount:f}",
                        "class": "quick-count",
                        "placeholder": "0",
                    }
                ),
            )
        self.fields["vouchers"].choices = [(v.code, f"{v.code} · {v.reward.name}") for v in vouchers]
        self.categories = program_categories(shop.program)
        self.fields["other_category"].choices = [("", _("None")), *((c, c) for c in self.categories)]
        # Shown only when there is something to pay with, but always checked: a stale form cannot spend more.
        self.offers_points = self.point_value > 0 and points_available > 0
        if self.offers_points:
            self.fields["points"].widget.attrs.update(
                max=points_available, **{"data-point-value": f"{self.point_value:f}"}
            )
            self.fields["points"].help_text = _("%(points)s available; each is worth %(value)s.") % {
                "points": points_available,
                "value": money(self.point_value, shop.currency),
            }

    def item_fields(self):
        return [(item, self[f"item_{item.pk}"]) for item in self.quick_items]

    @staticmethod
    def _other_items(data) -> Line | None:
        """Items typed in without a quick button: a category and how many (for a stamp card per item)."""
        category = data.get("other_category")
        if not category:
            return None
        amount = data.get("other_amount") or Decimal(0)
        return Line(amount=amount, category=category, sku=category, quantity=data.get("other_quantity") or 1)

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount != amount.quantize(quantum(self.shop.currency)):
            raise forms.ValidationError(
                _("%(currency)s has no smaller unit than %(unit)s."),
                params={"currency": self.shop.currency, "unit": quantum(self.shop.currency)},
            )
        return amount

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        lines = []
        for item in self.quick_items:
            count = data.get(f"item_{item.pk}") or 0
            if count:
                lines.append(
                    Line(amount=item.amount * count, sku=item.sku or item.label, category=item.category, quantity=count)
                )
        other = self._other_items(data)
        priced = lines + ([other] if other is not None and other.amount else [])
        items_total = sum((line.amount for line in priced), Decimal(0))
        bill = data.get("amount")
        if bill is None:
            if not priced:
                raise forms.ValidationError({"amount": _("Enter the amount, or tap the items bought.")})
            bill = items_total
        if priced and items_total > bill:
            raise forms.ValidationError(
                {
                    "amount": _("The items add up to %(total)s, more than the amount.")
                    % {"total": money(items_total, self.shop.currency)}
                }
            )
        if other is not None and not other.amount:  # typed without an amount: the rest of the bill is theirs
            other = Line(amount=bill - items_total, category=other.category, sku=other.sku, quantity=other.quantity)
            items_total = bill
        lines += [other] if other is not None else []
        if lines and bill > items_total:
            lines.append(Line(amount=bill - items_total))
        points = data.get("points") or 0
        if points and self.point_value <= 0:
            raise forms.ValidationError({"points": _("Points cannot pay for purchases in this program.")})
        if points > self.points_available:
            raise forms.ValidationError(
                {"points": _("Only %(points)s points are available.") % {"points": self.points_available}}
            )
        discount = (points * self.point_value).quantize(quantum(self.shop.currency), rounding=ROUND_HALF_UP)
        if points and discount > bill:
            most = int(bill // self.point_value) if self.point_value else 0
            raise forms.ValidationError(
                {"points": _("Those points are worth more than the bill: use at most %(most)s.") % {"most": most}}
            )
        wallet = data.get("wallet") or Decimal(0)
        if wallet > self.wallet_balance:
            raise forms.ValidationError(
                {
                    "wallet": _("The wallet holds %(amount)s.")
                    % {"amount": money(self.wallet_balance, self.shop.currency)}
                }
            )
        if wallet > bill - discount:
            raise forms.ValidationError({"wallet": _("More than is left to pay.")})
        self.bill, self.discount, self.points, self.wallet = bill, discount, points, wallet
        self.paid = bill - discount - wallet
        self.lines = spread_discount(lines, bill, discount + wallet, self.shop.currency)
        self.external_id = (data.get("receipt") or "").strip() or data["generated_receipt"]
        return data


def program_categories(program) -> list[str]:
    """The categories the program's rules name (stamp cards, multipliers, campaigns, exclusions), sorted."""
    rules = rules_for(program)
    named = set(program.exclude_categories) | set(rules.category_multipliers)
    for card in rules.stamp_cards:
        named.update(card.categories)
    for campaign in rules.campaigns:
        named.update(campaign.categories)
    return sorted(named)


def spread_discount(lines: list[Line], bill: Decimal, discount: Decimal, currency: str) -> list[Line]:
    """The items' amounts less their share of a points discount, so they still add up to what was paid."""
    if not lines or not discount:
        return lines
    spread, left = [], discount
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        share = left if last else (line.amount * discount / bill).quantize(quantum(currency), rounding=ROUND_FLOOR)
        share = min(share, line.amount)
        left -= share
        spread.append(Line(amount=line.amount - share, category=line.category, sku=line.sku, quantity=line.quantity))
    return spread


class EnrolForm(IdempotentForm):
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    referral_code = forms.CharField(
        label=_("Referral code"), max_length=16, required=False, help_text=_("If a friend sent them.")
    )
    partner_code = forms.CharField(
        label=_("Partner code"), max_length=40, required=False, help_text=_("If a partner of the shop sent them.")
    )
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        required=False,
        help_text=_("If they take a pre-printed card; else one is issued."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    marketing_consent = forms.BooleanField(label=_("They agree to receive offers"), required=False)

    def __init__(self, *args, **kwargs):
        """The phone is read back in groups as it is typed (an HTMX fragment), so a typo is caught."""
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(
            {
                "hx-get": reverse("counter:phone_check"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#phone-check",
                "hx-swap": "outerHTML",
                "autofocus": True,
            }
        )


class RefundForm(IdempotentForm):
    prefix_ids = "refund"
    amount = forms.DecimalField(
        label=_("Amount to refund"), min_value=0, max_digits=16, decimal_places=4, widget=big_number()
    )
    refund_number = forms.CharField(widget=forms.HiddenInput, initial=new_refund_number, max_length=100)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError(_("Enter an amount above zero."))
        if amount != amount.quantize(quantum(self.currency)):
            raise forms.ValidationError(
                _("%(currency)s has no smaller unit than %(unit)s."),
                params={"currency": self.currency, "unit": quantum(self.currency)},
            )
        return amount


def pin_input(**attrs) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*", **attrs})


class AdjustForm(IdempotentForm):
    prefix_ids = "adjust"
    points = forms.IntegerField(
        label=_("Points"),
        help_text=_("Negative to take points away."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
    pin = forms.CharField(label=_("Manager's PIN"), max_length=8, widget=pin_input())

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Enter the points to add or take away."))
        return points


class PinSetForm(IdempotentForm):
    prefix_ids = "pin"
    pin = forms.CharField(
        label=_("New PIN"), max_length=8, min_length=4, widget=pin_input(), help_text=_("4 to 8 digits, only yours.")
    )
    pin_again = forms.CharField(label=_("The same PIN again"), max_length=8, widget=pin_input())

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin_again") and data["pin"] != data["pin_again"]:
            self.add_error("pin_again", _("The two PINs are not the same."))
        return data


class SwitchForm(forms.Form):
    pin = forms.CharField(label=_("Your PIN"), max_length=8, widget=pin_input(autofocus=True))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "switch-%s")
        super().__init__(*args, **kwargs)


class LocationForm(forms.Form):
    location = forms.ModelChoiceField(
        label=_("This counter is at"), queryset=Location.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(shop=shop)
