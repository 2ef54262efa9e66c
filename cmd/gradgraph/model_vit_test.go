package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/vit"
	"github.com/gradgraph/gradgraph/train"
)

// TestTrainViT trains a narrow transformer on 1000 images for two epochs,
// saves its params, and loads them back by name into the same network.
func TestTrainViT(t *testing.T) {
	st := filepath.Join(t.TempDir(), "vit.safetensors")
	out, errOut, code := runCLI("train", "--model", "vit", "--limit", "1200", "--val", "200", "--epochs", "2",
		"--dim", "16", "--heads", "2", "--depth", "1", "--mlp", "32", "--batch", "32", "--save", st, "--json")
	require.Equal(t, 0, code, errOut)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	assert.Equal(t, "vit", s["model"])
	assert.Equal(t, "patch 7 (16 tokens), dim 16, 2 heads, depth 1, mlp 32", s["architecture"])
	assert.Equal(t, 2.0, s["epochs"])
	assert.Equal(t, 1000.0, s["train_images"])
	assert.Greater(t, s["test_accuracy"], 0.3, "two epochs on 1000 images beat chance (0.1)")

	n, err := vit.New(vit.Config{MaxBatch: 1, DType: graph.Float32, Dim: 16, Heads: 2, Depth: 1, MLP: 32})
	require.NoError(t, err)
	meta, err := train.LoadParams(st, n.Params)
	require.NoError(t, err)
	assert.Equal(t, "vit", meta["model"])
}

func TestTrainViTBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--patch", "5"}, "--patch: 5, want a divisor of 28"},
		{[]string{"--patch", "0"}, "--patch: 0, want a size in 1 … 1024"},
		{[]string{"--dim", "30"}, "--heads: 4 does not divide --dim 30"},
		{[]string{"--depth", "-1"}, "--depth: -1, want a size in 1 … 1024"},
		{[]string{"--mlp", "4096"}, "--mlp: 4096, want a size in 1 … 1024"},
		{[]string{"--dropout", "1"}, "--dropout: 1, want a ratio in [0, 1)"},
		{[]string{"--channels", "4,8"}, "--channels: not a flag of gradgraph train --model vit (see gradgraph train --model vit --help)"},
	} {
		out, errOut, code := runCLI(append([]string{"train", "--model", "vit"}, c.args...)...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, out)
		assert.Equal(t, "gradgraph: "+c.want+"\n", errOut, c.args)
	}
}
