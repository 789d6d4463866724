package definition

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"dbtp/internal/platform"
)

// MaxSize is the largest definition Parse accepts. The largest built-in is
// about 12 KiB; the cap keeps an upload from tying up the parser.
const MaxSize = 1 << 20

// Parse reads one definition from YAML and validates it. name is the file
// name used in problem reports. On any problem it returns a *ValidationError
// listing every one found, each with its line, column and field path, so an
// author fixes a file in one pass rather than one error at a time.
func Parse(src []byte, name string) (*Definition, error) {
	p := &parser{pos: map[string]position{}}
	root := p.document(src)
	if root == nil {
		return nil, p.result(name)
	}
	var d Definition
	p.decode(root, reflectValue(&d), "")
	structural := slices.Clone(p.problems)
	c := &checker{d: &d}
	c.check()
	for _, pr := range c.problems {
		// A value that could not be decoded was left empty; saying it is also
		// missing or out of range would only repeat the first problem.
		if coveredBy(pr.Path, structural) {
			continue
		}
		at := p.locate(pr.Path)
		p.problems = append(p.problems, Problem{Line: at.line, Column: at.col, Path: pr.Path, Message: pr.Message})
	}
	if len(p.problems) > 0 {
		return nil, p.result(name)
	}
	return &d, nil
}

// Problem is one thing wrong with a definition. Path names the field as in
// the YAML, with list indexes counted from 0: workflow.transitions[3].to.
// Line and Column are 1-based; Column is 0 when only the line is known (YAML
// syntax errors).
type Problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// String formats the problem as line:column: path: message.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(p.Line))
	if p.Column > 0 {
		b.WriteString(":" + strconv.Itoa(p.Column))
	}
	if p.Path != "" {
		b.WriteString(": " + p.Path)
	}
	b.WriteString(": " + p.Message)
	return b.String()
}

// ValidationError lists every problem found in one definition.
type ValidationError struct {
	Name     string    // the file name given to Parse
	Problems []Problem // in order of line
}

// Error gives one problem per line, each as name:line:column: path: message,
// the shape editors and CI logs turn into links.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = e.Name + ":" + p.String()
	}
	return strings.Join(lines, "\n")
}

// As lets platform.CodeOf and platform.AsError see a ValidationError as an
// invalid-input error, so an upload handler answers 400 with each problem as
// a field error rather than a 500.
func (e *ValidationError) As(target any) bool {
	t, ok := target.(**platform.Error)
	if !ok {
		return false
	}
	fields := make([]platform.FieldError, len(e.Problems))
	for i, p := range e.Problems {
		fields[i] = platform.FieldError{Field: p.Path, Message: fmt.Sprintf("line %d: %s", p.Line, p.Message)}
	}
	*t = platform.Invalid(fmt.Sprintf("%s: the service definition has %d %s", e.Name, len(e.Problems), plural(len(e.Problems), "problem")), fields...)
	return true
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

type position struct{ line, col int }

// parser turns YAML into a Definition by walking yaml.v3's node tree itself,
// rather than with Decoder.KnownFields, because KnownFields stops at the first
// problem and loses the position of everything it decoded. pos remembers
// where each path's value is, so semantic checks made later on the decoded
// Definition can still point at a line.
type parser struct {
	problems []Problem
	pos      map[string]position
}

func (p *parser) result(name string) error {
	slices.SortStableFunc(p.problems, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return &ValidationError{Name: name, Problems: p.problems}
}

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	p.problems = append(p.problems, Problem{Line: n.Line, Column: n.Column, Path: path, Message: fmt.Sprintf(format, args...)})
}

// yamlLine finds the line in yaml.v3's syntax errors ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *parser) syntax(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	p.problems = append(p.problems, Problem{Line: line, Message: "YAML syntax: " + msg})
}

// document parses src as exactly one YAML document holding a mapping and
// returns that mapping, or nil after recording why not.
func (p *parser) document(src []byte) *yaml.Node {
	if len(src) > MaxSize {
		p.problems = append(p.problems, Problem{Line: 1, Message: fmt.Sprintf("the file is %d bytes; a definition may be at most %d", len(src), MaxSize)})
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.problems = append(p.problems, Problem{Line: 1, Message: "the file is empty"})
		} else {
			p.syntax(err)
		}
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		p.add(&next, "", "a file holds one definition; found a second YAML document")
	} else if !errors.Is(err, io.EOF) {
		p.syntax(err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		p.add(&doc, "", "a definition is a mapping of keys (id, version, title, ...) to values")
		return nil
	}
	root := doc.Content[0]
	p.pos[""] = position{root.Line, root.Column}
	return root
}

// locate finds where path is in the source, or its nearest ancestor when the
// key is missing (a missing label points at the mapping that lacks it).
func (p *parser) locate(path string) position {
	for {
		if at, ok := p.pos[path]; ok {
			return at
		}
		if path == "" {
			return position{1, 1}
		}
		path = parentPath(path)
	}
}

// parentPath strips the last ".key" or "[i]" from path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// coveredBy reports whether path is, or is inside, one of the problems' paths.
func coveredBy(path string, problems []Problem) bool {
	for _, pr := range problems {
		if pr.Path == "" {
			continue
		}
		if path == pr.Path || strings.HasPrefix(path, pr.Path+".") || strings.HasPrefix(path, pr.Path+"[") {
			return true
		}
	}
	return false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
