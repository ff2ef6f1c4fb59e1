package agents

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/parleyhq/parley/agents/openaitest"
)

// benchPieces is the reply both benchmarks read: 2,000 one-word pieces.
var benchPieces = openaitest.SplitWords(strings.Repeat("lorem ipsum dolor sit amet ", 400))

func benchServer(b *testing.B) (*openaitest.Server, *http.Client) {
	rep := openaitest.Reply{Pieces: benchPieces}
	srv := openaitest.Start(b, func(openaitest.Request) openaitest.Reply { return rep })
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	return srv, &http.Client{Transport: tr}
}

// BenchmarkReplyStream is parley's agent reading a whole reply.
func BenchmarkReplyStream(b *testing.B) {
	srv, hc := benchServer(b)
	a := NewOpenAI(OpenAIConfig{Name: "bench", Model: "m", BaseURL: srv.URL, HTTPClient: hc})
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for ch, err := range a.Reply(context.Background(), hello) {
			if err != nil {
				b.Fatal(err)
			}
			if ch.Text != "" {
				n++
			}
		}
		if n != len(benchPieces) {
			b.Fatalf("%d pieces, want %d", n, len(benchPieces))
		}
	}
	b.ReportMetric(float64(len(benchPieces)*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkRawGoOpenAI is the plain go-openai stream loop on the same reply,
// the floor the agent's overhead is measured against.
func BenchmarkRawGoOpenAI(b *testing.B) {
	srv, hc := benchServer(b)
	oc := openai.DefaultConfig("")
	oc.BaseURL, oc.HTTPClient = srv.URL, hc
	c := openai.NewClientWithConfig(oc)
	req := openai.ChatCompletionRequest{Model: "m", Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: hello[0].Content}}}
	b.ResetTimer()
	for b.Loop() {
		s, err := c.CreateChatCompletionStream(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			resp, err := s.Recv()
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
		s.Close()
		if n != len(benchPieces) {
			b.Fatalf("%d pieces, want %d", n, len(benchPieces))
		}
	}
	b.ReportMetric(float64(len(benchPieces)*b.N)/b.Elapsed().Seconds(), "tokens/s")
}
