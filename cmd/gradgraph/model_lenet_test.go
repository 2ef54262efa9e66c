package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/lenet"
	"github.com/gradgraph/gradgraph/train"
)

// TestTrainLeNet trains a narrow LeNet on 1000 images for two epochs,
// saves its params, and loads them back by name into the same network.
func TestTrainLeNet(t *testing.T) {
	st := filepath.Join(t.TempDir(), "lenet.safetensors")
	out, errOut, code := runCLI("train", "--model", "lenet", "--limit", "1200", "--val", "200", "--epochs", "2",
		"--channels", "4,8", "--hidden", "32,16", "--batch", "32", "--eta", "0.003", "--save", st, "--json")
	require.Equal(t, 0, code, errOut)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	assert.Equal(t, "lenet", s["model"])
	assert.Equal(t, "4c5-p2-8c5-p2-32-16-10", s["architecture"])
	assert.Equal(t, 2.0, s["epochs"])
	assert.Equal(t, 1000.0, s["train_images"])
	assert.Equal(t, 10000.0, s["test_images"])
	assert.Greater(t, s["test_accuracy"], 0.3, "two epochs on 1000 images beat chance (0.1)")
	assert.Len(t, s["history"], 2)
	assert.Contains(t, s, "seconds")

	n, err := lenet.New(lenet.Config{MaxBatch: 1, DType: graph.Float32, Conv1: 4, Conv2: 8, Hidden1: 32, Hidden2: 16})
	require.NoError(t, err)
	meta, err := train.LoadParams(st, n.Params)
	require.NoError(t, err)
	assert.Equal(t, "lenet", meta["model"])
	assert.Equal(t, "4c5-p2-8c5-p2-32-16-10", meta["architecture"])
}

func TestTrainLeNetBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--channels", "16"}, `--channels: "16", want two sizes, comma-separated`},
		{[]string{"--channels", "16,x"}, `--channels: "x" is not a size in 1 … 1024`},
		{[]string{"--hidden", "0,5"}, `--hidden: "0" is not a size in 1 … 1024`},
		{[]string{"--hidden", "5,2000"}, `--hidden: "2000" is not a size in 1 … 1024`},
		{[]string{"--dropout", "1"}, "--dropout: 1, want a ratio in [0, 1)"},
		{[]string{"--dropout", "-0.1"}, "--dropout: -0.1, want a ratio in [0, 1)"},
		{[]string{"--layers", "8"}, "--layers: not a flag of gradgraph train --model lenet (see gradgraph train --model lenet --help)"},
	} {
		out, errOut, code := runCLI(append([]string{"train", "--model", "lenet"}, c.args...)...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, out)
		assert.Equal(t, "gradgraph: "+c.want+"\n", errOut, c.args)
	}
}
