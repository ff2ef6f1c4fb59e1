//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The streaming and turn benchmarks talk to a server in a separate process,
// so the CPU time the benchmark process spends is the client's alone, and
// the server writes its stream as a real one arrives from far away: into
// its connection's buffer, flushed when the buffer fills, not once a chunk.
const (
	benchServerEnv = "PARLEY_BENCH_SERVER"
	benchBurnEnv   = "PARLEY_BENCH_BURN"
	// longPieces and shortPieces are the replies of the model names "long"
	// and "short": 2,000 one-word deltas, and eight.
	longReply  = 2000
	shortReply = 8
)

func init() {
	// The test binary serves or burns CPU when asked to by a benchmark
	// that started it; it never runs tests then.
	if os.Getenv(benchServerEnv) != "" {
		serveStreams()
		os.Exit(0)
	}
	if n, _ := strconv.Atoi(os.Getenv(benchBurnEnv)); n > 0 {
		burn(n)
		os.Exit(0)
	}
}

// streamBody is the server-sent events of a reply of n one-word deltas.
func streamBody(n int) []byte {
	var b []byte
	chunk := func(delta map[string]any, finish any, usage any) {
		ev := map[string]any{"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1, "model": "bench",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
		if usage != nil {
			ev["choices"] = []any{}
			ev["usage"] = usage
		}
		j, _ := json.Marshal(ev)
		b = append(b, "data: "...)
		b = append(b, j...)
		b = append(b, "\n\n"...)
	}
	words := []string{"lorem", "ipsum", "dolor", "sit", "amet"}
	for i := range n {
		d := map[string]any{"content": " " + words[i%len(words)]}
		if i == 0 {
			d["role"] = "assistant"
		}
		chunk(d, nil, nil)
	}
	chunk(map[string]any{}, "stop", nil)
	chunk(nil, nil, map[string]any{"prompt_tokens": 10, "completion_tokens": n, "total_tokens": 10 + n})
	return append(b, "data: [DONE]\n\n"...)
}

func serveStreams() {
	long, short := streamBody(longReply), streamBody(shortReply)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Model string }
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &req)
		w.Header().Set("Content-Type", "text/event-stream")
		out := long
		if req.Model == "short" {
			out = short
		}
		// Event by event into the connection's buffer, which goes out when
		// it fills and when the handler returns: no flush per chunk.
		for len(out) > 0 {
			i := bytes.Index(out, []byte("\n\n")) + 2
			w.Write(out[:i])
			out = out[i:]
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("ADDR", ln.Addr().String())
	go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }() // exit with the parent
	http.Serve(ln, mux)
}

// startHelper runs the test binary in one of its helper roles; it ends
// with the benchmark.
func startHelper(b *testing.B, env string) *bufio.Reader {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), env)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	return bufio.NewReader(out)
}

// startBenchServer starts the stream server and returns its base URL.
func startBenchServer(b *testing.B) string {
	line, err := startHelper(b, benchServerEnv+"=1").ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		b.Fatalf("the server process said %q (%v)", line, err)
	}
	return "http://" + strings.TrimSpace(strings.TrimPrefix(line, "ADDR ")) + "/v1"
}

// burn keeps n threads busy until its parent goes away.
func burn(n int) {
	runtime.GOMAXPROCS(n)
	for range n {
		go func() {
			x := 0
			for {
				x++
			}
		}()
	}
	fmt.Println("BURNING")
	io.Copy(io.Discard, os.Stdin)
}

// startLoad keeps every core busy in another process, at the same
// priority, until stop is called.
func startLoad(b *testing.B) (stop func()) {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", benchBurnEnv, runtime.NumCPU()))
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	bufio.NewReader(out).ReadString('\n')
	return func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() }
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// spread reports the median, lowest and highest of xs as metrics.
func spread(b *testing.B, xs []float64, unit string) {
	if len(xs) == 0 {
		return
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	b.ReportMetric(med, unit)
	b.ReportMetric(s[0], "min-"+unit)
	b.ReportMetric(s[len(s)-1], "max-"+unit)
}
