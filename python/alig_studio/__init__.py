"""Record a PyTorch training loop of your own as an ALI-G Studio run folder.

    import alig_studio
    run = alig_studio.Run("runs/my-try", config={"lr": 0.1, "model": "resnet18"})
    for epoch in range(epochs):
        for x, y in loader:
            ...
            run.log_step(loss=loss, accuracy=acc, grad_norm=gnorm, **alig_studio.from_alig(opt))
        run.log_epoch(train_loss=..., test_loss=..., test_accuracy=...)
    run.finish()

The folder holds what alig-train writes (metrics.csv, epochs.csv, run.json) with the same
columns (generated from the program's run schema into _schema.py), so ALI-G Studio's
window shows it, live with File > Watch Run Folder, and `alig-train export-tensorboard`
converts it. Standard library only: nothing here imports torch; tensors are read with
float(). One process writes a folder at a time (the same lock alig-train takes).
"""

import datetime
import fcntl
import json
import math
import os
import socket
import sys
import time

from ._schema import EPOCH_COLUMNS, RUN_LOCK_FILE, STEP_COLUMNS, VERSION

__all__ = ["Run", "from_alig", "STEP_COLUMNS", "EPOCH_COLUMNS"]
__version__ = VERSION

_STATUSES = ("completed", "stopped", "diverged", "failed")


def _format(kind, value):
    if kind == "integer":
        return "%d" % value
    if kind == "flag":
        return "1" if value else "0"
    if kind == "seconds":
        return "%.6f" % value
    return "%.17g" % value


def _number(where, name, value):
    if hasattr(value, "item"):  # a one-element tensor or a NumPy scalar
        value = value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError("%s: %s must be a number, got %r" % (where, name, value)) from None


def _now_iso():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")


def _json_number(value):
    return value if math.isfinite(value) else None


