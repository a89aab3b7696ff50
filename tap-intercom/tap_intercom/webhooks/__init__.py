"""Webhook mode (``mode: webhooks``): Intercom pushes each change, the tap emits it in seconds.

Modules and their roles: tap README, "Code layout".
"""
