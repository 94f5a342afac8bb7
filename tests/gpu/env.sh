# Sourced by the GPU scripts: torch 2.9.0 from PyPI in .venv-torch (installed if missing) as the
# libtorch that burn-tch builds and runs against (torch-sys reads LIBTORCH_USE_PYTORCH and asks the
# venv's Python where libtorch is; the binaries find its libraries through LD_LIBRARY_PATH).
TORCH_VERSION=2.9.0
TORCH_VENV="${TORCH_VENV:-$PWD/.venv-torch}"
if ! "$TORCH_VENV/bin/python" -c "import torch, sys; sys.exit(not torch.__version__.startswith('$TORCH_VERSION'))" 2>/dev/null; then
  echo "installing torch $TORCH_VERSION from PyPI into $TORCH_VENV (about 3.5 GB to download, 6.7 GB installed)" >&2
  python3 -m venv "$TORCH_VENV"
  "$TORCH_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "torch==$TORCH_VERSION" numpy
fi
export VIRTUAL_ENV="$TORCH_VENV" PATH="$TORCH_VENV/bin:$PATH" LIBTORCH_USE_PYTORCH=1
TORCH_LIB="$("$TORCH_VENV/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export TORCH_PYTHON="$TORCH_VENV/bin/python"
