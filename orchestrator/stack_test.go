package orchestrator

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// stackChildEnv names the server a child process of
// TestAConversationFitsInEightKiBOfStack talks to.
const stackChildEnv = "PARLEY_STACK_TEST_SERVER"

// A goroutine's stack is a power of two, from 8 KiB, and it keeps what it
// grew to while it lives. A batch holds one goroutine per running
// conversation, so a conversation that ever goes deeper than 8 KiB costs
// 16 KiB for its whole life: a thousand at once cost 8 MiB more.
//
// The test stages a conversation between two OpenAI-compatible agents under
// the default set of rules, recorded to disk, in a child process whose
// goroutines may not grow beyond 8 KiB (a goroutine that tries ends the
// process with its stack). The model server runs in the parent, as a
// provider would elsewhere. The child warms up first with one conversation,
// as a batch's first does: the first encoding of a type, say, goes deeper
// once than ever after.
func TestAConversationFitsInEightKiBOfStack(t *testing.T) {
	if url := os.Getenv(stackChildEnv); url != "" {
		stackChild(t, url)
		return
	}
	if testing.Short() {
		t.Skip("stages two conversations in a child process")
	}
	if raceDetector {
		t.Skip("the race detector's instrumentation makes every frame larger; the limit holds for the binary users run")
	}
	srv := openaitest.Start(t, stackScript)
	cmd := exec.Command(os.Args[0], "-test.run=^TestAConversationFitsInEightKiBOfStack$", "-test.v")
	cmd.Env = append(os.Environ(), stackChildEnv+"="+srv.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child process failed (%v):\n%s", err, firstLines(string(out), 80))
	}
	if !strings.Contains(string(out), "staged under the limit") {
		t.Fatalf("the child process did not stage its conversation:\n%s", out)
	}
}

// stackScript answers with a dozen varied replies, in Markdown with a code
// block and emoji as models write, then only with [END], so the default
// set stops the conversation as a loop.
func stackScript(r openaitest.Request) openaitest.Reply {
	n := len(r.Body.Messages)
	if n > 12 {
		return openaitest.Words("[END]")
	}
	return openaitest.Words(fmt.Sprintf("## Idea %d 🚀\n\nHere is thought number %d, about %s, with a list:\n\n"+
		"- first, the %s of it\n- then a *second* point, `code %d`\n\n```go\nfunc f%d() int { return %d }\n```\n\nWhat do you make of %s?",
		n, n, stackTopics[n%len(stackTopics)], stackTopics[(n+3)%len(stackTopics)], n, n, n*n, stackTopics[(n+5)%len(stackTopics)]))
}

var stackTopics = []string{"rivers", "lighthouses", "prime numbers", "bread", "comets", "glaciers", "violins", "moss", "tides", "orbits", "ferns"}

// stackChild stages the conversations, the second with its goroutines
// limited to 8 KiB of stack.
func stackChild(t *testing.T, url string) {
	yaml := `agents:
  - {name: A, base_url: "` + url + `", model: a}
  - {name: B, base_url: "` + url + `", model: b}
`
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer client.CloseIdleConnections()
	stageOne := func() transcripts.Stop {
		cfg, err := FromScenario(scenario(t, "stack.yaml", yaml), Options{HTTPClient: client})
		if err != nil {
			t.Fatal(err)
		}
		conv, rec := New(cfg), &Recorder{Dir: t.TempDir()}
		var stop transcripts.Stop
		done := make(chan error, 1)
		// A conversation runs on a goroutine of its own, under about
		// half a KiB of a batch job's frames.
		go beneath(len(yaml), func() {
			var err error
			stop, err = conv.Run(context.Background(), rec)
			done <- err
		})
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return stop
	}
	stageOne()
	old := debug.SetMaxStack(8 << 10)
	stop := stageOne()
	debug.SetMaxStack(old)
	if stop.Kind != transcripts.StopPolicy || stop.At < 14 {
		t.Fatalf("the conversation stopped with %+v; want the default set to stop its [END] loop", stop)
	}
	t.Logf("staged under the limit: %d messages, stopped by %s", stop.At, stop.Policy)
}

// beneath calls f with half a KiB more of the stack in use.
//
//go:noinline
func beneath(seed int, f func()) {
	var pad [512]byte
	pad[seed%len(pad)] = 1
	f()
	if pad[(seed+1)%len(pad)] == 2 {
		panic("beneath: the pad changed")
	}
}

// firstLines is the first n lines of a child's output: a stack overflow
// names the goroutine that overflowed, and its frames, first.
func firstLines(out string, n int) string {
	lines := strings.Split(out, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
