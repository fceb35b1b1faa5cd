"""A Babel extraction method for the keyed label registry (:mod:`lusp.labels`).

``pybabel extract`` finds ``_()``/``N_()``/``ngettext()``/``pgettext()`` calls itself; the
registry is a dict literal, so this reads ``MESSAGES["en"]`` from the source (``ast``, no
import) and yields each English label with its key as the message context — the same
``pgettext(key, label)`` :func:`lusp.labels.label` looks up. A ``(singular, plural)`` entry
yields both words under the same key. Registered in ``babel.cfg``.
"""
from __future__ import annotations

import ast
from typing import Any, Iterator


def registry_entries(source: str) -> Iterator[tuple[int, str, str]]:
    """``(line, key, english)`` of every string in the registry's English catalogue."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not any(isinstance(t, ast.Name) and t.id == "MESSAGES" for t in targets):
            continue
        if not isinstance(node.value, ast.Dict):
            continue
        for lang_key, table in zip(node.value.keys, node.value.values):
            if not (isinstance(lang_key, ast.Constant) and lang_key.value == "en" and isinstance(table, ast.Dict)):
                continue
            for key, value in zip(table.keys, table.values):
                if not isinstance(key, ast.Constant):
                    continue
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value.lineno, key.value, value.value
                elif isinstance(value, ast.Tuple):
                    for item in value.elts:
                        if isinstance(item, ast.Constant) and isinstance(item.value, str):
                            yield item.lineno, key.value, item.value


def extract_registry(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """Babel's extraction-method interface over :func:`registry_entries`."""
    import io

    from babel.messages.extract import extract_python

    raw = fileobj.read()
    source = raw.decode(options.get("encoding", "utf-8") if options else "utf-8") if isinstance(raw, bytes) else raw
    # The file's own _()/N_() calls too (a mapping gives each file one method).
    yield from extract_python(io.BytesIO(source.encode("utf-8")), keywords, comment_tags, options or {})
    seen: set[tuple[str, str]] = set()
    for line, key, english in registry_entries(source):
        if (key, english) in seen or not english.strip() or english == "—":
            continue
        seen.add((key, english))
        yield line, "pgettext", (key, english), [f"label registry key {key}"]


# ---- the whole product's messages ------------------------------------------------------
#: The marking functions ``pybabel extract`` looks for (Babel's defaults and :class:`Text`).
def keywords() -> dict[str, Any]:
    from babel.messages.extract import DEFAULT_KEYWORDS

    return {**DEFAULT_KEYWORDS, "Text": None}


def extract_messages(root: Any) -> dict[tuple[str | None, str], dict[str, Any]]:
    """Every marked message of the product under ``root`` (the repository), as
    ``{(context, msgid): {"plural": …, "locations": [(path, line), …], "comments": […]}}``,
    read with ``babel.cfg`` exactly as ``make messages`` reads it."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = Path(root)
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    out: dict[tuple[str | None, str], dict[str, Any]] = {}
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=keywords(), comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        singular, plural = (message[0], message[1]) if isinstance(message, (tuple, list)) else (message, None)
        if not singular:
            continue
        entry = out.setdefault((context, singular), {"plural": plural, "locations": [], "comments": []})
        entry["locations"].append((filename, lineno))
        entry["comments"].extend(c for c in comments if c not in entry["comments"])
    return out
