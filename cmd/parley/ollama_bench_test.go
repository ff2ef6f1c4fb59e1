//go:build ollama

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/parleyhq/parley/transcripts"
)

// ollamaBenchTokens is the reply length every way of streaming is held to.
const ollamaBenchTokens = 200

// BenchmarkOllamaThroughput measures end-to-end tokens per second for one
// reply of the same prompt, model and server, three ways, side by side in
// each iteration (in rotating order, so drift in the machine's load falls
// on all three alike):
//
//   - parley: the whole path, from starting the binary on a one-message
//     scenario to its exit, with the transcript written (parley-stream-tok/s
//     is the same runs over parley's own recorded latency, request to last
//     token, without starting the process and writing the files);
//   - go-openai: a bare CreateChatCompletionStream loop;
//   - curl: `curl -sN` posting the same request body.
//
// Each way's tokens are the completion tokens its server reported. The
// ratios parley/go-openai and curl/go-openai are the figures to watch.
//
//	.ci/ollama.sh bench
func BenchmarkOllamaThroughput(b *testing.B) {
	o := useOllama(b)
	if _, err := exec.LookPath("curl"); err != nil {
		b.Skip("skipping: curl is not installed")
	}
	bin := ollamaParleyBinary(b)
	dir := b.TempDir()
	base := o.url() + "/v1"

	temperature, seed := 0.7, 42
	req := openai.ChatCompletionRequest{
		Model:         ollamaModel,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		MaxTokens:     ollamaBenchTokens,
		Temperature:   float32(temperature),
		Seed:          &seed,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: ollamaSystemLily},
			{Role: openai.ChatMessageRoleUser, Content: ollamaOpening},
		},
	}
	body, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	bodyPath := filepath.Join(dir, "request.json")
	if err := os.WriteFile(bodyPath, body, 0o644); err != nil {
		b.Fatal(err)
	}
	scenario := ollamaScenarioFile(b, dir, fmt.Sprintf(`agents:
  - name: Lily
    provider: ollama
    base_url: %[1]s
    model: %[2]s
    system: %[3]s
    temperature: %[4]v
    seed: %[5]d
    max_tokens: %[6]d
  - name: Tom
    provider: ollama
    base_url: %[1]s
    model: %[2]s
first: Lily
opening: %[7]s
termination:
  max_messages: 1
`, base, ollamaModel, ollamaSystemLily, temperature, seed, ollamaBenchTokens, ollamaOpening))

	cfg := openai.DefaultConfig("")
	cfg.BaseURL = base
	client := openai.NewClientWithConfig(cfg)

	// parley's own latency for the reply (request to last token, as its
	// JSONL records it) separates streaming from starting the process and
	// writing the transcript.
	var streamTime time.Duration
	var streamTokens int

	ways := []struct {
		name string
		run  func(i int) (int, error)
	}{
		{"parley", func(i int) (int, error) {
			out := filepath.Join(dir, fmt.Sprintf("out-%d", i))
			cmd := exec.Command(bin, "run", scenario, "--no-tui", "--out", out)
			if msg, err := cmd.CombinedOutput(); err != nil {
				return 0, fmt.Errorf("parley run: %v\n%s", err, msg)
			}
			jl, err := transcripts.Read(ollamaGlob(b, out, "*.jsonl"))
			if err != nil {
				return 0, err
			}
			if len(jl.Messages) != 1 || jl.Messages[0].Usage == nil {
				return 0, fmt.Errorf("parley recorded %d messages, without usage", len(jl.Messages))
			}
			if i >= 0 {
				streamTime += jl.Messages[0].Latency
				streamTokens += jl.Messages[0].Usage.CompletionTokens
			}
			return jl.Messages[0].Usage.CompletionTokens, nil
		}},
		{"go-openai", func(int) (int, error) {
			stream, err := client.CreateChatCompletionStream(context.Background(), req)
			if err != nil {
				return 0, err
			}
			defer stream.Close()
			tokens := 0
			for {
				resp, err := stream.Recv()
				if errors.Is(err, io.EOF) {
					return tokens, nil
				}
				if err != nil {
					return 0, err
				}
				if resp.Usage != nil {
					tokens = resp.Usage.CompletionTokens
				}
			}
		}},
		{"curl", func(int) (int, error) {
			cmd := exec.Command("curl", "-sSN", "--fail", "-H", "Content-Type: application/json",
				"--data-binary", "@"+bodyPath, base+"/chat/completions")
			out, err := cmd.Output()
			if err != nil {
				return 0, fmt.Errorf("curl: %v", err)
			}
			return ollamaSSETokens(out)
		}},
	}

	// Warm up: load the model and check every way gets the whole reply.
	for _, w := range ways {
		n, err := w.run(-1 - len(w.name))
		if err != nil {
			b.Fatalf("%s: %v", w.name, err)
		}
		if n != ollamaBenchTokens {
			b.Fatalf("%s: the server reported %d completion tokens; want %d", w.name, n, ollamaBenchTokens)
		}
	}

	elapsed := make([]time.Duration, len(ways))
	tokens := make([]int, len(ways))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range ways {
			w := (i + k) % len(ways)
			start := time.Now()
			n, err := ways[w].run(i)
			elapsed[w] += time.Since(start)
			if err != nil {
				b.Fatalf("%s: %v", ways[w].name, err)
			}
			tokens[w] += n
		}
	}
	b.StopTimer()
	rate := make([]float64, len(ways))
	for w := range ways {
		rate[w] = float64(tokens[w]) / elapsed[w].Seconds()
		b.ReportMetric(rate[w], ways[w].name+"-tok/s")
	}
	b.ReportMetric(float64(streamTokens)/streamTime.Seconds(), "parley-stream-tok/s")
	b.ReportMetric(rate[0]/rate[1], "parley/go-openai")
	b.ReportMetric(rate[2]/rate[1], "curl/go-openai")
	b.ReportMetric(0, "ns/op")
}

// ollamaSSETokens reads the completion tokens from the usage chunk of
// a chat-completions event stream.
func ollamaSSETokens(stream []byte) (int, error) {
	for _, line := range bytes.Split(stream, []byte("\n")) {
		data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r"), []byte("data: "))
		if !ok || !bytes.Contains(data, []byte(`"usage"`)) {
			continue
		}
		var chunk struct {
			Usage *transcripts.Usage `json:"usage"`
		}
		if err := json.Unmarshal(data, &chunk); err == nil && chunk.Usage != nil {
			return chunk.Usage.CompletionTokens, nil
		}
	}
	return 0, fmt.Errorf("no usage in the stream: %s", strings.TrimSpace(string(stream[max(0, len(stream)-300):])))
}
