"""Telegram's validation rules for texts and keyboards, with Telegram's error texts.

The HTML parser follows tdlib's ``parse_html`` (the code behind the Bot API server): same
supported tags, same error messages with UTF-8 byte offsets.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .models import ApiError, JsonDict, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64

_SIMPLE_TAGS = {
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
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_HTML_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji"}
_SPACE = b" \t\r\n\f\v"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(rb"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));?")
_TOKEN_CHARS = re.compile(rb"[A-Za-z0-9.\-]*")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _decode_entity(data: bytes, pos: int) -> tuple[str, int] | None:
    match = _ENTITY_RE.match(data, pos)
    if not match:
        return None
    dec, hexa, name = match.groups()
    if name:
        return _NAMED_ENTITIES[name.decode()], match.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF:
        return None
    if 0xD800 <= code <= 0xDFFF:
        raise _parse_error(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return chr(code), match.end()


def parse_html(source: str) -> tuple[str, list[JsonDict]]:
    """Parse Telegram HTML into plain text and entities, or raise ApiError like Telegram."""
    data = source.encode("utf-8")
    size = len(data)
    out: list[str] = []
    offset = 0  # UTF-16 offset in the output
    entities: list[JsonDict] = []
    nested: list[tuple[str, str, int]] = []  # (tag name, argument, start offset)

    def at(k: int) -> int:
        return data[k] if k < size else 0

    i = 0
    while i < size:
        c = data[i]
        if c == 0x26:  # '&'
            decoded = _decode_entity(data, i)
            if decoded:
                out.append(decoded[0])
                offset += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if c != 0x3C:  # not '<'
            end = i + 1
            while end < size and data[end] not in (0x26, 0x3C):
                end += 1
            chunk = data[i:end].decode("utf-8")
            out.append(chunk)
            offset += utf16_len(chunk)
            i = end
            continue
        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while i < size and data[i] not in _SPACE and data[i] != 0x3E:
                i += 1
            if i >= size:
                raise _parse_error(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise _parse_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != 0x3E:
                while i < size and data[i] in _SPACE:
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                while i < size and data[i] not in _SPACE and data[i] != 0x3D:
                    i += 1
                attr = data[attr_begin:i].decode("utf-8", "replace").lower()
                if not attr:
                    raise _parse_error(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while i < size and data[i] in _SPACE:
                    i += 1
                if at(i) != 0x3D:
                    if i >= size:
                        raise _parse_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    raise _parse_error(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {begin}"
                    )
                i += 1
                while i < size and data[i] in _SPACE:
                    i += 1
                if i >= size:
                    raise _parse_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                quote = data[i]
                if quote in (0x22, 0x27):
                    end = data.find(bytes([quote]), i + 1)
                    if end < 0:
                        raise _parse_error(f"Unclosed start tag at byte offset {begin}")
                    value = html.unescape(data[i + 1 : end].decode("utf-8"))
                    i = end + 1
                else:
                    token = _TOKEN_CHARS.match(data, i)
                    end = token.end() if token else i
                    if end >= size or (data[end] not in _SPACE and data[end] != 0x3E):
                        raise _parse_error(f"Unexpected end of name token at byte offset {i}")
                    value = data[i:end].decode("utf-8")
                    i = end
                wanted = {"a": "href", "code": "class", "span": "class", "tg-emoji": "emoji-id"}.get(tag)
                if attr == wanted:
                    argument = value
                elif tag == "blockquote" and attr == "expandable":
                    argument = "expandable"
            if tag == "span" and argument != "tg-spoiler":
                raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            if tag == "tg-emoji" and not argument.isdigit():
                raise bad_request("can't parse entities: Invalid custom emoji identifier specified")
            nested.append((tag, argument, offset))
            i += 1
            continue
        # end tag
        if not nested:
            raise _parse_error(f"Unexpected end tag at byte offset {begin}")
        i += 1
        name_begin = i
        while i < size and data[i] not in _SPACE and data[i] != 0x3E:
            i += 1
        end_tag = data[name_begin:i].decode("utf-8", "replace").lower()
        while i < size and data[i] in _SPACE:
            i += 1
        if at(i) != 0x3E:
            raise _parse_error(f"Unclosed end tag at byte offset {begin}")
        tag, argument, start = nested.pop()
        if end_tag and end_tag != tag:
            raise _parse_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"'
            )
        i += 1
        if offset > start:
            entities.append(_entity(tag, argument, start, offset - start))
    if nested:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity(tag: str, argument: str, offset: int, length: int) -> JsonDict:
    entity: JsonDict = {"offset": offset, "length": length}
    if tag == "a":
        entity.update(type="text_link", url=argument)
    elif tag == "span":
        entity["type"] = "spoiler"
    elif tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=argument)
    elif tag == "blockquote" and argument == "expandable":
        entity["type"] = "expandable_blockquote"
    else:
        entity["type"] = _SIMPLE_TAGS[tag]
        if tag == "code" and argument.startswith("language-"):
            entity.update(type="pre", language=argument[len("language-") :])
    return entity


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = re.compile(r"\|\||[*_~`]")


def parse_markdown_v2(source: str) -> tuple[str, list[JsonDict]]:
    """Approximate MarkdownV2: reject unescaped reserved characters that cannot start or end an
    entity, strip markers and escapes (entities are not reported)."""
    out: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            out.append(source[i + 1])
            i += 2
            continue
        marker = _MD2_MARKERS.match(source, i)
        if marker:
            i = marker.end()
            continue
        if ch in "[]()" or (ch == ">" and (i == 0 or source[i - 1] == "\n")):
            i += 1  # links and quotes: keep it simple, drop the syntax
            continue
        if ch in _MD2_RESERVED:
            raise _parse_error(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        out.append(ch)
        i += 1
    return "".join(out), []


def render_text(source: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """Apply ``parse_mode`` to a text: (text shown to the user, entities)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, entities = parse_html(source)
    elif mode == "markdownv2":
        text, entities = parse_markdown_v2(source)
    elif mode == "markdown":
        text, entities = re.sub(r"[*_`]", "", source), []
    elif mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    else:
        text, entities = source, []
    stripped = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped)
    text = stripped.rstrip()
    total = utf16_len(text)
    kept: list[JsonDict] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return text, kept


def check_text(
    source: Any, parse_mode: str | None, too_long: str = "message is too long"
) -> tuple[str, list[JsonDict]]:
    """Validate a message text (edits pass ``too_long="MESSAGE_TOO_LONG"`` as Telegram words it)."""
    if not isinstance(source, str) or not source.strip():
        raise bad_request("message text is empty")
    text, entities = render_text(source, parse_mode)
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request(too_long)
    return text, entities


def check_caption(
    source: Any, parse_mode: str | None, too_long: str = "message caption is too long"
) -> tuple[str | None, list[JsonDict]]:
    """Validate an optional media caption."""
    if source is None or source == "":
        return None, []
    text, entities = render_text(str(source), parse_mode)
    if len(text) > MAX_CAPTION:
        raise bad_request(too_long)
    return text or None, entities


_URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)
_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_reply_markup(markup: Any) -> JsonDict | None:
    """Validate reply_markup; returns the decoded dict (None when absent)."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request('can\'t find field "inline_keyboard"')
    return markup


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("text buttons are unallowed in the inline keyboard")
    actions = [key for key in _ACTIONS if key in button]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _URL_RE.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")
