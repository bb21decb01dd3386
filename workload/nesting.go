package workload

import (
	"github.com/goccy/go-yaml/token"

	"github.com/conclab/conclab/internal/yamlguard"
)

// The limits on a workload file's shape, checked before the YAML library
// reads it (package yamlguard says why each exists).
const (
	MaxNesting = yamlguard.MaxNesting // lists and mappings nested
	MaxItems   = yamlguard.MaxItems   // entries, keys and values in all
	MaxKeys    = yamlguard.MaxKeys    // keys of one mapping
)

// checkNesting refuses text too deep or too wide for the YAML library,
// before it reads it.
func checkNesting(file string, data []byte) *Error {
	if p := yamlguard.Scan(data); p != nil {
		return errorAt(file, Pos{p.Line, p.Col}, "%s", p.Msg)
	}
	return nil
}

// tokenNesting measures nesting on the tokens the parser is about to read,
// so no way of writing the text can hide a level from it.
func tokenNesting(file string, tokens token.Tokens) *Error {
	if p := yamlguard.Tokens(tokens); p != nil {
		return errorAt(file, Pos{p.Line, p.Col}, "%s", p.Msg)
	}
	return nil
}
