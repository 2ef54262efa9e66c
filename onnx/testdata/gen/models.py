#!/usr/bin/python3
"""Export small PyTorch models with their loss inside the graph, in float64,
and write what gradgraph must reproduce: one directory per model under
onnx/testdata/models/ with model.onnx, input_<name>.pb for each graph input,
and expected.json (the loss, torch.autograd's gradients by initializer or
input name, the op types, the opset).

Run with /usr/bin/python3 (torch 1.13 CPU, onnx 1.12) from the repository's
root:  /usr/bin/python3 onnx/testdata/gen/models.py [NAME ...]
The outputs are committed: go test checks them without Python.
"""
import json, os, sys
import torch, torch.nn as nn, torch.nn.functional as F
import onnx
from onnx import numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
torch.manual_seed(0)


class MLPLogSoftmax(nn.Module):
    """Softmax cross-entropy written with LogSoftmax and a one-hot target."""
    def __init__(s):
        super().__init__(); s.l1 = nn.Linear(6, 8); s.l2 = nn.Linear(8, 4)
    def forward(s, x, onehot):
        z = s.l2(F.relu(s.l1(x)))
        return -(onehot * F.log_softmax(z, dim=1)).sum(1).mean()


class GemmTanh(nn.Module):
    def __init__(s):
        super().__init__(); s.a = nn.Linear(5, 7); s.b = nn.Linear(7, 3)
    def forward(s, x, t):
        y = torch.sigmoid(s.b(torch.tanh(s.a(x))))
        return ((y - t) ** 2).mean()


class Shapes(nn.Module):
    """Shape-driven reshapes (Shape → Gather → Unsqueeze → Concat → Reshape)."""
    def __init__(s):
        super().__init__(); s.l = nn.Linear(12, 6)
    def forward(s, x):
        b = x.shape[0]
        h = s.l(x.reshape(b, -1))                  # 2x6
        h = h.view(b, 2, 3).transpose(1, 2)        # 2x3x2
        h = torch.flatten(h, 1).unsqueeze(1)       # 2x1x6
        h = torch.cumsum(h * h, dim=2)
        return (h.sum(dim=(1, 2)) + h.amax(dim=(1, 2))).mean()


class Attention(nn.Module):
    """Batched-MatMul self-attention, without LayerNorm. The keys have no
    bias: its gradient is zero (softmax ignores a constant per row), which
    leaves only rounding noise to compare."""
    def __init__(s, d=4):
        super().__init__(); s.q = nn.Linear(d, d); s.k = nn.Linear(d, d, bias=False); s.v = nn.Linear(d, d); s.d = d
    def forward(s, x):
        q, k, v = s.q(x), s.k(x), s.v(x)
        a = torch.softmax(q @ k.transpose(-2, -1) / s.d ** 0.5, dim=-1)
        return (a @ v).pow(2).mean()


# Models whose ops package ops does not have yet: written now, tested once
# their ops exist (the Go test skips them naming the missing op).
class CNN(nn.Module):
    def __init__(s):
        super().__init__(); s.c = nn.Conv2d(1, 3, 3); s.f = nn.Linear(3 * 3 * 3, 4)
    def forward(s, x, y):
        h = F.avg_pool2d(F.max_pool2d(F.relu(s.c(x)), 2), 1)
        return F.cross_entropy(s.f(torch.flatten(h, 1)), y)


class ConvBN(nn.Module):
    """Batch normalisation in training mode subtracts the batch mean, so a
    convolution bias before it and the shift of a fresh layer (0) would
    have gradients of exactly zero, leaving only rounding noise to compare:
    the convolution has no bias and the layer's scale and shift are drawn,
    from a generator of their own so that the models after this one draw
    what they drew before."""
    def __init__(s):
        super().__init__(); s.c = nn.Conv2d(4, 4, 3, groups=2, dilation=2, padding=2); s.bn = nn.BatchNorm2d(4)
        s.c.register_parameter("bias", None)
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            s.bn.weight.uniform_(0.5, 1.5, generator=g); s.bn.bias.normal_(generator=g)
    def forward(s, x):
        return s.bn(s.c(x)).pow(2).mean()


class Conv1dLeaky(nn.Module):
    def __init__(s):
        super().__init__(); s.c = nn.Conv1d(2, 3, 3, stride=2)
    def forward(s, x):
        return F.leaky_relu(s.c(x), 0.1).sum()


class AttentionLN(Attention):
    def __init__(s, d=4):
        super().__init__(d); s.ln = nn.LayerNorm(d)
    def forward(s, x):
        return super().forward(s.ln(x))


class EmbeddingNLL(nn.Module):
    def __init__(s):
        super().__init__(); s.e = nn.Embedding(10, 4); s.l = nn.Linear(4, 5)
    def forward(s, idx, y):
        return F.nll_loss(F.log_softmax(s.l(s.e(idx)), dim=1), y)


class RNNs(nn.Module):
    def __init__(s, kind):
        super().__init__(); s.r = getattr(nn, kind)(3, 4, batch_first=True)
    def forward(s, x):
        return s.r(x)[0].pow(2).mean()


class ConvT(nn.Module):
    def __init__(s):
        super().__init__(); s.c = nn.ConvTranspose2d(2, 3, 3, stride=2)
    def forward(s, x):
        return s.c(x).tanh().mean()


