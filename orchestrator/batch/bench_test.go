package batch

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
)

func newLoopback(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// serverEnv makes the test binary serve as BenchmarkBatchScale's loopback
// server, in its own process, so the benchmark's memory and goroutine
// counts are parley's alone.
const serverEnv = "PARLEY_BATCH_BENCH_SERVER"

// serveForBenchmark holds every stream open after its first delta until
// POST /release, then ends them all. GET /open says how many are open.
func serveForBenchmark() {
	var open atomic.Int64
	release := make(chan struct{})
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("/open", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, open.Load()) })
	mux.HandleFunc("/release", func(w http.ResponseWriter, r *http.Request) { once.Do(func() { close(release) }) })
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}`+"\n\n")
		w.(http.Flusher).Flush()
		open.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		open.Add(-1)
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" there."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`+"\n\ndata: [DONE]\n\n")
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

func startServerProcess(b *testing.B) (url string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		b.Fatalf("the server process said %q (%v)", line, err)
	}
	return "http://" + strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
}

// residentKiB is the process's resident memory (VmRSS), or 0 where
// /proc/self/status is not there.
func residentKiB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkBatchScale runs 1,000 conversations at once against a loopback
// server in another process, measures the memory and goroutines each
// running conversation holds while its reply streams, then checks that all
// of it is released when the batch ends. Memory is reported three ways:
// the process's resident memory (what the machine gives up), the heap in
// use and the goroutine stacks, each as the growth over the figure before
// the batch, divided by the conversations.
func BenchmarkBatchScale(b *testing.B) {
	const convs = 1000
	base := startServerProcess(b)
	yaml := fmt.Sprintf(`agents:
  - name: A
    base_url: %s/v1
    model: m
    retries: 1
  - name: B
    type: scripted
    lines: [ok]
termination:
  max_messages: 2 # the opening, then the one reply held open
`, base)
	dir := b.TempDir()
	path := dir + "/scale.yaml"
	os.WriteFile(path, []byte(yaml), 0o600)
	s, err := configs.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	var perConvHeap, perConvLive, perConvG, perConvRSS, perConvStack float64
	for i := 0; i < b.N; i++ {
		m, err := Plan(fmt.Sprintf("scale%d", i), []*configs.Scenario{s}, convs, convs, nil, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		bdir := fmt.Sprintf("%s/b%d", dir, i)
		if err := WriteManifest(bdir, m); err != nil {
			b.Fatal(err)
		}
		client, _, _, _ := NewHTTPClient([]*configs.Scenario{s}, convs)
		r := &Runner{Dir: bdir, Manifest: m, Parallel: convs, Env: Env{HTTPClient: client}}

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		rss0 := residentKiB()

		done := make(chan *Summary, 1)
		go func() {
			sum, err := r.Run(context.Background())
			if err != nil {
				b.Error(err)
			}
			done <- sum
		}()
		for open := 0; open < convs; {
			time.Sleep(20 * time.Millisecond)
			resp, err := http.Get(base + "/open")
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			open, _ = strconv.Atoi(string(body))
		}
		runtime.GC()
		var during runtime.MemStats
		runtime.ReadMemStats(&during)
		g1 := runtime.NumGoroutine()
		perConvHeap = float64(int64(during.HeapInuse)-int64(before.HeapInuse)) / convs
		perConvLive = float64(int64(during.HeapAlloc)-int64(before.HeapAlloc)) / convs
		perConvG = float64(g1-g0) / convs
		perConvRSS = float64(residentKiB()-rss0) / convs
		perConvStack = float64(int64(during.StackInuse)-int64(before.StackInuse)) / 1024 / convs

		resp, err := http.Post(base+"/release", "text/plain", nil)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		sum := <-done
		if sum == nil || sum.Done != convs {
			b.Fatalf("summary %+v; want %d done", sum, convs)
		}
		CloseIdle(client)
		http.DefaultClient.CloseIdleConnections()
	}
	b.ReportMetric(perConvHeap/1024, "KiB-heap/conv")
	// The objects alive, within the heap's spans in use: the difference
	// is the spans' free room, left by what the setup let go.
	b.ReportMetric(perConvLive/1024, "KiB-live/conv")
	b.ReportMetric(perConvStack, "KiB-stack/conv")
	if perConvRSS > 0 {
		b.ReportMetric(perConvRSS, "KiB-process/conv")
	}
	b.ReportMetric(perConvG, "goroutines/conv")
	if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
		b.Errorf("after the batch: %v", err)
	}
}

// BenchmarkBatchWallTime runs 200 short conversations, 20 at a time,
// against a loopback server that paces its replies like a model, and
// compares the batch's wall time with the ideal: the conversations' model
// time summed and shared among the 20 slots.
func BenchmarkBatchWallTime(b *testing.B) {
	const convs, parallel = 200, 20
	srv := openaitest.Start(b, func(r openaitest.Request) openaitest.Reply {
		rep := openaitest.Words("One short reply of eight words, paced.")
		rep.Delay = time.Millisecond
		return rep
	})
	yaml := fmt.Sprintf(`agents:
  - name: A
    base_url: %[1]s
    model: a
  - name: B
    base_url: %[1]s
    model: b
opening: Hi.
termination:
  max_messages: 4
`, srv.URL)
	dir := b.TempDir()
	os.WriteFile(dir+"/wall.yaml", []byte(yaml), 0o600)
	s, err := configs.Load(dir + "/wall.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var wall, model time.Duration
	for i := 0; i < b.N; i++ {
		m, _ := Plan(fmt.Sprintf("wall%d", i), []*configs.Scenario{s}, convs, parallel, nil, time.Now())
		bdir := fmt.Sprintf("%s/b%d", dir, i)
		WriteManifest(bdir, m)
		client, _, _, _ := NewHTTPClient([]*configs.Scenario{s}, parallel)
		r := &Runner{Dir: bdir, Manifest: m, Parallel: parallel, Env: Env{HTTPClient: client}}
		start := time.Now()
		sum, err := r.Run(context.Background())
		wall += time.Since(start)
		if err != nil || sum.Done != convs {
			b.Fatalf("batch: %v, %d done", err, sum.Done)
		}
		model += sum.ModelTime
		CloseIdle(client)
	}
	n := time.Duration(b.N)
	ideal := model / n / parallel
	b.ReportMetric(float64((wall / n).Milliseconds()), "ms-wall")
	b.ReportMetric(float64((model / n).Milliseconds()), "ms-model-sum")
	b.ReportMetric(float64(ideal.Milliseconds()), "ms-ideal")
	b.ReportMetric(float64(ideal)/float64(wall/n), "ideal/wall")
}
