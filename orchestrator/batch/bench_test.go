package batch

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
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
	"github.com/parleyhq/parley/orchestrator/policy"
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

// handshakeEnv, when set to a duration (100ms), makes the server's TLS
// handshakes take that long, as a distant provider's do: how many
// connections the client dials on the way to the few it keeps depends on
// it (h2-dials).
const handshakeEnv = "PARLEY_BATCH_BENCH_HANDSHAKE"

// serveForBenchmark serves the same handlers twice: over cleartext
// HTTP/1.1, and over TLS with HTTP/2 offered, as providers serve. Each
// stream is held open after its first delta until POST /release, then
// they all end. GET /open says how many streams are open, how many of
// them came over HTTP/2 and how many TLS connections the server holds.
// It tells the parent its addresses and the TLS certificate (PEM) on its
// first lines of output.
func serveForBenchmark() {
	var open, openH2, tlsConns atomic.Int64
	var mu sync.Mutex
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/open", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, open.Load(), openH2.Load(), tlsConns.Load())
	})
	mux.HandleFunc("/release", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		close(release)
		release = make(chan struct{})
		mu.Unlock()
	})
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		held := release
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}`+"\n\n")
		w.(http.Flusher).Flush()
		open.Add(1)
		if r.ProtoMajor == 2 {
			openH2.Add(1)
		}
		select {
		case <-held:
		case <-r.Context().Done():
		}
		open.Add(-1)
		if r.ProtoMajor == 2 {
			openH2.Add(-1)
		}
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" there."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`+"\n\ndata: [DONE]\n\n")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	// The TLS server keeps Go's defaults, as a provider's would: HTTP/2
	// by ALPN, at most 250 concurrent streams on a connection.
	tlsSrv := httptest.NewUnstartedServer(mux)
	tlsSrv.EnableHTTP2 = true
	tlsSrv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			tlsConns.Add(1)
		case http.StateClosed, http.StateHijacked:
			tlsConns.Add(-1)
		}
	}
	if d, err := time.ParseDuration(os.Getenv(handshakeEnv)); err == nil && d > 0 {
		tlsSrv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			time.Sleep(d)
			return nil, nil // the server's own configuration
		}}
	}
	tlsSrv.StartTLS()
	fmt.Println("ADDR", ln.Addr().String())
	fmt.Println("TLS", tlsSrv.Listener.Addr().String())
	pem.Encode(os.Stdout, &pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }() // exit with the parent
	http.Serve(ln, mux)
}

// benchServer is the server process as its clients see it: its
// cleartext and TLS base URLs and its TLS certificate (PEM).
type benchServer struct {
	url, tlsURL string
	certPEM     []byte
}

func startServerProcess(b *testing.B) benchServer {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	rd := bufio.NewReader(out)
	var srv benchServer
	var certPEM []byte
	for !bytes.Contains(certPEM, []byte("-----END CERTIFICATE-----")) {
		line, err := rd.ReadString('\n')
		if err != nil {
			b.Fatalf("the server process said %q (%v)", line, err)
		}
		switch {
		case strings.HasPrefix(line, "ADDR "):
			srv.url = "http://" + strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
		case strings.HasPrefix(line, "TLS "):
			srv.tlsURL = "https://" + strings.TrimSpace(strings.TrimPrefix(line, "TLS "))
		case srv.tlsURL != "":
			certPEM = append(certPEM, line...)
		default:
			b.Fatalf("the server process said %q", line)
		}
	}
	srv.certPEM = certPEM
	if srv.url == "" || !x509.NewCertPool().AppendCertsFromPEM(certPEM) {
		b.Fatalf("the server process gave no address or no certificate: %q", certPEM)
	}
	return srv
}

// openStreams asks the server process how many streams it holds open,
// how many of them are HTTP/2 and how many TLS connections carry them.
func (srv benchServer) openStreams() (open, h2, conns int, err error) {
	resp, err := http.Get(srv.url + "/open")
	if err != nil {
		return 0, 0, 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := fmt.Sscan(string(body), &open, &h2, &conns); err != nil {
		return 0, 0, 0, fmt.Errorf("/open said %q: %w", body, err)
	}
	return open, h2, conns, nil
}

// trusting is NewHTTPClientVia's wrap for the TLS server: the transport
// parley built, cloned to trust the server process's certificate and
// nothing else, counting the connections it dials. Everything else (HTTP/2
// forced, pool and buffer sizes) stays as parley set it.
func trusting(roots *x509.CertPool, dials *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		t := rt.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: roots}
		dial := t.DialContext
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dial(ctx, network, addr)
		}
		return t
	}
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

