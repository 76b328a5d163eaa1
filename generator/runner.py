"""Run the jobs: in worker processes when there are several (Copier changes directories and is
not thread-safe), then make each repository's branch as soon as all its projects are done.

Ctrl-C: this process sets a shared stop flag, so a queued project is never started; a running
worker stops its job (its worktree removed) and stays alive; an idle one ignores the signal.
Every project is reported (interrupted or not started); branches of repositories already
finished stay, nothing of an unfinished repository is kept.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from contextlib import contextmanager

from .branch import finish_group, plain_result, preview_result
from .errors import one_line
from .plan import Job
from .results import Result
from .scratch import renders_in_scratch
from .worker import BROKEN, SKIPPED, STOPPED, Attempt, StopFlag, discard, preview_one, update_one

Worker = Callable[[Job, StopFlag | None], Attempt]


class WorkerState:
    """A worker process's stop flag and whether it is running a job (set once per process)."""

    stop: StopFlag | None = None
    busy = False


def on_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C in a worker: stop the running job; an idle worker must survive to be shut down."""
    if WorkerState.busy:
        raise KeyboardInterrupt


def init_worker(stop: StopFlag) -> None:
    """In each worker process: keep the stop flag, handle Ctrl-C."""
    WorkerState.stop = stop
    signal.signal(signal.SIGINT, on_interrupt)


def call_worker(worker: Worker, job: Job) -> Attempt:
    """Run ``worker`` on ``job`` in a worker process; Ctrl-C ends it as "stopped"."""
    WorkerState.busy = True
    try:
        return worker(job, WorkerState.stop)
    except KeyboardInterrupt:
        return Attempt(job, STOPPED)
    finally:
        WorkerState.busy = False


class Groups:
    """Collects attempts per repository and branch; finishes a group once it is complete."""

    def __init__(self, jobs: list[Job], preview: bool) -> None:
        self.preview = preview
        self.sizes: dict[tuple[str, str], int] = {}
        for job in jobs:
            self.sizes[job.group] = self.sizes.get(job.group, 0) + 1
        self.waiting: dict[tuple[str, str], list[Attempt]] = {}
        self.results: list[Result] = []

    def add(self, attempt: Attempt) -> None:
        """Record an attempt; make the branch when its group is complete."""
        if self.preview:
            self.results.append(preview_result(attempt))
            return
        group = self.waiting.setdefault(attempt.job.group, [])
        group.append(attempt)
        if len(group) == self.sizes[attempt.job.group]:
            # A branch is made whole or not at all: Ctrl-C waits until it is done.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                self.results += finish_group(self.waiting.pop(attempt.job.group))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def hold(self, attempt: Attempt) -> None:
        """Record an attempt of a run being interrupted: its group is never finished."""
        self.waiting.setdefault(attempt.job.group, []).append(attempt)

    def abandon(self) -> None:
        """After Ctrl-C: incomplete groups keep nothing (their worktrees are removed)."""
        for attempts in self.waiting.values():
            for attempt in attempts:
                discard(attempt)
                if attempt.state != SKIPPED:
                    attempt.state = STOPPED
                self.results.append(plain_result(attempt))
        self.waiting.clear()


@contextmanager
def progress_bar(total: int, label: str, show: bool) -> Iterator[Callable[[], None]]:
    """A transient progress bar on stderr (only on a terminal); yields the advance function."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not (show and console.is_terminal),
    )
    with progress:
        task = progress.add_task("", total=total)
        yield lambda: progress.advance(task)


def run_sequential(jobs: list[Job], worker: Worker, groups: Groups, show: bool) -> None:
    """One job after the other in this process; Ctrl-C stops at once."""
    with progress_bar(len(jobs), "previewing" if groups.preview else "updating", show) as step:
        for index, job in enumerate(jobs):
            try:
                groups.add(worker(job, None))
            except KeyboardInterrupt:
                groups.hold(Attempt(job, STOPPED))
                for rest in jobs[index + 1 :]:
                    groups.hold(Attempt(rest, SKIPPED))
                groups.abandon()
                raise
            step()


def run_parallel(jobs: list[Job], worker: Worker, groups: Groups, workers: int, show: bool) -> None:
    """Jobs in ``workers`` forked processes; Ctrl-C sets the stop flag and waits for them."""
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    gc.freeze()  # the imported modules stay shared with the forked workers (copy-on-write)
    by_future: dict[Future[Attempt], Job] = {}
    with ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker,
                             initargs=(stop,)) as pool:  # fmt: skip
        # Submit everything before the progress bar starts its refresh thread: fork after
        # threads exist can deadlock.
        for job in jobs:
            by_future[pool.submit(call_worker, worker, job)] = job
        remaining = set(by_future)
        label = "previewing" if groups.preview else "updating"
        try:
            with progress_bar(len(jobs), label, show) as step:
                while remaining:
                    done, remaining = wait(remaining, return_when="FIRST_COMPLETED")
                    for future in done:
                        groups.add(collect(future, by_future[future]))
                        step()
        except KeyboardInterrupt:
            stop.set()
            for future in remaining:
                if future.cancel():
                    groups.hold(Attempt(by_future[future], SKIPPED))
            for future in remaining:
                if not future.cancelled():
                    groups.hold(collect(future, by_future[future]))
            groups.abandon()
            raise


def collect(future: Future[Attempt], job: Job) -> Attempt:
    """A finished future's attempt; a crashed worker becomes a failure of its job."""
    try:
        return future.result()
    except Exception as error:  # a crashed worker: report it, keep the others
        return Attempt(job, BROKEN, message=f"worker failed: {one_line(error)}")


def run_jobs(
    jobs: list[Job], workers: int, *, preview: bool, show_progress: bool
) -> tuple[list[Result], bool]:
    """Every job's result, and whether the run was interrupted (Ctrl-C)."""
    if not jobs:
        return [], False
    worker: Worker = preview_one if preview else update_one
    groups = Groups(jobs, preview)
    jobs = sorted(jobs, key=lambda job: job.group)
    count = max(1, min(workers, len(jobs)))
    import copier  # noqa: F401  (imported once here, inherited by forked workers)

    try:
        with renders_in_scratch():
            if count == 1:
                run_sequential(jobs, worker, groups, show_progress)
            else:
                run_parallel(jobs, worker, groups, count, show_progress)
    except KeyboardInterrupt:
        return order(groups.results, jobs), True
    return order(groups.results, jobs), False


def order(results: list[Result], jobs: list[Job]) -> list[Result]:
    """Results in the order the jobs were given."""
    index = {str(job.project.path): position for position, job in enumerate(jobs)}
    return sorted(results, key=lambda result: index.get(result.project, len(index)))
