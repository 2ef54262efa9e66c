# The forward pass and gradients of a tiny vision transformer in PyTorch,
# for TestMatchesPyTorch: the same layers as models/vit (7×7 patches as
# tokens, linear embedding, positional embedding, pre-norm blocks of
# multi-head self-attention and a GELU MLP, a last LayerNorm, the mean of
# the tokens, a linear head), params and images given by formulas (the Go
# test sets the same), float64. Run with /usr/bin/python3; paste the
# output into the test.
import math, torch
import torch.nn as nn
import torch.nn.functional as F

P, D, H, DEPTH, MLP = 7, 8, 2, 2, 12
T = (28 // P) ** 2
torch.set_default_dtype(torch.float64)

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(D)
        self.q, self.k, self.v, self.proj = (nn.Linear(D, D) for _ in range(4))
        self.norm2 = nn.LayerNorm(D)
        self.fc1, self.fc2 = nn.Linear(D, MLP), nn.Linear(MLP, D)

    def forward(self, x):  # x: N × T × D
        n = x.shape[0]
        h = self.norm1(x)
        split = lambda z: z.reshape(n, T, H, D // H).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H), dim=-1)
        o = (a @ v).transpose(1, 2).reshape(n, T, D)
        x = x + self.proj(o)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))

class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Linear(P * P, D)
        self.pos_embed = nn.Parameter(torch.zeros(1, T, D))
        self.blocks = nn.ModuleList(Block() for _ in range(DEPTH))
        self.norm = nn.LayerNorm(D)
        self.head = nn.Linear(D, 10)

    def forward(self, img):
        n = img.shape[0]
        k = 28 // P
        x = img.reshape(n, k, P, k, P).permute(0, 1, 3, 2, 4).reshape(n, T, P * P)
        x = self.patch_embed(x) + self.pos_embed
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x).mean(dim=1))

net = ViT()
# The Go model's params, in its order.
order = ["patch_embed.weight", "patch_embed.bias", "pos_embed"]
for i in range(DEPTH):
    for part in ["norm1", "attn.q", "attn.k", "attn.v", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2"]:
        order += [f"blocks.{i}.{part}.weight", f"blocks.{i}.{part}.bias"]
order += ["norm.weight", "norm.bias", "head.weight", "head.bias"]
params = dict(net.named_parameters())
rename = lambda s: s.replace("attn.", "").replace("mlp.", "")
with torch.no_grad():
    for j, name in enumerate(order):
        p = params[rename(name)]
        v = torch.tensor([0.5 * math.sin(0.37 * k + 1.3 * j) for k in range(p.numel())]).reshape(p.shape)
        if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm.weight":
            v = v + 1
        p.copy_(v)
N = 2
x = torch.tensor([(1 + math.cos(0.3 * k + n)) / 2 for n in range(N) for k in range(784)]).reshape(N, 1, 28, 28)
labels = torch.tensor([3, 7])
logits = net(x)
loss = F.cross_entropy(logits, labels)
print("logits", ", ".join(repr(v) for v in logits.flatten().tolist()))
print("loss", repr(loss.item()))
loss.backward()
for name in order:
    g = params[rename(name)].grad
    print("grad", name, repr(g.sum().item()), repr(g.flatten()[0].item()))
