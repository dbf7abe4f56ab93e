"""Share pure, CPU-bound work over forked copies of this process: `check` over thousands of documents.

A forked child already holds the loaded collection (copy on write), so only the
results cross a pipe, pickled. This is for single-threaded commands on POSIX;
anywhere else, or for little work, or when a child fails in any way, the work is
done here, in order, so the result never depends on whether it was shared.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Callable, Sequence

# Below this many items a fork costs more than it saves (measured: benchmarks/bench_cli.py).
MIN_ITEMS = 1000


def default_jobs() -> int:
    return min(os.cpu_count() or 1, 4)


def fork_map(fn: Callable[[Sequence], list], items: Sequence, jobs: int, min_items: int = MIN_ITEMS) -> list:
    """`fn(items)` computed as `fn(chunk)` per chunk, children forked for all chunks but the first; the
    concatenation is returned in the order of `items`. `fn` must not write files or print."""
    if jobs <= 1 or len(items) < min_items or not hasattr(os, "fork") or sys.platform == "darwin":
        return fn(items)
    size = -(-len(items) // jobs)
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    children = []
    for chunk in chunks[1:]:
        try:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
        except OSError:  # no more processes or descriptors: the rest is done here
            children.append((None, None, chunk))
            continue
        if pid == 0:  # the child: compute, send, leave without running the parent's exit handlers
            status = 1
            try:
                os.close(read_fd)
                data = pickle.dumps(fn(chunk), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        children.append((pid, read_fd, chunk))
    results = [fn(chunks[0])]
    for pid, read_fd, chunk in children:
        results.append(_collect(pid, read_fd, fn, chunk))
    return [x for part in results for x in part]


def _collect(pid: int | None, read_fd: int | None, fn: Callable, chunk: Sequence) -> list:
    """A child's result, or the chunk computed here when the child did not deliver one."""
    if pid is None:
        return fn(chunk)
    with os.fdopen(read_fd, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(pid, 0)
    if status == 0 and data:
        return pickle.loads(data)
    return fn(chunk)  # the child failed (killed, out of memory): its share is done here
