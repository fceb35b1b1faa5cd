"""The deck basket: pure data behind the app's "add to deck" button.

Each :class:`DeckItem` is a chart PNG or a table, captioned with the filters and parameters
in force when it was added. Session-only; nothing is written to disk.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pandas as pd

from lusp.i18n import _
from lusp.export.deck.layout import MAX_SLIDE_COLUMNS, Slide, _as_text_frame

# --------------------------------------------------------------------------------------
# The basket
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DeckItem:
    """A chart or table the user put in the deck basket, with its context.

    Exactly one of ``png`` (chart image) and ``table`` (display frame) is set.
    ``caption`` records the filters and parameters in force when it was added, because
    the sidebar may have changed by the time the deck is built.
    """

    title: str
    caption: str
    png: bytes | None = field(default=None, repr=False)
    table: pd.DataFrame | None = field(default=None, repr=False)
    notes: str = ""
    item_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    def __post_init__(self) -> None:
        if (self.png is None) == (self.table is None):
            raise ValueError("a deck item holds either a chart PNG or a table, not both or neither")  # programmer error

    @property
    def kind(self) -> str:
        return "chart" if self.png is not None else "table"

    def to_slide(self) -> Slide:
        if self.png is not None:
            return Slide("image", self.title, caption=self.caption, images=(self.png,), notes=self.notes, alt_text=self.title)
        table = _as_text_frame(self.table)
        caption = self.caption
        if len(table.columns) > MAX_SLIDE_COLUMNS:
            # More columns than a slide can hold legibly: the first ones, and say so.
            caption = _("{caption} · first {shown} of {total} columns (all in the XLSX download)").format(
                caption=caption, shown=MAX_SLIDE_COLUMNS, total=len(table.columns))
            table = table.iloc[:, :MAX_SLIDE_COLUMNS]
        return Slide("table", self.title, caption=caption.strip(" ·"), table=table, notes=self.notes)


@dataclass(frozen=True)
class DeckBasket:
    """The session's basket: an ordered, immutable list of :class:`DeckItem`.

    Every operation returns a new basket (the app keeps it in ``st.session_state``).
    Out-of-range indices and unknown ids leave the basket unchanged rather than raising:
    a double click must not break the page.
    """

    items: tuple[DeckItem, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def add(self, item: DeckItem) -> "DeckBasket":
        return DeckBasket(self.items + (item,))

    def remove(self, item_id: str) -> "DeckBasket":
        return DeckBasket(tuple(i for i in self.items if i.item_id != item_id))

    def move(self, item_id: str, offset: int) -> "DeckBasket":
        """Move an item ``offset`` places (−1 = up, +1 = down), clamped to the ends."""
        ids = [i.item_id for i in self.items]
        if item_id not in ids:
            return self
        old = ids.index(item_id)
        new = min(max(old + offset, 0), len(ids) - 1)
        items = list(self.items)
        items.insert(new, items.pop(old))
        return DeckBasket(tuple(items))

    def clear(self) -> "DeckBasket":
        return DeckBasket()

    def slides(self) -> list[Slide]:
        return [item.to_slide() for item in self.items]

