"""Webhooks: a program's events POSTed, signed, to the URLs its coordinators subscribed."""
