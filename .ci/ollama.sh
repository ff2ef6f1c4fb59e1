#!/usr/bin/env bash
# parley against a real OpenAI-compatible server: Ollama v0.6.5 on loopback,
# serving the 260K-parameter stories model from ../shared/models/.
#
#   .ci/ollama.sh          build or reuse Ollama, start it, run the integration
#                          tests (build tag "ollama"), stop it
#   .ci/ollama.sh bench    the same, running the throughput benchmark instead
#   .ci/ollama.sh build    only build Ollama into .cache/bin when it is missing
#
# The server listens on 127.0.0.1 on a port the kernel picks, with a private
# HOME and OLLAMA_MODELS in a temporary folder. It is stopped by its PID on
# every exit, including a failed test or an interrupt, and stops the model
# runner it started. Without ../shared/models/stories260K.gguf the
# script says so and exits 0: a fresh clone has no model to test against.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

ollama_version=v0.6.5
bin=$root/.cache/bin/ollama
gguf=$root/../shared/models/stories260K.gguf
model=stories260k
mode=${1:-test}

say() { echo "ollama.sh: $*"; }

build() {
	if [ -x "$bin" ]; then
		say "reusing $bin"
		return
	fi
	say "building Ollama $ollama_version into .cache/bin (a cold build takes a few minutes)"
	mkdir -p "$root/.cache/bin"
	GOBIN=$root/.cache/bin GOFLAGS=-buildvcs=false go install "github.com/ollama/ollama@$ollama_version"
}

case $mode in
build)
	build
	exit 0
	;;
test | bench) ;;
*)
	echo "usage: .ci/ollama.sh [test|bench|build]" >&2
	exit 2
	;;
esac

if [ ! -f "$gguf" ]; then
	say "skipping the Ollama integration tests: the model $gguf is absent (it comes with a ../shared folder beside the repository)"
	exit 0
fi
build

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-ollama.XXXXXX")
mkdir -p "$tmp/home" "$tmp/models"
pid=
stop_server() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		# TERM lets the server stop the model runner it started; KILL the
		# runner and the server if they are still there after 10 seconds.
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			pkill -KILL -P "$pid" 2>/dev/null || true
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
		say "stopped the server (pid $pid)"
	fi
	pid=
}
tests=
cleanup() {
	status=$?
	if [ -n "$tests" ]; then
		kill -KILL -- "-$tests" 2>/dev/null || true
	fi
	stop_server
	if [ "$status" -ne 0 ] && [ -f "$tmp/serve.log" ]; then
		say "the server's last log lines:"
		tail -n 20 "$tmp/serve.log" | sed 's/^/  /' >&2
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The server stays in this script's process group, so a CI job that stops
# the group stops the server and its model runner too.
HOME=$tmp/home OLLAMA_MODELS=$tmp/models OLLAMA_HOST=127.0.0.1:0 OLLAMA_DEBUG=1 \
	OLLAMA_NOPRUNE=1 "$bin" serve >"$tmp/serve.log" 2>&1 &
pid=$!

addr=
for _ in $(seq 300); do
	addr=$(sed -n 's/.*Listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$tmp/serve.log" | head -1)
	if [ -n "$addr" ] && curl -sf "http://$addr/api/version" >/dev/null; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		say "ollama serve exited before it answered"
		exit 1
	fi
	addr=
	sleep 0.1
done
if [ -z "$addr" ]; then
	say "ollama serve did not answer within 30 seconds"
	exit 1
fi
say "ollama serve (pid $pid) answers on http://$addr"

HOME=$tmp/home OLLAMA_HOST=$addr "$bin" create "$model" -f configs/ollama/Modelfile >"$tmp/create.log" 2>&1 ||
	{ cat "$tmp/create.log" >&2; say "could not create $model from configs/ollama/Modelfile"; exit 1; }
say "created model $model from configs/ollama/Modelfile"

export PARLEY_OLLAMA_HOST=$addr PARLEY_OLLAMA_LOG=$tmp/serve.log PARLEY_OLLAMA_BIN=$bin
if [ "$mode" = bench ]; then
	args=(-run '^$' -bench Ollama -benchtime "${BENCHTIME:-10x}")
else
	args=(-count 1 -run Ollama -v)
fi
# The tests run in a process group of their own, led by $tests, which
# cleanup stops whole: servers a test started (the kill-and-restart test
# runs its own) and their model runners go with it, even if the test
# binary crashed or timed out.
setsid go test -tags ollama "${args[@]}" ./cmd/parley/ &
tests=$!
wait "$tests"
