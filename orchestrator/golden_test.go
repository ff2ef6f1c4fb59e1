package orchestrator

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// The files a run records, byte for byte: the Markdown a person reads and
// the JSONL parley reads back. A scripted conversation of two sides, with
// an opening, a message that holds Markdown of its own (a rule then a
// heading that names the other side, which parley's own message breaks
// look like), one in another script, and a stop by the end token, is
// recorded on a clock that ticks a second a reading. What no clock fixes
// (a reply's latency, as the machine ran it) is written as 0. Both files
// read back as the same messages. Run go test -update to accept a change.
func TestRecordedFilesAreGolden(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "golden.yaml")
	const y = `title: Ada ↔ Bo
opening: "Shall we plan a garden?"
agents:
  - name: Ada
    type: scripted
    lines:
      - "Yes. Beds first:\n\n- kale\n- beans\n\n---\n\n### Bo, as quoted here\n\nThen paths."
      - "Agreed. 再见 [END]"
  - name: Bo
    type: scripted
    lines:
      - "Paths of *gravel*, then: ` + "`cheap`" + `, and they drain."
      - "Goodbye [END]"
termination:
  end_token: {token: "[END]", exchanges: 1}
`
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := FromScenario(scenario(t, path, y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tick := time.Date(2026, 11, 30, 8, 15, 0, 0, time.UTC)
	cfg.Now = func() time.Time { tick = tick.Add(time.Second); return tick }
	rec := &Recorder{Dir: filepath.Join(dir, "out")}
	if _, err := New(cfg).Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	md, jl := rec.Paths()
	fromMD, err := transcripts.ReadOne(md)
	if err != nil {
		t.Fatal(err)
	}
	fromJL, err := transcripts.Read(jl)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromMD.Messages) != 5 || len(fromJL.Messages) != 5 {
		t.Fatalf("read back %d messages from the Markdown and %d from the JSONL; want 5", len(fromMD.Messages), len(fromJL.Messages))
	}
	for i, m := range fromJL.Messages {
		if got := fromMD.Messages[i]; got.Speaker != m.Speaker || got.Content != m.Content {
			t.Errorf("message %d reads back from the Markdown as %s: %q; the JSONL holds %s: %q", i+1, got.Speaker, got.Content, m.Speaker, m.Content)
		}
	}
	measured := regexp.MustCompile(`"(latency_ms|ttft_ms)":[0-9.e-]+`)
	for _, f := range []struct{ path, golden string }{{md, "recorded.md.golden"}, {jl, "recorded.jsonl.golden"}} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		got := measured.ReplaceAll(data, []byte(`"$1":0`))
		got = []byte(regexp.MustCompile(regexp.QuoteMeta(dir)).ReplaceAllString(string(got), "DIR"))
		golden := filepath.Join("testdata", f.golden)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from %s (run go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", filepath.Base(f.path), golden, got, want)
		}
	}
}
