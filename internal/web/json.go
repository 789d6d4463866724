package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// DecodeJSON reads one JSON value from the request body into v, strictly:
// the body must be application/json, within the route's size limit, valid
// UTF-8 with no control characters in strings, a single value, and contain
// only fields v knows. Errors are platform errors naming what to fix.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return platform.Invalid("The request body must be JSON, sent with Content-Type: application/json.")
		}
	}
	if r.Body == nil {
		return platform.Invalid("The request body is empty; send a JSON object.")
	}
	limit := int64(1 << 20)
	if st := stateOf(r); st != nil && st.bodyLimit > 0 {
		limit = st.bodyLimit
	}
	// Read one byte beyond the limit to tell "exactly full" from "too big"
	// even when no MaxBytesReader is installed (tests, other muxes).
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(err)
		}
		return &platform.Error{Code: platform.CodeInvalid, Message: "The request body could not be read.", Err: err}
	}
	if int64(len(body)) > limit {
		return tooLarge(fmt.Errorf("body over %d bytes", limit))
	}
	return UnmarshalStrict(body, v)
}

// UnmarshalStrict applies DecodeJSON's rules to a byte slice.
func UnmarshalStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return platform.Invalid("The request body is empty; send a JSON object.")
	}
	if !utf8.Valid(body) {
		return platform.Invalid("The request body is not valid UTF-8.")
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return platform.Invalid("The request body must contain a single JSON value.")
	}
	return nil
}

// checkJSONText walks the tokens once so that syntax errors are reported
// with their position and no string (key or value) smuggles in a control
// character such as NUL through a \u escape.
func checkJSONText(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return jsonError(err)
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
				if depth > 64 {
					return platform.Invalid("The JSON is nested too deeply.")
				}
			} else {
				depth--
			}
		case string:
			if !validText(t) {
				return platform.Invalid("The JSON contains a string with control characters, which are not allowed.")
			}
		}
	}
}

// jsonError turns encoding/json's errors into messages a client can act on.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &platform.Error{Code: platform.CodeInvalid, Message: fmt.Sprintf("The request body is not valid JSON (at byte %d).", se.Offset), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &platform.Error{Code: platform.CodeInvalid, Message: "The request body ends in the middle of a JSON value.", Err: err}
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return &platform.Error{Code: platform.CodeInvalid, Message: fmt.Sprintf("The request body must be %s, not %s.", jsonKind(te.Type), te.Value), Err: err}
		}
		return &platform.Error{Code: platform.CodeInvalid, Message: "A field has the wrong type.", Err: err,
			Fields: []platform.FieldError{{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type), te.Value)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this; the message format
		// is stable (it is documented by its tests).
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &platform.Error{Code: platform.CodeInvalid, Message: "The request body has a field this operation does not accept.", Err: err,
			Fields: []platform.FieldError{{Field: name, Message: "is not a known field"}}}
	}
	return &platform.Error{Code: platform.CodeInvalid, Message: "The request body is not valid JSON.", Err: err}
}

func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// WriteJSON writes v as JSON with the given status. It encodes before
// writing anything, so an error (returned only for a value that cannot be
// encoded) can still become a problem response; a failed write means the
// client went away and is not reported.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return platform.Internal(fmt.Errorf("encoding JSON response: %w", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}
