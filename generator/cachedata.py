"""Model objects to plain JSON values and back, for the build manifest (a cache).

The manifest lives beside `output/`, where anyone who can write that folder (or commit a file
to the project) can plant one. It is therefore data, never code: JSON, read by a decoder made
from the model's type hints, which builds only the model's own types and checks every value
against its field's type. A value that does not fit raises `CacheDataError`, which the manifest
treats as a cache miss.

Conversions are faithful (equal objects, equal `repr`, which the build's fingerprints digest):
a datetime keeps its zone object (an IANA zone by name, a fixed offset with its name if it was
given one) and its `fold`; a `Path` is its string; tuples, dicts and nested dataclasses follow
their declared types. `AwardSpec`'s cached `key` and `fingerprint` are kept with it, so that an
unchanged award file costs no digest.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator import model

Codec = Callable[[Any], Any]

# The only classes the decoder ever builds, and the cached properties kept with each.
ALLOWED: dict[type, tuple[str, ...]] = {
    model.Issuer: (),
    model.SmtpSettings: (),
    model.Site: (),
    model.Alignment: (),
    model.Duration: (),
    model.BadgeText: (),
    model.Badge: (),
    model.Evidence: (),
    model.Recipient: (),
    model.AwardSpec: ("key", "fingerprint"),
}


class CacheDataError(ValueError):
    """A value that does not fit the type it is read as (a damaged or foreign cache)."""


def encode(value: Any, tp: Any) -> Any:
    """`value`, of type `tp`, as JSON values (raises CacheDataError if it is not one)."""
    try:
        return _encoder(tp)(value)
    except CacheDataError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:
        raise CacheDataError(str(exc)) from None


def decode(data: Any, tp: Any) -> Any:
    """The value of type `tp` that `encode` turned into `data` (else CacheDataError)."""
    try:
        return _decoder(tp)(data)
    except CacheDataError:
        raise
    except (TypeError, ValueError, KeyError, OverflowError, RecursionError) as exc:
        raise CacheDataError(str(exc)) from None


def _fail(expected: str, value: Any) -> CacheDataError:
    return CacheDataError(f"expected {expected}, found {type(value).__name__}")


# -- scalars -----------------------------------------------------------------------------------


def _check(kind: type, name: str) -> Codec:
    def check(value: Any) -> Any:
        # bool is an int subclass: an int field must not take true/false, nor the reverse.
        if type(value) is not kind:
            raise _fail(name, value)
        return value

    return check


def _as_is(value: Any) -> Any:
    return value


def _none(value: Any) -> None:
    if value is not None:
        raise _fail("null", value)
    return None


def _encode_tz(tz: tzinfo | None) -> Any:
    if isinstance(tz, ZoneInfo):
        return tz.key
    if type(tz) is timezone:
        offset = tz.utcoffset(None)
        # A name given on purpose shows in repr (which fingerprints digest): keep it then.
        named = repr(tz) != repr(timezone(offset))
        return [offset // timedelta(microseconds=1), tz.tzname(None) if named else None]
    raise CacheDataError(f"time zone of type {type(tz).__name__} is not kept")


def _decode_tz(data: Any) -> tzinfo:
    if type(data) is str:
        return _zone(data)
    if (
        type(data) is list
        and len(data) == 2
        and type(data[0]) is int
        and (data[1] is None or type(data[1]) is str)
    ):
        return _fixed_zone(data[0], data[1])
    raise _fail("a time zone", data)


# Decoding makes the same few zones, dates and paths over and over (every award of a cohort
# shares them): made once each, shared as the unpickled objects were.
@lru_cache(maxsize=1024)
def _zone(key: str) -> tzinfo:
    return ZoneInfo(key)  # by name from the system's zone database, never from the cache


@lru_cache(maxsize=1024)
def _fixed_zone(microseconds: int, name: str | None) -> tzinfo:
    offset = timedelta(microseconds=microseconds)
    return timezone(offset) if name is None else timezone(offset, name)


def _encode_datetime(value: datetime) -> Any:
    if type(value) is not datetime:
        raise _fail("a datetime", value)
    return [value.replace(tzinfo=None).isoformat(), _encode_tz(value.tzinfo), value.fold]


def _decode_datetime(data: Any) -> datetime:
    if type(data) is not list or len(data) != 3 or type(data[0]) is not str:
        raise _fail("a datetime", data)
    zone, fold = data[1], data[2]
    if type(fold) is not int or fold not in (0, 1):
        raise _fail("a datetime", data)
    return _moment(data[0], zone if type(zone) is str else tuple(_typed(zone, list)), fold)


@lru_cache(maxsize=4096)
def _moment(text: str, zone: str | tuple[Any, ...], fold: int) -> datetime:
    naive = datetime.fromisoformat(text)
    if naive.tzinfo is not None:
        raise _fail("a datetime without its zone", text)
    return naive.replace(tzinfo=_decode_tz(zone if type(zone) is str else list(zone)), fold=fold)


def _encode_path(value: Path) -> str:
    if not isinstance(value, Path):
        raise _fail("a path", value)
    return str(value)


def _decode_path(data: Any) -> Path:
    if type(data) is not str:
        raise _fail("a path", data)
    return _path(data)


@lru_cache(maxsize=4096)
def _path(text: str) -> Path:
    if "\0" in text:
        raise _fail("a path", text)
    return Path(text)


# -- made from the types -----------------------------------------------------------------------


@cache
def _encoder(tp: Any) -> Codec:
    return _make(tp, encoding=True)


@cache
def _decoder(tp: Any) -> Codec:
    return _make(tp, encoding=False)


def _make(tp: Any, encoding: bool) -> Codec:
    codec = _encoder if encoding else _decoder
    if tp is Any:  # JSON values kept as they are, decoded later by their user
        return _as_is
    if tp in (str, int, bool):
        return _check(tp, tp.__name__)
    if tp is type(None) or tp is None:
        return _none
    if tp is Path:
        return _encode_path if encoding else _decode_path
    if tp is datetime:
        return _encode_datetime if encoding else _decode_datetime
    if tp is tzinfo:
        return _encode_tz if encoding else _decode_tz
    if tp in ALLOWED:
        return _dataclass(tp, encoding)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        others = [a for a in args if a is not type(None)]
        if len(others) != 1 or len(args) != 2:
            raise TypeError(f"no conversion for {tp!r}")
        inner = codec(others[0])
        return lambda value: None if value is None else inner(value)
    if (
        origin in (tuple, list, set)
        and args[0] is str
        and (origin is not tuple or args[1:] == (...,))
    ):
        return _strings(origin, encoding)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = codec(args[0])
        if encoding:
            return lambda value: [item(v) for v in _typed(value, tuple)]
        return lambda data: tuple([item(v) for v in _typed(data, list)])
    if origin is tuple:
        items = [codec(a) for a in args]

        def fixed(value: Any) -> Any:
            value = _typed(value, tuple if encoding else list)
            if len(value) != len(items):
                raise _fail(f"{len(items)} items", value)
            made = [f(v) for f, v in zip(items, value, strict=True)]
            return made if encoding else tuple(made)

        return fixed
    if origin in (list, set):
        item = codec(args[0])
        kind = origin if encoding else list
        made = list if encoding or origin is list else set
        return lambda value: made([item(v) for v in _typed(value, kind)])
    if origin is dict and args[0] is str:
        item = codec(args[1])

        def mapping(value: Any) -> Any:
            out = {}
            for key, v in _typed(value, dict).items():
                if type(key) is not str:
                    raise _fail("a text key", key)
                out[key] = item(v)
            return out

        return mapping
    raise TypeError(f"no conversion for {tp!r}")


def _strings(kind: type, encoding: bool) -> Codec:
    """A tuple, list or set of strings: some 60,000 paths in a large site's manifest."""
    given = kind if encoding else list
    made = list if encoding else kind

    def strings(value: Any) -> Any:
        if type(value) is not given or not set(map(type, value)) <= {str}:
            raise _fail(f"{kind.__name__} of text", value)
        return made(value)

    return strings


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise _fail(kind.__name__, value)
    return value


