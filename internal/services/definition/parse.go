package definition

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// decodeStrict decodes one YAML document into a Definition, refusing unknown
// keys so a typo in a definition is an error rather than a silent default.
func decodeStrict(b []byte) (*Definition, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var d Definition
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("definition: %w", err)
	}
	return &d, nil
}
