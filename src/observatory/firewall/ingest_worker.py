"""Run one parse in a separate, limited worker process, so that no upload can slow or crash the server.

The worker is forked from a clean fork server (never from the server itself, which runs threads), gets CPU-time,
address-space and file-size limits and a lower priority, and answers with bounded JSON (never pickle, so a worker
that a hostile file subverted cannot run code in the server). A wall-clock timer kills it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable
from functools import lru_cache
from multiprocessing.connection import Connection
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from observatory.firewall.errors import UploadBusy, UploadRejected, UploadTooLarge

# Imported once by the fork server, so each worker starts in milliseconds with the readers already loaded. With
# "__main__", a program started as a script (the `observatory` command) is imported there once rather than again
# in every worker; as with any multiprocessing start method but fork, such a script must guard its entry point.
PRELOAD = ["__main__", "observatory.firewall.ingest", "openpyxl", "defusedxml.expatreader"]


class WorkerLimits(BaseSettings):
    """Limits of one upload worker (environment: OBSERVATORY_UPLOAD_WORKER_CPU_SECONDS and so on)."""

    model_config = SettingsConfigDict(env_prefix="OBSERVATORY_UPLOAD_WORKER_", frozen=True)

    cpu_seconds: int = Field(
        default=60, ge=1, le=3600, description="CPU time a worker may use before the kernel stops it."
    )
    wall_seconds: float = Field(default=120.0, gt=0, le=3600, description="Elapsed time before the worker is killed.")
    memory_bytes: int = Field(
        default=1 << 30,
        ge=64 << 20,
        description="Address space a worker may map beyond what it starts with (RLIMIT_AS).",
    )
    result_bytes: int = Field(default=64 << 20, ge=1 << 10, description="Largest answer a worker may send back.")
    workers: int = Field(default=2, ge=1, le=64, description="Uploads parsed at the same time; further ones wait.")
    # Short, because a waiting upload holds one of the server's threads.
    queue_seconds: float = Field(default=1.0, ge=0, le=600, description="How long an upload waits for a free worker.")
    nice: int = Field(default=10, ge=0, le=19, description="How much lower than the server a worker is scheduled.")


@lru_cache(maxsize=8)
def _worker_slots(workers: int) -> threading.BoundedSemaphore:
    """The slots shared by every thread of this process for a given number of concurrent workers."""
    return threading.BoundedSemaphore(workers)


def _mapped_bytes() -> int:
    """The address space this process maps now (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _limit_self(limits: WorkerLimits) -> None:
    """In the worker: no core dump or file writes (they would hold record values), then CPU, memory and priority."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write then fails with an error instead of killing the worker
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + limits.cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # soft: SIGXCPU ends it; hard: SIGKILL a second later
    # On top of what the worker already maps: the libraries a server imported can reserve hundreds of megabytes.
    address_space = _mapped_bytes() + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    os.nice(limits.nice)


def _worker_main(sender: Connection, target: Callable[..., Any], args: tuple[Any, ...], limits: WorkerLimits) -> None:
    """Entry point of the worker: run the target under limits and send back one JSON reply."""
    try:
        _limit_self(limits)
        reply: dict[str, Any] = {"ok": target(*args)}
    except UploadRejected as error:
        reply = {
            "rejected": {
                "status": error.status,
                "message": error.message,
                "row": error.row,
                "column": error.column,
                "field": error.field,
            }
        }
    except MemoryError:
        reply = {"failed": "memory"}
    except BaseException:  # noqa: BLE001 - never a traceback: its text could quote a cell
        reply = {"failed": "error"}
    try:
        payload = json.dumps(reply, ensure_ascii=False).encode()
    except MemoryError:
        payload = b'{"failed": "memory"}'
    if len(payload) > limits.result_bytes:
        payload = b'{"failed": "result"}'
    sender.send_bytes(payload)
    sender.close()


FAILURES = {
    "memory": "reading the file needed more memory than an upload may use",
    "result": "the file holds more data than an upload may",
    "error": "the file could not be read",
}


def _rejection(reply: Any) -> UploadRejected:
    """The refusal a worker reported, rebuilt from plain values (strings bounded, numbers checked)."""
    parts = reply if isinstance(reply, dict) else {}
    message = parts.get("message")
    if not isinstance(message, str) or not message.isprintable() or len(message) > 1000:
        return UploadRejected(FAILURES["error"])

    def number(key: str) -> int | None:
        value = parts.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    field = parts.get("field")
    field = field if isinstance(field, str) and field.isprintable() and len(field) <= 40 else None
    kind = UploadTooLarge if parts.get("status") == UploadTooLarge.status else UploadRejected
    return kind(message, row=number("row"), column=number("column"), field=field)


def run_in_worker(target: Callable[..., Any], args: tuple[Any, ...], limits: WorkerLimits | None = None) -> Any:
    """Run a module-level function in a limited worker and return its JSON result; any failure is an UploadRejected."""
    limits = limits or WorkerLimits()
    slots = _worker_slots(limits.workers)
    if not slots.acquire(timeout=limits.queue_seconds):
        raise UploadBusy("every upload worker is busy; the file was not read, try again later")
    try:
        payload, killed, exitcode = _supervise(target, args, limits)
    finally:
        slots.release()
    if payload is None:
        if killed:
            raise UploadRejected(f"reading the file took longer than {limits.wall_seconds:g} s; it was stopped")
        if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
            raise UploadRejected(
                f"reading the file needed more than {limits.cpu_seconds} s of CPU time; it was stopped"
            )
        raise UploadRejected(FAILURES["error"])
    try:
        reply = json.loads(payload)
    except ValueError:
        raise UploadRejected(FAILURES["error"]) from None
    if isinstance(reply, dict) and "ok" in reply:
        return reply["ok"]
    if isinstance(reply, dict) and "rejected" in reply:
        raise _rejection(reply["rejected"])
    failure = reply.get("failed") if isinstance(reply, dict) else None
    raise UploadRejected(FAILURES.get(failure, FAILURES["error"]) if isinstance(failure, str) else FAILURES["error"])


def _supervise(
    target: Callable[..., Any], args: tuple[Any, ...], limits: WorkerLimits
) -> tuple[bytes | None, bool, int | None]:
    """Start the worker, wait for its reply under the wall-clock limit; return reply, whether killed, exit code."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_worker_main, args=(sender, target, args, limits), daemon=True)
    killed = threading.Event()

    def kill() -> None:
        if process.exitcode is None:
            killed.set()
            process.kill()

    timer = threading.Timer(limits.wall_seconds, kill)
    timer.daemon = True
    payload: bytes | None = None
    try:
        process.start()
    except BaseException:
        receiver.close()
        raise
    finally:
        sender.close()  # so that the worker's death is seen as end of file
    try:
        timer.start()
        try:
            payload = receiver.recv_bytes(limits.result_bytes)
        except EOFError:
            payload = None
        except OSError:  # the reply announced more bytes than allowed
            payload = b'{"failed": "result"}'
    finally:
        timer.cancel()
        if timer.is_alive():
            timer.join()
        process.join(timeout=5)
        if process.exitcode is None:
            process.kill()
            process.join()
        exitcode = process.exitcode
        receiver.close()
        # No process.close(): it would clear the handle while another thread's Process.start() is polling it.
    return payload, killed.is_set() and payload is None, exitcode
