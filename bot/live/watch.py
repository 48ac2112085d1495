"""Notice changed episode files under DATA_DIR: file-system events (inotify), else a periodic scan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import watchfiles

from bot.ingest.files import file_kind

log = logging.getLogger(__name__)

# watchfiles groups the events of one save (write, rename, chmod) and yields them once nothing
# changed for QUIET_MS, so an editor's save or a copied folder is read once, when complete.
QUIET_MS = 200
MAX_WAIT_MS = 2000


def relevant(path: str, root: Path) -> bool:
    """Tell whether a changed path can change what ingest reads (hidden files and leftovers cannot)."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return True
    if not parts or any(part.startswith((".", "#")) or part.endswith("~") for part in parts):
        return False
    name = Path(parts[-1])
    # A name ingest reads (its own rule, so the two never drift apart), or a directory, whose
    # files may have come or gone.
    return not name.suffix or bool(file_kind(name)[1])


class FileWatcher:
    """Call `changed(paths)` whenever files that ingest reads may have changed under `root`."""

    def __init__(self, root: Path, changed: Callable[[set[str]], None], *, scan_interval: float) -> None:
        self.root = root
        self.changed = changed
        self.scan_interval = scan_interval  # seconds between scans when events are unavailable
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """End `run` within a fraction of a second."""
        self._stop.set()

    async def run(self) -> None:
        """Watch until stopped, waiting for `root` to exist and falling back to scanning."""
        polling, first = False, True
        while not self._stop.is_set():
            if not self.root.is_dir():
                first = False
                await self._pause()  # not there (yet): ingest is not run on a missing folder either
                continue
            if not first:
                self.changed({str(self.root)})  # no watch saw what changed in between: look at it all
            first = False
            try:
                await self._watch(polling)
            except (OSError, RuntimeError) as exc:
                if polling:
                    log.warning("cannot scan %s for changes (%s); trying again", self.root, exc)
                    await self._pause()
                else:
                    # inotify refused (watch limit, network file system): stat the files instead.
                    every = self.scan_interval
                    log.warning("cannot watch %s (%s); scanning it every %g s", self.root, exc, every)
                polling = True
            else:
                self.changed({str(self.root)})  # the folder itself went away or was replaced: look again

    async def _watch(self, polling: bool) -> None:
        def keep(_change: watchfiles.Change, path: str) -> bool:
            return relevant(path, self.root)

        async for changes in watchfiles.awatch(
            self.root,
            watch_filter=keep,
            debounce=MAX_WAIT_MS,
            step=QUIET_MS,
            stop_event=self._stop,
            force_polling=polling,
            poll_delay_ms=int(self.scan_interval * 1000),
            ignore_permission_denied=True,
        ):
            self.changed({path for _change, path in changes})
            if not self.root.is_dir():
                return

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.scan_interval)
