package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func vaeArgs(extra ...string) []string {
	return append([]string{"--limit", "2200", "--val", "200", "--hidden", "48", "--latent", "4", "--batch", "50", "--eta", "0.005"}, extra...)
}

// TestVAETrainsAndDraws trains the VAE on part of MNIST and checks the
// JSON summary, the text output and the three pictures.
func TestVAETrainsAndDraws(t *testing.T) {
	dir := t.TempDir()
	samples, recs, plot := filepath.Join(dir, "s.png"), filepath.Join(dir, "r.png"), filepath.Join(dir, "p.png")
	out, errOut, code := trainCLI("vae", vaeArgs("--epochs", "5", "--json", "--samples", samples, "--reconstructions", recs, "--plot", plot)...)
	require.Equal(t, 0, code, errOut)
	var s struct {
		Epochs      int     `json:"epochs"`
		TestELBO    float64 `json:"test_elbo"`
		TestRecon   float64 `json:"test_recon"`
		TestKL      float64 `json:"test_kl"`
		TrainImages int     `json:"train_images"`
		History     []struct {
			Loss       float64            `json:"loss"`
			ValMetrics map[string]float64 `json:"val_metrics"`
		} `json:"history"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	assert.Equal(t, 5, s.Epochs)
	assert.Equal(t, 2000, s.TrainImages)
	require.Len(t, s.History, 5)
	t.Logf("test ELBO %.2f (reconstruction %.2f, KL %.2f); validation ELBO after epochs 1, 3 and 5: %.2f %.2f %.2f", s.TestELBO, s.TestRecon, s.TestKL,
		s.History[0].ValMetrics["elbo"], s.History[2].ValMetrics["elbo"], s.History[4].ValMetrics["elbo"])
	assert.Greater(t, s.History[4].ValMetrics["elbo"], s.History[0].ValMetrics["elbo"], "the ELBO rises")
	assert.InDelta(t, -s.TestELBO, s.TestRecon+s.TestKL, 1e-3)
	// A model that ignores the image and gives each pixel its mean
	// intensity over the training images costs this many nats a test
	// image: the VAE must beat it by far.
	trainSet, testSet, err := loadMNIST("", 2000)
	require.NoError(t, err)
	mean := make([]float64, 784)
	for k := range trainSet.Len() {
		for i, x := range trainSet.Sample(k) {
			mean[i] += float64(x) / float64(trainSet.Len())
		}
	}
	var constant float64
	for k := range testSet.Len() {
		for i, x := range testSet.Sample(k) {
			p := min(1-1e-6, max(1e-6, mean[i]))
			constant -= float64(x)*math.Log(p) + (1-float64(x))*math.Log(1-p)
		}
	}
	constant /= float64(testSet.Len())
	t.Logf("the mean image costs %.2f nats a test image", constant)
	assert.Greater(t, s.TestELBO, -constant+20)
	for _, c := range []struct {
		path string
		w, h int
	}{
		{samples, 2 + 8*(56+2), 2 + 8*(56+2)},
		{recs, 2 + 8*(56+2), 2 + 8*(56+2)},
		{plot, 960, 384},
	} {
		f, err := os.Open(c.path)
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err, c.path)
		assert.Equal(t, c.w, img.Bounds().Dx(), c.path)
		assert.Equal(t, c.h, img.Bounds().Dy(), c.path)
	}

	out, errOut, code = trainCLI("vae", vaeArgs("--epochs", "1", "--progress=false")...)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, regexp.MustCompile(`^training a VAE 784-48-\(4\)-48-784 \(\d+ parameters\) on 2000 images \(200 for validation\), adam η₀ 0\.005 constant, batch 50, 1 epoch, float32
epoch  1  ELBO -\d+\.\d\d  val ELBO -\d+\.\d\d \(reconstruction \d+\.\d\d, KL \d+\.\d\d\)  \d+\.\ds
test ELBO -\d+\.\d\d nats per image \(reconstruction \d+\.\d\d, KL \d+\.\d\d\) on 10000 images, \d+\.\ds of training
$`), out)
}

// TestVAEResumes: a run of 2 epochs resumed from the checkpoint of the
// first ends as the uninterrupted run does.
func TestVAEResumes(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "vae.ckpt")
	_, errOut, code := trainCLI("vae", vaeArgs("--epochs", "1", "--checkpoint", ckpt, "--json")...)
	require.Equal(t, 0, code, errOut)
	resumed, errOut, code := trainCLI("vae", vaeArgs("--epochs", "2", "--checkpoint", ckpt, "--resume", "--json")...)
	require.Equal(t, 0, code, errOut)
	straight, errOut, code := trainCLI("vae", vaeArgs("--epochs", "2", "--json")...)
	require.Equal(t, 0, code, errOut)
	var a, b map[string]any
	require.NoError(t, json.Unmarshal([]byte(resumed), &a))
	require.NoError(t, json.Unmarshal([]byte(straight), &b))
	assert.Equal(t, b["test_elbo"], a["test_elbo"])
	assert.Equal(t, b["history"].([]any)[1].(map[string]any)["val_metrics"], a["history"].([]any)[1].(map[string]any)["val_metrics"])

	_, errOut, code = trainCLI("vae", vaeArgs("--epochs", "2", "--checkpoint", ckpt, "--resume", "--latent", "5")...)
	assert.Equal(t, 2, code)
	assert.Equal(t, fmt.Sprintf("gradgraph: --latent: 5, but the checkpoint %s was written with 4 (a resumed run keeps the settings it started with)\n", ckpt), errOut)
}

func TestVAEBadFlags(t *testing.T) {
	dir := t.TempDir()
	same := filepath.Join(dir, "x.png")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--latent", "0"}, "--hidden and --latent must be > 0"},
		{[]string{"--val", "-1"}, "--val and --limit must be ≥ 0"},
		{[]string{"--limit", "100", "--val", "100"}, "--val: 100 leaves no training images out of 100"},
		{[]string{"--batch", "0"}, "--batch: 0, want > 0"},
		{[]string{"--decay", "-2"}, "--decay: -2, want a finite number ≥ 0"},
		{[]string{"--hidden", "20000"}, "--hidden at most 16384, --latent at most 4096"},
		{[]string{"--samples", same, "--plot", same}, "--plot and --samples name the same file " + same},
		{[]string{"--reconstructions", dir}, "--reconstructions: " + dir + " is a directory"},
		{[]string{"--samples"}, "--samples: needs a value"},
		{[]string{"--save", same, "--reconstructions", same}, "--save and --reconstructions name the same file " + same},
		{[]string{"--samples", filepath.Join(dir, "no", "such", "dir", "s.png")}, "--samples: "},
	} {
		out, errOut, code := trainCLI("vae", c.args...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, out, c.args)
		assert.True(t, strings.HasPrefix(errOut, "gradgraph: "+c.want), "%v: %s", c.args, errOut)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), c.args)
	}
}

// TestVAEHelp: the vae model is listed by train --help, and its own
// --help lists its flags with the common ones, at its defaults.
func TestVAEHelp(t *testing.T) {
	out, errOut, code := runCLI("train", "--help")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "vae (a variational auto-encoder on MNIST, with generated digits and reconstructions)")
	out, errOut, code = trainCLI("vae", "--help")
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "Usage: gradgraph train --model vae [flags]\n"), out)
	for _, f := range []string{"--data", "--limit", "--val", "--hidden", "--latent", "--samples", "--reconstructions",
		"--epochs", "--batch", "--eta", "--decay", "--save", "--plot", "--checkpoint", "--resume", "--json"} {
		assert.Regexp(t, "\n  "+f+"[ \n]", out, f)
	}
	for _, d := range []string{"number of epochs (default 20)", "mini-batch size (default 128)", "Adam's learning rate η₀ (default 0.001)",
		"hidden layer (default 400)", "latent code z (default 20)", "validation (default 5000)"} {
		assert.Contains(t, out, d)
	}
	assert.NotContains(t, out, "--temperature")
}
