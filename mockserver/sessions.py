"""Credentials: auth tokens for REST and the JWTs that authenticate a WebSocket.

Opaque random strings, readable enough in a journal to see whose they are. A JWT belongs to the
token it was issued for (``PUT /me`` with that token, which gives the same JWT every time), so
logging out (``DELETE /me``) revokes both: the token for REST, the JWT for any new connection
(and the server closes the sockets it authenticated; see :meth:`ServerState.disconnect_credential`).

What a long-lived server keeps is bounded: at most :data:`MAX_TOKENS_PER_USER` tokens per user
(a client that logs in again and again without logging out revokes its oldest token each time
past that), and one JWT per token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .errors import ErrorCode, Refusal

MAX_TOKENS_PER_USER = 1_000


@dataclass
class Sessions:
    max_tokens_per_user: int = MAX_TOKENS_PER_USER
    _tokens: dict[str, str] = field(default_factory=dict)
    """token -> uid"""
    _jwt_of: dict[str, str] = field(default_factory=dict)
    """token -> the JWT issued for it"""
    _jwts: dict[str, str] = field(default_factory=dict)
    """JWT -> the token it was issued for"""
    _by_user: dict[str, dict[str, None]] = field(default_factory=dict)
    """uid -> that user's tokens, oldest first"""

    def reset(self) -> None:
        self._tokens.clear()
        self._jwt_of.clear()
        self._jwts.clear()
        self._by_user.clear()

    def issue_token(self, uid: str) -> str:
        token = f"{uid}.{secrets.token_hex(12)}"
        self._tokens[token] = uid
        mine = self._by_user.setdefault(uid, {})
        mine[token] = None
        while len(mine) > self.max_tokens_per_user:
            self.revoke(next(iter(mine)))
        return token

    def issue_jwt(self, token: str) -> str:
        """The WebSocket credential of ``token`` (a valid one): made once, then the same one."""
        jwt = self._jwt_of.get(token)
        if jwt is None:
            jwt = f"jwt.{self.uid_for_token(token)}.{secrets.token_hex(12)}"
            self._jwt_of[token] = jwt
            self._jwts[jwt] = token
        return jwt

    def uid_for_token(self, token: str | None) -> str:
        uid = self._tokens.get(token or "")
        if uid is None:
            raise Refusal(
                ErrorCode.AUTH_TOKEN_NOT_FOUND,
                "a valid authToken header is required; log in first" if token else "the authToken header is missing",
            )
        return uid

    def peek(self, token: str | None) -> str | None:
        """Whose token this is, without refusing; for the journal."""
        return self._tokens.get(token or "")

    def uid_for_jwt(self, jwt: object) -> str | None:
        token = self._jwts.get(jwt) if isinstance(jwt, str) else None
        return None if token is None else self._tokens.get(token)

    def revoke(self, token: str) -> str | None:
        """Forget ``token`` and its JWT; return that JWT (None if it had none), whose sockets should close."""
        uid = self._tokens.pop(token, None)
        if uid is None:
            return None
        mine = self._by_user.get(uid, {})
        mine.pop(token, None)
        if not mine:
            self._by_user.pop(uid, None)
        jwt = self._jwt_of.pop(token, None)
        if jwt is not None:
            self._jwts.pop(jwt, None)
        return jwt

    def counts(self) -> dict[str, int]:
        """How much is kept, for the tests that prove it is bounded."""
        return {"tokens": len(self._tokens), "jwts": len(self._jwts), "users": len(self._by_user)}
