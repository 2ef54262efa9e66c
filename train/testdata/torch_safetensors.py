# Writes torch.safetensors, the file TestLoadParamsReadsAnotherWriter reads,
# as safetensors.torch.save_file lays it out (the reference implementation:
# "__metadata__" first, then the tensors sorted by dtype alignment, largest
# first, and name, their data in that order, the header padded with spaces
# to a multiple of 8 bytes), from torch tensors. Run with /usr/bin/python3.
import json, struct, torch

tensors = {
    "conv.weight": torch.arange(12, dtype=torch.float32).reshape(2, 1, 2, 3) / 8 - 0.75,
    "conv.bias": torch.tensor([0.5, -1.25], dtype=torch.float32),
    "scale": torch.tensor(3.0, dtype=torch.float32),
}
meta = {"format": "pt", "note": "written by python"}
order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
header = {"__metadata__": meta}
data = b""
for k in order:
    b = tensors[k].contiguous().numpy().tobytes()
    header[k] = {"dtype": "F32", "shape": list(tensors[k].shape), "data_offsets": [len(data), len(data) + len(b)]}
    data += b
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open("torch.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + data)
