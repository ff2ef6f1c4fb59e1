package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator"
)

// streamPieces is the reply of the throughput benchmark: 2,000 one-word deltas.
var streamPieces = openaitest.SplitWords(strings.Repeat("lorem ipsum dolor sit amet ", 400))

func benchScenario(b *testing.B, url string, maxMessages int) *configs.Scenario {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`agents:
  - name: A
    base_url: %[1]s
    model: a
  - name: B
    base_url: %[1]s
    model: b
opening: Go.
termination:
  max_messages: %[2]d
`, url, maxMessages)), 0o600)
	s, err := configs.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkStreamThroughput measures deltas per second through parley's
// whole path (OpenAI agent → orchestrator → JSONL and Markdown recorder →
// headless printer to io.Discard) and through the raw go-openai stream
// loop, on the same loopback server streaming 2,000-delta replies as fast
// as it can. Each iteration runs both, one after the other, so the ratio
// parley/raw is measured side by side.
//
// The recorder syncs the JSONL after every message, so the disk's fsync
// time is part of parley's path. When /dev/shm exists, each iteration also
// runs parley recording there (tmpfs, where a sync costs nothing), which
// separates the cost of durability from the cost of parley's own code.
func BenchmarkStreamThroughput(b *testing.B) {
	srv := openaitest.Start(b, func(openaitest.Request) openaitest.Reply { return openaitest.Reply{Pieces: streamPieces} })
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	oc := openai.DefaultConfig("")
	oc.BaseURL, oc.HTTPClient = srv.URL, hc
	raw := openai.NewClientWithConfig(oc)
	req := openai.ChatCompletionRequest{Model: "m", Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Go."}}}

	s := benchScenario(b, srv.URL, 2)
	dirs := []string{b.TempDir()}
	if shm, err := os.MkdirTemp("/dev/shm", "parley-bench-"); err == nil {
		b.Cleanup(func() { os.RemoveAll(shm) })
		dirs = append(dirs, shm)
	}
	var rawTime time.Duration
	parleyTime := make([]time.Duration, len(dirs))
	rawDeltas := 0
	parleyDeltas := make([]int, len(dirs))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The raw loop, twice, for the same two replies.
		start := time.Now()
		for range 2 {
			st, err := raw.CreateChatCompletionStream(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			for {
				resp, err := st.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if len(resp.Choices) > 0 && resp.Choices[0].Delta.Content != "" {
					rawDeltas++
				}
			}
			st.Close()
		}
		rawTime += time.Since(start)

		// parley's whole path: a two-message conversation, recorded and printed.
		for d, dir := range dirs {
			start = time.Now()
			cfg, err := orchestrator.FromScenario(s, orchestrator.Options{HTTPClient: hc})
			if err != nil {
				b.Fatal(err)
			}
			counted := orchestrator.SinkFunc(func(e orchestrator.Event) error {
				if _, ok := e.(orchestrator.Delta); ok {
					parleyDeltas[d]++
				}
				return nil
			})
			rec := &orchestrator.Recorder{Dir: dir}
			if _, err := orchestrator.New(cfg).Run(context.Background(), rec, newPrinter(io.Discard), counted); err != nil {
				b.Fatal(err)
			}
			parleyTime[d] += time.Since(start)
		}
	}
	b.StopTimer()
	for d := range dirs {
		if rawDeltas != parleyDeltas[d] {
			b.Fatalf("raw read %d deltas, parley %d; both must read the same replies", rawDeltas, parleyDeltas[d])
		}
	}
	rawRate := float64(rawDeltas) / rawTime.Seconds()
	parleyRate := float64(parleyDeltas[0]) / parleyTime[0].Seconds()
	b.ReportMetric(rawRate, "raw-deltas/s")
	b.ReportMetric(parleyRate, "parley-deltas/s")
	b.ReportMetric(parleyRate/rawRate, "parley/raw")
	if len(dirs) > 1 {
		b.ReportMetric(float64(parleyDeltas[1])/parleyTime[1].Seconds()/rawRate, "parley-tmpfs/raw")
	}
}

// turnClock records, per request, when it left parley and when the last
// bytes of its answer were read.
type turnClock struct {
	base http.RoundTripper
	mu   sync.Mutex
	sent []time.Time
	last []time.Time
}

func (c *turnClock) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	i := len(c.sent)
	c.sent = append(c.sent, time.Now())
	c.last = append(c.last, time.Time{})
	c.mu.Unlock()
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &clockBody{ReadCloser: resp.Body, c: c, i: i}
	return resp, nil
}

type clockBody struct {
	io.ReadCloser
	c *turnClock
	i int
}

func (b *clockBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		now := time.Now()
		b.c.mu.Lock()
		b.c.last[b.i] = now
		b.c.mu.Unlock()
	}
	return n, err
}

// BenchmarkTurnOverhead measures parley's own time between turns: from the
// last bytes of one reply arriving to the next request leaving parley. It
// covers finishing the message, writing it durably (the JSONL synced, the
// Markdown appended), the printer, the policy check and building the next
// request. The conversation runs 100 messages of short replies. As in
// BenchmarkStreamThroughput, a second run records on /dev/shm when it
// exists, to separate the disk's sync time from parley's own.
func BenchmarkTurnOverhead(b *testing.B) {
	srv := openaitest.Start(b, func(openaitest.Request) openaitest.Reply {
		return openaitest.Words("A short reply of a few words.")
	})
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	clock := &turnClock{base: tr}
	hc := &http.Client{Transport: clock}
	s := benchScenario(b, srv.URL, 100)
	dirs := []string{b.TempDir()}
	if shm, err := os.MkdirTemp("/dev/shm", "parley-bench-"); err == nil {
		b.Cleanup(func() { os.RemoveAll(shm) })
		dirs = append(dirs, shm)
	}
	gaps := make([][]time.Duration, len(dirs))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for d, dir := range dirs {
			clock.mu.Lock()
			clock.sent, clock.last = nil, nil
			clock.mu.Unlock()
			cfg, err := orchestrator.FromScenario(s, orchestrator.Options{HTTPClient: hc})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := orchestrator.New(cfg).Run(context.Background(), &orchestrator.Recorder{Dir: dir}, newPrinter(io.Discard)); err != nil {
				b.Fatal(err)
			}
			clock.mu.Lock()
			for j := 1; j < len(clock.sent); j++ {
				gaps[d] = append(gaps[d], clock.sent[j].Sub(clock.last[j-1]))
			}
			clock.mu.Unlock()
		}
	}
	b.StopTimer()
	pct := func(g []time.Duration, p int) float64 {
		sort.Slice(g, func(i, j int) bool { return g[i] < g[j] })
		return float64(g[min(len(g)-1, (p*len(g)+99)/100-1)].Microseconds())
	}
	b.ReportMetric(pct(gaps[0], 50), "p50-µs")
	b.ReportMetric(pct(gaps[0], 99), "p99-µs")
	if len(dirs) > 1 {
		b.ReportMetric(pct(gaps[1], 50), "tmpfs-p50-µs")
		b.ReportMetric(pct(gaps[1], 99), "tmpfs-p99-µs")
	}
	b.ReportMetric(float64(len(gaps[0])), "turns")
}
