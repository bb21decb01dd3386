package workload

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conclab/conclab/internal/yamlguard"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// MaxFileSize is the largest workload file Parse reads (8 MiB); real
// workloads are a few KB. Readers of files and standard input use it too.
const MaxFileSize = yamlguard.MaxSize

// MaxModels is the most model expressions a workload's models: may list.
const MaxModels = 64

// MaxWeight is the largest weight: of a group; weights are relative, so
// a real one is far smaller, and the sum of many stays exact enough.
const MaxWeight = 1e9

var (
	topKeys      = []string{"name", "about", "runtime", "cores", "switch_interval", "seed", "main_module", "resources", "tasks", "arrivals", "models"}
	groupKeys    = []string{"name", "count", "start", "every", "after", "weight", "input", "output", "steps"}
	workKeys     = []string{"work", "gil", "offload", "input", "output", "source"}
	waitKeys     = []string{"wait", "blocking", "offload", "input", "output", "source"}
	repeatKeys   = []string{"repeat", "steps"}
	useKeys      = []string{"use", "steps", "source"}
	branchKeys   = []string{"count", "steps"}
	altKeys      = []string{"weight", "steps"}
	resourceKeys = []string{"capacity", "scope"}
	arrivalKeys  = []string{"rate", "pattern", "for", "count"}
)

// Runtimes are the names of the built-in runtime profiles, in the order to
// show them; the runtime: key takes one, and runtime.Builtin makes each.
// cpython is cpython-3.11 and cpython-ft cpython-3.13t under other names.
var Runtimes = []string{
	"cpython", "cpython-ft",
	"cpython-3.8", "cpython-3.9", "cpython-3.10", "cpython-3.11", "cpython-3.12", "cpython-3.13",
	"cpython-3.13t", "cpython-3.14t",
	"java", "go",
}

// Parse reads a workload file (SPEC §1) named file. Every error is an
// *Error placed in the text. The name defaults to the file's base name
// without its extension.
func Parse(file string, data []byte) (*Workload, error) {
	p := &yamlParser{file: file}
	w, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	return w, nil
}

type yamlParser struct {
	file      string
	resources []Resource // as declared, to resolve use:
}

func (p *yamlParser) errAt(n ast.Node, format string, args ...any) *Error {
	return errorAt(p.file, posOf(n), format, args...)
}

// posOf returns where n starts. A block mapping's own token is its first
// colon, so its first key stands for it.
func posOf(n ast.Node) Pos {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return posOf(m.Values[0].Key)
	}
	if n == nil {
		return Pos{1, 1}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{Line: max(tk.Position.Line, 1), Col: max(tk.Position.Column, 1)}
}

func (p *yamlParser) parse(data []byte) (*Workload, *Error) {
	if len(data) > MaxFileSize {
		return nil, errorAt(p.file, Pos{1, 1}, "file too large (%d bytes; a workload is at most %d)", len(data), MaxFileSize)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, errorAt(p.file, Pos{1, 1}, "not a text file (it contains a NUL byte); a workload is a YAML text file")
	}
	if !utf8.Valid(data) {
		return nil, errorAt(p.file, Pos{1, 1}, "not a text file (it is not valid UTF-8); a workload is a YAML text file")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if e := checkNesting(p.file, data); e != nil {
		return nil, e
	}
	f, e, err := parseYAML(p.file, data)
	if e != nil {
		return nil, e
	}
	if err != nil {
		return nil, p.syntaxError(err)
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			return nil, p.errAt(d.Body, "only one YAML document is allowed in a workload file")
		}
		body = d.Body
	}
	if body == nil {
		return nil, errorAt(p.file, Pos{1, 1}, "empty workload (want a mapping with at least tasks:, e.g. tasks: [{steps: [{wait: 2s}]}])")
	}
	name := strings.TrimSuffix(filepath.Base(p.file), filepath.Ext(p.file))
	if msg, _ := nameProblem(name); p.file == "" || p.file == "-" || name == "." || msg != "" {
		name = "workload" // also for a file whose name would not do as a workload's
	}
	w := &Workload{Name: name, Seed: 1, File: p.file}
	if e := p.top(w, body); e != nil {
		return nil, e
	}
	if e := finish(w, p.file); e != nil {
		return nil, e
	}
	return w, nil
}

// parseYAML runs goccy's lexer and parser, refusing between the two what
// is nested too deeply (the parser's memory grows with the square of the
// depth); a panic inside them on hostile input becomes an ordinary syntax
// error instead of taking the program down.
func parseYAML(file string, data []byte) (f *ast.File, nest *Error, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, nest, err = nil, nil, errors.New("the YAML parser could not read this text")
		}
	}()
	tokens := lexer.Tokenize(string(data))
	if e := tokenNesting(file, tokens); e != nil {
		return nil, e, nil
	}
	f, err = parser.Parse(tokens, 0)
	return f, nil, err
}

func (p *yamlParser) syntaxError(err error) *Error {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	pos, msg := Pos{1, 1}, err.Error()
	if errors.As(err, &ye) {
		msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos = Pos{Line: max(tk.Position.Line, 1), Col: max(tk.Position.Column, 1)}
		}
	}
	msg = strings.ReplaceAll(msg, "\t", `\t`)
	if strings.Contains(msg, `\t`) {
		msg += " (indent with spaces, not tabs)"
	}
	return errorAt(p.file, pos, "invalid YAML: %s", msg)
}

// unwrap looks through anchors and tags to the value. Aliases are refused:
// they would let a small file expand into a huge one.
func (p *yamlParser) unwrap(n ast.Node) (ast.Node, *Error) {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			return nil, p.errAt(v, "aliases (*name) are not supported in workloads; write the value out")
		default:
			return n, nil
		}
	}
}

// entry is one key: value of a mapping, unwrapped.
type entry struct {
	key     string
	keyNode ast.Node
	val     ast.Node // nil or *ast.NullNode when the value is empty
}

