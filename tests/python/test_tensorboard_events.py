"""alig-train's TensorBoard events, read back by tfevents_reader (independent of the writer):
every CRC checks, every value of metrics.csv and epochs.csv is there at its step (as the
float32 TensorBoard stores), the config text is run.json's config, a method's own
quantities come along, a run killed mid-write leaves every complete record readable, and
`alig-train export-tensorboard` writes the same scalars for a run recorded without them.
Run by CTest with ALIG_TRAIN set to the program under test."""

import csv
import glob
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tfevents_reader as tb  # noqa: E402

ALIG_TRAIN = os.environ.get("ALIG_TRAIN", "alig-train")
# Columns that are the rows' keys or times, not scalars: the step axis and wall_time hold them.
NOT_SCALARS = {"step", "epoch", "elapsed_s", "epoch_s"}


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class TensorBoardEvents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="tst_tensorboard_")
        cls.env = dict(os.environ, XDG_DATA_HOME=os.path.join(cls.scratch, "xdg"),
                       OMP_NUM_THREADS="1")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def train(self, name, *args):
        out = os.path.join(self.scratch, name)
        subprocess.run([ALIG_TRAIN, "--preset", "spirals-mlp-alig", "--epochs", "3", "--quiet",
                        "--set", "dataset.samples=300", "--out", out, *args],
                       env=self.env, check=True, stdout=subprocess.DEVNULL)
        return out

    def only_events_file(self, run):
        files = glob.glob(os.path.join(run, "events.out.tfevents.*"))
        self.assertEqual(len(files), 1, files)
        return files[0]

    def check_matches_rows(self, run, events):
        self.assertEqual(events[0].file_version, "brain.Event:2")
        values = tb.scalars(events)
        steps = rows(os.path.join(run, "metrics.csv"))
        self.assertGreater(len(steps), 10)
        self.assertEqual(sorted(values["step/loss"]), [int(r["step"]) for r in steps])
        epochs = rows(os.path.join(run, "epochs.csv"))
        self.assertEqual(len(epochs), 3)
        for prefix, table in (("step/", steps), ("epoch/", epochs)):
            for r in table:
                for column, text in r.items():
                    if column in NOT_SCALARS or not math.isfinite(float(text)):
                        continue
                    self.assertEqual(values[prefix + column][int(r["step"])], f32(float(text)),
                                     "%s at step %s" % (prefix + column, r["step"]))
        # Every scalar is one of the files' columns (or a method's own quantity).
        columns = set(steps[0]) | set(epochs[0])
        for tag in values:
            kind, _, column = tag.partition("/")
            self.assertTrue(kind == "method" or column in columns, tag)
        with open(os.path.join(run, "run.json")) as f:
            info = json.load(f)
        config = tb.texts(events)["config"]
        self.assertEqual(json.loads("\n".join(line[4:] for line in config.splitlines())),
                         info["config"])
        for e in events:
            self.assertLess(abs(e.wall_time - time.time()), 24 * 3600)

    def test_written_while_training(self):
        run = self.train("live", "--tensorboard")
        events, truncated = tb.read_events(self.only_events_file(run))
        self.assertFalse(truncated)
        self.check_matches_rows(run, events)

    def test_method_quantities(self):
        run = self.train("prodigy", "--tensorboard", "--set", "optimizer.name=prodigy",
                         "--set", "optimizer.lr=1")
        events, _ = tb.read_events(self.only_events_file(run))
        values = tb.scalars(events)
        steps = len(rows(os.path.join(run, "metrics.csv")))
        for extra in ("method/d", "method/d_hat"):
            self.assertEqual(len(values[extra]), steps, extra)
            self.assertTrue(all(math.isfinite(v) for v in values[extra].values()), extra)
        # Prodigy's d starts at d0 (1e-6) and only grows.
        d = [values["method/d"][s] for s in sorted(values["method/d"])]
        self.assertEqual(d[0], f32(1e-6))
        self.assertEqual(d, sorted(d))
        self.assertGreater(d[-1], d[0])

    def test_a_cut_last_record_keeps_the_others(self):
        run = self.train("cut", "--tensorboard")
        with open(self.only_events_file(run), "rb") as f:
            data = f.read()
        whole, _ = tb.read_records(data)
        last = len(data) - (len(whole[-1]) + 16)
        for cut in range(last + 1, len(data)):
            records, truncated = tb.read_records(data[:cut])
            self.assertTrue(truncated)
            self.assertEqual(records, whole[:-1])

    def test_killed_run(self):
        out = os.path.join(self.scratch, "killed")
        p = subprocess.Popen([ALIG_TRAIN, "--preset", "spirals-mlp-alig", "--epochs", "100000",
                              "--quiet", "--tensorboard", "--out", out], env=self.env,
                             stdout=subprocess.PIPE, text=True)
        try:
            # Killed mid-run once 30 epochs (750 steps) are done: their epoch lines are read as
            # alig-train prints them, so the kill comes after real progress on any machine.
            epochs = 0
            for line in p.stdout:
                epochs += line.startswith("epoch ")
                if epochs >= 30:
                    break
            self.assertGreaterEqual(epochs, 30)
        finally:
            p.kill()  # SIGKILL: no chance to close the file
            p.wait()
            p.stdout.close()
        events, _ = tb.read_events(self.only_events_file(out))
        loss = tb.scalars(events)["step/loss"]
        self.assertGreater(len(loss), 100)
        self.assertEqual(sorted(loss), list(range(1, len(loss) + 1)))
        recorded = {int(r["step"]): float(r["loss"])
                    for r in rows(os.path.join(out, "metrics.csv"))[:-1]}
        common = set(recorded) & set(loss)
        self.assertGreater(len(common), 100)
        for step in common:
            self.assertEqual(loss[step], f32(recorded[step]), step)

    def test_export(self):
        run = self.train("plain")
        self.assertEqual(glob.glob(os.path.join(run, "events.out.tfevents.*")), [])
        for _ in range(2):  # a second export replaces the first
            done = subprocess.run([ALIG_TRAIN, "export-tensorboard", run], env=self.env,
                                  check=True, capture_output=True, text=True)
            path = self.only_events_file(run)
            self.assertEqual(done.stdout.strip(), path)
        events, truncated = tb.read_events(path)
        self.assertFalse(truncated)
        self.check_matches_rows(run, events)

    def test_export_refusals(self):
        live = self.train("live-too", "--tensorboard")
        missing = os.path.join(self.scratch, "no-such-run")
        done = subprocess.run([ALIG_TRAIN, "export-tensorboard", live, missing], env=self.env,
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 2)
        self.assertIn(live + ": already has TensorBoard events", done.stderr)
        self.assertIn(missing + ": no such run folder", done.stderr)
        self.assertEqual(len(glob.glob(os.path.join(live, "events.out.tfevents.*"))), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
