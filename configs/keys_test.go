package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHoldsKey(t *testing.T) {
	for _, c := range []struct {
		name, s string
		want    bool
	}{
		{"a dated model", "claude-3-5-sonnet-20240620", false},
		{"a model with capitals and digits", "DeepSeek-R1-Distill-Llama-70B", false},
		{"a model under its maker", "meta-llama/Llama-3.3-70B-Instruct", false},
		{"a fine-tuned model", "ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:9AbCdEfG", false},
		{"a hex digest", "owner/model:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", false},
		{"a URL", "https://api.example.com:8443/v1", false},
		{"OpenRouter's key", "sk-or-v1-0123456789abcdef0123456789abcdef", true},
		{"OpenAI's key", "sk-proj-AbCdEf0123456789GhIjKl", true},
		{"Groq's key", "gsk_AbCdEf0123456789GhIjKlMn", true},
		{"Google's key", "AIzaSyA1234567890abcdefghijklmnopqrs", true},
		{"a key with no prefix", "xK9mP2qR7sT4vW8yZ1aB3cD5eF6gH0jL", true},
		{"a key inside a URL", "https://host/v1/" + "xK9mP2qR7sT4vW8yZ1aB3cD5eF6gH0jL", true},
		{"a prefix with too little after it", "sk-short", false},
		{"a prefix inside a word", "task-AbCdEf0123456789GhIjKl", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := HoldsKey(c.s); got != c.want {
				t.Errorf("HoldsKey(%q) = %v, want %v", c.s, got, c.want)
			}
		})
	}
}

func TestLooksLikeKey(t *testing.T) {
	cases := []struct {
		name, s string
		want    bool
	}{
		{"a preset's variable", "OPENAI_API_KEY", false},
		{"a variable in lower case", "my_key_2024", false},
		{"a long variable of words", "openai_api_key_2024", false},
		{"a variable with a dash", "MY-KEY", false},
		{"a short key", "sk-abc123", false},
		{"a test key", "sk-test-SECRET123", true},
		{"an OpenAI project key", "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t", true},
		{"a key that is also a variable's name", "gsk_" + strings.Repeat("a1B2", 13), true},
		{"a hex key", strings.Repeat("3f9a1c", 10), true},
		{"random letters and digits", "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY", true},
		{"capitals and digits only", "ABCDEFGH12345678XYZ", false},
		{"a path", "secrets/openai-key-2024.txt", false},
		{"a Windows path", `C:\keys\openai2024abc.txt`, false},
		{"a file name", "key.txt", false},
		{"words and a space", "my openai key 2024", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := LooksLikeKey(c.s); got != c.want {
				t.Errorf("LooksLikeKey(%q) = %v, want %v", c.s, got, c.want)
			}
		})
	}
}

// A key pasted where api_key_env names a variable is refused with a
// sentence that names the file, line, agent and field and says what to do,
// without repeating the key; so is a value that cannot name a variable.
func TestAPIKeyEnvMustNameAVariable(t *testing.T) {
	const key = "sk-test-SECRET123"
	lookLike := "api_key_env: looks like a key rather than the name of an environment variable; export the key in a variable (export MY_API_KEY=…) and name the variable here (api_key_env: MY_API_KEY)"
	cases := []struct {
		name, yaml, want string
	}{
		{"a key in an agent", "agents:\n  - name: A\n    provider: ollama\n    model: m\n    api_key_env: " + key + "\n  - {name: B, type: scripted, lines: [hi]}\n",
			`k.yaml:5: agent "A": ` + lookLike},
		{"a key in a scripted agent", "agents:\n  - {name: A, provider: ollama, model: m}\n  - name: B\n    type: scripted\n    lines: [hi]\n    api_key_env: " + key + "\n",
			`k.yaml:6: agent "B": ` + lookLike},
		{"a key in a judge", "agents:\n  - {name: A, provider: ollama, model: m}\n  - {name: B, provider: ollama, model: m}\ntermination:\n  judge: {provider: ollama, model: m, api_key_env: " + key + "}\n",
			`k.yaml:5: termination: the judge (m): ` + lookLike},
		{"a key in a roster's defaults", "roster:\n  defaults: {provider: ollama, api_key_env: " + key + "}\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n",
			`k.yaml:2: roster.agent "A": ` + lookLike},
		{"a name with a dash", "agents:\n  - name: A\n    provider: ollama\n    model: m\n    api_key_env: MY-KEY\n  - {name: B, type: scripted, lines: [hi]}\n",
			`k.yaml:5: agent "A": api_key_env: is not the name of an environment variable, which holds only letters, digits and _ and does not start with a digit`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("k.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v\n  does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "MY-KEY") {
				t.Errorf("the error repeats the value: %v", err)
			}
		})
	}
	if _, err := Parse("k.yaml", []byte("agents:\n  - {name: A, provider: ollama, model: m, api_key_env: my_key_2024}\n  - {name: B, provider: ollama, model: m}\n")); err != nil {
		t.Errorf("a variable's name is refused: %v", err)
	}
}