// mapping returns the entries of n, or an error saying what was expected.
func (p *yamlParser) mapping(n ast.Node, what string) ([]entry, bool, *Error) {
	var pairs []*ast.MappingValueNode
	flow := false
	switch v := n.(type) {
	case *ast.MappingNode:
		pairs, flow = v.Values, v.IsFlowStyle
	case *ast.MappingValueNode:
		pairs, flow = []*ast.MappingValueNode{v}, v.IsFlowStyle
	default:
		return nil, false, p.errAt(n, "%s must be a mapping (key: value lines), got %s", what, describe(n))
	}
	out := make([]entry, 0, len(pairs))
	for _, mv := range pairs {
		kn, err := p.unwrap(mv.Key)
		if err != nil {
			return nil, false, err
		}
		if mk, ok := kn.(*ast.MappingKeyNode); ok {
			if kn, err = p.unwrap(mk.Value); err != nil {
				return nil, false, err
			}
		}
		key, ok := scalarText(kn)
		if !ok {
			return nil, false, p.errAt(mv.Key, "a key must be a plain name, got %s", describe(kn))
		}
		val, err := p.unwrap(mv.Value)
		if err != nil {
			return nil, false, err
		}
		out = append(out, entry{key: key, keyNode: mv.Key, val: val})
	}
	return out, flow, nil
}

// scalarText returns the text of a scalar as written (unquoted).
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// describe names what a node is, for "got …" in messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if s, ok := scalarText(n); ok {
		if _, isStr := n.(*ast.StringNode); isStr {
			return strconv.Quote(s)
		}
		return s
	}
	return "a " + n.Type().String()
}

// stepKinds are the words that start a step, in YAML and inline.
var stepKinds = []string{"work", "wait", "repeat", "use", "gather", "choose"}

func isStepKind(s string) bool {
	for _, k := range stepKinds {
		if s == k {
			return true
		}
	}
	return false
}

// unknownKey builds the message for a key that is not in valid.
func unknownKey(key, where string, valid []string) string {
	return unknownWord("key", key, where, valid)
}

// unknownStepKind builds the message for a step that starts with a word
// that is not a step kind.
func unknownStepKind(word string) string {
	return unknownWord("step kind", word, "", stepKinds)
}

