#!/usr/bin/env bash
# The whole GPU check in one go, for a machine with a CUDA GPU and a Python that has PyTorch and
# the project's dependencies but no .venv (e.g. a lent device machine): the CUDA tests, then
# training samples/s with and without autocast for MNIST-28 at hidden 128 and for the default
# model, then the grid's samples/s with 1, 2, 4 and 8 training jobs sharing the GPU.
# Usage: tests/gpu/run_on_device.sh [python]   Figures are also written to $OUT if set.
set -uo pipefail
python=${1:-python3}
out=${OUT:-$(mktemp -d)}
export PYTHONPATH=src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
nvidia-smi -L
"$python" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
"$python" -m pytest tests/gpu -q -p no:cacheprovider 2>&1 | tee "$out/test_gpu.txt"
tests=${PIPESTATUS[0]}
"$python" benchmarks/throughput.py --hidden 128 --shapes 28x28 --amp --threads 8 \
	| tee "$out/throughput_hidden128.txt"
"$python" benchmarks/throughput.py --amp --threads 8 | tee "$out/throughput_default.txt"
"$python" benchmarks/gpu_sharing.py --shapes 8x8 --seconds 5 | tee "$out/sharing_default.txt"
"$python" benchmarks/gpu_sharing.py --hidden 128 --shapes 28x28 --amp --seconds 5 \
	| tee "$out/sharing_hidden128.txt"
exit "$tests"
