"""The Python logger's own behaviour, standard library only: the files' headers are the run
schema's columns, values are written in the schema's formats, wrong input is refused with a
message that names it, one writer per folder, and run.json says how the run ended (a `with`
block that raises records "failed" and the error). tst_python_logger runs it with the build
tree's alig_studio on PYTHONPATH."""

import csv
import json
import os
import shutil
import tempfile
import unittest

import alig_studio


class LoggerApi(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="tst_python_logger_")
        self.dir = os.path.join(self.scratch, "run")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def info(self):
        with open(os.path.join(self.dir, "run.json")) as f:
            return json.load(f)

    def test_headers_and_formats(self):
        with alig_studio.Run(self.dir, config={"a": 1}) as run:
            run.log_step(loss=0.1, step_size=0.25, clipped=True, grad_norm=3)
            run.log_epoch(test_accuracy=0.5)
        with open(os.path.join(self.dir, "metrics.csv")) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], ",".join(n for n, _ in alig_studio.STEP_COLUMNS))
        row = dict(zip(lines[0].split(","), lines[1].split(",")))
        self.assertEqual(row["step"], "1")
        self.assertEqual(row["epoch"], "1")
        self.assertEqual(row["loss"], "0.10000000000000001")  # 17 significant digits
        self.assertEqual(row["unclipped_step_size"], "0.25")  # step_size when not given
        self.assertEqual(row["clipped"], "1")
        self.assertEqual(row["accuracy"], "nan")
        self.assertRegex(row["elapsed_s"], r"^\d+\.\d{6}$")
        with open(os.path.join(self.dir, "epochs.csv")) as f:
            epochs = list(csv.DictReader(f))
        self.assertEqual(list(epochs[0]), [n for n, _ in alig_studio.EPOCH_COLUMNS])
        self.assertEqual((epochs[0]["epoch"], epochs[0]["step"]), ("1", "1"))
        info = self.info()
        self.assertEqual(info["status"], "completed")
        self.assertEqual(info["config"], {"a": 1})
        self.assertEqual(info["best_test_accuracy"], 0.5)
        self.assertIsNone(info["final_metrics"]["test_loss"])  # NaN has no JSON

    def test_bad_input_is_named(self):
        with self.assertRaisesRegex(TypeError, "config must be plain JSON"):
            alig_studio.Run(self.dir, config={"f": object()})
        run = alig_studio.Run(self.dir)
        with self.assertRaisesRegex(TypeError, "'los' is not a column of metrics.csv"):
            run.log_step(loss=1.0, los=2.0)
        with self.assertRaisesRegex(TypeError, "accuracy must be a number, got 'high'"):
            run.log_step(loss=1.0, accuracy="high")
        run.log_step(loss=1.0, step=5)
        with self.assertRaisesRegex(ValueError, "step 3 after step 5"):
            run.log_step(loss=1.0, step=3)
        with self.assertRaisesRegex(ValueError, "status must be one of"):
            run.finish("done")
        run.finish()
        with self.assertRaisesRegex(RuntimeError, "log_step after finish"):
            run.log_step(loss=1.0)
        with self.assertRaisesRegex(FileExistsError, "already holds a run"):
            alig_studio.Run(self.dir)

    def test_one_writer_per_folder(self):
        first = alig_studio.Run(self.dir)
        os.remove(os.path.join(self.dir, "run.json"))  # only the lock stands in the way now
        with self.assertRaisesRegex(RuntimeError, "in use by alig_studio.py pid %d" % os.getpid()):
            alig_studio.Run(self.dir)
        first.finish()

    def test_failed_and_stopped(self):
        with self.assertRaises(ZeroDivisionError):
            with alig_studio.Run(self.dir) as run:
                run.log_step(loss=1.0)
                1 / 0
        self.assertEqual(self.info()["status"], "failed")
        self.assertIn("ZeroDivisionError", self.info()["message"])
        other = os.path.join(self.scratch, "stopped")
        with self.assertRaises(KeyboardInterrupt):
            with alig_studio.Run(other):
                raise KeyboardInterrupt
        with open(os.path.join(other, "run.json")) as f:
            self.assertEqual(json.load(f)["status"], "stopped")

    def test_from_alig(self):
        class AuthorsAliG:  # the attributes alig.th.AliG sets after a step
            step_size, step_size_unclipped = 0.5, 2.0
            param_groups = [{"max_lr": 0.5}]

        self.assertEqual(alig_studio.from_alig(AuthorsAliG()),
                         {"step_size": 0.5, "unclipped_step_size": 2.0, "clipped": True,
                          "max_lr": 0.5})
        with self.assertRaisesRegex(TypeError, "from_alig: object has no step_size"):
            alig_studio.from_alig(object())


if __name__ == "__main__":
    unittest.main(verbosity=2)
