"""Monitoring: a register of customers re-screened whenever a list changes, with alerts.

``records`` (register records, keys, change detection), ``register`` (store access),
``delta`` (reverse and forward re-screening after a list update), ``alerts`` (when a
hit deserves an alert, and why).
"""

from tripwire.monitor.alerts import Alert, AlertReason
from tripwire.monitor.delta import RescreenResult, StaleScreenerError, rescreen
from tripwire.monitor.records import RegisterRecord
from tripwire.monitor.register import AddResult, Register

__all__ = [
    "AddResult",
    "Alert",
    "AlertReason",
    "Register",
    "RegisterRecord",
    "RescreenResult",
    "StaleScreenerError",
    "rescreen",
]