_PLAIN: dict[Any, frozenset[type]] = {
    str: frozenset({str}),
    int: frozenset({int}),
    bool: frozenset({bool}),
    str | None: frozenset({str, type(None)}),
    int | None: frozenset({int, type(None)}),
}


def _dataclass(cls: type, encoding: bool) -> Codec:
    hints = typing.get_type_hints(cls, vars(model))
    names = [f.name for f in dataclasses.fields(cls)]
    codecs = [(_encoder if encoding else _decoder)(hints[name]) for name in names]
    kept = ALLOWED[cls]
    pairs = list(zip(names, codecs, strict=True))
    if encoding:

        def encode_one(value: Any) -> Any:
            if type(value) is not cls:
                raise _fail(cls.__name__, value)
            fields = vars(value)
            out = [codec(fields[name]) for name, codec in pairs]
            for name in kept:
                out.append(getattr(value, name))  # computed now if it was not yet
            return out

        return encode_one
    # Fields of plain JSON types are checked here, without a call per field: 10,000 awards
    # are decoded on every rebuild, even one that then finds nothing to do.
    plain = [_PLAIN.get(hints[name]) for name in names] + [frozenset({str})] * len(kept)
    steps = list(zip(names + list(kept), plain, codecs + [_as_is] * len(kept), strict=True))
    width = len(steps)

    def decode_one(data: Any) -> Any:
        if type(data) is not list or len(data) != width:
            raise _fail(cls.__name__, data)
        # Built without __init__ (these dataclasses have no __post_init__): a frozen
        # dataclass's __init__ sets each field through object.__setattr__, several times
        # slower, for the same instance.
        obj = object.__new__(cls)
        fields = obj.__dict__
        for (name, kinds, codec), value in zip(steps, data, strict=True):
            if kinds is None:
                fields[name] = codec(value)
            elif type(value) in kinds:
                fields[name] = value
            else:
                raise _fail(f"{cls.__name__}.{name}", value)
        return obj

    return decode_one
