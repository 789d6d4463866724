package definition

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

func reflectValue(d *Definition) reflect.Value { return reflect.ValueOf(d).Elem() }

// decode stores node n into v, whose type is one of the definition's own
// types, recording every mismatch and carrying on so all are reported.
func (p *parser) decode(n *yaml.Node, v reflect.Value, path string) {
	p.pos[path] = position{n.Line, n.Column}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		// Aliases would let a small file expand into a huge tree (and make
		// line numbers point at the anchor, not the use); a definition is
		// short enough to write out.
		p.add(n, path, "anchors and aliases (& and *) are not supported in definitions; write the value out")
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "key:" with no value leaves the zero value, as yaml.v3 would
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		p.decode(n, nv.Elem(), path)
		v.Set(nv)
	case reflect.Struct:
		p.decodeMapping(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			p.add(n, path, "want a list (lines starting with - or [a, b])%s", got(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	default:
		p.decodeScalar(n, v, path)
	}
}

func (p *parser) decodeMapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "want a mapping of keys to values%s", got(n))
		return
	}
	keys := yamlKeys(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Anchor != "" {
			p.add(k, path, "a key must be a plain name")
			continue
		}
		kp := joinPath(path, k.Value)
		if k.Value == "<<" {
			p.add(k, kp, "merge keys (<<) are not supported in definitions; write the keys out")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.add(k, kp, "%q is given twice (first on line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := keys.index[k.Value]
		if !ok {
			p.add(k, kp, "unknown key %q%s", k.Value, suggest(k.Value, keys.names))
			continue
		}
		p.decode(val, v.Field(idx), kp)
	}
}

func (p *parser) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		p.add(n, path, "want a single value%s", got(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		// Any scalar reads as text, as yaml.v3 does: "version: 2" in a title
		// is the author's business, and quoting rules are not worth an error.
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Decode(&b) != nil {
			p.add(n, path, "want true or false, got %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		var i int64
		if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			p.add(n, path, "want a whole number, got %q", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			p.add(n, path, "want a number, got %q", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		// Only reachable if types.go gains a kind this walker does not know;
		// the schema test walks every type, so it would fail first.
		p.add(n, path, "cannot read a value of type %s", v.Type())
	}
}

// got describes a node's kind for "want X" messages.
func got(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return ", got a mapping"
	case yaml.SequenceNode:
		return ", got a list"
	case yaml.ScalarNode:
		return fmt.Sprintf(", got %q", n.Value)
	}
	return ""
}

type keySet struct {
	index map[string]int // yaml key -> struct field index
	names []string       // in declaration order, for suggestions
}

var keyCache sync.Map // reflect.Type -> keySet

// yamlKeys lists the yaml keys of a struct type from its tags, so the
// accepted keys are exactly what types.go declares.
func yamlKeys(t reflect.Type) keySet {
	if ks, ok := keyCache.Load(t); ok {
		return ks.(keySet)
	}
	ks := keySet{index: map[string]int{}}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		ks.index[name] = i
		ks.names = append(ks.names, name)
	}
	keyCache.Store(t, ks)
	return ks
}

// suggest names the known key closest to a misspelt one, if any is close.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return "; known keys are " + strings.Join(known, ", ")
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance, on bytes; keys are ASCII. Keys
// longer than 64 bytes are never near a real key, and capping keeps a hostile
// key from costing quadratic time.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