// An api_key_file that cannot be read is named in the sentence, unless
// what it holds looks like a key rather than a file's path.
func TestKeyFileThatLooksLikeAKeyIsNotRepeated(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.key")
	os.WriteFile(empty, nil, 0o600)
	cases := []struct {
		name, file, want, hidden string
	}{
		{"a key", "sk-test-SECRET123", `k.yaml:2: agent "A": api_key_file: cannot read the file it names: no such file or directory, and it looks like a key rather than a file's path; put the key in a file`, "SECRET123"},
		{"a missing file", filepath.Join(dir, "missing.key"), `k.yaml:2: agent "A": api_key_file: cannot read ` + filepath.Join(dir, "missing.key") + ": no such file or directory", ""},
		{"an empty file", empty, `k.yaml:2: agent "A": api_key_file: ` + empty + ` is empty`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("k.yaml", []byte("agents:\n  - {name: A, provider: openai, model: m, api_key_file: "+c.file+"}\n  - {name: B, type: scripted, lines: [hi]}\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := s.KeyProblems(func(string) string { return "" }).Error()
			if !strings.Contains(got, c.want) {
				t.Errorf("%s\n  does not contain %q", got, c.want)
			}
			if c.hidden != "" && strings.Contains(got, c.hidden) {
				t.Errorf("the sentence repeats the key: %s", got)
			}
		})
	}
}

// A key variable's value is read without the white space around it (the
// carriage return a .env file saved on Windows leaves), and one with a
// line break or a space inside is refused, naming the variable, never the
// key: HTTP cannot carry it in a header.
func TestAKeyVariableWithWhiteSpace(t *testing.T) {
	src := "agents:\n  - {name: A, provider: openai, model: m}\n  - {name: B, type: human}\n"
	s, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, value, want string // want: "" for no problem
	}{
		{"a key alone", "sk-abcdef0123456789", ""},
		{"a carriage return after it", "sk-abcdef0123456789\r", ""},
		{"spaces around it", "  sk-abcdef0123456789 \n", ""},
		{"only spaces", "   ", `s.yaml:2: agent "A": the environment variable OPENAI_API_KEY holds only white space; put the key in it`},
		{"two keys on two lines", "sk-abcdef0123456789\r\nsk-0123456789abcdef", `s.yaml:2: agent "A": the environment variable OPENAI_API_KEY holds a line break, a tab or a space inside the key; it must hold the key alone, on one line`},
		{"a key after its name", "OPENAI_API_KEY sk-abcdef0123456789", `s.yaml:2: agent "A": the environment variable OPENAI_API_KEY holds a line break`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			probs := s.KeyProblems(func(string) string { return c.value })
			switch {
			case c.want == "" && len(probs) > 0:
				t.Errorf("problems: %v", probs)
			case c.want != "" && (len(probs) != 1 || !strings.HasPrefix(probs[0].Error(), c.want)):
				t.Errorf("problems: %v\nwant %s…", probs, c.want)
			}
			if strings.Contains(probs.Error(), "sk-") {
				t.Errorf("a key appears in %q", probs.Error())
			}
		})
	}
}

// A key file saved with a byte-order mark and CRLF (as Windows editors
// save them) gives the key alone.
func TestCleanKeyDropsAByteOrderMark(t *testing.T) {
	key, err := CleanKey("\ufeffsk-proj-abc0123456789\r\n", "api_key_file: key.txt")
	if err != nil || key != "sk-proj-abc0123456789" {
		t.Errorf("CleanKey = %q, %v; want the key alone", key, err)
	}
}
