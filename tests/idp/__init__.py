"""Real identity providers for the single sign-on tests, served over HTTP on 127.0.0.1.

`oidc_provider.py` is django-oauth-toolkit in OpenID Connect mode, run as its own process
(its own settings, SQLite database and cookie names); `saml.py` is pysaml2's IdP in a thread.
Both can be told to misbehave (sign with another key, back-date, address another audience,
leave out the email) so the tests can show each bad answer is refused.
"""
