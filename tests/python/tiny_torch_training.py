"""A tiny PyTorch training loop of the kind a user writes, logged through alig_studio: a
16-unit MLP on 256 points (two classes by the sign of x*y), ALI-G (max_lr 2) as the paper
states it, full-batch evaluation after each epoch. Writes the run folder OUT and OUT.expected.json,
every value it logged, for a test to compare with what a reader gets.

    tiny_torch_training.py OUT [--epochs N] [--hold-after-epoch FIFO] [--no-finish]

--hold-after-epoch waits after the first epoch until a byte arrives on the named pipe FIFO
(a run still training while a window watches it: the test lets it go on once it has seen
the first epoch's rows); --no-finish exits without finish(), as a killed loop would leave
the folder."""

import argparse
import json
import math

import torch

import alig_studio


class AliG(torch.optim.Optimizer):
    """ALI-G (Berrada, Zisserman, Kumar, ICML 2020, Algorithm 1) without momentum, with the
    attributes the authors' alig.th.AliG sets after each step: step_size and
    step_size_unclipped, and max_lr in the parameter groups."""

    def __init__(self, params, max_lr, eps=1e-5):
        super().__init__(params, {"max_lr": max_lr})
        self.eps = eps

    @torch.no_grad()
    def step(self, closure):
        loss = float(closure())
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        grad_sqrd_norm = sum(float(p.grad.pow(2).sum()) for p in params)
        self.step_size_unclipped = loss / (grad_sqrd_norm + self.eps)
        for group in self.param_groups:
            group["step_size"] = min(self.step_size_unclipped, group["max_lr"])
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["step_size"])
        self.step_size = group["step_size"]
        return loss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--hold-after-epoch", default="")
    parser.add_argument("--no-finish", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(0)
    x = torch.randn(256, 2)
    y = (x[:, 0] * x[:, 1] > 0).long()
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    opt = AliG(model.parameters(), max_lr=2.0)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = 32
    config = {"model": "mlp 2-16-2 tanh", "optimizer": "alig", "max_lr": 2.0, "batch": batch}
    expected = {"steps": [], "epochs": []}

    run = alig_studio.Run(args.out, config=config, epochs=args.epochs,
                          steps_per_epoch=len(x) // batch)
    for epoch in range(1, args.epochs + 1):
        for i in range(0, len(x), batch):
            xb, yb = x[i:i + batch], y[i:i + batch]

            logits = model(xb)
            loss = loss_fn(logits, yb)
            accuracy = float((logits.argmax(1) == yb).float().mean())
            opt.zero_grad()
            loss.backward()
            # As the authors' ALI-G is called: the closure gives the loss's value.
            loss = opt.step(lambda: float(loss))
            grad_norm = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in model.parameters()))
            values = dict(loss=loss, accuracy=accuracy, grad_norm=grad_norm,
                          **alig_studio.from_alig(opt))
            run.log_step(**values)
            expected["steps"].append(values)
        with torch.no_grad():
            logits = model(x)
            values = dict(train_loss=float(loss_fn(logits, y)),
                          train_accuracy=float((logits.argmax(1) == y).float().mean()))
        run.log_epoch(**values)
        expected["epochs"].append(values)
        if epoch == 1 and args.hold_after_epoch:
            with open(args.hold_after_epoch, "rb") as fifo:  # blocks until the test writes
                fifo.read(1)
    with open(args.out + ".expected.json", "w") as f:
        json.dump(expected, f)
    if not args.no_finish:
        run.finish()


if __name__ == "__main__":
    main()
