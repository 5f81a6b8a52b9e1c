#!/usr/bin/env python3
"""Regenerates src/main/resources/dev/cpt/model/nn/gelu_tanh.pt.

DJL's Java API has no tanh-approximate GELU kernel, and composing it from element-wise ops costs
about 17 kernels per MLP (forward + backward) instead of 2. This TorchScript module is nothing but
`F.gelu(x, approximate="tanh")`; libtorch runs it (and its fused backward) natively. It holds no
weights. The Java side falls back to the composed form if the module cannot be loaded.

Usage: /usr/bin/python3 make_gelu_tanh_module.py   (python3-torch; written with 1.13, read by 2.7.1)
"""
import os

import torch
import torch.nn.functional as F


class GeluTanh(torch.nn.Module):
    def forward(self, x):
        return F.gelu(x, approximate="tanh")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "resources", "dev", "cpt", "model", "nn", "gelu_tanh.pt")
    torch.jit.script(GeluTanh()).save(out)
    print("wrote", os.path.normpath(out), os.path.getsize(out), "bytes")
