"""Runs the store contract (`tests/bot/store_contract.py`) against every
backend selected by `DETENTE_STORE_BACKENDS`."""

from tests.bot.store_contract import (  # noqa: F401 - collected by pytest
    TestConcurrency,
    TestEventLog,
    TestOutbox,
    TestSnapshots,
    TestSummaries,
    store,
)
