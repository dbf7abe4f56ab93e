"""Run WeasyPrint jobs in worker processes, each with a time limit.

A job is plain data (HTML, base URL, identifier): the parent makes the HTML,
the workers only lay it out. Each worker keeps one Engine (fonts and stylesheet
loaded once) for all the jobs it gets. A job that raises or runs past its time
limit comes back as a failure naming its paper; the others go on.

The parent's part for a paper, converting its Markdown to HTML, runs under the
same per-paper limit (`time_limit`): the HTML is what the incremental cache
hashes, so it is made where the cache is read.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

DEFAULT_TIMEOUT = 120.0  # seconds per paper
HANG_GRACE = 30.0  # extra seconds before a worker that ignores its alarm is abandoned


@dataclass(frozen=True)
class Job:
    name: str  # paper path (or book id): what a failure names
    root: str
    templates: tuple[str, ...]  # the template chain, committee's first
    html: str
    base_url: str
    identifier: bytes


@dataclass
class Outcome:
    name: str
    data: bytes | None = None
    rule: str | None = None
    error: str | None = None
    seconds: float = 0.0
    pages: int = 0


class _Timeout(Exception):
    pass


class TimeLimit(_Timeout):
    """Raised by `time_limit` when its block runs past the limit."""


def _alarm(signum, frame):  # noqa: ARG001
    raise _Timeout()


def _limit_alarm(signum, frame):
    raise TimeLimit()


@contextmanager
def time_limit(seconds: float | None):
    """Stop the block with `TimeLimit` when it runs longer than `seconds` (None or 0: no limit).

    A SIGALRM timer, so only on the main thread (a thread, as under `mkdocs serve`, runs without one);
    python-markdown and the regular-expression engine both stop on it.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    old = signal.signal(signal.SIGALRM, _limit_alarm)
    previous = signal.setitimer(signal.ITIMER_REAL, seconds)[0]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if previous:  # an outer timer keeps running (what is left of it, roughly)
            signal.setitimer(signal.ITIMER_REAL, previous)


def run_job(job: Job, timeout: float | None) -> Outcome:
    """Render one job in this process, under a SIGALRM time limit when on the main thread."""
    import time

    from ..assets import Templates
    from .engine import Engine, RenderError

    use_alarm = bool(timeout) and threading.current_thread() is threading.main_thread() \
        and hasattr(signal, "setitimer")
    start = time.perf_counter()
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        engine = Engine.for_root(Path(job.root), Templates(tuple(Path(d) for d in job.templates)))
        data = engine.write(job.html, job.base_url, job.identifier)
        return Outcome(job.name, data, seconds=time.perf_counter() - start, pages=engine.pages)
    except _Timeout:
        return Outcome(job.name, rule="pdf-timeout",
                       error=f"rendering took longer than {timeout:g} s and was stopped")
    except RenderError as exc:
        return Outcome(job.name, rule=exc.rule, error=str(exc))
    except Exception as exc:  # noqa: BLE001 — one broken paper must not stop the others
        return Outcome(job.name, rule="pdf-render", error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # Build this worker's own engine on its first job: a FontConfiguration inherited
    # through fork works, but measured twice as slow (Pango/fontconfig state is per process).
    from .engine import Engine

    Engine._cache.clear()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover
        return max(1, os.cpu_count() or 1)


def run_jobs(jobs: list[Job], workers: int, timeout: float | None = DEFAULT_TIMEOUT,
             on_done: Callable[[Outcome], None] | None = None) -> Iterable[Outcome]:
    """Outcomes of `jobs`, in completion order; in this process when one worker is enough."""
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        for job in jobs:
            out = run_job(job, timeout)
            if on_done:
                on_done(out)
            yield out
        return
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    hung = False
    try:
        futures = {pool.submit(run_job, job, timeout): job for job in jobs}
        limit = None if not timeout else timeout * (len(jobs) / workers + 1) + HANG_GRACE
        try:
            for fut in cf.as_completed(futures, timeout=limit):
                try:
                    out = fut.result()
                except Exception as exc:  # noqa: BLE001 — a worker died (crash, OOM kill)
                    out = Outcome(futures[fut].name, rule="pdf-render",
                                  error=f"worker process failed: {type(exc).__name__}: {exc}"[:500])
                if on_done:
                    on_done(out)
                yield out
        except cf.TimeoutError:
            hung = True
            for fut, job in futures.items():
                if not fut.done():
                    fut.cancel()
                    out = Outcome(job.name, rule="pdf-timeout", error="rendering did not finish and was stopped")
                    if on_done:
                        on_done(out)
                    yield out
    finally:
        if hung:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()
        pool.shutdown(wait=not hung, cancel_futures=True)
