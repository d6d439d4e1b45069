"""The only HTTP code: the Mobile Identity client (and, beside it, the identity-store client).

``client`` (``OmiClient``: enrol, status, check) · ``device_calls`` (its devices, push,
push_status and remove_device) · ``token`` (one shared access token) · ``retry`` (the retry
policy, on stamina) · ``responses`` (reading answers) · ``records`` and ``devices`` (what the
client returns).
"""
