"""compat.warn: the category, once per call site, rank 0 only, strict mode, ``-W error``."""

from __future__ import annotations

import sys
import warnings

import pytest

import compat
from compat.deprecations import MODEL_WRAPPER, message_for
from compat.warn import (
    MegatronTokenizerDeprecationError,
    MegatronTokenizerDeprecationWarning,
    warn_deprecated,
)

pytestmark = pytest.mark.usefixtures("fresh_warnings")

LEGACY = "old.module.OldName"
REPLACEMENT = "new.module.NewName"


def legacy_api() -> None:
    """Stands for a deprecated function: the warning belongs to its caller."""
    warn_deprecated(MODEL_WRAPPER, LEGACY, REPLACEMENT)


def call_twice_on_one_line() -> None:
    # Both calls must share one line: that line is the call site the warning is keyed on.
    # fmt: off
    legacy_api(); legacy_api()  # noqa: E702
    # fmt: on


def warnings_of_one_legacy_call() -> list:
    """The warnings one call of ``legacy_api`` emits, with Python's own once-filter off."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        legacy_api()
    return caught


def test_category_is_a_future_warning_exported_by_compat():
    assert issubclass(MegatronTokenizerDeprecationWarning, FutureWarning)
    assert compat.MegatronTokenizerDeprecationWarning is MegatronTokenizerDeprecationWarning


def test_warning_names_replacement_and_rule_code_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        caller_line = _current_line() + 1
        legacy_api()
    assert len(caught) == 1
    warning = caught[0]
    assert warning.category is MegatronTokenizerDeprecationWarning
    assert str(warning.message) == message_for(MODEL_WRAPPER, LEGACY, REPLACEMENT)
    assert REPLACEMENT in str(warning.message) and MODEL_WRAPPER.code in str(warning.message)
    assert warning.filename == __file__
    assert warning.lineno == caller_line


def _current_line() -> int:
    return sys._getframe(1).f_lineno


def test_once_per_call_site_even_under_always_filter():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            legacy_api()
        call_twice_on_one_line()
        legacy_api()
    # the loop's line once, the one-line double call once, the last line once
    assert len(caught) == 3
    assert len({w.lineno for w in caught}) == 3


def test_distinct_names_at_one_site_each_warn():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("a.First", "a.Second", "a.First"):
            warn_deprecated(MODEL_WRAPPER, name, REPLACEMENT, stacklevel=1)
    assert [str(w.message).split()[0] for w in caught] == ["a.First", "a.Second"]


def test_covered_by_suppresses_the_narrower_name_at_the_same_site():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, covered_by in (("pkg.module", ()), ("pkg.module.Name", ("pkg.module",))):
            warn_deprecated(MODEL_WRAPPER, name, REPLACEMENT, stacklevel=1, covered_by=covered_by)
    assert [str(w.message).split()[0] for w in caught] == ["pkg.module"]


@pytest.mark.parametrize("variable,value", [("RANK", "3"), ("LOCAL_RANK", "1")])
def test_only_rank_zero_warns(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert warnings_of_one_legacy_call() == []


@pytest.mark.parametrize("value", ["0", "", " 0 "])
def test_rank_zero_spellings_warn(monkeypatch, value):
    monkeypatch.setenv("RANK", value)
    assert len(warnings_of_one_legacy_call()) == 1


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_strict_mode_raises_on_every_rank_and_every_time(monkeypatch, value):
    monkeypatch.setenv("MEGATRON_COMPAT_STRICT", value)
    monkeypatch.setenv("RANK", "5")
    for _ in range(2):
        with pytest.raises(MegatronTokenizerDeprecationError) as error:
            legacy_api()
        assert REPLACEMENT in str(error.value) and "MEGATRON_COMPAT_STRICT=1" in str(error.value)


@pytest.mark.parametrize("value", ["0", "false", "no", ""])
def test_strict_mode_off_values_warn(monkeypatch, value):
    monkeypatch.setenv("MEGATRON_COMPAT_STRICT", value)
    assert len(warnings_of_one_legacy_call()) == 1


def test_error_filter_raises_and_keeps_raising_at_the_same_site():
    with warnings.catch_warnings():
        warnings.simplefilter("error", MegatronTokenizerDeprecationWarning)
        for _ in range(2):
            with pytest.raises(MegatronTokenizerDeprecationWarning, match=MODEL_WRAPPER.code):
                legacy_api()


def test_ignore_filter_silences():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", MegatronTokenizerDeprecationWarning)
        legacy_api()
    assert caught == []
