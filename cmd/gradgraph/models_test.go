package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/train"
)

// The registry's tests train "softmax", a model that exists only in this
// test binary: softmax regression on MNIST, built from ops.
func init() {
	registerModel("softmax", "softmax regression (a test model)", runDefaults{Epochs: 2, Batch: 64, Eta: 0.01, Decay: 1e-3},
		func(fs *flagSet) buildFunc {
			data := addMNISTFlags(fs, 500)
			scale := fs.Float64("init", 0.01, "scale of the initial weights")
			return func(c runConfig) (*modelRun, error) {
				if !(*scale >= 0) {
					return nil, usageErr("--init: %g, want ≥ 0", *scale)
				}
				trainSet, valSet, testSet, err := data.load()
				if err != nil {
					return nil, err
				}
				m, err := softmaxModel(c, *scale)
				if err != nil {
					return nil, err
				}
				return &modelRun{Model: m, Train: train.Rows(trainSet), Val: rowsOrNil(valSet),
					Describe: fmt.Sprintf("softmax on %d images (%d for validation)", trainSet.Len(), valSet.Len()),
					Settings: append(data.settings(), train.Setting{Name: "init", Value: fmt.Sprint(*scale)}),
					Summary:  map[string]any{"train_images": trainSet.Len()}, Report: testAccuracy(testSet),
					Metadata: map[string]string{"kind": "test"}}, nil
			}
		})
}

func softmaxModel(c runConfig, scale float64) (*train.Model, error) {
	g := graph.New()
	x := g.Input("images", c.DType, c.Batch, 28, 28).Batched(0)
	y := g.Input("labels", graph.Int64, c.Batch).Batched(0)
	w := make([]float64, 10*784)
	for i := range w {
		w[i] = scale * float64((i*7919+int(c.Seed))%101-50) / 50
	}
	var backing any = w
	if c.DType == graph.Float32 {
		w32 := make([]float32, len(w))
		for i, v := range w {
			w32[i] = float32(v)
		}
		backing = w32
	}
	wn := g.Param("fc.weight", tensor.New(tensor.WithShape(10, 784), tensor.WithBacking(backing)))
	logits := ops.MatMul(ops.Flatten(x, 1), wn, ops.TransB)
	loss := ops.SoftmaxCrossEntropyLoss(logits, y, nil, ops.LossOptions{})
	correct := ops.ReduceSum(ops.Cast(ops.Equal(ops.ArgMax(logits, 1, false, false), y), graph.Float64), false)
	if err := g.Err(); err != nil {
		return nil, err
	}
	return &train.Model{Inputs: []*graph.Node{x, y}, Loss: loss, Params: []*graph.Node{wn},
		Metrics: []train.Metric{{Name: "accuracy", Node: correct, Sum: true}}}, nil
}

func TestModelArg(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "mlp"},
		{[]string{"--epochs", "3"}, "mlp"},
		{[]string{"--model", "lenet"}, "lenet"},
		{[]string{"-model", "vit", "--epochs", "1"}, "vit"},
		{[]string{"--epochs", "1", "--model=lstm"}, "lstm"},
		{[]string{"-model=vae"}, "vae"},
		{[]string{"--model"}, "mlp"},
		{[]string{"--", "--model", "x"}, "mlp"},
		{[]string{"--models", "x"}, "mlp"},
	} {
		assert.Equal(t, c.want, modelArg(c.args), c.args)
	}
}

