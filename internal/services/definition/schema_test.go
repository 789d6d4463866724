package definition

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"dbtp/internal/platform"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" || s["$id"] != SchemaID {
		t.Fatalf("schema header: %v %v", s["$schema"], s["$id"])
	}
	return s
}

// resolve follows a $ref within the schema's own $defs.
func resolve(t *testing.T, root, node map[string]any) map[string]any {
	t.Helper()
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			t.Fatalf("only local $refs are used; got %q", ref)
		}
		next, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			t.Fatalf("$ref %q points nowhere", ref)
		}
		node = next
	}
}

// The schema declares exactly the keys types.go declares, with matching
// JSON types, all the way down: a field added to the contract without the
// schema (or the other way round) fails here.
func TestSchemaMatchesTypes(t *testing.T) {
	root := loadSchema(t)
	var walk func(rt reflect.Type, node map[string]any, path string)
	walk = func(rt reflect.Type, node map[string]any, path string) {
		node = resolve(t, root, node)
		if rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		switch rt.Kind() {
		case reflect.Struct:
			if node["type"] != "object" || node["additionalProperties"] != false {
				t.Errorf("%s: want an object schema with additionalProperties false", path)
				return
			}
			props, _ := node["properties"].(map[string]any)
			keys := yamlKeys(rt)
			for _, k := range keys.names {
				p, ok := props[k].(map[string]any)
				if !ok {
					t.Errorf("%s: schema lacks %q", path, k)
					continue
				}
				walk(rt.Field(keys.index[k]).Type, p, joinPath(path, k))
			}
			for k := range props {
				if _, ok := keys.index[k]; !ok {
					t.Errorf("%s: schema has %q, which types.go does not", path, k)
				}
			}
		case reflect.Slice:
			items, ok := node["items"].(map[string]any)
			if node["type"] != "array" || !ok {
				t.Errorf("%s: want an array schema with items", path)
				return
			}
			walk(rt.Elem(), items, path+"[]")
		default:
			want := map[reflect.Kind]string{reflect.String: "string", reflect.Int: "integer", reflect.Int64: "integer",
				reflect.Bool: "boolean", reflect.Float64: "number"}[rt.Kind()]
			if got, _ := node["type"].(string); got != want && !(got == "" && node["enum"] != nil && want == "string") {
				t.Errorf("%s: schema type %q, Go kind %s", path, got, rt.Kind())
			}
		}
	}
	walk(reflect.TypeFor[Definition](), root, "")
}

// The schema's lists of names are the code's lists.
func TestSchemaEnumsMatchCode(t *testing.T) {
	root := loadSchema(t)
	defs := root["$defs"].(map[string]any)
	enum := func(name string) []string {
		var out []string
		for _, v := range defs[name].(map[string]any)["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	check := func(name string, want []string) {
		if got := enum(name); !slices.Equal(got, want) {
			t.Errorf("$defs.%s enum %v, code has %v", name, got, want)
		}
	}
	check("fieldType", typeStrings(FieldTypes))
	check("audience", typeStrings(Audiences))
	check("role", typeStrings(platform.Roles))
	check("classification", []string{string(platform.Official), string(platform.OfficialSensitive)})
	notifyTo := defs["notify"].(map[string]any)["properties"].(map[string]any)["to"].(map[string]any)["enum"].([]any)
	if len(notifyTo) != len(platform.Roles)+2 {
		t.Errorf("notify.to enum %v: want applicant, assignee and every role", notifyTo)
	}
}

func typeStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// Every built-in, read as plain YAML and converted to JSON, is valid against
// the schema; and every definition as the API serves it (encoding/json of a
// Definition) uses only keys the schema knows.
func TestBuiltinsValidateAgainstSchema(t *testing.T) {
	root := loadSchema(t)
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		t.Fatal(err)
	}
	defs, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		src, _ := builtinFS.ReadFile("builtin/" + e.Name())
		var doc any
		if err := yaml.Unmarshal(src, &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range validateJSON(t, root, root, toJSON(t, doc), "") {
			t.Errorf("%s: %s", e.Name(), p)
		}
		for _, p := range unknownKeys(t, root, root, toJSON(t, defs[i]), "") {
			t.Errorf("%s as served: %s", e.Name(), p)
		}
	}
}

// The checker below is trusted only because it catches real mistakes.
func TestSchemaCheckerCatchesMistakes(t *testing.T) {
	root := loadSchema(t)
	var doc any
	src := edit(t, pothole(t), "label: A photo", "lable: A photo", "type: number", "type: integer", "reference_prefix: POT", "reference_prefix: pot")
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(validateJSON(t, root, root, toJSON(t, doc), ""), "\n")
	for _, want := range []string{"fields[2]: unknown key \"lable\"", "fields[2]: missing \"label\"", "fields[3].type: \"integer\" not in enum", "reference_prefix: \"pot\" does not match"} {
		if !strings.Contains(got, want) {
			t.Errorf("schema check missed %q; got:\n%s", want, got)
		}
	}
}

func toJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// validateJSON checks v against the subset of JSON Schema 2020-12 that
// schema.json uses, and fails on any keyword outside that subset so the
// schema cannot grow a rule this test silently ignores.
func validateJSON(t *testing.T, root, node map[string]any, v any, path string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, path+": "+fmt.Sprintf(format, args...)) }
	obj, isObj := v.(map[string]any)
	arr, isArr := v.([]any)
	str, isStr := v.(string)
	num, isNum := v.(float64)
	keys := make([]string, 0, len(node))
	for k := range node {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kw := node[k]
		switch k {
		case "$schema", "$id", "$defs", "title", "description":
		case "$ref":
			problems = append(problems, validateJSON(t, root, resolve(t, root, node), v, path)...)
		case "type":
			ok := map[string]bool{"object": isObj, "array": isArr, "string": isStr, "number": isNum,
				"integer": isNum && num == math.Trunc(num), "boolean": reflect.TypeOf(v) == reflect.TypeFor[bool]()}[kw.(string)]
			if !ok {
				bad("want %s, got %v", kw, v)
				return problems
			}
		case "enum":
			if !slices.Contains(kw.([]any), v) {
				bad("%q not in enum %v", v, kw)
			}
		case "pattern":
			if isStr && !regexp.MustCompile(kw.(string)).MatchString(str) {
				bad("%q does not match %s", str, kw)
			}
		case "minLength", "maxLength":
			if n := float64(len([]rune(str))); isStr && (k == "minLength" && n < kw.(float64) || k == "maxLength" && n > kw.(float64)) {
				bad("length %v outside %s %v", n, k, kw)
			}
		case "minimum", "maximum":
			if isNum && (k == "minimum" && num < kw.(float64) || k == "maximum" && num > kw.(float64)) {
				bad("%v outside %s %v", num, k, kw)
			}
		case "minItems", "maxItems":
			if n := float64(len(arr)); isArr && (k == "minItems" && n < kw.(float64) || k == "maxItems" && n > kw.(float64)) {
				bad("%v items outside %s %v", n, k, kw)
			}
		case "minProperties", "maxProperties":
			if n := float64(len(obj)); isObj && (k == "minProperties" && n < kw.(float64) || k == "maxProperties" && n > kw.(float64)) {
				bad("%v keys outside %s %v", n, k, kw)
			}
		case "uniqueItems":
			seen := map[string]bool{}
			for _, item := range arr {
				s := fmt.Sprint(item)
				if seen[s] {
					bad("%v is listed twice", item)
				}
				seen[s] = true
			}
		case "required":
			for _, r := range kw.([]any) {
				if _, ok := obj[r.(string)]; isObj && !ok {
					bad("missing %q", r)
				}
			}
		case "items":
			for i, item := range arr {
				problems = append(problems, validateJSON(t, root, kw.(map[string]any), item, fmt.Sprintf("%s[%d]", path, i))...)
			}
		case "properties":
			props := kw.(map[string]any)
			for name, val := range obj {
				if p, ok := props[name]; ok {
					problems = append(problems, validateJSON(t, root, p.(map[string]any), val, joinPath(path, name))...)
				}
			}
		case "additionalProperties":
			if kw != false {
				t.Fatalf("%s: only additionalProperties: false is used", path)
			}
			props, _ := node["properties"].(map[string]any)
			for name := range obj {
				if _, ok := props[name]; !ok {
					bad("unknown key %q", name)
				}
			}
		default:
			t.Fatalf("schema uses %q, which this test does not check", k)
		}
	}
	return problems
}

// unknownKeys reports object keys the schema does not declare, ignoring
// values: a served Definition has empty strings and nulls where the YAML
// simply left a key out.
func unknownKeys(t *testing.T, root, node map[string]any, v any, path string) []string {
	node = resolve(t, root, node)
	var problems []string
	switch v := v.(type) {
	case map[string]any:
		props, _ := node["properties"].(map[string]any)
		for name, val := range v {
			p, ok := props[name].(map[string]any)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: unknown key %q", path, name))
				continue
			}
			problems = append(problems, unknownKeys(t, root, p, val, joinPath(path, name))...)
		}
	case []any:
		items, _ := node["items"].(map[string]any)
		for i, item := range v {
			problems = append(problems, unknownKeys(t, root, items, item, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return problems
}

// allKeys lists every YAML key of the language, from types.go.
func allKeys() []string {
	seen := map[string]bool{}
	var keys []string
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct {
			return
		}
		ks := yamlKeys(rt)
		for _, k := range ks.names {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
			walk(rt.Field(ks.index[k]).Type)
		}
	}
	walk(reflect.TypeFor[Definition]())
	return keys
}
