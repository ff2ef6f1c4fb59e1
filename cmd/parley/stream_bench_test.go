//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator"
)

// benchScenario stages replies replies from the server at url. The opening
// is message 1, so the run stops at replies+1 messages.
func benchScenario(b *testing.B, url, model string, replies int) *configs.Scenario {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`agents:
  - name: A
    base_url: %[1]s
    model: %[3]s
  - name: B
    base_url: %[1]s
    model: %[3]s
opening: Go.
termination:
  max_messages: %[2]d
`, url, replies+1, model)), 0o600)
	s, err := configs.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// sample is one measured command: its wall and CPU time and the deltas it read.
type sample struct {
	wall, cpu time.Duration
	deltas    int
}

func measure(f func() int) sample {
	c, w := cpuTime(), time.Now()
	n := f()
	return sample{wall: time.Since(w), cpu: cpuTime() - c, deltas: n}
}

// BenchmarkStreamThroughput measures deltas per second through parley's
// whole path (OpenAI agent → orchestrator → JSONL and Markdown recorder on
// disk → headless printer writing to /dev/null, one write(2) per flush)
// and through the bare go-openai stream loop, against a server in another
// process that streams two 2,000-delta replies as fast as the connection
// takes them without flushing per chunk. Each iteration is one run of
// each, in an order that rotates; the figures are medians over the runs,
// with the lowest and highest, of the throughput ratio parley/raw and of
// the CPU ratio (CPU time per delta, parley over raw; the server's CPU is
// in its own process). A third command, the same conversation without the
// recorder (unrecorded/raw), tells the cost of writing the transcript
// durably from the rest of parley's path. A fourth, parley's OpenAI agent
// alone reading the same replies, tells what the orchestrator and the
// sinks add to the agent: parley/agent and cpu-parley/agent. parley reads
// each event with its own decoder rather than go-openai's, so its agent
// is faster than the raw loop; parley/agent is the ratio that shows the
// cost of everything behind the agent.
func BenchmarkStreamThroughput(b *testing.B) {
	url := startBenchServer(b)
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	oc := openai.DefaultConfig("")
	oc.BaseURL, oc.HTTPClient = url, hc
	raw := openai.NewClientWithConfig(oc)
	req := openai.ChatCompletionRequest{Model: "long", Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Go."}}}
	s := benchScenario(b, url, "long", 2)
	dir := b.TempDir()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })

	runRaw := func() int {
		n := 0
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
					n++
				}
			}
			st.Close()
		}
		return n
	}
	// parley's own agent alone, reading the same two replies: beside the
	// whole path, it tells what the orchestrator and the sinks cost.
	agent := agents.NewOpenAI(agents.OpenAIConfig{Name: "A", Model: "long", BaseURL: url, HTTPClient: hc})
	runAgent := func() int {
		n := 0
		for range 2 {
			for ch, err := range agent.Reply(context.Background(), []agents.Message{{Role: agents.RoleUser, Content: "Go."}}) {
				if err != nil {
					b.Fatal(err)
				}
				if ch.Text != "" {
					n++
				}
			}
		}
		return n
	}
	runParley := func(record bool) int {
		n := 0
		cfg, err := orchestrator.FromScenario(s, orchestrator.Options{HTTPClient: hc})
		if err != nil {
			b.Fatal(err)
		}
		counted := orchestrator.SinkFunc(func(e orchestrator.Event) error {
			if _, ok := e.(orchestrator.Delta); ok {
				n++
			}
			return nil
		})
		sinks := []orchestrator.Sink{newPrinter(devnull), counted}
		if record {
			sinks = append(sinks, &orchestrator.Recorder{Dir: dir})
		}
		if _, err := orchestrator.New(cfg).Run(context.Background(), sinks...); err != nil {
			b.Fatal(err)
		}
		return n
	}
	runRaw() // warm the connections
	var ratios, cpus, bare, overAgent, cpuOverAgent, rawRates, parleyRates []float64
	for i := 0; b.Loop(); i++ {
		// The four commands, in an order that rotates each run.
		var r, p, q, a sample
		cmds := []func(){
			func() { r = measure(runRaw) },
			func() { p = measure(func() int { return runParley(true) }) },
			func() { q = measure(func() int { return runParley(false) }) },
			func() { a = measure(runAgent) },
		}
		for k := range cmds {
			cmds[(i+k)%len(cmds)]()
		}
		if r.deltas != p.deltas || r.deltas != q.deltas || r.deltas != a.deltas {
			b.Fatalf("raw read %d deltas, parley %d and %d, its agent alone %d; all must read the same replies", r.deltas, p.deltas, q.deltas, a.deltas)
		}
		ratios = append(ratios, r.wall.Seconds()/p.wall.Seconds())
		cpus = append(cpus, p.cpu.Seconds()/r.cpu.Seconds())
		bare = append(bare, r.wall.Seconds()/q.wall.Seconds())
		overAgent = append(overAgent, a.wall.Seconds()/p.wall.Seconds())
		cpuOverAgent = append(cpuOverAgent, p.cpu.Seconds()/a.cpu.Seconds())
		rawRates = append(rawRates, float64(r.deltas)/r.wall.Seconds())
		parleyRates = append(parleyRates, float64(p.deltas)/p.wall.Seconds())
	}
	spread(b, ratios, "parley/raw")
	spread(b, bare, "unrecorded/raw")
	spread(b, cpus, "cpu-parley/raw")
	spread(b, overAgent, "parley/agent")
	spread(b, cpuOverAgent, "cpu-parley/agent")
	spread(b, rawRates, "raw-deltas/s")
	spread(b, parleyRates, "parley-deltas/s")
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
// request; the sync runs while the rest is done, and the request leaves
// only once it is over. Each iteration runs a 100-message conversation of
// short replies against a server in another process twice: on the machine
// as it is, and under load, with another process keeping every core busy
// at the same priority. The transcript is on disk both times; under load
// a third run records on /dev/shm (tmpfs, where a sync costs nothing), to
// tell the disk's share of the figure from the wait for a core, and a
// fourth does the same with the Go scheduler on one thread (GOMAXPROCS=1),
// to tell the wait for a core from parley's own work. Beside
// each, the p99 of a bare fdatasync of a short append in the same
// directory shows the floor the disk sets, and the p99 of a bare 200 µs
// sleep the floor the load sets on any wait for the kernel: a thread that
// sleeps must be given a core back when it wakes, and under this load
// every core is taken.
func BenchmarkTurnOverhead(b *testing.B) {
	url := startBenchServer(b)
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	clock := &turnClock{base: tr}
	hc := &http.Client{Transport: clock}
	s := benchScenario(b, url, "short", 100)
	dir := b.TempDir()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	// Under the same load on tmpfs, where a sync costs nothing: what is
	// left is parley's own work and the wait for a core.
	shm, err := os.MkdirTemp("/dev/shm", "parley-bench-")
	if err == nil {
		b.Cleanup(func() { os.RemoveAll(shm) })
	}
	var quiet, loaded, loadedShm, loadedShm1 []time.Duration
	run := func(dir string) []time.Duration {
		clock.mu.Lock()
		clock.sent, clock.last = nil, nil
		clock.mu.Unlock()
		cfg, err := orchestrator.FromScenario(s, orchestrator.Options{HTTPClient: hc})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := orchestrator.New(cfg).Run(context.Background(), &orchestrator.Recorder{Dir: dir}, newPrinter(devnull)); err != nil {
			b.Fatal(err)
		}
		clock.mu.Lock()
		defer clock.mu.Unlock()
		var gaps []time.Duration
		for j := 1; j < len(clock.sent); j++ {
			gaps = append(gaps, clock.sent[j].Sub(clock.last[j-1]))
		}
		return gaps
	}
	// The floor the disk sets: a bare fdatasync of a short append to a
	// file in the same directory, as many times as there are turns.
	var syncs, loadedSyncs []time.Duration
	bare := func() []time.Duration {
		f, err := os.OpenFile(filepath.Join(dir, "bare.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		line := []byte(strings.Repeat("x", 300) + "\n")
		var ds []time.Duration
		for range 99 {
			f.Write(line)
			start := time.Now()
			syscall.Fdatasync(int(f.Fd()))
			ds = append(ds, time.Since(start))
		}
		return ds
	}
	// The floor the load sets: a bare 200 µs sleep in the kernel, no
	// disk and no Go scheduler in it, as many times as there are turns.
	var sleeps, loadedSleeps []time.Duration
	nap := func() []time.Duration {
		var ds []time.Duration
		for range 99 {
			start := time.Now()
			ts := syscall.NsecToTimespec(200_000)
			syscall.Nanosleep(&ts, nil)
			ds = append(ds, time.Since(start))
		}
		return ds
	}
	for b.Loop() {
		quiet = append(quiet, run(dir)...)
		syncs = append(syncs, bare()...)
		sleeps = append(sleeps, nap()...)
		stop := startLoad(b)
		loaded = append(loaded, run(dir)...)
		loadedSyncs = append(loadedSyncs, bare()...)
		loadedSleeps = append(loadedSleeps, nap()...)
		if shm != "" {
			loadedShm = append(loadedShm, run(shm)...)
			// The same with the Go scheduler on one thread: what this
			// saves is the hand-offs between threads that wait for a
			// busy core, not parley's own work.
			procs := runtime.GOMAXPROCS(1)
			loadedShm1 = append(loadedShm1, run(shm)...)
			runtime.GOMAXPROCS(procs)
		}
		stop()
	}
	pct := func(g []time.Duration, p int) float64 {
		slices.Sort(g)
		return float64(g[min(len(g)-1, (p*len(g)+99)/100-1)].Microseconds())
	}
	b.ReportMetric(pct(quiet, 50), "p50-µs")
	b.ReportMetric(pct(quiet, 99), "p99-µs")
	b.ReportMetric(pct(loaded, 50), "load-p50-µs")
	b.ReportMetric(pct(loaded, 99), "load-p99-µs")
	if len(loadedShm) > 0 {
		b.ReportMetric(pct(loadedShm, 99), "load-tmpfs-p99-µs")
		b.ReportMetric(pct(loadedShm1, 50), "load-tmpfs-1p-p50-µs")
		b.ReportMetric(pct(loadedShm1, 99), "load-tmpfs-1p-p99-µs")
	}
	b.ReportMetric(pct(syncs, 99), "fdatasync-p99-µs")
	b.ReportMetric(pct(loadedSyncs, 99), "load-fdatasync-p99-µs")
	b.ReportMetric(pct(sleeps, 99), "sleep-p99-µs")
	b.ReportMetric(pct(loadedSleeps, 99), "load-sleep-p99-µs")
	b.ReportMetric(float64(len(quiet)), "turns")
}
