// Package jsonobj splits a JSON object into its fields strictly, for the
// files gradgraph reads: a key must match exactly (encoding/json matches
// struct fields case-insensitively and lets the last of two equal keys
// win), and duplicate, unknown and missing keys are one-line errors that
// name the field.
package jsonobj

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// Error is a problem with one field: its message is "Field: Msg".
type Error struct {
	// Field is the path of the field ("solver.rho", "layers[0]"), or the
	// name given for the whole document.
	Field string
	// Msg says what is wrong with it.
	Msg string
}

// Error returns "Field: Msg".
func (e *Error) Error() string { return e.Field + ": " + e.Msg }

// Fields returns the fields of the JSON object raw by key. The object may
// hold only the keys in allowed (any key when allowed is nil), each at most
// once, and must hold every key in required. path is the object's path in messages: a field's path
// is path.key, or key alone when path is "" (then the object itself is
// called "document").
func Fields(path string, raw []byte, allowed, required []string) (map[string]json.RawMessage, error) {
	name := path
	if name == "" {
		name = "document"
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, &Error{name, "got " + Kind(raw) + ", want an object"}
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return nil, &Error{name, "invalid JSON: " + err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, &Error{name, err.Error()}
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &Error{name, err.Error()}
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, &Error{Join(path, key), err.Error()}
		}
		if allowed != nil && !slices.Contains(allowed, key) {
			return nil, &Error{Join(path, key), "unknown field"}
		}
		if _, dup := fields[key]; dup {
			return nil, &Error{Join(path, key), "duplicate field"}
		}
		fields[key] = v
	}
	for _, k := range required {
		if _, ok := fields[k]; !ok {
			return nil, &Error{Join(path, k), "missing field"}
		}
	}
	return fields, nil
}

// Join returns the path of field key inside the object at path; a key
// that is not a plain identifier is quoted.
func Join(path, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if !plain {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Kind names the JSON type of a value: "object", "array", "string",
// "boolean", "null", "number", or "nothing" for empty input.
func Kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// Sorted returns the keys of fields in sorted order.
func Sorted(fields map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Snippet returns a JSON value as a message quotes it: compacted, and cut
// to 40 bytes with "..." when longer.
func Snippet(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return Shorten(string(raw))
	}
	return Shorten(b.String())
}

// Shorten cuts s to 40 bytes, the last three "...", when it is longer.
func Shorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
