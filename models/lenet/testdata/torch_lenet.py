# The forward pass of a tiny LeNet in PyTorch, for TestForwardMatchesPyTorch:
# the same layers as models/lenet (conv 5×5, max-pool 2, ReLU, twice; three
# dense layers), params and images given by formulas (the Go test sets the
# same), float64. Run with /usr/bin/python3; paste the output into the test.
import math, torch
import torch.nn as nn
import torch.nn.functional as F

C1, C2, H1, H2 = 2, 3, 5, 4
torch.set_default_dtype(torch.float64)

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, C1, 5)
        self.conv2 = nn.Conv2d(C1, C2, 5)
        self.fc1 = nn.Linear(C2 * 16, H1)
        self.fc2 = nn.Linear(H1, H2)
        self.fc3 = nn.Linear(H2, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

net = LeNet()
with torch.no_grad():
    for j, (name, p) in enumerate(net.state_dict().items()):
        n = p.numel()
        p.copy_(torch.tensor([0.3 * math.sin(0.7 * k + j) for k in range(n)]).reshape(p.shape))
N = 2
x = torch.tensor([(1 + math.cos(0.3 * k + n)) / 2 for n in range(N) for k in range(784)]).reshape(N, 1, 28, 28)
labels = torch.tensor([3, 7])
logits = net(x)
loss = F.cross_entropy(logits, labels)
print("names", list(net.state_dict().keys()))
print("logits", [repr(v) for v in logits.flatten().tolist()])
print("loss", repr(loss.item()))
loss.backward()
for name, p in net.named_parameters():
    print("grad", name, repr(p.grad.sum().item()), repr(p.grad.flatten()[0].item()))
