package lenet_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/models/internal/modeltest"
	"github.com/gradgraph/gradgraph/train"
)

// childEnv names the checkpoint of TestChildLeNet, the child process of
// TestKilledRunResumesBitIdentical.
const childEnv = "GRADGRAPH_LENET_CHILD"

// TestKilledRunResumesBitIdentical trains the network with dropout in a
// child process, kills it with SIGKILL once it has checkpointed a few
// epochs, resumes from the checkpoint here, and checks that the params
// equal, bit for bit, those of an uninterrupted run with the same seed:
// the shuffling, the dropout masks and Adam's state all continue where the
// killed run left them.
func TestKilledRunResumesBitIdentical(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("this is the child process")
	}
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildLeNet$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+ckpt)
	require.NoError(t, cmd.Start())
	epoch := 0
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if epoch = checkpointEpoch(ckpt); epoch >= 3 {
			break
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	require.Error(t, cmd.Wait(), "the child was killed, not finished")
	epoch = checkpointEpoch(ckpt)
	require.GreaterOrEqual(t, epoch, 3, "the child wrote checkpoints before it was killed")
	total := epoch + 2

	resumedNet, resumed := newTrainer(t, "")
	require.NoError(t, resumed.Resume(ckpt))
	assert.Equal(t, epoch, resumed.Epoch())
	require.NoError(t, resumed.Run(context.Background(), total))

	straightNet, straight := newTrainer(t, "")
	require.NoError(t, straight.Run(context.Background(), total))

	assert.Equal(t, modeltest.Float32s(straightNet.Params), modeltest.Float32s(resumedNet.Params), "bit-identical params")
	assert.Equal(t, straight.History()[total-1].Loss, resumed.History()[total-1].Loss)
}

// TestChildLeNet is the child process of TestKilledRunResumesBitIdentical:
// it trains, checkpointing every epoch, until it is killed.
func TestChildLeNet(t *testing.T) {
	ckpt := os.Getenv(childEnv)
	if ckpt == "" {
		t.Skip("only runs as the child of TestKilledRunResumesBitIdentical")
	}
	_, tr := newTrainer(t, ckpt)
	tr.OnEpoch = func(train.EpochStats) error { time.Sleep(20 * time.Millisecond); return nil }
	require.NoError(t, tr.Run(context.Background(), 100000))
}

// checkpointEpoch returns the epoch recorded in a checkpoint file, 0 while
// there is none. The file is written atomically: it is never seen
// half-written.
func checkpointEpoch(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var c struct {
		Body struct {
			Epoch int `json:"epoch"`
		} `json:"body"`
	}
	if json.Unmarshal(data, &c) != nil {
		panic("a checkpoint was read half-written: " + strconv.Quote(string(data[:min(len(data), 80)])))
	}
	return c.Body.Epoch
}