// unknownWord builds the message for a word (what: "key", "step kind")
// that is not in valid: the likely typo's fix, then all that is valid.
func unknownWord(what, word, where string, valid []string) string {
	msg := "unknown " + what + " " + strconv.Quote(word)
	if where != "" {
		msg += " in " + where
	}
	if s := suggest(word, valid); s != "" {
		msg += ", did you mean " + strconv.Quote(s) + "?"
	}
	return msg + " (want " + orList(valid) + ")"
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// suggest returns the valid word closest to key if it is a likely typo.
func suggest(key string, valid []string) string {
	best, bestD := "", 3
	for _, v := range valid {
		if d := editDistance(strings.ToLower(key), v); d < bestD {
			best, bestD = v, d
		}
	}
	if bestD > 0 && bestD <= len(key)/3+1 {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (p *yamlParser) top(w *Workload, body ast.Node) *Error {
	entries, _, err := p.mapping(body, "a workload")
	if err != nil {
		return err
	}
	var tasks *entry
	for i := range entries {
		e := &entries[i]
		switch e.key {
		case "name":
			if w.Name, err = p.name(e); err != nil {
				return err
			}
		case "about":
			if w.About, err = p.about(e); err != nil {
				return err
			}
		case "runtime":
			if w.Runtime, err = p.oneOf(e, Runtimes); err != nil {
				return err
			}
		case "cores":
			n, err := p.integer(e, "cores", 1, MaxCores)
			if err != nil {
				return err
			}
			w.Cores = int(n)
		case "switch_interval":
			d, err := p.fixed(e)
			if err != nil {
				return err
			}
			if d == 0 {
				return p.errAt(e.val, "switch_interval must be more than 0 (CPython's default is %s)", FormatDuration(DefaultSwitchInterval))
			}
			w.SwitchInterval = d
		case "main_module":
			if w.MainModule, err = p.fixed(e); err != nil {
				return err
			}
		case "seed":
			s, ok := scalarText(e.val)
			if !ok || !isInteger(e.val) {
				return p.errAt(valueOrKey(e), "seed must be a whole number ≥ 0, got %s", describe(e.val))
			}
			v, perr := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 0, 64)
			if perr != nil {
				return p.errAt(e.val, "seed must be a whole number ≥ 0 (at most 64 bits), got %s", s)
			}
			w.Seed = v
		case "tasks":
			tasks = e
		case "resources":
			if w.Resources, err = p.resourceList(e); err != nil {
				return err
			}
			p.resources = w.Resources
		case "arrivals":
			if w.Arrivals, err = p.arrivals(e); err != nil {
				return err
			}
		case "models":
			if w.Models, err = p.models(e); err != nil {
				return err
			}
		case "input", "output":
			return p.errAt(e.keyNode, "%s belongs to a task: put it beside its steps: (e.g. tasks: [{%s: 2MB, steps: [{work: 5ms}]}])", e.key, e.key)
		case "steps", "work", "wait", "repeat", "use", "gather", "choose":
			return p.errAt(e.keyNode, "%s belongs to a task: put it under tasks: (e.g. tasks: [{steps: [{wait: 2s}]}])", e.key)
		default:
			return p.errAt(e.keyNode, "%s", unknownKey(e.key, "", topKeys))
		}
	}
	if tasks == nil {
		return p.errAt(body, "missing tasks: (the list of tasks, e.g. tasks: [{name: A, steps: [{wait: 2s}]}])")
	}
	return p.tasks(w, tasks)
}

func valueOrKey(e *entry) ast.Node {
	if isNull(e.val) {
		return e.keyNode
	}
	return e.val
}

func isInteger(n ast.Node) bool {
	_, ok := n.(*ast.IntegerNode)
	return ok
}

func (p *yamlParser) text(e *entry) (string, *Error) {
	s, ok := scalarText(e.val)
	if !ok {
		return "", p.errAt(valueOrKey(e), "%s must be text, got %s", e.key, describe(e.val))
	}
	return s, nil
}

func (p *yamlParser) name(e *entry) (string, *Error) {
	s, err := p.text(e)
	if err != nil {
		return "", err
	}
	if msg, _ := nameProblem(s); msg != "" {
		return "", p.errAt(e.val, "%s", msg)
	}
	return s, nil
}

// names reads after:, one task name or a list of them.
func (p *yamlParser) names(e *entry) ([]string, *Error) {
	seq, ok := e.val.(*ast.SequenceNode)
	if !ok {
		s, err := p.name(e)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if len(seq.Values) == 0 {
		return nil, p.errAt(e.val, "%s needs at least one task name (e.g. %s: fetch)", e.key, e.key)
	}
	var out []string
	for _, v := range seq.Values {
		s, err := p.name(&entry{key: e.key, keyNode: e.keyNode, val: v})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// about reads the free text of about:. It is printed through a sanitiser,
// so only a NUL (which a quoted "\0" can write) is refused.
func (p *yamlParser) about(e *entry) (string, *Error) {
	s, err := p.text(e)
	if err != nil {
		return "", err
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", p.errAt(e.val, "about must not contain a NUL character (U+0000)")
	}
	return s, nil
}

// MaxSource is the longest source: of a step, in bytes.
const MaxSource = 500

// source reads a step's source:, where in a program it is (conclab record
// writes "app.py:42(parse)"): text of at most MaxSource bytes, one line,
// without the characters a name must not have.
func (p *yamlParser) source(e *entry) (string, *Error) {
	s, err := p.text(e)
	if err != nil {
		return "", err
	}
	switch {
	case strings.TrimSpace(s) == "":
		return "", p.errAt(e.val, "source must not be empty (leave it out instead)")
	case len(s) > MaxSource:
		return "", p.errAt(e.val, "source must be at most %d bytes, got %d", MaxSource, len(s))
	case !utf8.ValidString(s):
		return "", p.errAt(e.val, "source must be UTF-8 text")
	}
	for _, r := range s {
		if what := hiddenRune(r); what != "" {
			return "", p.errAt(e.val, "source must not contain %U (%s)", r, what)
		}
	}
	return s, nil
}

// CheckName returns an error saying what is wrong with s as the name of a
// workload or a task, or nil. A name is 1 to 100 bytes of UTF-8 without
// spaces at either end and without characters that change how a terminal
// shows the text around them: control characters (C0, DEL, C1),
// bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069), other invisible format characters (zero-width joiners
// excepted, emoji need them) and line or paragraph separators. The message
// names the code point. The web server checks its name field with it.
func CheckName(s string) error {
	if msg, _ := nameProblem(s); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// nameProblem is CheckName's rule: what is wrong, and the byte offset in s
// of the character at fault (0 when it is the name as a whole).
func nameProblem(s string) (string, int) {
	switch {
	case strings.TrimSpace(s) == "":
		return "a name must not be empty", 0
	case len(s) > 100:
		return "a name must be at most 100 bytes", 0
	case !utf8.ValidString(s):
		return "a name must be UTF-8 text", 0
	}
	for i, r := range s {
		if what := hiddenRune(r); what != "" {
			return fmt.Sprintf("a name must not contain %U (%s)", r, what), i
		}
	}
	if strings.TrimSpace(s) != s {
		return "a name must not start or end with spaces", 0
	}
	return "", 0
}

// hiddenRune says what r is if a name must not contain it, else "".
func hiddenRune(r rune) string {
	switch {
	case r < ' ' || r >= 0x7f && r <= 0x9f:
		return "a control character"
	case r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		return "a bidirectional text control, which reorders the text shown around it"
	case r == 0x200c || r == 0x200d:
		return ""
	case unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
		return "an invisible format character"
	}
	return ""
}

func (p *yamlParser) oneOf(e *entry, valid []string) (string, *Error) {
	s, ok := scalarText(e.val)
	if ok {
		for _, v := range valid {
			if s == v {
				return s, nil
			}
		}
	}
	return "", p.errAt(valueOrKey(e), "%s must be %s, got %s", e.key, orList(valid), describe(e.val))
}

// yaml11Bools are the plain words YAML 1.1 reads as booleans besides true
// and false, which goccy (YAML 1.2) reads as strings. A workload accepts
// them for every boolean key, as a user coming from PyYAML expects; y and n
// are left out, as YAML 1.2 itself left them all out, for being read as
// booleans where a letter was meant.
var yaml11Bools = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

// boolean reads true or false, or one of yaml11Bools written plain.
func (p *yamlParser) boolean(e *entry) (bool, *Error) {
	switch v := e.val.(type) {
	case *ast.BoolNode:
		return v.Value, nil
	case *ast.StringNode:
		if b, ok := yaml11Bools[v.Value]; ok && v.GetToken().Type == token.StringType {
			return b, nil
		}
	}
	return false, p.errAt(valueOrKey(e), "%s must be true or false (or yes/no, on/off), got %s", e.key, describe(e.val))
}

// integer reads a whole number in [lo, hi].
func (p *yamlParser) integer(e *entry, what string, lo, hi int64) (int64, *Error) {
	bad := func() *Error {
		return p.errAt(valueOrKey(e), "%s must be a whole number from %d to %d, got %s", what, lo, hi, describe(e.val))
	}
	n, ok := e.val.(*ast.IntegerNode)
	if !ok {
		return 0, bad()
	}
	var v int64
	switch x := n.Value.(type) {
	case int64:
		v = x
	case uint64:
		if x > math.MaxInt64 {
			return 0, bad()
		}
		v = int64(x)
	default:
		return 0, bad()
	}
	if v < lo || v > hi {
		return 0, bad()
	}
	return v, nil
}

// durationText returns the text of a duration value.
func (p *yamlParser) durationText(e *entry) (string, *Error) {
	if isNull(e.val) {
		return "", p.errAt(e.keyNode, "%s needs a duration, e.g. %s: 2s", e.key, e.key)
	}
	s, ok := scalarText(e.val)
	if !ok {
		return "", p.errAt(e.val, "%s must be a duration like 2s, 15ms or 250us, got %s", e.key, describe(e.val))
	}
	return s, nil
}

// fixed reads a plain duration (no distribution).
func (p *yamlParser) fixed(e *entry) (int64, *Error) {
	s, err := p.durationText(e)
	if err != nil {
		return 0, err
	}
	if strings.ContainsAny(s, "()") {
		return 0, p.errAt(e.val, "%s must be a plain duration like 2s (distributions are for work and wait)", e.key)
	}
	d, msg := parseFixed(s)
	if msg != "" {
		return 0, p.errAt(e.val, "%s", msg)
	}
	return d, nil
}

// dist reads a work or wait duration. In a flow mapping YAML cuts
// "uniform(10ms, 30ms)" at its comma; next is the entry after e, where the
// rest ("30ms)") landed as a key.
func (p *yamlParser) dist(e *entry, flow bool, next *entry) (Dist, *Error) {
	s, err := p.durationText(e)
	if err != nil {
		return Dist{}, err
	}
	if flow && strings.Count(s, "(") > strings.Count(s, ")") {
		whole := s + ", …)"
		if next != nil && isNull(next.val) && strings.HasSuffix(next.key, ")") {
			whole = s + ", " + next.key
		}
		return Dist{}, p.errAt(e.val, "%q was cut at its comma: inside { } YAML splits at commas; quote it (%s: %q) or write the step in block style",
			s, e.key, whole)
	}
	d, _, msg := parseDist(s)
	if msg != "" {
		return Dist{}, p.errAt(e.val, "%s", msg)
	}
	return d, nil
}

func (p *yamlParser) tasks(w *Workload, e *entry) *Error {
	seq, ok := e.val.(*ast.SequenceNode)
	if !ok {
		return p.errAt(valueOrKey(e), "tasks must be a list of tasks (- name: A …), got %s", describe(e.val))
	}
	if len(seq.Values) == 0 {
		return p.errAt(seq, "tasks must not be empty")
	}
	if len(seq.Values) > MaxTasks {
		return p.errAt(seq, "too many tasks")
	}
	w.Groups = make([]Group, 0, len(seq.Values))
	for _, item := range seq.Values {
		n, err := p.unwrap(item)
		if err != nil {
			return err
		}
		g, err := p.group(n, w.Arrivals != nil)
		if err != nil {
			return err
		}
		w.Groups = append(w.Groups, g)
	}
	return nil
}

func (p *yamlParser) group(n ast.Node, open bool) (Group, *Error) {
	g := Group{Count: 1, Weight: 1, Pos: posOf(n)}
	entries, _, err := p.mapping(n, "a task")
	if err != nil {
		return g, err
	}
	var steps *entry
	for i := range entries {
		e := &entries[i]
		if open && (e.key == "count" || e.key == "start" || e.key == "every" || e.key == "after") {
			return g, p.errAt(e.keyNode, "%s is not used with arrivals: each arrival is one task built from a group", e.key)
		}
		switch e.key {
		case "name":
			if g.Name, err = p.name(e); err != nil {
				return g, err
			}
		case "count":
			c, err := p.integer(e, "count", 1, MaxTasks)
			if err != nil {
				return g, err
			}
			g.Count = int(c)
		case "start":
			if g.Start, err = p.fixed(e); err != nil {
				return g, err
			}
		case "every":
			if g.Every, err = p.fixed(e); err != nil {
				return g, err
			}
		case "after":
			if g.AfterNames, err = p.names(e); err != nil {
				return g, err
			}
			g.AfterPos = posOf(valueOrKey(e))
		case "weight":
			if !open {
				return g, p.errAt(e.keyNode, "weight is only used with arrivals (it picks the group an arrival is built from)")
			}
			if g.Weight, err = p.weight(e); err != nil {
				return g, err
			}
		case "input":
			if g.Input, err = p.size(e); err != nil {
				return g, err
			}
		case "output":
			if g.Output, err = p.size(e); err != nil {
				return g, err
			}
		case "steps":
			steps = e
		case "work", "wait", "repeat", "use", "gather", "choose":
			return g, p.errAt(e.keyNode, "%s is a step: put it under steps: (e.g. steps: [{%s: …}])", e.key, e.key)
		default:
			return g, p.errAt(e.keyNode, "%s", unknownKey(e.key, "a task", groupKeys))
		}
	}
	if steps == nil {
		return g, p.errAt(n, "a task needs steps: (e.g. steps: [{work: 5ms}, {wait: 100ms}])")
	}
	g.Steps, err = p.steps(steps, 0, 0)
	return g, err
}

func number(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		}
	case *ast.FloatNode:
		return v.Value, true
	case *ast.StringNode:
		// goccy reads 1e3 as a string.
		f, err := strconv.ParseFloat(v.Value, 64)
		return f, err == nil
	}
	return 0, false
}

// steps reads the list under e; depth counts the repeats around it,
// blocks the blocks of every kind.
func (p *yamlParser) steps(e *entry, depth, blocks int) ([]Step, *Error) {
	seq, ok := e.val.(*ast.SequenceNode)
	if !ok {
		return nil, p.errAt(valueOrKey(e), "steps must be a list of steps (e.g. [{work: 5ms}, {wait: 100ms}]), got %s", describe(e.val))
	}
	if len(seq.Values) == 0 {
		return nil, p.errAt(seq, "steps must not be empty")
	}
	out := make([]Step, 0, len(seq.Values))
	for i, item := range seq.Values {
		n, err := p.unwrap(item)
		if err != nil {
			return nil, err
		}
		if isNull(n) {
			at := ast.Node(n)
			if i < len(seq.Entries) && seq.Entries[i] != nil && seq.Entries[i].Start != nil {
				at = seq.Entries[i] // the "-" of an empty block entry
			}
			return nil, p.errAt(at, "empty step (want a mapping like {wait: 2s})")
		}
		s, err := p.step(n, depth, blocks)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *yamlParser) step(n ast.Node, depth, blocks int) (Step, *Error) {
	if s, ok := scalarText(n); ok {
		if f := strings.Fields(s); len(f) >= 2 && isStepKind(f[0]) {
			return Step{}, p.errAt(n, "a step is a mapping: write %q (with a colon)", f[0]+": "+strings.Join(f[1:], " "))
		}
	}
	entries, flow, err := p.mapping(n, "a step")
	if err != nil {
		return Step{}, err
	}
	// Find the kind first so the flags can be checked against it.
	kind := -1
	var kindEntry *entry
	for i := range entries {
		e := &entries[i]
		if isStepKind(e.key) {
			if kindEntry != nil {
				return Step{}, p.errAt(e.keyNode, "a step has exactly one of %s; this one has %s and %s", orList(stepKinds), kindEntry.key, e.key)
			}
			kind, kindEntry = i, e
		}
	}
	if kindEntry == nil {
		for i := range entries {
			switch entries[i].key {
			case "gil", "offload", "blocking", "steps", "input", "output", "source":
			default:
				return Step{}, p.errAt(entries[i].keyNode, "%s", unknownStepKind(entries[i].key))
			}
		}
		return Step{}, p.errAt(n, "a step needs one of %s", orList(stepKinds))
	}
	if blocks+1 > MaxNest && (kindEntry.key != "work" && kindEntry.key != "wait") {
		return Step{}, p.errAt(kindEntry.keyNode, "blocks nested too deeply (at most %d levels of repeat, use, gather and choose)", MaxNest)
	}
	switch kindEntry.key {
	case "use", "gather", "choose":
		return p.block(n, entries, kindEntry, depth, blocks)
	}
	st := Step{Pos: posOf(kindEntry.keyNode)}
	switch kindEntry.key {
	case "work":
		st.Kind = Work
	case "wait":
		st.Kind = Wait
	case "repeat":
		st.Kind = Repeat
	}
	var steps *entry
	for i := range entries {
		e := &entries[i]
		switch {
		case i == kind && st.Kind == Repeat:
			c, err := p.integer(e, "repeat count", 1, MaxRepeat)
			if err != nil {
				return st, err
			}
			st.Count = int(c)
		case i == kind:
			var next *entry
			if i+1 < len(entries) {
				next = &entries[i+1]
			}
			if st.Dur, err = p.dist(e, flow, next); err != nil {
				return st, err
			}
		case e.key == "gil" && st.Kind == Work:
			v, err := p.oneOf(e, []string{"released", "held"})
			if err != nil {
				return st, err
			}
			st.GILReleased = v == "released"
		case e.key == "blocking" && st.Kind == Wait:
			b, err := p.boolean(e)
			if err != nil {
				return st, err
			}
			st.Blocking = b
		case e.key == "offload" && st.Kind != Repeat:
			v, err := p.oneOf(e, []string{"thread", "process"})
			if err != nil {
				return st, err
			}
			st.Offload = OffloadThread
			if v == "process" {
				st.Offload = OffloadProcess
			}
		case e.key == "steps" && st.Kind == Repeat:
			steps = e
		case e.key == "source" && st.Kind != Repeat:
			if st.Source, err = p.source(e); err != nil {
				return st, err
			}
		case (e.key == "input" || e.key == "output") && st.Kind != Repeat:
			v, err := p.size(e)
			if err != nil {
				return st, err
			}
			if e.key == "input" {
				st.Input = v
			} else {
				st.Output = v
			}
		case e.key == "gil":
			return st, p.errAt(e.keyNode, "gil applies to work steps only (a %s step does not hold the GIL)", kindEntry.key)
		case e.key == "blocking" && st.Kind == Work:
			return st, p.errAt(e.keyNode, "blocking applies to wait steps only (work always occupies its thread)")
		case st.Kind == Repeat && (e.key == "offload" || e.key == "blocking" || e.key == "input" || e.key == "output" || e.key == "source"):
			return st, p.errAt(e.keyNode, "%s applies to the steps inside a repeat, not to the repeat", e.key)
		default:
			valid := map[StepKind][]string{Work: workKeys, Wait: waitKeys, Repeat: repeatKeys}[st.Kind]
			if flow && isNull(e.val) && strings.HasSuffix(e.key, ")") {
				return st, p.errAt(e.keyNode, "%q looks like the end of a distribution cut at a comma: inside { } quote it or use block style", e.key)
			}
			return st, p.errAt(e.keyNode, "%s", unknownKey(e.key, "a "+kindEntry.key+" step", valid))
		}
	}
	if st.Kind == Repeat {
		if depth+1 > MaxDepth {
			return st, p.errAt(kindEntry.keyNode, "repeats nested too deeply (at most %d levels)", MaxDepth)
		}
		if steps == nil {
			return st, p.errAt(kindEntry.keyNode, "repeat needs steps: (the block to repeat, e.g. {repeat: 10, steps: [{wait: 1ms}]})")
		}
		st.Steps, err = p.steps(steps, depth+1, blocks+1)
		if err != nil {
			return st, err
		}
	}
	if (st.Input > 0 || st.Output > 0) && st.Offload != OffloadProcess {
		for i := range entries {
			if e := &entries[i]; e.key == "input" || e.key == "output" {
				return st, p.errAt(e.keyNode, "%s applies to a step offloaded to a process (offload: process), whose data is pickled; give the task's own data on the task", e.key)
			}
		}
	}
	return st, nil
}

func (p *yamlParser) arrivals(e *entry) (*Arrivals, *Error) {
	entries, _, err := p.mapping(e.val, "arrivals")
	if err != nil {
		return nil, err
	}
	a := &Arrivals{Pattern: Poisson, Pos: posOf(e.keyNode)}
	var rateSet, forSet, countSet bool
	var rateText string
	for i := range entries {
		f := &entries[i]
		switch f.key {
		case "rate":
			s, ok := scalarText(f.val)
			if !ok {
				return nil, p.errAt(valueOrKey(f), "rate must be a rate like 200/s, got %s", describe(f.val))
			}
			r, msg := parseRate(s)
			if msg != "" {
				return nil, p.errAt(f.val, "%s", msg)
			}
			a.Rate, rateSet, rateText = r, true, s
		case "pattern":
			v, err := p.oneOf(f, []string{"poisson", "uniform"})
			if err != nil {
				return nil, err
			}
			if v == "uniform" {
				a.Pattern = UniformArrivals
			}
		case "for":
			d, err := p.fixed(f)
			if err != nil {
				return nil, err
			}
			if d == 0 {
				return nil, p.errAt(f.val, "for must be more than 0")
			}
			a.For, forSet = d, true
		case "count":
			c, err := p.integer(f, "count", 1, MaxTasks)
			if err != nil {
				return nil, err
			}
			a.Count, countSet = int(c), true
		default:
			return nil, p.errAt(f.keyNode, "%s", unknownKey(f.key, "arrivals", arrivalKeys))
		}
	}
	if !rateSet {
		return nil, p.errAt(e.keyNode, "arrivals needs a rate (e.g. rate: 200/s)")
	}
	if msg := a.problem(rateText, forSet, countSet, "for: 30s", "count: 10000"); msg != "" {
		return nil, p.errAt(e.keyNode, "%s", msg)
	}
	return a, nil
}

// problem checks an arrivals setting once it is read: exactly one of
// for and count, and no more tasks or time than a workload may have. The
// examples name the two ways of writing the window in the caller's syntax.
func (a *Arrivals) problem(rateText string, forSet, countSet bool, forExample, countExample string) string {
	switch {
	case forSet == countSet:
		return fmt.Sprintf("arrivals needs exactly one of for (a duration, e.g. %s) or count (e.g. %s)", forExample, countExample)
	case forSet && a.Rate*float64(a.For)/1e9 > MaxTasks:
		return fmt.Sprintf("arrivals would bring about %.0f tasks (the limit is %d)", a.Rate*float64(a.For)/1e9, MaxTasks)
	case countSet && float64(a.Count)/a.Rate*1e9 > float64(MaxDuration):
		// As long as the longest for: allows; beyond it the arrival times
		// leave int64 nanoseconds (1e-300/s gives +Inf).
		return fmt.Sprintf("arrivals of %d tasks at %s would take about %.3gh (at most 2400h; raise the rate or lower the count)",
			a.Count, strings.TrimSpace(rateText), float64(a.Count)/a.Rate/3600)
	}
	return ""
}

// parseRate reads "200/s", "5/ms" or "30/min" as a rate per second.
func parseRate(s string) (float64, string) {
	const want = " (want a rate like 200/s, 5/ms or 30/min)"
	num, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return 0, "rate " + s + " needs a unit (e.g. 200/s)"
		}
		return 0, "invalid rate " + strconv.Quote(s) + want
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, "invalid rate " + strconv.Quote(s) + want
	}
	switch strings.TrimSpace(unit) {
	case "s":
	case "ms":
		v *= 1e3
	case "min":
		v /= 60
	default:
		return 0, "invalid rate unit " + strconv.Quote(unit) + want
	}
	if v > 1e9 {
		return 0, "rate " + s + " is too high (at most 1e9/s)"
	}
	return v, ""
}

func (p *yamlParser) models(e *entry) ([]Model, *Error) {
	if s, ok := scalarText(e.val); ok {
		if strings.TrimSpace(s) == "" {
			return nil, p.errAt(e.val, "a model must not be empty")
		}
		return []Model{{Expr: s, Pos: posOf(e.val)}}, nil
	}
	seq, ok := e.val.(*ast.SequenceNode)
	if !ok {
		return nil, p.errAt(valueOrKey(e), "models must be a list of model expressions (e.g. [sync, threads(3), asyncio]), got %s", describe(e.val))
	}
	if len(seq.Values) == 0 {
		return nil, p.errAt(seq, "models must not be empty (leave it out for the default models)")
	}
	if len(seq.Values) > MaxModels {
		return nil, p.errAt(seq.Values[MaxModels], "too many models: %d (at most %d in one workload)", len(seq.Values), MaxModels)
	}
	out := make([]Model, 0, len(seq.Values))
	for i, item := range seq.Values {
		n, err := p.unwrap(item)
		if err != nil {
			return nil, err
		}
		s, ok := scalarText(n)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, p.errAt(n, "a model must be an expression like threads(3), got %s", describe(n))
		}
		if seq.IsFlowStyle && strings.Count(s, "(") > strings.Count(s, ")") {
			whole := s
			for _, rest := range seq.Values[i+1:] {
				t, _ := scalarText(rest)
				whole += ", " + t
				if strings.Count(whole, "(") <= strings.Count(whole, ")") {
					break
				}
			}
			return nil, p.errAt(n, "model %q was cut at its comma: inside [ ] YAML splits at commas; quote it (%q) or write models as a block list (- %s)",
				s, whole, whole)
		}
		out = append(out, Model{Expr: s, Pos: posOf(n)})
	}
	return out, nil
}

// block reads a use, gather or choose step: kindEntry is its kind's entry
// among entries, the step's keys.
func (p *yamlParser) block(n ast.Node, entries []entry, kindEntry *entry, depth, blocks int) (Step, *Error) {
	st := Step{Pos: posOf(kindEntry.keyNode)}
	var steps *entry
	for i := range entries {
		e := &entries[i]
		switch {
		case e == kindEntry:
		case e.key == "steps" && kindEntry.key == "use":
			steps = e
		case e.key == "source" && kindEntry.key == "use":
			src, err := p.source(e)
			if err != nil {
				return st, err
			}
			st.Source = src
		case e.key == "source":
			return st, p.errAt(e.keyNode, "source applies to work, wait and use steps, the places in a program; a %s's are its steps'", kindEntry.key)
		case e.key == "steps" || e.key == "count" || e.key == "weight":
			return st, p.errAt(e.keyNode, "%s belongs to each entry of %s: (e.g. %s)", e.key, kindEntry.key, blockExample(kindEntry.key))
		case e.key == "offload" || e.key == "blocking" || e.key == "gil" || e.key == "input" || e.key == "output":
			return st, p.errAt(e.keyNode, "%s applies to the work and wait steps inside a %s, not to the %s", e.key, kindEntry.key, kindEntry.key)
		default:
			valid := []string{kindEntry.key}
			if kindEntry.key == "use" {
				valid = useKeys
			}
			return st, p.errAt(e.keyNode, "%s", unknownKey(e.key, "a "+kindEntry.key+" step", valid))
		}
	}
	switch kindEntry.key {
	case "use":
		st.Kind = Use
		r, err := p.resourceRef(kindEntry)
		if err != nil {
			return st, err
		}
		st.Resource = r
		if steps == nil {
			return st, p.errAt(kindEntry.keyNode, "use needs steps: (what runs while it holds %s, e.g. {use: %s, steps: [{wait: 5ms}]})",
				p.resources[r].Name, p.resources[r].Name)
		}
		var err2 *Error
		st.Steps, err2 = p.steps(steps, depth, blocks+1)
		return st, err2
	case "gather":
		st.Kind = Gather
		items, err := p.blockList(kindEntry)
		if err != nil {
			return st, err
		}
		for _, item := range items {
			b := Branch{Count: 1, Pos: posOf(item)}
			b.Steps, err = p.blockItem(item, depth, blocks, "a branch of gather", "count", branchKeys,
				"{count: 6, steps: [{wait: 20ms}]}", "{steps: [{%s: …}]}", func(e *entry) *Error {
					c, err := p.integer(e, "count", 1, MaxTasks)
					b.Count = int(c)
					return err
				})
			if err != nil {
				return st, err
			}
			st.Branches = append(st.Branches, b)
		}
		return st, nil
	default:
		st.Kind = Choose
		items, err := p.blockList(kindEntry)
		if err != nil {
			return st, err
		}
		for _, item := range items {
			a := Alternative{Weight: 1, Pos: posOf(item)}
			a.Steps, err = p.blockItem(item, depth, blocks, "an alternative of choose", "weight", altKeys,
				"{weight: 90, steps: [{work: 50us}]}", "{weight: 10, steps: [{%s: …}]}", func(e *entry) *Error {
					var err *Error
					a.Weight, err = p.weight(e)
					return err
				})
			if err != nil {
				return st, err
			}
			st.Alternatives = append(st.Alternatives, a)
		}
		return st, nil
	}
}

// blockItem reads one item of a gather or a choose (what): a mapping of
// its number (numKey, read by num) and its steps. example is the whole
// item written out; stepsExample, with %s for a step kind, shows where a
// step kind given as a key belongs.
func (p *yamlParser) blockItem(item ast.Node, depth, blocks int, what, numKey string, valid []string,
	example, stepsExample string, num func(*entry) *Error) ([]Step, *Error) {
	ents, _, err := p.mapping(item, what+" (e.g. "+example+")")
	if err != nil {
		return nil, err
	}
	var steps *entry
	for i := range ents {
		e := &ents[i]
		switch e.key {
		case numKey:
			if err := num(e); err != nil {
				return nil, err
			}
		case "steps":
			steps = e
		default:
			if isStepKind(e.key) {
				return nil, p.errAt(e.keyNode, "%s holds its steps under steps: (e.g. "+stepsExample+")", what, e.key)
			}
			return nil, p.errAt(e.keyNode, "%s", unknownKey(e.key, what, valid))
		}
	}
	if steps == nil {
		return nil, p.errAt(item, "%s needs steps: (e.g. %s)", what, example)
	}
	return p.steps(steps, depth, blocks+1)
}

// blockExample shows a use, gather or choose written out.
func blockExample(kind string) string {
	switch kind {
	case "gather":
		return "gather: [{steps: [{wait: 30ms}]}, {count: 6, steps: [{wait: 20ms}]}]"
	case "choose":
		return "choose: [{weight: 90, steps: [{work: 50us}]}, {weight: 10, steps: [{wait: 40ms}]}]"
	}
	return "{use: db, steps: [{wait: 5ms}]}"
}

// blockList reads the entries of a gather or a choose: a list that is not
// empty, each entry unwrapped.
func (p *yamlParser) blockList(e *entry) ([]ast.Node, *Error) {
	seq, ok := e.val.(*ast.SequenceNode)
	what := "branches"
	if e.key == "choose" {
		what = "alternatives"
	}
	if !ok {
		return nil, p.errAt(valueOrKey(e), "%s must be a list of %s (e.g. %s), got %s", e.key, what, blockExample(e.key), describe(e.val))
	}
	if len(seq.Values) == 0 {
		return nil, p.errAt(seq, "%s must not be empty (want at least one of its %s, e.g. %s)", e.key, what, blockExample(e.key))
	}
	out := make([]ast.Node, 0, len(seq.Values))
	for i, item := range seq.Values {
		n, err := p.unwrap(item)
		if err != nil {
			return nil, err
		}
		if isNull(n) {
			at := ast.Node(n)
			if i < len(seq.Entries) && seq.Entries[i] != nil && seq.Entries[i].Start != nil {
				at = seq.Entries[i]
			}
			return nil, p.errAt(at, "empty entry in %s (e.g. %s)", e.key, blockExample(e.key))
		}
		out = append(out, n)
	}
	return out, nil
}

// weight reads a relative weight: a number > 0, at most MaxWeight.
func (p *yamlParser) weight(e *entry) (float64, *Error) {
	v, ok := number(e.val)
	if !ok || !(v > 0) || math.IsInf(v, 0) {
		return 0, p.errAt(valueOrKey(e), "weight must be a number > 0, got %s", describe(e.val))
	}
	if v > MaxWeight {
		return 0, p.errAt(e.val, "weight %s is too large (at most %g; weights are relative, e.g. 90 and 10)", describe(e.val), MaxWeight)
	}
	return v, nil
}

// size reads a byte size (input:, output:).
func (p *yamlParser) size(e *entry) (int64, *Error) {
	if isNull(e.val) {
		return 0, p.errAt(e.keyNode, "%s needs a size, e.g. %s: 2MB", e.key, e.key)
	}
	s, ok := scalarText(e.val)
	if !ok {
		return 0, p.errAt(e.val, "%s must be a size like 2MB or 10KB, got %s", e.key, describe(e.val))
	}
	v, msg := parseSize(s)
	if msg != "" {
		return 0, p.errAt(e.val, "%s", msg)
	}
	return v, nil
}

// resourceList reads resources: a mapping of names to {capacity, scope}.
func (p *yamlParser) resourceList(e *entry) ([]Resource, *Error) {
	if isNull(e.val) {
		return nil, p.errAt(e.keyNode, "resources needs at least one resource (e.g. resources: {db: {capacity: 10}})")
	}
	entries, _, err := p.mapping(e.val, "resources (e.g. resources: {db: {capacity: 10}})")
	if err != nil {
		return nil, err
	}
	if len(entries) > MaxResources {
		return nil, p.errAt(entries[MaxResources].keyNode, "too many resources: %d (at most %d)", len(entries), MaxResources)
	}
	out := make([]Resource, 0, len(entries))
	seen := map[string]bool{}
	for i := range entries {
		f := &entries[i]
		if msg := resourceNameProblem(f.key); msg != "" {
			return nil, p.errAt(f.keyNode, "%s", msg)
		}
		if seen[f.key] {
			return nil, p.errAt(f.keyNode, "resource %q is declared twice", f.key)
		}
		seen[f.key] = true
		r := Resource{Name: f.key, Pos: posOf(f.keyNode)}
		if isNull(f.val) {
			return nil, p.errAt(f.keyNode, "resource %s needs a capacity (e.g. %s: {capacity: 10})", f.key, f.key)
		}
		if c, ok := scalarText(f.val); ok {
			return nil, p.errAt(f.val, "resource %s is a mapping with its capacity: write %s: {capacity: %s}", f.key, f.key, c)
		}
		ents, _, err := p.mapping(f.val, "resource "+f.key)
		if err != nil {
			return nil, err
		}
		capSet := false
		for j := range ents {
			g := &ents[j]
			switch g.key {
			case "capacity":
				c, err := p.integer(g, "capacity", 1, MaxCapacity)
				if err != nil {
					return nil, err
				}
				r.Capacity, capSet = int(c), true
			case "scope":
				v, err := p.oneOf(g, []string{"process", "global"})
				if err != nil {
					return nil, err
				}
				if v == "global" {
					r.Scope = ScopeGlobal
				}
			default:
				return nil, p.errAt(g.keyNode, "%s", unknownKey(g.key, "resource "+f.key, resourceKeys))
			}
		}
		if !capSet {
			return nil, p.errAt(f.val, "resource %s needs a capacity (e.g. %s: {capacity: 10}; a lock is capacity: 1)", f.key, f.key)
		}
		out = append(out, r)
	}
	return out, nil
}

// resourceRef resolves the resource a use: names.
func (p *yamlParser) resourceRef(e *entry) (int, *Error) {
	name, ok := scalarText(e.val)
	if !ok || isNull(e.val) {
		return 0, p.errAt(valueOrKey(e), "use needs the name of a resource, e.g. {use: db, steps: [{wait: 5ms}]}, got %s", describe(e.val))
	}
	if i := resourceIndex(p.resources, name); i >= 0 {
		return i, nil
	}
	return 0, p.errAt(e.val, "%s", unknownResource(name, p.resources))
}

// resourceIndex is the index of the resource called name, or -1.
func resourceIndex(rs []Resource, name string) int {
	for i := range rs {
		if rs[i].Name == name {
			return i
		}
	}
	return -1
}

// unknownResource builds the message for a use of a resource that is not
// declared.
func unknownResource(name string, rs []Resource) string {
	if len(rs) == 0 {
		return "unknown resource " + strconv.Quote(name) + ": declare it under resources: (e.g. resources: {" + name + ": {capacity: 10}})"
	}
	names := make([]string, len(rs))
	for i := range rs {
		names[i] = rs[i].Name
	}
	msg := "unknown resource " + strconv.Quote(name)
	s := suggest(name, names)
	for _, n := range names {
		if strings.EqualFold(n, name) {
			s = n // names are case-sensitive
		}
	}
	if s != "" {
		msg += ", did you mean " + strconv.Quote(s) + "?"
	}
	return msg + " (declared: " + orList(names) + ")"
}

// resourceNameProblem says what is wrong with s as a resource's name: a
// letter or "_", then letters, digits, "_", "-" or ".", at most 64 bytes
// (names stand in the inline form and in the exported program's data).
func resourceNameProblem(s string) string {
	if s == "" {
		return "a resource name must not be empty"
	}
	if len(s) > 64 {
		return "a resource name must be at most 64 bytes"
	}
	for i, r := range s {
		ok := unicode.IsLetter(r) || r == '_' || i > 0 && (unicode.IsDigit(r) || r == '-' || r == '.')
		if !ok {
			return fmt.Sprintf("resource name %q: want a letter or _ first, then letters, digits, _, - or .", s)
		}
	}
	if isStepKind(s) || s == "global" || s == "process" {
		return fmt.Sprintf("resource name %q is a word of the workload language; pick another", s)
	}
	return ""
}

// ResourceIndex returns the index in w.Resources of the resource called
// name, or an error that names the declared ones (with a did-you-mean),
// for a command that names a resource (sweep --capacity).
func (w *Workload) ResourceIndex(name string) (int, error) {
	if i := resourceIndex(w.Resources, name); i >= 0 {
		return i, nil
	}
	return -1, errors.New(unknownResource(name, w.Resources))
}
