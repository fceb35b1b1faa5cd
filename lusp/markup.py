"""One escaping helper for every user-supplied string shown through Markdown.

Streamlit renders ``st.markdown``, ``st.caption``, ``st.warning`` / ``st.error`` /
``st.info`` / ``st.success``, titles, headers, widget labels and badges as Markdown, with
extensions of its own: LaTeX between ``$``, ``:red[…]`` colours, ``:material/…:`` icons,
``:emoji:`` shortcodes, and GitHub's literal autolinks (``http://…``, ``www.…``,
``name@host``). A patient id, diagnosis, AE term, file or sheet name, column name, reason,
finding, problem message or URL parameter goes through :func:`escape_markdown` before it is
put into any of them, so what is shown is exactly what is stored:
``X. **Your session expired** — [sign in again](http://evil.example/login)`` shows as those
characters, with no bold and no link.

How: newlines and runs of white space become one space (no heading, list or table can
start); every ASCII punctuation character Markdown gives a meaning to is backslash-escaped
(CommonMark escapes, ``\\$`` for LaTeX); and a WORD JOINER (U+2060, invisible, zero width) is
put after ``:`` and ``@`` and inside ``www`` — Streamlit's colour/icon directives and the
autolinker match the text after escapes are resolved, so only a character between the parts
stops them. ``lusp`` never imports Streamlit: the pages call this.
"""
from __future__ import annotations

import re

__all__ = ["WORD_JOINER", "escape_markdown", "unescape_markdown"]

#: Invisible and zero-width: breaks ``:red[``, ``:material/``, ``http://``, ``www.``, ``a@b``.
WORD_JOINER = "\u2060"
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$&])")
_WWW = re.compile(r"(?i)(w)(ww)")


def escape_markdown(value) -> str:
    """``value`` as text that Streamlit's Markdown shows literally (``None`` → ``""``)."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = _PUNCTUATION.sub(r"\\\1", text)
    text = text.replace(":", ":" + WORD_JOINER).replace("@", "@" + WORD_JOINER)
    return _WWW.sub(r"\1" + WORD_JOINER + r"\2", text)


def unescape_markdown(text: str) -> str:
    """The characters a reader sees for :func:`escape_markdown`'s output (its inverse on
    single-spaced text): backslash escapes resolved, word joiners removed."""
    return _ESCAPED.sub(r"\1", str(text)).replace(WORD_JOINER, "")


_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>$&])")
