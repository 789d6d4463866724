package definition

import (
	"os"
	"strings"
	"testing"
)

// The complete example in docs/services.md is a real, valid definition, and
// every key of the language is documented there.
func TestDocsExampleIsValid(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/services.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- example: report-a-pothole")
	if !ok {
		t.Fatal("docs/services.md lost its example marker")
	}
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("unterminated example")
	}
	d, err := Parse([]byte(example), "docs/services.md example")
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "report-a-pothole" {
		t.Errorf("example is %q", d.ID)
	}
	for _, key := range allKeys() {
		if !strings.Contains(string(doc), "`"+key+"`") {
			t.Errorf("docs/services.md does not mention `%s`", key)
		}
	}
}
