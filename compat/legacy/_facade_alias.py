"""Deprecated classes presented under their upstream names; facade subclasses that still pass
``isinstance`` for any facade instance."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, cast

from typing_extensions import deprecated

from compat.deprecations import LegacyName, message_for


def _alias_metaclass(facade: type) -> type:
    base_meta = type(facade)

    class FacadeAliasMeta(base_meta):  # type: ignore[misc, valid-type]
        """``isinstance``/``issubclass`` against the alias itself accept every facade; its own
        subclasses (a user's ``class MyTokenizer(GPTTokenizer)``) keep normal semantics."""

        # A plain MRO test, not ``issubclass(subclass, facade)``: the facade's ABC check walks
        # its subclasses, this alias among them, and would come back here for ever.
        def __instancecheck__(cls, instance: Any) -> bool:
            if cls.__dict__.get("_legacy_facade") is not None:
                return cls._legacy_facade in type(instance).__mro__
            return bool(super().__instancecheck__(instance))

        def __subclasscheck__(cls, subclass: type) -> bool:
            if cls.__dict__.get("_legacy_facade") is not None:
                return cls._legacy_facade in getattr(subclass, "__mro__", ())
            return bool(super().__subclasscheck__(subclass))

    return FacadeAliasMeta


def _renamed(function: Callable[..., Any], qualname: str) -> Callable[..., Any]:
    """A copy of ``function`` whose errors (wrong arguments) name ``qualname``."""
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__qualname__ = qualname
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def config_naming(wrapper: object, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of the caller's metadata (upstream overwrote it) that records the wrapper's own
    class, as upstream's wrappers did."""
    return {
        **(config or {}),
        "class_name": type(wrapper).__name__,
        "class_path": type(wrapper).__module__,
    }


def facade_alias(entry: LegacyName, facade: type, init: Callable[..., None]) -> type:
    """A subclass of ``facade`` named and placed like the upstream class ``entry`` describes,
    carrying PEP 702 ``__deprecated__`` (the runtime warning is ours: once per call site)."""
    namespace = {
        "__module__": entry.legacy_module,
        "__qualname__": entry.legacy_name,
        "__doc__": (
            f"Deprecated: {entry.legacy_name} is {facade.__name__} now ({entry.replacement})."
        ),
        "__init__": _renamed(init, f"{entry.legacy_name}.__init__"),
        "_legacy_facade": facade,
    }
    alias = _alias_metaclass(facade)(entry.legacy_name, (facade,), namespace)
    return cast(
        type,
        deprecated(
            message_for(entry.rule, entry.legacy_qualname, entry.replacement), category=None
        )(alias),
    )


def present_as(cls: type, entry: LegacyName) -> type:
    """``cls`` named and placed like the upstream class ``entry`` describes (its methods too, so
    errors such as a wrong constructor call name the class the user wrote), carrying PEP 702
    ``__deprecated__`` (the runtime warning is ours: once per call site)."""
    private_name = cls.__qualname__
    cls.__name__ = cls.__qualname__ = entry.legacy_name
    cls.__module__ = entry.legacy_module
    for member in vars(cls).values():
        function = getattr(member, "fget", member)
        qualname = getattr(function, "__qualname__", "")
        if callable(function) and qualname.startswith(private_name + "."):
            function.__qualname__ = entry.legacy_name + function.__qualname__[len(private_name) :]
    return deprecated(
        message_for(entry.rule, entry.legacy_qualname, entry.replacement), category=None
    )(cls)
