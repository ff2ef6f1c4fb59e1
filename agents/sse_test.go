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
	oc := openai.DefaultConfig("")
	oc.HTTPClient, oc.EmptyMessagesLimit = bodyDoer{body}, uint(limit)
	stream, err := openai.NewClientWithConfig(oc).CreateChatCompletionStream(context.Background(),
		openai.ChatCompletionRequest{Model: "m", Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	want := readAllEvents(stream.RecvRaw)
	got := readAllEvents(newEventReader(bytes.NewReader(body), limit).next)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("body %q:\nread as\n  %s\ngo-openai reads\n  %s", body, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

var sseSeeds = []string{
	"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n",
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
