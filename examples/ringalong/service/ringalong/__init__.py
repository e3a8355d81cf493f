"""ringalong: a ringing service with an API of its own (REST under /v1, events as server-sent events).

It is the proof that ringcheck tests someone else's implementation: nothing here comes from
ringcheck's mock server. One user may ring one other user (no groups); the ring stops by itself
after its ring time, on a clock that tests may move (``POST /test/advance``).
"""
