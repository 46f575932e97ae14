from __future__ import annotations

from resourceful._cached import cached_property
from resourceful.requests import Request


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    @cached_property
    def value(self) -> int:
        """Counted once."""
        self.calls += 1
        return self.calls


def test_value_is_computed_once_per_instance() -> None:
    first, second = Counter(), Counter()
    assert (first.value, first.value, first.calls) == (1, 1, 1)
    assert second.value == 1


def test_read_on_the_class_gives_the_descriptor_and_its_doc() -> None:
    descriptor = Counter.__dict__["value"]
    assert Counter.value is descriptor
    assert descriptor.__doc__ == "Counted once."
    assert Request.headers.__doc__ == "The request headers."
