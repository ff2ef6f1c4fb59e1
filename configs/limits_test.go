package configs

import (
	"strings"
	"testing"
)

func TestReplicasAndLimits(t *testing.T) {
	const agents = `agents:
  - name: A
    model: m
%s
  - name: B
    provider: ollama
    model: m
`
	tests := []struct {
		name    string
		agentA  string
		extra   string
		wantErr string
		check   func(t *testing.T, s *Scenario)
	}{
		{"base_url defaults to the first replica", "    base_urls: [http://10.0.0.1:8000/v1, http://10.0.0.2:8000/v1]", "", "", func(t *testing.T, s *Scenario) {
			if s.Agents[0].BaseURL != "http://10.0.0.1:8000/v1" || len(s.Agents[0].BaseURLs) != 2 {
				t.Errorf("base_url %q, base_urls %v", s.Agents[0].BaseURL, s.Agents[0].BaseURLs)
			}
		}},
		{"a replica listed twice", "    base_urls: [http://u:PASS@10.0.0.1:8000/v1, http://10.0.0.2:8000/v1, http://u:PASS@10.0.0.1:8000/v1/]", "", "base_urls[2] is base_urls[0] again", nil},
		{"a replica listed twice in capitals", "    base_urls: [http://box:8000/v1, HTTP://BOX:8000/v1]", "", "base_urls[1] is base_urls[0] again", nil},
		{"a replica listed twice, one a line", "    base_urls:\n      - http://box:8000/v1\n      - http://box2:8000/v1\n      - http://box:8000/v1/", "", "x.yaml:7: agent \"A\": base_urls[2] is base_urls[0] again", nil},
		{"a replica that is no URL", "    base_urls: [http://ok/v1, localhost:8000]", "", `base_urls[1]: "localhost:8000" is not an http:// or https:// URL`, nil},
		{"limits by provider and by URL", "    base_url: http://h/v1", "limits:\n  ollama: {concurrent: 2}\n  http://h/v1: {per_minute: 60}\n", "", func(t *testing.T, s *Scenario) {
			if s.Limits["ollama"].Concurrent != 2 || s.Limits["http://h/v1"].PerMinute != 60 {
				t.Errorf("limits = %+v", s.Limits)
			}
		}},
		{"a limit key that is neither", "    base_url: http://h/v1", "limits:\n  olama: {concurrent: 2}\n", `limits: "olama" is neither a provider`, nil},
		{"a negative limit", "    base_url: http://h/v1", "limits:\n  ollama: {concurrent: -1}\n", "must not be negative", nil},
		{"a misspelt limit field", "    base_url: http://h/v1", "limits:\n  ollama: {concurent: 2}\n", `did you mean "concurrent"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte(strings.Replace(agents, "%s", tt.agentA, 1)+tt.extra))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v; want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "PASS") {
					t.Fatalf("error = %v; it shows a replica's password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}
