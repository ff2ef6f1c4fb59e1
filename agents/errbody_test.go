package agents

import "testing"

func TestErrorBody(t *testing.T) {
	cases := []struct {
		name, body string
		msg, code  string
	}{
		{"OpenAI", `{"error":{"message":"Unsupported parameter: 'max_tokens'","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}`,
			"Unsupported parameter: 'max_tokens'", "unsupported_parameter"},
		{"vLLM", `{"object":"error","message":"The model does not exist.","type":"NotFoundError","param":null,"code":404}`,
			"The model does not exist.", "404"},
		{"Mistral's validation error", `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","seed"],"msg":"Extra inputs are not permitted","input":-1}]},"type":"invalid_request_error","param":null,"code":null}`,
			"body.seed: Extra inputs are not permitted", ""},
		{"Mistral's validation error as JSON in the message's text", `{"object":"error","message":"{\"detail\":[{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"frequency_penalty\"],\"msg\":\"Extra inputs are not permitted\"}]}","type":"internal_error_proxy","param":null,"code":"1000"}`,
			"body.frequency_penalty: Extra inputs are not permitted", "1000"},
		{"several details", `{"detail":[{"loc":["body","seed"],"msg":"Extra inputs are not permitted"},{"loc":["body","n"],"msg":"Input should be 1"}]}`,
			"body.seed: Extra inputs are not permitted; body.n: Input should be 1", ""},
		{"FastAPI's detail", `{"detail":"Not authenticated"}`, "Not authenticated", ""},
		{"Ollama", `{"error":"model \"llama9\" not found, try pulling it first"}`, `model "llama9" not found, try pulling it first`, ""},
		{"Gemini's list", `[{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}]`, "API key not valid.", "400"},
		{"no message", `{"status":"error"}`, "", ""},
		{"a page", `<html>Bad Gateway</html>`, "", ""},
		{"plain text", "Request Entity Too Large:\n  prompt is too long\n", "Request Entity Too Large: prompt is too long", ""},
		{"empty", ``, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, code := ErrorBody([]byte(tc.body))
			if msg != tc.msg || code != tc.code {
				t.Errorf("ErrorBody = %q, %q; want %q, %q", msg, code, tc.msg, tc.code)
			}
		})
	}
}
