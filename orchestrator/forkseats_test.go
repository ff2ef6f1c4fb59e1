package orchestrator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// A fork of a recording another tool wrote, whose message 1 is the
// opening by the side that did not open (the seed's system records its
// blank initial message that way, unmarked), goes on where the recording
// was: a replayed or scripted side that does not open counts that message
// as the opening handed over, not as one of its lines, so it neither
// skips a line nor runs out early.
func TestAForkOfAnImportedRecordingGoesOnWhereItBranched(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.txt")
	os.WriteFile(log, []byte("### P ###\nopen\n\n### Q ###\nq1\n\n### P ###\np1\n\n### Q ###\nq2\n\n### P ###\np2\n\n### Q ###\nq3\n"), 0o600)
	parent, err := transcripts.ReadOne(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, yaml string
		at         int
		want       string
	}{
		{"both sides replayed, at 3", "agents:\n  - {name: P, type: replay, transcript: log.txt}\n  - {name: Q, type: replay, transcript: log.txt}\nfirst: Q\n", 3, "q2|p2|q3"},
		{"both sides replayed, at 2", "agents:\n  - {name: P, type: replay, transcript: log.txt}\n  - {name: Q, type: replay, transcript: log.txt}\nfirst: Q\n", 2, "p1|q2|p2|q3"},
		{"a scripted side that does not open", "agents:\n  - {name: P, type: scripted, lines: [p1, p2]}\n  - {name: Q, type: scripted, lines: [q1, q2, q3]}\nfirst: Q\n", 3, "q2|p2|q3"},
		{"a side that opens counts message 1 as its own", "agents:\n  - {name: P, type: scripted, lines: [open, p1, p2]}\n  - {name: Q, type: scripted, lines: [q1, q2, q3]}\n", 3, "q2|p2|q3"},
		{"a scenario's opening", "agents:\n  - {name: P, type: scripted, lines: [p1, p2]}\n  - {name: Q, type: scripted, lines: [q1, q2, q3]}\nfirst: Q\nopening: open\n", 3, "q2|p2|q3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := scenario(t, filepath.Join(dir, "s.yaml"), c.yaml)
			cfg, _, err := Fork(s, parent, log, c.at, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var sink collect
			stop, err := New(cfg).Run(context.Background(), &sink)
			if err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, m := range sink.finished() {
				if !m.Inherited {
					said = append(said, m.Content)
				}
			}
			if got := strings.Join(said, "|"); got != c.want || stop.Kind != transcripts.StopExhausted {
				t.Errorf("the fork said %q and stopped %+v; want %q, then the recording running out", got, stop, c.want)
			}
		})
	}
}
