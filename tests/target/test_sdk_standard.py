"""singer-sdk's standard target tests, run against the SQL DW emulator and Azurite."""

from __future__ import annotations

import typing as t

import pytest
from singer_sdk.testing import get_target_test_class
from singer_sdk.testing.runners import TargetTestRunner

from target_azure_sqldw.target import TargetAzureSQLDW

# The config is supplied per test by the runner fixture below (the emulator's port is only
# known once the session fixture has started it).
_StandardTests = get_target_test_class(TargetAzureSQLDW, config={})


class TestTargetAzureSQLDWStandard(_StandardTests):  # type: ignore[misc, valid-type]
    """The SDK's target suite with the runner pointed at the emulator."""

    @pytest.fixture
    def runner(self, sqldw_config: dict[str, t.Any]) -> TargetTestRunner:
        return TargetTestRunner(
            target_class=TargetAzureSQLDW,
            config={**sqldw_config, "bulk_load_method": "copy", "storage_prefix": "sdk-suite"},
        )
