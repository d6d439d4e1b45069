"""A Mobile Identity API simulator; imports nothing from dashboard/ or db/.

It serves the reference contract of ``shared/omi-contract.md`` (token, enrol, status, and the
identity store as SCIM 1.1 under ``/scim/v1``), the device page a QR code opens, a user's
devices and test pushes (``push``; their contract is ``docs/omi-devices.md``), the enrolled
phone's own page where pushes appear (``phone``), and ``/_sim/`` controls for tests and demos.
``--no-accept-any-user`` makes enrol and status refuse (404) a user id the SCIM store does not
hold, as a tenant does.

Standalone: ``python -m simulator --port 8700`` (prints its URL and demo credentials).
Embedded: ``simulator.embedded.start(SimConfig(...))`` runs it on a daemon thread.

Phone demo: listen on the LAN and put the laptop's address in the QR codes, e.g.
``python -m simulator --host 0.0.0.0 --port 8700 --public-url http://192.168.1.20:8700``;
a phone on the same Wi-Fi then scans the QR off the screen and confirms on the device page.
The ``/_sim/`` controls refuse (403) on a non-loopback host unless ``--allow-controls``.
"""