// scaleConvs is how many conversations BenchmarkBatchScale runs at once.
const scaleConvs = 1000

// scaleFigures are what one batch of BenchmarkBatchScale holds per running
// conversation: heap in use and live in bytes, stacks and process memory
// in KiB, goroutines; and, over TLS, how many connections carried the
// streams (at the server) and how many the client dialled.
type scaleFigures struct {
	heap, live, stack, proc, goroutines float64
	conns, dials, h2                    int
}

// clientEnv makes the test binary run one batch of BenchmarkBatchScale
// in a fresh process of its own, over the protocol it names ("http1" or
// "h2"), against the server process whose cleartext URL is in
// clientURLEnv, TLS URL in clientTLSEnv and certificate in clientCertEnv. The process's one-time growth (the runtime's goroutine
// descriptors, which it keeps once made, packages' first use) is then
// charged to each protocol alike, whichever runs first.
const (
	clientEnv     = "PARLEY_BATCH_BENCH_CLIENT"
	clientURLEnv  = "PARLEY_BATCH_BENCH_URL"
	clientTLSEnv  = "PARLEY_BATCH_BENCH_TLS_URL"
	clientCertEnv = "PARLEY_BATCH_BENCH_CERT"
)

// scaleScenario is the benchmark's scenario against base: one agent whose
// single reply the server holds open.
func scaleScenario(dir, base string) (*configs.Scenario, error) {
	// Each conversation is judged by parley's default set, as a batch
	// that names no policy is, so what its rules hold counts; beside it,
	// max_messages ends the conversation after the reply held open.
	dflt := strings.ReplaceAll(strings.TrimSpace(policy.DefaultYAML), "\n", "\n      ")
	yaml := fmt.Sprintf(`agents:
  - name: A
    base_url: %s/v1
    model: m
    retries: 1
  - name: B
    type: scripted
    lines: [ok]
termination:
  any:
    - max_messages: 2 # the opening, then the one reply held open
    - %s
`, base, dflt)
	path := dir + "/scale.yaml"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	return configs.Load(path)
}

// runScaleClient is the client process: it runs one batch, checks that
// nothing it started is left running once the batch is over, and prints
// its figures on one line for the benchmark ("FIGURES" and eight numbers),
// or the reason it could not on stderr. It returns the exit code.
func runScaleClient() int {
	srv := benchServer{url: os.Getenv(clientURLEnv), tlsURL: os.Getenv(clientTLSEnv), certPEM: []byte(os.Getenv(clientCertEnv))}
	f, err := scaleClient(os.Getenv(clientEnv), srv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "the batch client:", err)
		return 1
	}
	fmt.Println("FIGURES", f.heap, f.live, f.stack, f.proc, f.goroutines, f.conns, f.dials, f.h2)
	return 0
}

func scaleClient(proto string, srv benchServer) (scaleFigures, error) {
	leaks := goleak.IgnoreCurrent()
	dir, err := os.MkdirTemp("", "parley-scale-")
	if err != nil {
		return scaleFigures{}, err
	}
	defer os.RemoveAll(dir)
	target := srv.url
	var wrap func(http.RoundTripper) http.RoundTripper
	var dials atomic.Int64
	if proto == "h2" {
		target = srv.tlsURL
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(srv.certPEM) || target == "" {
			return scaleFigures{}, fmt.Errorf("no TLS address or certificate for the server at %s", srv.url)
		}
		wrap = trusting(roots, &dials)
	}
	s, err := scaleScenario(dir, target)
	if err != nil {
		return scaleFigures{}, err
	}
	client, _, _, err := NewHTTPClientVia([]*configs.Scenario{s}, scaleConvs, wrap)
	if err != nil {
		return scaleFigures{}, err
	}
	f, err := runScale(srv, s, client, dir+"/batch")
	if err != nil {
		return f, err
	}
	f.dials = int(dials.Load())
	if err := goleak.Find(leaks); err != nil {
		return f, fmt.Errorf("after the batch: %w", err)
	}
	return f, nil
}

