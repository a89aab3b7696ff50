"""Webhook mode (``mode: webhooks``): Intercom pushes each change, the tap emits it in seconds.

- :mod:`~tap_intercom.webhooks.signature`: the ``X-Hub-Signature`` check;
- :mod:`~tap_intercom.webhooks.spool`: the durable spool, positions and emitted versions;
- :mod:`~tap_intercom.webhooks.receiver`: the HTTP endpoint;
- :mod:`~tap_intercom.webhooks.topics`: topics to streams, items to records;
- :mod:`~tap_intercom.webhooks.ordering`: which change wins;
- :mod:`~tap_intercom.webhooks.run`: the run, from the committed STATE to SIGTERM.
"""
