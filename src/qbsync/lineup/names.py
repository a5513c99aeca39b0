"""When two list names are the same to QuickBooks, and when they only look alike to a person.

QuickBooks' duplicate-name rule (6240) decides what will collide. We take it as: the ends' spaces do not
count, letter case does not count, and an inactive record still holds its name (QBO shows it as
``Name (deleted)``; the suffix is QBO's display, not part of the name). Sources:

- uniqueness across Customer, Vendor and Employee: Intuit's DisplayName field doc, "Must be unique across all
  Customer, Vendor, and Employee objects" (quoted in /work/shared/reference/qbo-api.md §3.2);
- the suffix on inactive records: quickbooks-ruby ``spec/fixtures/deleted_customer.xml`` ("Thrifty Meats
  (deleted)", ``Active`` false); inactive records holding the name: the emulator's rule, as integrators
  describe it (a 6240 whose holder turns out to be an inactive record);
- letter case: **unconfirmed**. No public capture shows QBO refusing a name that differs only in case; the
  emulator treats it as the same name, and so do we (a false "will collide" costs a look, a missed one a
  failed first sync);
- everything else is a different name to QBO: Fieldwork's help article lists "Country & Western vs Country
  and Western" and "A&W vs A & W" as names that do not match, and YoPrint's 6240 page says an ampersand is
  something "QuickBooks treats differently from the word 'and'".

Near matches are for people: names equal once spacing, punctuation and "&"/"and" are ignored too. QBO will
create them as new names, next to a record that is probably the same thing.
"""

from __future__ import annotations

import unicodedata
from typing import Final

DELETED_SUFFIX: Final = " (deleted)"

# The ways two names can differ and still be a near match, in the order a person reads them.
CASE, SPACING, PUNCTUATION, AMPERSAND, DELETED = "case", "spacing", "punctuation", "and", "deleted"
DIFFERENCES: Final = (CASE, SPACING, PUNCTUATION, AMPERSAND, DELETED)


def shown_base(name: str, active: bool) -> str:
    """The name a QBO record holds: its display without QBO's ``(deleted)`` on an inactive record."""
    text = name.strip()
    if not active and text.endswith(DELETED_SUFFIX):
        return text.removesuffix(DELETED_SUFFIX).strip()
    return text


def qbo_key(name: str) -> str:
    """Equal keys: QuickBooks takes the names as the same one (6240 on the second)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _normalised(name: str, skip: str | None = None) -> str:
    """The near-match key, with every normaliser except ``skip`` applied."""
    text = unicodedata.normalize("NFKC", name)
    if skip != CASE:
        text = text.casefold()
    if skip != AMPERSAND:
        text = text.replace("&", "and")  # no padding: "A&W" against "A & W" is still a spacing difference
    if skip != PUNCTUATION:
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PS")
    # skipping the spacing rule still evens out runs of spaces, so that removed punctuation leaves no trace
    return " ".join(text.split()) if skip == SPACING else "".join(text.split())


def near_key(name: str) -> str:
    """Equal keys: a person would take the names as the same thing."""
    return _normalised(name)


def differences(suprata_name: str, qbo_name: str, qbo_active: bool = True) -> tuple[str, ...]:
    """How ``suprata_name`` differs from the QBO record's shown name, for names with equal near keys.

    A difference is named when the names stay apart without its normaliser, so "Smith & Sons" against
    "Smith and Sons" is ``("and",)``, not punctuation as well. ``()`` means the very same text.
    """
    held = shown_base(qbo_name, qbo_active)
    found = [
        kind
        for kind in (CASE, SPACING, PUNCTUATION, AMPERSAND)
        if _normalised(suprata_name, kind) != _normalised(held, kind)
    ]
    if not found and suprata_name.strip() != held:
        found = [SPACING]  # only the ends differ: spacing, though QBO ignores it
    if held != qbo_name.strip():
        found.append(DELETED)
    return tuple(found)
