package jsonobj

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFields(t *testing.T) {
	allowed, required := []string{"a", "b", "c d"}, []string{"a"}
	f, err := Fields("x", []byte(` {"a": 1, "c d": [2, {"a": 3, "a": 4}]} `), allowed, required)
	require.NoError(t, err)
	assert.Equal(t, "1", string(f["a"]))
	assert.Equal(t, `[2, {"a": 3, "a": 4}]`, string(f["c d"]), "only the object's own keys are checked")
	for _, c := range []struct{ doc, want string }{
		{`{"a": 1, "a": 2}`, "x.a: duplicate field"},
		{`{"a": 1, "A": 2}`, "x.A: unknown field"},
		{`{"A": 1}`, "x.A: unknown field"},
		{`{"b": 1}`, "x.a: missing field"},
		{`{"a": 1, "c d": 2, "c d": 3}`, `x."c d": duplicate field`},
		{`[1]`, "x: got array, want an object"},
		{``, "x: got nothing, want an object"},
		{`{"a": 1,}`, "x: invalid JSON: invalid character '}' looking for beginning of object key string"},
		{`{"a": 1} {}`, "x: invalid JSON: invalid character '{' after top-level value"},
	} {
		_, err := Fields("x", []byte(c.doc), allowed, required)
		assert.EqualError(t, err, c.want, c.doc)
	}
	_, err = Fields("", []byte(`{"a": 1, "a": 2}`), nil, nil)
	assert.EqualError(t, err, "a: duplicate field", "nil allows any key, once")
	_, err = Fields("", []byte(`3`), nil, nil)
	assert.EqualError(t, err, "document: got number, want an object")
}
