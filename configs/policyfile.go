package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// LoadPolicy reads a policy file: either a mapping with a termination: key
// (a scenario's own block, copied out) or the policy itself, such as
// `any: [...]`. Errors name the file and line.
func LoadPolicy(path string) (policy.Policy, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the policy file %s does not exist", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the policy file: %w", err)
	}
	return ParsePolicy(path, data)
}

// ParsePolicy is LoadPolicy on bytes; file names it in errors.
func ParsePolicy(file string, data []byte) (policy.Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, data, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Msg: "the policy file is empty"}
	}
	root := doc.Content[0]
	if root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "termination" {
				root = root.Content[i+1]
				break
			}
		}
	}
	policy.ResolveFiles(root, filepath.Dir(file))
	p, err := policy.Parse(root)
	if err != nil {
		var probs Problems
		for _, err := range policy.Errors(err) {
			probs = append(probs, withLine(file, "", err).(*Error))
		}
		return nil, probs
	}
	if p == nil {
		return nil, &Error{File: file, Msg: "the policy file names no policy"}
	}
	// A list of no rules parses, and would stop nothing, as an empty file
	// would.
	if errs := policy.Empty(root); len(errs) > 0 {
		var probs Problems
		for _, err := range errs {
			probs = append(probs, withLine(file, "", err).(*Error))
		}
		return nil, probs
	}
	return p, nil
}
