#!/usr/bin/env python3
"""The MNIST training step of `gradgraph bench`, in PyTorch, for comparison.

One step is what gradgraph's step is: forward through
nn.Sequential(Linear(784,256), ReLU, Linear(256,128), ReLU, Linear(128,10)),
CrossEntropyLoss (fused log-softmax + negative log-likelihood, mean over the
batch), backward, and the solver's update of the weights and biases. Data are
random (inputs uniform in [0, 1) like pixels, random class labels) and fixed,
as in gradgraph's bench.

For each thread setting n (1 and 2, capped at the number of CPUs) it sets
torch.set_num_threads(n) and, when torch's BLAS is OpenBLAS (Debian's torch
loads libblas.so.3 -> OpenBLAS, whose pthreads torch does not control),
openblas_set_num_threads(n) too, so that "1" really is one thread. It also
times torch as installed ("default": torch's own default thread count, BLAS
threads untouched). Each setting gets a warm-up of max(5, steps/10) steps,
then `steps` steps timed one by one with time.perf_counter; the median is
reported. Output is one JSON document on stdout:

    {"threads": {"1": ms, "2": ms}, "default_ms": ms, "best_ms": ms,
     "best_threads": n, "best_setting": "1"|"2"|"default",
     "torch": version, "blas": {...}, ...}

best_ms is the fastest of all settings, the number to compare against.

Flags match `gradgraph bench`: --batch 128 --dtype float32 --rule sgd
--steps 200 (bench/compare.sh also runs --batch 1024 and --dtype float64).
Hyper-parameters are gradgraph's defaults (solvers.NewRule). --model names
the network (MODELS): mlp, lenet (the CNN of gradgraph's models/lenet,
dropout 0.25, in training mode) or conv3x3 (one 3x3 64->64 convolution,
pad 1, on 32x32 images: forward and backward only, no loss and no update).

Run it with a Python that can import torch (on Debian: /usr/bin/python3).
"""

import argparse
import ctypes
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn as nn

SIZES = [784, 256, 128, 10]


def mlp(dtype):
    """gradgraph's MNIST MLP: 784-256-128-10, ReLU, ReLU, logits."""
    return nn.Sequential(
        nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(),
        nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
        nn.Linear(SIZES[2], SIZES[3]),
    ).to(dtype)


class LeNet(nn.Module):
    """gradgraph's models/lenet with its defaults (16c5-p2-32c5-p2-128-84-10,
    dropout 0.25 after the two hidden dense layers), layer for layer: conv,
    max-pool, ReLU (pooling first, as gradgraph does), twice; flatten; dense
    layers. In training mode, as the step runs it."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)
        self.conv2 = nn.Conv2d(16, 32, 5)
        self.fc1 = nn.Linear(32 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 84)
        self.fc3 = nn.Linear(84, 10)
        self.drop = nn.Dropout(0.25)

    def forward(self, x):
        x = torch.relu(torch.max_pool2d(self.conv1(x), 2))
        x = torch.relu(torch.max_pool2d(self.conv2(x), 2))
        x = torch.flatten(x, 1)
        x = self.drop(torch.relu(self.fc1(x)))
        x = self.drop(torch.relu(self.fc2(x)))
        return self.fc3(x)


def lenet(dtype):
    return LeNet().to(dtype)


def conv3x3(dtype):
    """One 3×3 convolution 64 → 64, pad 1, with a bias: `gradgraph bench
    --model conv3x3`. Its step is forward and backward only (see CONV_ONLY)."""
    return nn.Conv2d(64, 64, 3, padding=1).to(dtype)


# The networks this script can time, by the name `gradgraph bench --model`
# and bench/compare.sh --model use: a function of the dtype returning the
# model, and the shape of one input (without the batch). To add one: an
# entry here, the same network in `gradgraph bench --model` (package
# internal/benchstep), and the name in compare.sh's models.
MODELS = {"mlp": (mlp, (SIZES[0],)), "lenet": (lenet, (1, 28, 28)), "conv3x3": (conv3x3, (64, 32, 32))}

# Models whose step is one layer's forward and backward against a fixed
# adjoint of its output (y.backward(g), with x requiring its gradient:
# the gradients of x, the weight and the bias), with no loss and no update,
# as `gradgraph bench --model conv3x3` times it.
CONV_ONLY = {"conv3x3"}


def make_optimizer(rule, params):
    """The torch optimizer for a gradgraph rule name, with gradgraph's defaults."""
    if rule == "sgd":
        return torch.optim.SGD(params, lr=0.01)
    if rule == "momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)
    if rule == "nesterov":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True)
    if rule == "adagrad":
        return torch.optim.Adagrad(params, lr=0.01, eps=1e-7)
    if rule == "rmsprop":
        return torch.optim.RMSprop(params, lr=0.001, alpha=0.9, eps=1e-6)
    if rule == "adam":
        return torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8)
    raise SystemExit(f"pytorch_step.py: --rule {rule!r}: torch has no such optimizer "
                     "(sgd, momentum, nesterov, adagrad, rmsprop, adam)")