class InstanceNorm(nn.Module):
    def __init__(s):
        super().__init__(); s.n = nn.InstanceNorm2d(3, affine=True)
    def forward(s, x):
        return s.n(x).pow(3).mean()


class MNISTCNN(nn.Module):
    """The CNN of docs/onnx.md's tutorial: 28×28 digits, ten classes, a
    batch axis of any length."""
    def __init__(s):
        super().__init__(); s.c = nn.Conv2d(1, 4, 5); s.f = nn.Linear(4 * 12 * 12, 10)
    def forward(s, x, y):
        h = F.max_pool2d(F.relu(s.c(x)), 2)
        return F.cross_entropy(s.f(torch.flatten(h, 1)), y)


class Slicing(nn.Module):
    def __init__(s):
        super().__init__(); s.w = nn.Parameter(torch.randn(4, 6, dtype=torch.float64))
    def forward(s, x):
        h = x @ s.w
        a, b = torch.split(h, 3, dim=1)
        c = torch.cat([a[:, 1:], b[:, :2]], dim=1)
        return F.pad(c, (1, 1)).repeat(2, 1).sin().sum()


# Models exported with a symbolic batch axis, so that PyTorch writes the
# Shape → Gather → Unsqueeze → Concat → Reshape chains the importer folds.
DYNAMIC = {"shapes": {"x0": {0: "batch"}}, "attention": {"x0": {0: "batch"}},
           "mnist_cnn": {"x0": {0: "batch"}, "x1": {0: "batch"}}}


def d(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def onehot(n, c):
    return F.one_hot(torch.randint(0, c, (n,)), c).double()


CASES = {
    "mlp_logsoftmax": (MLPLogSoftmax(), (d(5, 6), onehot(5, 4))),
    "gemm_tanh": (GemmTanh(), (d(4, 5), torch.rand(4, 3, dtype=torch.float64))),
    "shapes": (Shapes(), (d(2, 3, 4),)),
    "attention": (Attention(), (d(2, 3, 4),)),
    "cnn": (CNN(), (d(2, 1, 8, 8), torch.randint(0, 4, (2,)))),
    "conv_bn": (ConvBN(), (d(2, 4, 6, 6),)),
    "conv1d_leaky": (Conv1dLeaky(), (d(2, 2, 9),)),
    "attention_layernorm": (AttentionLN(), (d(2, 3, 4),)),
    "embedding_nll": (EmbeddingNLL(), (torch.randint(0, 10, (6,)), torch.randint(0, 5, (6,)))),
    "lstm": (RNNs("LSTM"), (d(2, 5, 3),)),
    "gru": (RNNs("GRU"), (d(2, 5, 3),)),
    "conv_transpose": (ConvT(), (d(1, 2, 4, 4),)),
    "instance_norm": (InstanceNorm(), (d(2, 3, 5, 5),)),
    "slicing": (Slicing(), (d(3, 4),)),
    "mnist_cnn": (MNISTCNN(), (torch.rand(3, 1, 28, 28, dtype=torch.float64), torch.randint(0, 10, (3,)))),
}


def main(names):
    for name in names or CASES:
        model, args = CASES[name]
        model = model.double()
        model.train()  # BatchNorm: batch statistics, as the exported graph computes
        dir = os.path.join(OUT, name)
        os.makedirs(dir, exist_ok=True)
        inputs = [f"x{i}" for i in range(len(args))]
        path = os.path.join(dir, "model.onnx")
        torch.onnx.export(model, args, path, input_names=inputs, output_names=["loss"], opset_version=13,
                          do_constant_folding=False, training=torch.onnx.TrainingMode.TRAINING,
                          dynamic_axes=DYNAMIC.get(name))
        args = [a.clone().requires_grad_(a.is_floating_point()) for a in args]
        loss = model(*args)
        params = dict(model.named_parameters())
        grads = torch.autograd.grad(loss, list(params.values()) + [a for a in args if a.requires_grad])
        m = onnx.load(path)
        inits = {t.name for t in m.graph.initializer}
        wrt = {}
        for (pname, p), g in zip(params.items(), grads):
            if pname in inits:
                wrt[pname] = {"shape": list(p.shape), "data": g.flatten().tolist()}
            else:
                print(f"{name}: parameter {pname} is not an initializer of the exported model", file=sys.stderr)
        k = len(params)
        for n, a in zip(inputs, args):
            if a.requires_grad:
                wrt[n] = {"shape": list(a.shape), "data": grads[k].flatten().tolist()}
                k += 1
        for n, a in zip(inputs, args):
            t = numpy_helper.from_array(a.detach().numpy(), n)
            with open(os.path.join(dir, f"input_{n}.pb"), "wb") as f:
                f.write(t.SerializeToString())
        ops = sorted({n.op_type for n in m.graph.node})
        with open(os.path.join(dir, "expected.json"), "w") as f:
            json.dump({"loss": loss.item(), "wrt": wrt, "inputs": inputs, "ops": ops, "opset": 13}, f)
        print(name, f"{loss.item():.6f}", ",".join(ops))


if __name__ == "__main__":
    main(sys.argv[1:])
