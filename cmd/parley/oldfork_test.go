package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// A fork an earlier parley made records no seated_at on its agents: where
// it handed a model's seat to a script (or a replay), resumed or forked
// again it goes on as it would have uninterrupted, the model's messages it
// kept from its parent never counted as the script's lines, and the
// resumed session's run line records where the script took the seat. A
// seat the parent's recording gave the same script or replay carries on
// after its lines there, as before.
func TestAForkAnEarlierParleyRecordedGoesOnAfterItsOwnLines(t *testing.T) {
	lines := scriptLines
	// A scripted, B a model whose messages record it, six messages.
	modelParent := modelSeatParent("B")
	// A and B scripted, nine lines each.
	twoScripts := "agents:\n  - {name: A, type: scripted, lines: " + lines("a", 9) + "}\n  - {name: B, type: scripted, lines: " + lines("s", 9) + "}\n"
	// The parent forked at message at, its seat B handed to a script.
	firstFork := func(at string) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			sc := filepath.Join(dir, "first.yaml")
			os.WriteFile(sc, []byte(twoScripts+"termination: {max_messages: 9}\n"), 0o600)
			jl, _ := runFork(t, filepath.Join(dir, "first"), modelParent(t, dir), "--at", at, "--scenario", sc)
			return jl
		}
	}
	replays := func(label string) string {
		return "agents:\n  - {name: A, type: replay, transcript: rec.txt, speaker: A}\n  - {name: B, type: replay, transcript: rec.txt, speaker: B" + label + "}\n"
	}
	cases := []struct {
		name        string
		parent      func(t *testing.T, dir string) string
		at          int
		fork        string
		short, long int
		seatedAt    int // where the fork records B (or S) took its seat
		// oldSeatedAt, when not 0, is where the earlier parley's fork,
		// resumed, records it instead: a message the recording cannot
		// tell from seatedAt, after which the seat says the same lines.
		oldSeatedAt int
		want        string
	}{
		{
			name: "a script of the model's name", parent: modelParent, at: 5,
			fork:  twoScripts,
			short: 7, long: 13, seatedAt: 5, want: "a3|s1|a4|s2|a5|s3|a6|s4",
		},
		{
			name: "a script listing the model under formerly", parent: modelParent, at: 5,
			fork:  "agents:\n  - {name: A, type: scripted, lines: " + lines("a", 9) + "}\n  - {name: S, type: scripted, formerly: [B], lines: " + lines("s", 9) + "}\n",
			short: 7, long: 13, seatedAt: 5, want: "a3|s1|a4|s2|a5|s3|a6|s4",
		},
		{
			name: "a replay labelled with a model, the parent's replay carried on",
			parent: func(t *testing.T, dir string) string {
				os.WriteFile(filepath.Join(dir, "rec.txt"), []byte(
					"### A ###\na1\n\n### B ###\nb1\n\n### A ###\na2\n\n### B ###\nb2\n\n### A ###\na3\n\n### B ###\nb3\n\n### A ###\na4\n\n### B ###\nb4\n\n### A ###\na5\n\n### B ###\nb5\n"), 0o600)
				return recordRun(t, dir, replays(", model: gpt-4o")+"termination: {max_messages: 5}\n")
			},
			at: 4, fork: replays(", model: gpt-4o"), short: 6, long: 10, seatedAt: 0, want: "b2|a3|b3|a4|b4|a5",
		},
		{
			// Its messages record no model; A's say A's first lines.
			name: "scripts forking another tool's recording",
			parent: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "other.txt")
				os.WriteFile(p, []byte("### A ###\na1\n\n### B ###\nmodel says one\n\n### A ###\na2\n\n### B ###\nmodel says two\n\n### A ###\na3\n\n### B ###\nmodel says three\n"), 0o600)
				return p
			},
			at:    4,
			fork:  twoScripts,
			short: 8, long: 12, seatedAt: 4, want: "a1|s1|a2|s2|a3|s3|a4|s4",
		},
		{
			// The script took the seat where the first fork branched, at 6
			// (B speaks next there), not where this one does.
			name:   "a fork of a fork that seated a script where a model was",
			parent: firstFork("6"), // s1|a4|s2 after the parent's six
			at:     8,
			fork:   twoScripts,
			short:  10, long: 14, seatedAt: 6, want: "s2|a5|s3|a6|s4|a7",
		},
		{
			// The first fork branched after the model's message (A speaks
			// next): seated at 5 or at 6, the script has said the same.
			name:   "a fork of a fork that seated a script after the model's message",
			parent: firstFork("5"), // a3|s1|a4|s2 after the parent's five
			at:     8,
			fork:   twoScripts,
			short:  10, long: 14, seatedAt: 5, oldSeatedAt: 6, want: "s2|a5|s3|a6|s4|a7",
		},
		{
			name: "a replay labelled with the model the parent's seat ran",
			parent: func(t *testing.T, dir string) string {
				os.WriteFile(filepath.Join(dir, "rec.txt"), []byte(
					"### A ###\nr1\n\n### B ###\nb1\n\n### A ###\nr2\n\n### B ###\nb2\n\n### A ###\nr3\n\n### B ###\nb3\n\n### A ###\nr4\n\n### B ###\nb4\n\n### A ###\nr5\n\n### B ###\nb5\n"), 0o600)
				return modelParent(t, dir)
			},
			at:    5,
			fork:  "agents:\n  - {name: A, type: scripted, lines: " + lines("a", 9) + "}\n  - {name: B, type: replay, transcript: rec.txt, speaker: B, model: gpt-4o}\n",
			short: 7, long: 13, seatedAt: 5, want: "a3|b1|a4|b2|a5|b3|a6|b4",
		},
	}
	seated := regexp.MustCompile(`,"seated_at":\d+`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			parent := c.parent(t, dir)
			scenario := func(name string, budget int) string { return forkScenario(dir, name, c.fork, budget) }
			at := strconv.Itoa(c.at)
			whole, _ := runFork(t, filepath.Join(dir, "whole"), parent, "--at", at, "--scenario", scenario("long.yaml", c.long))
			cut, cutT := runFork(t, filepath.Join(dir, "cut"), parent, "--at", at, "--scenario", scenario("short.yaml", c.short))
			if got := cutT.Run.Agents[1].SeatedAt; got != c.seatedAt {
				t.Fatalf("the fork records seated_at %d, want %d", got, c.seatedAt)
			}
			want := saidIn(t, whole)
			if got := strings.Join(want[c.at:], "|"); got != c.want {
				t.Fatalf("the fork said %q, want %q", got, c.want)
			}
			// The fork as an earlier parley recorded it.
			data, _ := os.ReadFile(cut)
			old := filepath.Join(dir, "old", "old.jsonl")
			os.MkdirAll(filepath.Dir(old), 0o700)
			os.WriteFile(old, seated.ReplaceAll(data, nil), 0o600)

			// Forked again after its last message, as the fork forked there.
			short := strconv.Itoa(c.short)
			_, again := runFork(t, filepath.Join(dir, "again"), cut, "--at", short, "--scenario", scenario("long.yaml", c.long))
			_, oldAgain := runFork(t, filepath.Join(dir, "old-again"), old, "--at", short, "--scenario", scenario("long.yaml", c.long))
			if got, want := contentsOf(oldAgain), contentsOf(again); !slices.Equal(got, want) {
				t.Errorf("forked again at %d, the earlier parley's fork said %q, where the fork says %q", c.short, got[c.short:], want[c.short:])
			}

			if code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", strconv.Itoa(c.long), old); code != exitOK {
				t.Fatalf("resume: exit %d\n%s%s", code, out, errOut)
			}
			if got := saidIn(t, old); !slices.Equal(got, want) {
				t.Errorf("the earlier parley's fork resumed after message %d said %q, where uninterrupted it said %q", c.short, got[c.at:], want[c.at:])
			}
			tr, err := transcripts.Read(old)
			if err != nil {
				t.Fatal(err)
			}
			wantAt := c.seatedAt
			if c.oldSeatedAt != 0 {
				wantAt = c.oldSeatedAt
			}
			if got := tr.Run.Agents[1].SeatedAt; got != wantAt {
				t.Errorf("the resumed session's run line records seated_at %d, want %d", got, wantAt)
			}
		})
	}
}
