"""The figures ledger: one statistic followed across publications, with its discrepancies.

Claims that report the same quantity (the thing counted, the event, the place, the period) are
grouped into one *statistic* across documents (:mod:`~pipeline.store.ledger.keys`); where the
claims of a statistic cannot all be true, a *discrepancy* is recorded with its two claims
(:mod:`~pipeline.store.ledger.discrepancies`). The tables are updated after every run that
changed the store, for the claims that changed only (:mod:`~pipeline.store.ledger.build`), and
read by ``ngo-pipeline figures``, the report and Datasette (:mod:`~pipeline.store.ledger.query`).
Reference: ``docs/ledger.md``.
"""
from pipeline.store.ledger.build import LedgerUpdate, update_ledger
from pipeline.store.ledger.keys import StatisticKey, statistic_key, value_range

__all__ = ["LedgerUpdate", "StatisticKey", "statistic_key", "update_ledger", "value_range"]
