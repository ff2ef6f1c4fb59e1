package agents

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	openai "github.com/sashabaranov/go-openai"
)

// bodyDoer answers every request with body, as a stream.
type bodyDoer struct{ body []byte }

func (d bodyDoer) Do(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: io.NopCloser(bytes.NewReader(d.body))}, nil
}

// readAllEvents lists what next yields, in order, until an error.
func readAllEvents(next func() ([]byte, error)) []string {
	var out []string
	for range 1000 {
		raw, err := next()
		if err != nil {
			return append(out, "error: "+err.Error())
		}
		out = append(out, fmt.Sprintf("event %q", raw))
	}
	return append(out, "…")
}

// eventsAsGoOpenAI checks that eventReader reads body as go-openai's
// stream reader does.
func eventsAsGoOpenAI(t *testing.T, body []byte, limit int) {
	t.Helper()
	// go-openai ends lines at LF alone, and reads a byte-order mark as
	// part of the first line; parley ends them at CR too, and skips the
	// mark, as the event stream format has it. go-openai reads the body
	// written as it would understand it.
	asLF := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	asLF = bytes.ReplaceAll(bytes.ReplaceAll(asLF, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	// go-openai reads an error event joined to the lines before it that
	// are not data events, and returns nothing and no error when that is
	// not JSON: parley reads it on its own (TestEventReaderReadsErrorEvents),
	// and both read the body up to it.
	if i := errorEventAt(asLF); i >= 0 {
		body, asLF = asLF[:i], asLF[:i]
	}
	oc := openai.DefaultConfig("")
	oc.HTTPClient, oc.EmptyMessagesLimit = bodyDoer{onlyKept(asLF)}, uint(limit)
	stream, err := openai.NewClientWithConfig(oc).CreateChatCompletionStream(context.Background(),
		openai.ChatCompletionRequest{Model: "m", Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	want := readAllEvents(stream.RecvRaw)
	// Read whole, a byte at a time, in halves and with the end told
	// along with the last bytes, the body's events are the same.
	for name, r := range map[string]io.Reader{
		"whole":         bytes.NewReader(body),
		"a byte a time": iotest.OneByteReader(bytes.NewReader(body)),
		"in halves":     iotest.HalfReader(bytes.NewReader(body)),
		"data and EOF":  iotest.DataErrReader(bytes.NewReader(body)),
	} {
		got := readAllEvents(newEventReader(r, limit).next)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("body %q, %s:\nread as\n  %s\ngo-openai reads\n  %s", body, name, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// errorEventAt is where the first line of an LF-ended body that is an
// error event begins, or -1.
func errorEventAt(body []byte) int {
	at := 0
	for line := range bytes.Lines(body) {
		if p, ok := cutData(bytes.TrimSpace(line)); ok && bytes.HasPrefix(p, []byte(`{"error":`)) {
			return at
		}
		at += len(line)
	}
	return -1
}

// onlyKept is an LF-ended body with the lines that are not data events
// left blank, but for those eventReader keeps: go-openai keeps them all,
// and reads them as the server's error at the body's end. A blank line is
// an empty message to both, as the line was.
func onlyKept(body []byte) []byte {
	events, stray := false, 0
	for line := range bytes.Lines(body) {
		t := bytes.TrimSpace(line)
		if !bytes.HasSuffix(line, []byte("\n")) {
			break // a line cut off is not read
		}
		if _, ok := cutData(t); ok {
			events = true
			break
		}
		if len(t) > 0 && !isField(t) {
			if stray += len(t); stray > maxStrayBytes {
				events = true
			}
		}
	}
	var out []byte
	for line := range bytes.Lines(body) {
		t := bytes.TrimSpace(line)
		if _, ok := cutData(t); !ok && (events || len(t) > 0 && isField(t)) {
			line = line[len(bytes.TrimRight(line, "\n")):]
		}
		out = append(out, line...)
	}
	return out
}

// readFunc is an io.Reader.
type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// A stream that has taken every line it read waits for the next without
// its line buffer: a batch holds a thousand streams waiting.
func TestEventReaderWaitsWithoutItsBuffer(t *testing.T) {
	sent := []string{"data: {\"a\":1}\n\n", ": ping\n\n", "data: " + strings.Repeat("x", 3000) + "\n\n", "data: {\"b\":2}\n\n", "data: [DONE]\n\n"}
	var e *eventReader
	taken := true // every byte sent so far ends a line the reader took
	e = newEventReader(readFunc(func(p []byte) (int, error) {
		if taken && e.buf != nil {
			t.Errorf("the reader waits for %q holding its buffer", sent[0])
		}
		if len(sent) == 0 {
			return 0, io.EOF
		}
		n := copy(p, sent[0])
		sent[0] = sent[0][n:]
		taken = false
		if sent[0] == "" {
			sent, taken = sent[1:], true
		}
		return n, nil
	}), 3)
	got := readAllEvents(e.next)
	want := []string{`event "{\"a\":1}"`, `event "` + strings.Repeat("x", 3000) + `"`, `event "{\"b\":2}"`, "error: EOF"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("read\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if e.buf != nil {
		t.Error("the reader holds its buffer after the stream's end")
	}
}

var sseSeeds = []string{
	"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n",
	"data: {\"a\":1}\r\rdata: {\"b\":2}\r\rdata: [DONE]\r\r",
	"\xef\xbb\xbfdata: {\"a\":1}\n\ndata: [DONE]\n\n",
	"data: {\"a\":1}\r\ndata: {\"b\":2}\r\r\ndata: [DONE]\r",
	"data:{\"a\":1}\r\n\r\ndata:\t [DONE]\n",
	": keep-alive\n\nevent: x\nid: 3\ndata: {\"a\":1}\n\n",
	"data: {\"a\":1}\n\ndata: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":529}}\n\ndata: {\"b\":2}\n\n",
	"data: {\"error\":{\"message\":\"x\"}}\n",
	"data: {\"error\": {\"message\":\"spaced\"}}\n\n",
	"{\"error\":{\"message\":\"not sse\",\"code\":400}}\n",
	"{\"error\":{\"message\":\"not sse, cut off\"",
	"data: {\"a\":1}",
	"data: {\"a\":1}\n",
	"\n\n\n\n\ndata: {\"a\":1}\n",
	"datax: y\nDATA: z\n data: {\"a\":1}\n",
	"data: " + strings.Repeat("x", 3000) + "\ndata: " + strings.Repeat("y", 5000) + "\n\n",
	"data: [DONE]\ndata: {\"after\":1}\n",
	"data:\n\ndata: \n\n",
	"\u00a0data: {\"nbsp\":1}\u2028\n",
}

func TestEventReaderReadsAsGoOpenAI(t *testing.T) {
	for _, s := range sseSeeds {
		eventsAsGoOpenAI(t, []byte(s), 3)
		eventsAsGoOpenAI(t, []byte(s), 100)
	}
}

// An error event is the server's error however the lines before it
// look; a body that is one JSON error, and no event stream, is too.
func TestEventReaderReadsErrorEvents(t *testing.T) {
	const overloaded = "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"
	cases := []struct {
		name string
		body string
		want []string
	}{
		{name: "an error event", body: overloaded, want: []string{"error: error, overloaded"}},
		{name: "after a comment, as OpenRouter sends it", body: ": OPENROUTER PROCESSING\n\n" + overloaded,
			want: []string{"error: error, overloaded"}},
		{name: "after an event: error line", body: "event: error\n" + overloaded, want: []string{"error: error, overloaded"}},
		{name: "after events, comments and stray lines", body: "data: {\"a\":1}\n\n: ping\n\nevent: x\nid: 3\nnot an event\n\n" + overloaded,
			want: []string{`event "{\"a\":1}"`, "error: error, overloaded"}},
		{name: "written with spaces", body: "data:{\"error\": {\"message\": \"spaced\"}}\n\n", want: []string{"error: error, spaced"}},
		{name: "one that is not JSON is an event to quote", body: ": ping\n\ndata: {\"error\": oops\n\ndata: {\"a\":1}\n\n",
			want: []string{`event "{\"error\": oops"`, `event "{\"a\":1}"`, "error: EOF"}},
		{name: "one that names no error is an event", body: "data: {\"error\":null}\n\ndata: [DONE]\n\n",
			want: []string{`event "{\"error\":null}"`, "error: EOF"}},
		{name: "a body that is one JSON error", body: "{\"error\":{\"message\":\"not sse\",\"code\":400}}\n",
			want: []string{"error: error, not sse"}},
		{name: "a body that is one JSON error over lines, after a comment", body: ": hi\n{\n  \"error\": {\n    \"message\": \"pretty\"\n  }\n}\n",
			want: []string{"error: error, pretty"}},
		{name: "JSON after the first event is not the server's error", body: "data: {\"a\":1}\n\n{\"error\":{\"message\":\"late\"}}\n",
			want: []string{`event "{\"a\":1}"`, "error: EOF"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := readAllEvents(newEventReader(strings.NewReader(tc.body), 100).next)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("read\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// A long stream's comments and stray lines are not kept: the reader holds
// no more than its line buffer however long the stream runs.
func TestEventReaderKeepsNoLinesOfALongStream(t *testing.T) {
	var b strings.Builder
	b.WriteString("stray before the first event\n")
	for range 500 {
		b.WriteString(": OPENROUTER PROCESSING\n\nevent: x\nnot an event\ndata: {\"a\":1}\n\n")
	}
	e := newEventReader(strings.NewReader(b.String()), 100)
	got := readAllEvents(e.next)
	if len(got) != 501 || got[500] != "error: EOF" {
		t.Fatalf("read %d events, the last %q", len(got), got[len(got)-1])
	}
	if e.stray.Cap() != 0 {
		t.Errorf("the reader holds %d bytes of lines that are not events", e.stray.Cap())
	}
}

func TestEventReaderGivesUpOnEmptyLines(t *testing.T) {
	r := newEventReader(strings.NewReader(strings.Repeat(": ping\n", 5)+"data: {}\n"), 3)
	if _, err := r.next(); !errors.Is(err, openai.ErrTooManyEmptyStreamMessages) {
		t.Fatalf("got %v; want too many empty messages", err)
	}
}

func FuzzEventReader(f *testing.F) {
	for _, s := range sseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { eventsAsGoOpenAI(t, body, 5) })
}