func TestTrainModelSaveResume(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	st := filepath.Join(dir, "params.safetensors")
	png := filepath.Join(dir, "curves.png")
	args := []string{"train", "--model", "softmax", "--limit", "1500", "--checkpoint", ckpt}
	out, errOut, code := runCLI(append(args, "--epochs", "1")...)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `^training softmax on 1000 images \(500 for validation\), adam η₀ 0.01 decay 0.001, batch 64, 1 epoch, float32
epoch  1  loss \d\.\d{4}  val loss \d\.\d{4}  val accuracy \d+\.\d\d%  \d+\.\ds
test accuracy \d+\.\d\d% \(10000 images\), \d+\.\ds of training
$`, out)

	out, errOut, code = runCLI(append(args, "--epochs", "3", "--resume", "--json", "--save", st, "--plot", png)...)
	require.Equal(t, 0, code, errOut)
	var resumed map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &resumed), out)
	for _, k := range []string{"model", "test_accuracy", "test_loss", "test_images", "epochs", "seconds", "history", "batch", "dtype", "seed", "eta", "decay", "params", "train_images"} {
		assert.Contains(t, resumed, k)
	}
	assert.Equal(t, "softmax", resumed["model"])
	assert.Equal(t, 3.0, resumed["epochs"])
	assert.Equal(t, 7840.0, resumed["params"])
	assert.Greater(t, resumed["test_accuracy"], 0.7)

	out, errOut, code = runCLI("train", "--model", "softmax", "--limit", "1500", "--epochs", "3", "--json")
	require.Equal(t, 0, code, errOut)
	var straight map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &straight))
	assert.Equal(t, straight["test_accuracy"], resumed["test_accuracy"], "a resumed run ends where an uninterrupted one does")
	assert.Equal(t, straight["history"].([]any)[2].(map[string]any)["loss"], resumed["history"].([]any)[2].(map[string]any)["loss"])

	// The saved params load by name into the model, and equal the run's.
	m, err := softmaxModel(runConfig{Batch: 1, DType: graph.Float32}, 0)
	require.NoError(t, err)
	meta, err := train.LoadParams(st, m.Params)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"model": "softmax", "producer": "gradgraph", "kind": "test"}, meta)
	info, err := os.Stat(png)
	require.NoError(t, err)
	assert.Greater(t, info.Size(), int64(1000))

	// Another setting than the checkpoint's is refused, naming the flag.
	_, errOut, code = runCLI(append(args, "--epochs", "4", "--resume", "--init", "0.5")...)
	assert.Equal(t, 2, code)
	assert.Equal(t, "gradgraph: --init: 0.5, but the checkpoint "+ckpt+" was written with 0.01 (a resumed run keeps the settings it started with)\n", errOut)
	_, errOut, code = runCLI(append(args, "--epochs", "4", "--resume", "--eta", "0.1")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "gradgraph: --eta: 0.1, but the checkpoint")
}

func TestTrainModelBadFlags(t *testing.T) {
	dir := t.TempDir()
	all := strings.Join(modelNames(), ", ") // mlp, then the registered models, sorted
	require.True(t, strings.HasPrefix(all, "mlp, ") && strings.Contains(all, "softmax"), all)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "zzzzzz"}, `--model: unknown model "zzzzzz" (want ` + all + `)`},
		{[]string{"--model", "softmx"}, `--model: unknown model "softmx" (want ` + all + `); did you mean softmax?`},
		{[]string{"--model", "softmax", "--model", "mlp"}, "--model: softmax and mlp: one model a run"},
		{[]string{"--model", "mlp", "--model", "softmax"}, "--model: mlp and softmax: one model a run"},
		{[]string{"--model", "softmax", "--layers", "32"}, "--layers: not a flag of gradgraph train --model softmax (see gradgraph train --model softmax --help)"},
		{[]string{"--model", "softmax", "--batch", "0"}, "--batch: 0, want > 0"},
		{[]string{"--model", "softmax", "--epochs", "0"}, "--epochs: 0, want > 0"},
		{[]string{"--model", "softmax", "--eta", "0"}, "--eta: 0, want a finite number > 0"},
		{[]string{"--model", "softmax", "--eta", "NaN"}, "--eta: NaN, want a finite number > 0"},
		{[]string{"--model", "softmax", "--decay", "-1"}, "--decay: -1, want a finite number ≥ 0"},
		{[]string{"--model", "softmax", "--dtype", "int8"}, `--dtype: unknown dtype "int8" (want float64 or float32)`},
		{[]string{"--model", "softmax", "--resume"}, "--resume needs --checkpoint FILE"},
		{[]string{"--model", "softmax", "--save", dir}, "--save: " + dir + " is a directory"},
		{[]string{"--model", "softmax", "--save", "x.st", "--plot", "./x.st"}, "--save and --plot name the same file ./x.st"},
		{[]string{"--model", "softmax", "--init", "-1"}, "--init: -1, want ≥ 0"},
		{[]string{"--model", "softmax", "--limit", "100", "--val", "100"}, "--val: 100 leaves no training images out of 100"},
		{[]string{"--model", "softmax", "--val", "-1"}, "--val and --limit must be ≥ 0"},
	} {
		out, errOut, code := runCLI(append([]string{"train"}, c.args...)...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, out)
		assert.Equal(t, "gradgraph: "+c.want+"\n", errOut, c.args)
	}
}

func TestTrainModelHelp(t *testing.T) {
	out, errOut, code := runCLI("train", "--model", "softmax", "--help")
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "Usage: gradgraph train --model softmax [flags]\n"), out)
	for _, f := range []string{"--init", "--limit", "--val", "--data", "--epochs", "--save", "--checkpoint"} {
		assert.Contains(t, out, "\n  "+f+" ")
	}
	assert.Contains(t, out, "mini-batch size (default 64)", "the model's defaults")
	assert.NotContains(t, out, "--layers")
	out, _, code = runCLI("train", "--help")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "softmax (softmax regression (a test model))")
	assert.Contains(t, out, "--layers")
}
