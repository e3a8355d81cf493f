"""One asyncio loop in a background thread, for synchronous callers such as pytest-bdd steps.

The loop keeps running between steps, so WebSocket peers keep answering pings and reading
frames while the test thinks. A coroutine that overruns its deadline is cancelled on the loop
rather than left behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str = "ringcheck-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0, what: str = "") -> T:
        """Run ``coro`` on the loop and wait for its result for at most ``timeout`` seconds."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"{what or 'an operation'} did not finish within {timeout:g} s") from None
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            try:
                self.run(drain(), timeout=5, what="shutting the loop down")
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join(5)
        self.loop.close()
