package designer

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"dbtp/internal/services/definition"
)

// Encode writes a definition as the YAML of the definition language, the
// same text an author would write by hand: keys in the order the language
// documents them, empty values left out, short lists of names on one line.
// It is the only way the designer writes a definition, so what it saves and
// publishes is exactly what definition.Parse reads (the round trip is
// tested on every built-in service).
func Encode(d *definition.Definition) ([]byte, error) {
	n := encodeValue(reflect.ValueOf(d).Elem())
	if n == nil {
		n = &yaml.Node{Kind: yaml.MappingNode}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("designer: encode %s: %w", d.ID, err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decodeDraft reads a draft's YAML without the checker: a draft is allowed
// to be unfinished (a page not yet linked, a state with no way out), and
// the designer shows those problems rather than refusing to open it. Drafts
// are written only by Encode, so every key is one the language knows.
func decodeDraft(src []byte) (*definition.Definition, error) {
	var d definition.Definition
	if err := yaml.Unmarshal(src, &d); err != nil {
		return nil, fmt.Errorf("designer: the draft could not be read: %w", err)
	}
	return &d, nil
}

// encodeValue returns the node for v, or nil when v is empty and should be
// left out. A pointer that is set is never empty: assisted_digital: false
// and min: 0 say something.
func encodeValue(v reflect.Value) *yaml.Node {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if n := encodeValue(v.Elem()); n != nil {
			return n
		}
		if v.Elem().Kind() == reflect.Struct {
			return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		}
		return scalar(v.Elem().Interface())
	case reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := range t.NumField() {
			key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if key == "" || key == "-" {
				continue
			}
			if c := encodeValue(v.Field(i)); c != nil {
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, c)
			}
		}
		if len(m.Content) == 0 {
			return nil
		}
		return m
	case reflect.Slice:
		if v.Len() == 0 {
			return nil
		}
		s := &yaml.Node{Kind: yaml.SequenceNode}
		flat := v.Type().Elem().Kind() == reflect.String
		if flat {
			s.Style = yaml.FlowStyle
		}
		for i := range v.Len() {
			c := encodeValue(v.Index(i))
			if c == nil {
				c = scalar(reflect.Zero(v.Type().Elem()).Interface())
				if v.Type().Elem().Kind() == reflect.Struct {
					c = &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
				}
			}
			if flat && (strings.ContainsAny(c.Value, ",[]{}#:") || c.Value == "") {
				s.Style = 0 // a flow list of awkward text reads badly; write one per line
			}
			s.Content = append(s.Content, c)
		}
		return s
	default:
		if v.IsZero() {
			return nil
		}
		return scalar(v.Interface())
	}
}

// scalar encodes one value through yaml.v3, which quotes text that YAML
// would otherwise read as something else ("yes", "2025-04-01", "12").
func scalar(x any) *yaml.Node {
	var n yaml.Node
	if err := n.Encode(x); err != nil {
		// Every value of a definition is a string, number or bool, which
		// yaml.v3 always encodes; this keeps the text if that ever changes.
		n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(x), Style: yaml.DoubleQuotedStyle}
	}
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return &n
}
