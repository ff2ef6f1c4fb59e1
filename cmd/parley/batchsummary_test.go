package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
)

// twoAgents is a scenario of two model agents, A and B, at url, without
// a title: it is titled "A ↔ B".
func twoAgents(url string, maxMessages int) string {
	return fmt.Sprintf(`agents:
  - name: A
    base_url: %[1]s
    model: ma
  - name: B
    base_url: %[1]s
    model: mb
termination:
  max_messages: %[2]d
`, url, maxMessages)
}

// Two scenario files of one pair of agents under two budgets give one
// title, "A ↔ B": the batch keeps their conversations apart and names
// each file wherever it names them, in the --dry-run list, the progress
// lines and the summary.
func TestABatchOfTwoFilesOfOneTitleNamesTheirFiles(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words(fmt.Sprintf("%s says line %d.", r.Body.Model, len(r.Body.Messages)))
	})
	dir := t.TempDir()
	five := writeFile(t, dir, "five.yaml", twoAgents(srv.URL, 5))
	three := writeFile(t, dir, "three.yaml", twoAgents(srv.URL, 3))

	code, out, errOut := parley(t, "batch", five, three, "-n", "2", "--dry-run")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if want := "five.yaml: A ↔ B, run 1\nfive.yaml: A ↔ B, run 2\nthree.yaml: A ↔ B, run 1\nthree.yaml: A ↔ B, run 2\n"; out != want {
		t.Errorf("--dry-run lists:\n%s\nwant:\n%s", out, want)
	}

	b := filepath.Join(dir, "b27")
	code, out, errOut = parley(t, "batch", five, three, "-n", "2", "--out", b)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"(five.yaml: A ↔ B, run 1) done", "(five.yaml: A ↔ B, run 2) done", "(three.yaml: A ↔ B, run 1) done", "(three.yaml: A ↔ B, run 2) done"} {
		if !strings.Contains(out, want) {
			t.Errorf("the progress lines lack %q:\n%s", want, out)
		}
	}
	// Read as JSON, not as batch.Summary: the rows keep "scenario" and
	// "pair" as they were, and add the file.
	var sum struct {
		Groups []map[string]any `json:"groups"`
		Pairs  []map[string]any `json:"cost_by_pair"`
	}
	data, err := os.ReadFile(filepath.Join(b, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Groups) != 2 || sum.Groups[0]["scenario"] != "A ↔ B" || sum.Groups[0]["scenario_path"] != five || sum.Groups[0]["runs"] != 2.0 ||
		sum.Groups[1]["scenario"] != "A ↔ B" || sum.Groups[1]["scenario_path"] != three || sum.Groups[1]["runs"] != 2.0 {
		t.Errorf("summary.json's groups = %v; want one of 2 runs for each file", sum.Groups)
	}
	if len(sum.Pairs) != 2 || sum.Pairs[0]["pair"] != "A ↔ B" || sum.Pairs[0]["scenario_path"] != five || sum.Pairs[0]["runs"] != 2.0 ||
		sum.Pairs[1]["scenario_path"] != three {
		t.Errorf("summary.json's cost by pair = %v; want a row for each file", sum.Pairs)
	}
	md, err := os.ReadFile(filepath.Join(b, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## By scenario and varied values", "| five.yaml: A ↔ B |  | 2 | 0 | 5 | 5 |", "| three.yaml: A ↔ B |  | 2 | 0 | 3 | 3 |",
		"| five.yaml: A ↔ B | 2 |", "| three.yaml: A ↔ B | 2 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}

// A server that answers every request with white space alone gives
// empty replies, as a reasoning model that spends its whole max_tokens
// thinking does: parley run warns of each, and the batch says so too, in
// each conversation's progress line and in its summary, counted, where it
// read "3 done · 0 failed" and nothing else.
func TestABatchSaysItsEmptyReplies(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Text("  \n\t ") })
	dir := t.TempDir()
	r3 := writeFile(t, dir, "r3.yaml", twoAgents(srv.URL, 5))
	b := filepath.Join(dir, "b30")
	code, out, errOut := parley(t, "batch", r3, "-n", "3", "-j", "3", "--out", b)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out, " done: the conversation reached its limit of 5 messages after 5 messages, 4 of them empty replies · "); n != 3 {
		t.Errorf("%d progress lines count the empty replies; want 3:\n%s", n, out)
	}
	if !strings.Contains(out, " · 12 empty replies · ") {
		t.Errorf("the last progress line does not count the batch's 12 empty replies:\n%s", out)
	}
	var sum struct {
		Empty     int `json:"empty_replies"`
		Convs     int `json:"empty_reply_conversations"`
		OnlyEmpty int `json:"only_empty_replies"`
	}
	data, err := os.ReadFile(filepath.Join(b, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Empty != 12 || sum.Convs != 3 || sum.OnlyEmpty != 3 {
		t.Errorf("summary.json counts %+v; want 12 empty replies in 3 conversations, all 3 with no other reply", sum)
	}
	md, err := os.ReadFile(filepath.Join(b, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "12 empty replies in 3 conversations, which hold no other reply (parley report leaves them out). An empty reply is one of white space alone"; !strings.Contains(string(md), want) {
		t.Errorf("summary.md lacks %q:\n%s", want, md)
	}
}

// Two conversations at -j 4 cannot keep four slots busy: the least the
// batch could take is its longer conversation's model time, not the model
// time over 4, and it is no more than the wall time the batch took.
func TestABatchSaysTheLeastItCouldTake(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		rep := openaitest.Words(fmt.Sprintf("%s says line %d.", r.Body.Model, len(r.Body.Messages)))
		rep.Delay = 5 * time.Millisecond
		return rep
	})
	dir := t.TempDir()
	b := filepath.Join(dir, "b")
	code, out, errOut := parley(t, "batch", writeFile(t, dir, "two.yaml", twoAgents(srv.URL, 5)), "-n", "2", "-j", "4", "--out", b)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var sum struct {
		Wall      time.Duration `json:"wall_ns"`
		ModelTime time.Duration `json:"model_time_ns"`
		Longest   time.Duration `json:"longest_model_time_ns"`
	}
	data, err := os.ReadFile(filepath.Join(b, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Longest < sum.ModelTime/2 || sum.Longest > sum.Wall {
		t.Errorf("longest conversation's model time %s, of %s in all, in a wall time of %s; want at least half the model time, and no more than the wall time", sum.Longest, sum.ModelTime, sum.Wall)
	}
	md, err := os.ReadFile(filepath.Join(b, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "At 4 at a time the batch could take no less than "; !strings.Contains(string(md), want) ||
		!strings.Contains(string(md), ": its longest conversation's model time, whose messages came one after another.") || strings.Contains(string(md), "per slot") {
		t.Errorf("summary.md does not give the longest conversation as the least the batch could take:\n%s", md)
	}
}

// With one model failing every request, its conversations end on the
// error after the opening: their lengths enter no median, as parley
// report has it, and the summary says n counts those that ended without
// an error, where it gave n=4 and a median of 3.5.
func TestABatchsMediansLeaveOutTheFailed(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if r.Body.Model == "mb" {
			return openaitest.Error(400, "no such model")
		}
		return openaitest.Words(fmt.Sprintf("%s says line %d.", r.Body.Model, len(r.Body.Messages)))
	})
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", strings.Replace(twoAgents(srv.URL, 5), "model: mb", "model: mc", 1))
	bad := writeFile(t, dir, "bad.yaml", twoAgents(srv.URL, 5))
	b := filepath.Join(dir, "b")
	code, out, errOut := parley(t, "batch", good, bad, "-n", "2", "--out", b)
	if code != exitFailure {
		t.Fatalf("exit %d; want %d for the failed conversations\n%s%s", code, exitFailure, out, errOut)
	}
	var sum struct {
		Length struct {
			N      int     `json:"n"`
			Median float64 `json:"median"`
		} `json:"length"`
		Groups []struct {
			Length struct {
				N int `json:"n"`
			} `json:"length"`
		} `json:"groups"`
	}
	data, err := os.ReadFile(filepath.Join(b, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Length.N != 2 || sum.Length.Median != 5 || len(sum.Groups) != 2 || sum.Groups[1].Length.N != 0 {
		t.Errorf("summary.json's length %+v, groups %+v; want the 2 that ended well, median 5, and none of bad.yaml's", sum.Length, sum.Groups)
	}
	md, err := os.ReadFile(filepath.Join(b, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 2 | 5 | 5 | 5 | 5 | 5.0 |", "Of the 4 conversations that ended, n counts the 2 that ended without an error", "| bad.yaml: A ↔ B |  | 2 | 2 | — | — | error 2 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}
