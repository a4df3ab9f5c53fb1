"""ALI-G in Python, written from docs/alig.md (the semantics of the authors' reference,
oval-group/ali-g): the baseline our C++ implementation is timed against, and the model of
what "the reference ALI-G" computes. Not used by the programs.

    gamma = min(loss / (||g||^2 + eps), max_lr);  p -= gamma g;
    with momentum mu: v = mu v - gamma g;  p += mu v;   then an optional L2-ball projection.
"""

import torch


class AliGReference(torch.optim.Optimizer):
    def __init__(self, params, max_lr=None, momentum=0.0, eps=1e-5, projection_radius=None):
        if max_lr is not None and max_lr <= 0:
            raise ValueError(f"max_lr must be > 0, got {max_lr}")
        super().__init__(params, dict(max_lr=max_lr, momentum=momentum))
        self.eps = eps
        self.projection_radius = projection_radius
        self.step_size = None
        self.step_size_unclipped = None
        self.project()

    @torch.no_grad()
    def project(self):
        if self.projection_radius is None:
            return
        params = [p for group in self.param_groups for p in group["params"]]
        norm = torch.sqrt(sum(p.pow(2).sum() for p in params))
        if norm > self.projection_radius:
            for p in params:
                p.mul_(self.projection_radius / norm)

    @torch.no_grad()
    def step(self, closure):
        # As in the reference: the closure returns the loss as a Python number.
        loss = float(closure())
        grads = [p.grad for group in self.param_groups for p in group["params"]
                 if p.grad is not None]
        grad_sqrd_norm = float(sum(g.norm() ** 2 for g in grads))
        unclipped = loss / (grad_sqrd_norm + self.eps)
        steps = []
        for group in self.param_groups:
            step = unclipped if group["max_lr"] is None else min(unclipped, group["max_lr"])
            steps.append(step)
            mu = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.add_(p.grad, alpha=-step)
                if mu:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    buffer = state["momentum_buffer"]
                    buffer.mul_(mu).add_(p.grad, alpha=-step)
                    p.add_(buffer, alpha=mu)
        self.project()
        self.step_size = sum(steps) / len(steps)
        self.step_size_unclipped = unclipped
        return loss
