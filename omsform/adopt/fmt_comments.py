"""Moving a mapping's keys in ruamel.yaml round-trip data so that each key's whole-line
comments travel with it. ruamel keeps the comment lines *above* a key as the trailing comment
of the entry before it (or of that entry's last nested entry), so they are taken from there and
put back after the key's new predecessor."""

from __future__ import annotations

import itertools
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken


def move_keys(node: CommentedMap, order: list[Any], *, keep_top: bool, owner: Any = None) -> None:
    """Reorder ``node``'s keys; whole-line comments above a key travel with it (above the first
    key too, unless ``keep_top``), comments at the end of the mapping stay at its end."""
    old = list(node)
    if old == order:
        return
    column = getattr(getattr(node, "lc", None), "col", None) or 0
    above = {key: _take_after(node, prev) for prev, key in itertools.pairwise(old)}
    if not keep_top:
        above[old[0]] = _take_top(node, owner)
    end = _take_after(node, old[-1])
    for key in order:
        node.move_to_end(key)
    for prev, key in itertools.pairwise(order):
        _put_after(node, prev, _indented(above.get(key, ""), column))
    if above.get(order[0]):
        _put_first(node, above[order[0]], column)
    _put_after(node, order[-1], end)


def _tail(node: Any, key: Any) -> tuple[Any, Any]:
    """The entry holding the comments written after entry ``key`` of ``node``: the entry itself,
    or the last entry of its block-style value (recursively)."""
    value = node[key]
    while isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        node, key = value, (list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
        value = node[key]
    return node, key


def _slot(node: Any) -> int:
    return 2 if isinstance(node, CommentedMap) else 0


def _take_after(node: Any, key: Any) -> str:
    """Remove and return the whole-line comments (and blank lines) written after entry ``key``;
    a comment on the entry's own line stays."""
    holder, at = _tail(node, key)
    entry = holder.ca.items.get(at)
    slot = _slot(holder)
    if not entry or len(entry) <= slot or entry[slot] is None:
        return ""
    token = entry[slot]
    same_line, newline, rest = str(token.value).partition("\n")
    if same_line.strip():
        token.value = same_line + newline
    else:
        entry[slot] = None
    return rest


def _indented(text: str, column: int) -> str:
    lines = text.split("\n")
    return "\n".join((" " * column + line.lstrip()) if line.strip() else "" for line in lines)


def _put_after(node: Any, key: Any, text: str) -> None:
    if not text:
        return
    holder, at = _tail(node, key)
    entry = holder.ca.items.setdefault(at, [None, None, None, None])
    slot = _slot(holder)
    if entry[slot] is None:
        entry[slot] = CommentToken("\n" + text, CommentMark(0), None)
    else:
        entry[slot].value += text


def _put_first(node: CommentedMap, text: str, column: int) -> None:
    """Comment lines before the first key of ``node`` (after any comment already there)."""
    if node.ca.comment is None:
        node.ca.comment = [None, []]
    if node.ca.comment[1] is None:
        node.ca.comment[1] = []
    for line in text.rstrip("\n").split("\n"):
        node.ca.comment[1].append(CommentToken(line.strip() + "\n", CommentMark(column), None))


def _take_top(node: CommentedMap, owner: Any) -> str:
    """Remove and return the comment lines above the first key of ``node``; ``owner`` is the
    (mapping, key) holding ``node``, which keeps a copy of them."""
    tokens = node.ca.comment[1] if node.ca.comment else None
    if not tokens:
        return ""
    node.ca.comment[1] = []
    if owner is not None:
        entry = owner[0].ca.items.get(owner[1])
        if entry and len(entry) > 3:
            entry[3] = None
    return "".join(str(t.value).strip() + "\n" if str(t.value).strip() else "\n" for t in tokens)
