"""Text formatting like Telegram does it: parse_mode parsing and automatic entities.

``parse_text`` turns text sent by the bot with a ``parse_mode`` into the plain text a user
sees plus ``MessageEntity`` dicts, or raises :class:`ParseError` with Telegram's wording
("Can't find end tag ...", "Character '.' is reserved ..."). ``detect_entities`` finds the
``bot_command``/``mention``/``url`` entities Telegram adds to messages typed by users.
Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from typing import Any

Entity = dict[str, Any]


class ParseError(ValueError):
    """The text could not be parsed with the requested parse_mode."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Builder:
    """Accumulates plain text and entities while a parser walks the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0  # UTF-16 units written so far
        self.entities: list[Entity] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[Entity]]:
        return _strip("".join(self.parts), self.entities)


def _strip(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace like Telegram, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, sorted(entities, key=lambda e: (e["offset"], -e["length"]))
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    result: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, sorted(result, key=lambda e: (e["offset"], -e["length"]))


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Return (plain_text, entities) for ``text`` sent with ``parse_mode``."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return _strip(text, [])
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown_legacy(text)
    raise ParseError(f'Unsupported parse_mode "{parse_mode}"')


# --- HTML -------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _parse_html(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _CHAR_REF.match(text, i)
            decoded = _decode_char_ref(match.group(1)) if match else None
            if match and decoded is not None:
                out.add(decoded)
                i = match.end()
                continue
            out.add(char)
            i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        end = text.find(">", i)
        if end == -1:
            raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        body = text[i + 1 : end]
        if body.startswith("/"):
            name = body[1:].strip().lower()
            if not stack:
                raise ParseError(
                    f'Unexpected end tag at byte offset {_byte_offset(text, i)}'
                )
            open_name, start, attrs = stack.pop()
            if name != open_name:
                raise ParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close_html_tag(out, open_name, start, attrs)
        else:
            name_match = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", body)
            name = name_match.group(0).lower() if name_match else body.strip()
            attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                     for m in _ATTR.finditer(body[len(name):])}
            if name not in _HTML_TAGS or (
                name == "span" and attrs.get("class") != "tg-spoiler"
            ):
                raise ParseError(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                )
            stack.append((name, out.offset, attrs))
        i = end + 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _decode_char_ref(ref: str) -> str | None:
    if ref.startswith("#"):
        try:
            code = int(ref[2:], 16) if ref[1:2] in ("x", "X") else int(ref[1:])
            return chr(code)
        except (ValueError, OverflowError):
            return None
    return _NAMED_ENTITIES.get(ref.lower())


def _close_html_tag(out: _Builder, name: str, start: int, attrs: dict[str, str]) -> None:
    kind = _HTML_TAGS[name]
    if name == "a":
        href = attrs.get("href", "")
        user = re.match(r"tg://user\?id=(\d+)$", href)
        if user:
            out.entity("text_mention", start, user={"id": int(user.group(1))})
        elif href:
            out.entity("text_link", start, url=href)
        return
    if name == "pre":
        # <pre><code class="language-x">...</code></pre> becomes one pre entity with language.
        inner = [e for e in out.entities if e["type"] == "code" and e["offset"] == start]
        language = inner[0].pop("_language", None) if inner else None
        for entity in inner:
            out.entities.remove(entity)
        extra = {"language": language} if language else {}
        out.entity("pre", start, **extra)
        return
    if name == "code":
        language = attrs.get("class", "")
        extra = {"_language": language[9:]} if language.startswith("language-") else {}
        out.entity("code", start, **extra)
        return
    if name == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
        return
    if name == "tg-emoji":
        out.entity(kind, start, custom_emoji_id=attrs.get("emoji-id", ""))
        return
    out.entity(kind, start)


# --- MarkdownV2 -------------------------------------------------------------------------

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_TOGGLES = [("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"),
                 ("~", "strikethrough")]
_ENTITY_NAMES = {"bold": "Bold", "italic": "Italic", "underline": "Underline",
                 "strikethrough": "Strikethrough", "spoiler": "Spoiler", "text_link": "TextUrl",
                 "code": "Code", "pre": "Pre"}


def _parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    open_marks: list[tuple[str, int, int]] = []  # (kind, utf16 start, source index)
    quote_start: int | None = None
    i = 0
    at_line_start = True
    while i < len(text):
        char = text[i]
        if at_line_start and char == ">":
            if quote_start is None:
                quote_start = out.offset
            i += 1
            at_line_start = False
            continue
        at_line_start = False
        if char == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
            continue
        if char == "\n":
            if quote_start is not None and not text.startswith(">", i + 1):
                out.entity("blockquote", quote_start)
                quote_start = None
            out.add(char)
            i += 1
            at_line_start = True
            continue
        if text.startswith("```", i):
            i = _mdv2_code_block(text, i, out)
            continue
        if char == "`":
            i = _mdv2_inline_code(text, i, out)
            continue
        if char == "[":
            open_marks.append(("text_link", out.offset, i))
            i += 1
            continue
        if char == "]":
            i = _mdv2_close_link(text, i, out, open_marks)
            continue
        toggled = False
        for mark, kind in _MDV2_TOGGLES:
            if text.startswith(mark, i):
                opened = next((m for m in reversed(open_marks) if m[0] == kind), None)
                if opened is not None:
                    open_marks.remove(opened)
                    out.entity(kind, opened[1])
                else:
                    open_marks.append((kind, out.offset, i))
                i += len(mark)
                toggled = True
                break
        if toggled:
            continue
        if char in _MDV2_RESERVED:
            raise ParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(char)
        i += 1
    if open_marks:
        kind, _, index = open_marks[0]
        raise ParseError(
            f"Can't find end of {_ENTITY_NAMES.get(kind, kind)} entity at byte offset "
            f"{_byte_offset(text, index)}"
        )
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


def _mdv2_literal_until(text: str, i: int, closing: str) -> tuple[str, int]:
    """Read code content from ``i`` up to the unescaped ``closing``; return (content, end)."""
    content: list[str] = []
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "`\\":
            content.append(text[i + 1])
            i += 2
            continue
        if text.startswith(closing, i):
            return "".join(content), i
        content.append(text[i])
        i += 1
    raise ParseError("")


def _mdv2_inline_code(text: str, i: int, out: _Builder) -> int:
    try:
        content, end = _mdv2_literal_until(text, i + 1, "`")
    except ParseError:
        raise ParseError(
            f"Can't find end of Code entity at byte offset {_byte_offset(text, i)}"
        ) from None
    start = out.offset
    out.add(content)
    out.entity("code", start)
    return end + 1


def _mdv2_code_block(text: str, i: int, out: _Builder) -> int:
    try:
        content, end = _mdv2_literal_until(text, i + 3, "```")
    except ParseError:
        raise ParseError(
            f"Can't find end of Pre entity at byte offset {_byte_offset(text, i)}"
        ) from None
    language = ""
    first_line, newline, rest = content.partition("\n")
    if newline and first_line and " " not in first_line:
        language, content = first_line, rest
    start = out.offset
    out.add(content)
    out.entity("pre", start, **({"language": language} if language else {}))
    return end + 3


def _mdv2_close_link(
    text: str, i: int, out: _Builder, open_marks: list[tuple[str, int, int]]
) -> int:
    opened = next((m for m in reversed(open_marks) if m[0] == "text_link"), None)
    if opened is None:
        raise ParseError("Character ']' is reserved and must be escaped with the preceding '\\'")
    if not text.startswith("(", i + 1):
        raise ParseError(
            f"Can't find end of TextUrl entity at byte offset {_byte_offset(text, opened[2])}"
        )
    url_chars: list[str] = []
    j = i + 2
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        url_chars.append(text[j])
        j += 1
    if j >= len(text):
        raise ParseError(
            f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}"
        )
    open_marks.remove(opened)
    url = "".join(url_chars)
    user = re.match(r"tg://user\?id=(\d+)$", url)
    if user:
        out.entity("text_mention", opened[1], user={"id": int(user.group(1))})
    else:
        out.entity("text_link", opened[1], url=url)
    return j + 1


# --- legacy Markdown --------------------------------------------------------------------

def _parse_markdown_legacy(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    simple = {"*": "bold", "_": "italic", "`": "code"}
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in simple and char != "[":
            out.add(char)
            i += 1
            continue
        unclosed = ParseError(
            f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
        )
        start = out.offset
        if char == "[":
            link = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if link is None:
                raise unclosed
            out.add(link.group(1))
            out.entity("text_link", start, url=link.group(2))
            i = link.end()
            continue
        closing = "```" if text.startswith("```", i) else char
        end = text.find(closing, i + len(closing))
        if end == -1:
            raise unclosed
        out.add(text[i + len(closing) : end])
        out.entity("pre" if closing == "```" else simple[char], start)
        i = end + len(closing)
    return out.result()


# --- entities Telegram adds to user messages --------------------------------------------

_AUTO_ENTITIES = [
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?!\w)")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")),
    ("url", re.compile(r"(?<![\w@])(?:https?://)[^\s<>\"]+")),
]


def detect_entities(text: str) -> list[Entity]:
    """Entities Telegram attaches to plain text typed by a user."""
    found: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for kind, pattern in _AUTO_ENTITIES:
        for match in pattern.finditer(text):
            span = set(range(match.start(), match.end()))
            if span & taken:
                continue
            taken |= span
            found.append((match.start(), match.end(), kind))
    found.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in found
    ]
