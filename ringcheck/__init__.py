"""ringcheck: a conformance suite for CometChat-style ringing call flows.

``ringcheck.adapter`` is the contract an implementation under test fulfils; ``ringcheck.wire``
is the reference client of the wire protocol (the default adapter); ``ringcheck.plugin`` is the
pytest plugin that runs the feature files against whichever implementation you choose.
"""