def _write_atomically(path, text):
    # As alig-train's run.json: written beside, synced, renamed over; never a torn file.
    partial = path + ".partial"
    with open(partial, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def from_alig(optimizer):
    """The step-size columns of the step the authors' ALI-G optimizer (alig.th.AliG) just
    took: its step_size and step_size_unclipped attributes, the first group's max_lr and
    whether the step was clipped to it. Pass them on: run.log_step(loss=..., **from_alig(opt)).
    """
    try:
        step = float(optimizer.step_size)
        unclipped = float(optimizer.step_size_unclipped)
    except AttributeError:
        raise TypeError("from_alig: %s has no step_size and step_size_unclipped: call it after "
                        "the step of an ALI-G optimizer" % type(optimizer).__name__) from None
    values = {"step_size": step, "unclipped_step_size": unclipped, "clipped": step < unclipped}
    groups = getattr(optimizer, "param_groups", None) or [{}]
    max_lr = groups[0].get("max_lr")
    if max_lr is not None:
        values["max_lr"] = float(max_lr)
    return values


class Run:
    """One run folder, written as the loop goes. Rows reach the disk at least every
    `flush_seconds` and at every epoch's end; run.json is replaced whole. Use it in a `with`
    block, or call finish(): a run that ends without either (a kill) stays "running" in
    run.json, and the window marks it stale once its rows stop coming."""

    def __init__(self, directory, config=None, name=None, epochs=None, steps_per_epoch=None,
                 flush_seconds=2.0):
        self.dir = os.path.abspath(os.fspath(directory))
        config = {} if config is None else config
        try:
            json.dumps(config, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise TypeError("alig_studio.Run: config must be plain JSON (dicts, lists, strings, "
                            "finite numbers): %s" % e) from None
        os.makedirs(self.dir, exist_ok=True)
        if os.path.exists(os.path.join(self.dir, "run.json")):
            raise FileExistsError("%s: already holds a run; choose another folder" % self.dir)
        self._lock = open(os.path.join(self.dir, RUN_LOCK_FILE), "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or "another process"
            self._lock.close()
            raise RuntimeError("%s: the run folder is in use by %s" % (self.dir, holder)) from None
        self._lock.truncate(0)
        self._lock.write("alig_studio.py pid %d on host %s\n" % (os.getpid(), socket.gethostname()))
        self._lock.flush()

        self._flush_seconds = flush_seconds
        self._start = time.monotonic()
        self._last_flush = self._start
        self._epoch_start = self._start
        self._step = 0
        self._epoch = 1
        self._best = 0.0
        self._finished = False
        torch = sys.modules.get("torch")
        self._info = {
            "format": 1,
            "name": name or os.path.basename(self.dir),
            "config": config,
            "program": {"name": "alig_studio.py", "version": VERSION},
            "python": sys.version.split()[0],
            "libtorch": getattr(torch, "__version__", None),
            "host": socket.gethostname(),
            "epochs": epochs,
            "steps_per_epoch": steps_per_epoch or 0,
            "start_time": _now_iso(),
            "end_time": None,
            "status": "running",
            "message": "",
            "final_metrics": None,
            "checkpoint": None,
        }
        self._metrics = self._open("metrics.csv", STEP_COLUMNS)
        self._epochs = self._open("epochs.csv", EPOCH_COLUMNS)
        self._write_info()

    def _open(self, file_name, columns):
        f = open(os.path.join(self.dir, file_name), "w")
        f.write(",".join(name for name, _ in columns) + "\n")
        f.flush()
        return f

    def _write_info(self):
        _write_atomically(os.path.join(self.dir, "run.json"), json.dumps(self._info, indent=2) + "\n")

    def _row(self, columns, values):
        # One write per row: a kill can cut only the last line short (readers skip it).
        return ",".join(_format(kind, values[name]) for name, kind in columns) + "\n"

    def _flush(self):
        self._metrics.flush()
        self._epochs.flush()
        self._last_flush = time.monotonic()

    def _start_row(self, where, file_name, columns, values):
        # Every column NaN but those given, each checked to be a column and a number.
        if self._finished:
            raise RuntimeError("%s: %s after finish()" % (self.dir, where))
        known = [name for name, _ in columns]
        for name in values:
            if name not in known:
                raise TypeError("%s: %r is not a column of %s (%s)"
                                % (where, name, file_name, ", ".join(known)))
        row = {name: math.nan for name in known}
        row.update({name: _number(where, name, v) for name, v in values.items()})
        return row

    def log_step(self, loss, **values):
        """One optimizer step: loss and any other metrics.csv column (accuracy, step_size,
        unclipped_step_size, clipped, grad_norm, max_lr, effective_step). step counts on
        from the last one, epoch is the current one, elapsed_s the time since the start;
        what is not given is NaN (unclipped_step_size: step_size; clipped: False)."""
        row = self._start_row("log_step", "metrics.csv", STEP_COLUMNS, values)
        row["loss"] = _number("log_step", "loss", loss)
        step = int(row["step"]) if "step" in values else self._step + 1
        if step <= self._step:
            raise ValueError("log_step: step %d after step %d; steps must increase"
                             % (step, self._step))
        row["step"] = step
        row["epoch"] = int(row["epoch"]) if "epoch" in values else self._epoch
        if "elapsed_s" not in values:
            row["elapsed_s"] = time.monotonic() - self._start
        if "unclipped_step_size" not in values:
            row["unclipped_step_size"] = row["step_size"]
        row["clipped"] = bool(values.get("clipped", False))
        self._metrics.write(self._row(STEP_COLUMNS, row))
        self._step = step
        if time.monotonic() - self._last_flush >= 0.5 * self._flush_seconds:
            self._flush()

    def log_epoch(self, **values):
        """One epoch's end: train_loss, train_accuracy, test_loss, test_accuracy,
        interpolation (any epochs.csv column). epoch is the current one (then the next
        begins), step the last logged step; what is not given is NaN."""
        row = self._start_row("log_epoch", "epochs.csv", EPOCH_COLUMNS, values)
        now = time.monotonic()
        row["epoch"] = int(row["epoch"]) if "epoch" in values else self._epoch
        row["step"] = int(row["step"]) if "step" in values else self._step
        if "elapsed_s" not in values:
            row["elapsed_s"] = now - self._start
        if "epoch_s" not in values:
            row["epoch_s"] = now - self._epoch_start
        self._epochs.write(self._row(EPOCH_COLUMNS, row))
        self._flush()
        self._epoch = row["epoch"] + 1
        self._epoch_start = now
        if math.isfinite(row["test_accuracy"]):
            self._best = max(self._best, row["test_accuracy"])
        self._info["progress"] = {"epochs_completed": row["epoch"], "steps": self._step}
        self._info["final_metrics"] = {
            name: (int(row[name]) if kind == "integer" else _json_number(row[name]))
            for name, kind in EPOCH_COLUMNS}
        self._info["best_test_accuracy"] = self._best
        self._write_info()

    def finish(self, status="completed", message=""):
        """Ends the run: the rows reach the disk, run.json says how it ended (completed,
        stopped, diverged or failed) and the folder's lock is released. A second call does
        nothing."""
        if status not in _STATUSES:
            raise ValueError("finish: status must be one of %s, got %r"
                             % (", ".join(_STATUSES), status))
        if self._finished:
            return
        self._finished = True
        self._flush()
        self._metrics.close()
        self._epochs.close()
        self._info.update({
            "status": status, "message": message, "end_time": _now_iso(),
            "elapsed_s": time.monotonic() - self._start,
            "progress": {"epochs_completed": self._epoch - 1, "steps": self._step}})
        self._write_info()
        self._lock.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.finish()
        elif issubclass(kind, KeyboardInterrupt):
            self.finish("stopped", "stopped by KeyboardInterrupt")
        else:
            self.finish("failed", "%s: %s" % (kind.__name__, error))
        return False
