"""The tests run against the SDK as a user installs it."""

from pathlib import Path

import bosun
import bosun.langchain


def test_the_sdk_under_test_is_the_installed_wheel() -> None:
    # A module left out of the wheel, or py.typed, would otherwise go unseen.
    assert "site-packages" in Path(bosun.__file__).parts, bosun.__file__
    assert (Path(bosun.__file__).parent / "py.typed").exists()
    assert Path(bosun.langchain.__file__).parent == Path(bosun.__file__).parent