def openblas():
    """The loaded OpenBLAS library through ctypes, or None."""
    for path in loaded_blas():
        if "openblas" in os.path.basename(path):
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_num_threads()
                return lib
            except (OSError, AttributeError):
                pass
    return None


def loaded_blas():
    """The BLAS shared libraries the process mapped (Linux only)."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({os.path.realpath(line.split()[-1]) for line in f
                           if re.search(r"lib(open)?blas|libmkl", line)})
    except OSError:
        return []


def time_steps(threads, blas_threads, args, dtype, ob):
    """Median ms of one training step with the given numbers of intra-op and
    BLAS threads (None: leave as is)."""
    if threads is not None:
        torch.set_num_threads(threads)
    if ob is not None and blas_threads is not None:
        ob.openblas_set_num_threads(blas_threads)
    torch.manual_seed(1)
    build, shape = MODELS[args.model]
    model = build(dtype)
    loss_fn = nn.CrossEntropyLoss()
    opt = make_optimizer(args.rule, model.parameters())
    g = torch.Generator().manual_seed(7)
    x = torch.rand(args.batch, *shape, generator=g, dtype=dtype)
    y = torch.randint(0, SIZES[-1], (args.batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if args.model in CONV_ONLY:
        x.requires_grad_(True)
        with torch.no_grad():
            adj = torch.rand(model(x).shape, generator=g, dtype=dtype)

        def step():  # noqa: F811: the layer's forward and backward only
            x.grad = None
            model.zero_grad(set_to_none=True)
            out = model(x)
            out.backward(adj)
            return out.detach().flatten()[0]

    for _ in range(max(5, args.steps // 10)):
        step()
    times = []
    for _ in range(args.steps):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), float(step().item())


def blas_info():
    """The BLAS torch was built against, and the library it loaded (cheap)."""
    info = {}
    cfg = torch.__config__.show()
    m = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
    if m:
        info["blas_info"] = m.group(1)
    info["mkldnn"] = torch.backends.mkldnn.is_available()
    info["mkl"] = torch.backends.mkl.is_available()
    info["loaded"] = loaded_blas()
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="mlp", choices=sorted(MODELS), help="network (see MODELS)")
    ap.add_argument("--batch", type=int, default=128, help="mini-batch size (e.g. 128 or 1024)")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--rule", default="sgd", help="update rule (gradgraph's name)")
    ap.add_argument("--steps", type=int, default=200, help="timed steps per thread setting")
    ap.add_argument("--threads", default=None,
                    help="comma-separated thread settings (default: 1,2 capped at the CPU count)")
    args = ap.parse_args()
    if args.batch <= 0 or args.steps <= 0:
        raise SystemExit("pytorch_step.py: --batch and --steps must be > 0")
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    if args.threads:
        settings = [int(t) for t in args.threads.split(",")]
    else:
        settings = [t for t in (1, 2) if t <= (os.cpu_count() or 1)] or [1]

    torch.set_grad_enabled(True)
    default_threads = torch.get_num_threads()
    ob = openblas()
    default_blas_threads = ob.openblas_get_num_threads() if ob is not None else None
    losses = {}
    # As installed first, before this process changes any thread count.
    default_ms, losses["default"] = time_steps(None, None, args, dtype, ob)
    results = {}
    for n in settings:
        results[str(n)], losses[str(n)] = time_steps(n, n, args, dtype, ob)
    best = min(results, key=results.get)
    best_ms, best_setting, best_threads = results[best], best, int(best)
    if default_ms < best_ms:
        best_ms, best_setting, best_threads = default_ms, "default", default_threads
    out = {
        "threads": results,
        "default_ms": default_ms,
        "best_ms": best_ms,
        "best_threads": best_threads,
        "best_setting": best_setting,
        "default_threads": default_threads,
        "openblas_default_threads": default_blas_threads,
        "openblas_threads_set": ob is not None,
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "blas": blas_info(),
        "batch": args.batch,
        "dtype": args.dtype,
        "rule": args.rule,
        "steps": args.steps,
        "warmup": max(5, args.steps // 10),
        "model": args.model,
        "network": {"mlp": "784-256-128-10 relu/softmax/cross_entropy",
                    "lenet": "lenet 16c5-p2-32c5-p2-128-84-10 dropout 0.25, softmax cross-entropy",
                    "conv3x3": "conv 3x3 64->64 pad 1 on 32x32, forward + backward (x, w, b gradients)"}[args.model],
        "update": "none" if args.model in CONV_ONLY else args.rule,
        "final_loss": losses,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
