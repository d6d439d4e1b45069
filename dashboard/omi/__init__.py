"""The only HTTP code: the Mobile Identity client (and, beside it, the identity-store client).

``client`` (``OmiClient``: enrol, status, check) · ``token`` (one shared access token) ·
``retry`` (the retry policy, on stamina) · ``responses`` (reading answers) · ``records``
(what the client returns).
"""