// runScale runs one batch of scaleConvs conversations of s through
// client, measures what they hold once every reply is open at the server,
// releases them and checks that the batch ends well.
func runScale(srv benchServer, s *configs.Scenario, client *http.Client, bdir string) (scaleFigures, error) {
	const convs = scaleConvs
	m, err := Plan("scale", []*configs.Scenario{s}, convs, convs, nil, time.Now())
	if err != nil {
		return scaleFigures{}, err
	}
	if err := WriteManifest(bdir, m); err != nil {
		return scaleFigures{}, err
	}
	r := &Runner{Dir: bdir, Manifest: m, Parallel: convs, Env: Env{HTTPClient: client}}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	rss0 := residentKiB()

	type result struct {
		sum *Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := r.Run(context.Background())
		done <- result{sum, err}
	}()
	var open, h2, conns int
	for open < convs {
		time.Sleep(20 * time.Millisecond)
		if open, h2, conns, err = srv.openStreams(); err != nil {
			return scaleFigures{}, err
		}
	}
	runtime.GC()
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	g1 := runtime.NumGoroutine()
	f := scaleFigures{
		heap:       float64(int64(during.HeapInuse)-int64(before.HeapInuse)) / convs,
		live:       float64(int64(during.HeapAlloc)-int64(before.HeapAlloc)) / convs,
		goroutines: float64(g1-g0) / convs,
		proc:       float64(residentKiB()-rss0) / convs,
		stack:      float64(int64(during.StackInuse)-int64(before.StackInuse)) / 1024 / convs,
		conns:      conns,
		h2:         h2,
	}

	resp, err := http.Post(srv.url+"/release", "text/plain", nil)
	if err != nil {
		return f, err
	}
	resp.Body.Close()
	res := <-done
	if res.err != nil {
		return f, res.err
	}
	if res.sum == nil || res.sum.Done != convs {
		return f, fmt.Errorf("summary %+v; want %d done", res.sum, convs)
	}
	CloseIdle(client)
	http.DefaultClient.CloseIdleConnections()
	return f, nil
}

// measureScale runs one batch over proto ("http1" or "h2") in a client
// process of its own and reads its figures.
func measureScale(b *testing.B, srv benchServer, proto string) scaleFigures {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), clientEnv+"="+proto, clientURLEnv+"="+srv.url,
		clientTLSEnv+"="+srv.tlsURL, clientCertEnv+"="+string(srv.certPEM))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("the %s batch: %v", proto, err)
	}
	var f scaleFigures
	line, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "FIGURES ")
	if !ok {
		b.Fatalf("the %s batch said %q", proto, out)
	}
	if _, err := fmt.Sscan(line, &f.heap, &f.live, &f.stack, &f.proc, &f.goroutines, &f.conns, &f.dials, &f.h2); err != nil {
		b.Fatalf("the %s batch said %q: %v", proto, out, err)
	}
	if want := map[string]int{"http1": 0, "h2": scaleConvs}[proto]; f.h2 != want {
		b.Errorf("%d of the %s batch's %d streams came over HTTP/2; want %d", f.h2, proto, scaleConvs, want)
	}
	return f
}

// BenchmarkBatchScale runs 1,000 conversations at once against a loopback
// server in another process, measures the memory and goroutines each
// running conversation holds while its reply streams, then checks that all
// of it is released when the batch ends. It does so twice, each batch in a
// fresh client process of its own, alternating which goes first: over
// cleartext HTTP/1.1, one connection per conversation, and over TLS with
// HTTP/2, as providers serve, where conversations share connections.
// Memory is reported three ways: the process's resident memory (what the
// machine gives up), the heap in use and the goroutine stacks, each as the
// growth over the figure before the batch, divided by the conversations. The
// HTTP/2 figures carry an h2- prefix; h2-conns is how many connections
// carried the 1,000 streams at the server, h2-dials how many the client
// opened to get there.
func BenchmarkBatchScale(b *testing.B) {
	srv := startServerProcess(b)
	var f1, f2 scaleFigures
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			f1 = measureScale(b, srv, "http1")
			f2 = measureScale(b, srv, "h2")
		} else {
			f2 = measureScale(b, srv, "h2")
			f1 = measureScale(b, srv, "http1")
		}
	}
	for _, p := range []struct {
		prefix string
		f      scaleFigures
	}{{"", f1}, {"h2-", f2}} {
		b.ReportMetric(p.f.heap/1024, p.prefix+"KiB-heap/conv")
		// The objects alive, within the heap's spans in use: the
		// difference is the spans' free room, left by what the setup
		// let go.
		b.ReportMetric(p.f.live/1024, p.prefix+"KiB-live/conv")
		b.ReportMetric(p.f.stack, p.prefix+"KiB-stack/conv")
		if p.f.proc > 0 {
			b.ReportMetric(p.f.proc, p.prefix+"KiB-process/conv")
		}
		b.ReportMetric(p.f.goroutines, p.prefix+"goroutines/conv")
	}
	b.ReportMetric(float64(f2.conns), "h2-conns")
	b.ReportMetric(float64(f2.dials), "h2-dials")
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
