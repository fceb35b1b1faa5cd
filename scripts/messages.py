"""Keep the message catalogues in step with the source (``make messages``).

    python scripts/messages.py update            # lusp/locale/lusp.pot + every language's lusp.po
    python scripts/messages.py missing [--lang zh] # untranslated messages with their source lines

``update`` extracts every marked string (``babel.cfg``; :mod:`lusp.i18n_extract`), writes
the template ``lusp/locale/lusp.pot``, and brings ``lusp/locale/<lang>/LC_MESSAGES/lusp.po``
to the same messages: translations of messages still in the source are kept, new ones are
added untranslated, messages gone from the source are dropped. The tests
(``tests/test_i18n_catalogue.py``) fail while any message is untranslated.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from lusp.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE  # noqa: E402
from lusp.i18n_extract import extract_messages  # noqa: E402

HEADER = "Luspatercept Cohort Explorer"


def template() -> Catalog:
    catalog = Catalog(project=HEADER, domain=DOMAIN, charset="utf-8", fuzzy=False)
    for (context, msgid), entry in sorted(extract_messages(ROOT).items(),
                                          key=lambda kv: (kv[1]["locations"][0], kv[0][0] or "")):
        mid = (msgid, entry["plural"]) if entry["plural"] else msgid
        catalog.add(mid, locations=entry["locations"], auto_comments=entry["comments"], context=context)
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _translations_in(paths: list[Path], lang: str) -> dict:
    """``{(msgid, context): string}`` of the translated entries of other ``.po`` files (a
    branch's catalogue being merged); two different translations of one message stop."""
    found: dict = {}
    for path in paths:
        with Path(path).open("rb") as handle:
            for message in read_po(handle, locale=lang, domain=DOMAIN):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if not message.id or message.fuzzy or not all(strings):
                    continue
                key = (message.id, message.context)
                if key in found and found[key] != message.string:
                    print(f"conflict: {message.context or ''} {message.id!r}: {found[key]!r} vs {message.string!r} "
                          f"(kept the first; {path})", file=sys.stderr)
                    continue
                found[key] = message.string
    return found


def update(absorb: list[Path] | None = None, override: list[Path] | None = None) -> None:
    pot = template()
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, pot, width=100, omit_header=False, sort_output=False, no_location=False)
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        path = po_path(lang)
        old = Catalog(locale=lang, domain=DOMAIN)
        if path.exists():
            with path.open("rb") as handle:
                old = read_po(handle, locale=lang, domain=DOMAIN)
        new = Catalog(locale=lang, project=HEADER, domain=DOMAIN, charset="utf-8", fuzzy=False)
        extra = _translations_in(list(absorb or []), lang)
        better = _translations_in(list(override or []), lang)
        kept = added = 0
        for message in pot:
            if not message.id:
                continue
            previous = old.get(message.id, context=message.context)
            string = previous.string if previous is not None and not previous.fuzzy else ("", "") if message.pluralizable else ""
            strings = string if isinstance(string, tuple) else (string,)
            if not all(strings) and (message.id, message.context) in extra:
                string = extra[(message.id, message.context)]
            if (message.id, message.context) in better:  # a reviewer's correction wins
                string = better[(message.id, message.context)]
            if isinstance(string, tuple) and not message.pluralizable:
                string = string[0]
            if message.pluralizable and isinstance(string, str):
                string = (string,)
            new.add(message.id, string=string, locations=message.locations, auto_comments=message.auto_comments,
                    user_comments=previous.user_comments if previous is not None else [], context=message.context)
            kept += bool(previous is not None and previous.string and any(
                previous.string if isinstance(previous.string, tuple) else (previous.string,)))
            added += previous is None
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, new, width=100, sort_output=False)
        dropped = sum(1 for m in old if m.id and new.get(m.id, context=m.context) is None)
        print(f"{path.relative_to(ROOT)}: {len(new)} messages ({kept} translated, {added} new, {dropped} dropped)")


def missing(lang: str) -> int:
    from lusp.i18n import reload_catalogues

    reload_catalogues()
    path = po_path(lang)
    catalog = read_po(path.open("rb"), locale=lang, domain=DOMAIN) if path.exists() else Catalog(locale=lang)
    count = 0
    for (context, msgid), entry in extract_messages(ROOT).items():
        message = catalog.get((msgid, entry["plural"]) if entry["plural"] else msgid, context=context)
        strings = () if message is None else (message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or message.fuzzy or not all(strings):
            count += 1
            where = ", ".join(f"{p}:{n}" for p, n in entry["locations"][:3])
            print(f"{where}\t{('[' + context + '] ') if context else ''}{msgid}")
    print(f"{count} untranslated message(s) in {lang}", file=sys.stderr)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    u = sub.add_parser("update", help="extract the messages and update every catalogue")
    u.add_argument("--absorb", nargs="*", type=Path, default=[],
                   help="also take the translations of these .po files (a merged branch's catalogue)")
    u.add_argument("--override", nargs="*", type=Path, default=[],
                   help="translations that replace the catalogue's (a reviewer's corrections, .po)")
    m = sub.add_parser("missing", help="list untranslated messages")
    m.add_argument("--lang", default="zh", choices=[x for x in LANGUAGES if x != SOURCE_LANGUAGE])
    args = parser.parse_args(argv)
    if args.command == "update":
        update(args.absorb, args.override)
        return 0
    return 1 if missing(args.lang) else 0


if __name__ == "__main__":
    raise SystemExit(main())
