package train

import (
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// checkpointFormat names the checkpoint file format and its version.
const checkpointFormat = "gradgraph-checkpoint/1"

// checkpoint is the file written at the end of every epoch: the network in
// the spec format (every float64 in its shortest round-trip form, so float32
// and float64 values come back bit for bit), the solver's state, and where
// the run stands. Shuffling depends only on (seed, epoch), so these are all
// a resumed run needs to continue exactly as an uninterrupted one.
type checkpoint struct {
	Format    string          `json:"format"`
	Epoch     int             `json:"epoch"`
	Seed      uint64          `json:"seed"`
	BatchSize int             `json:"batch_size"`
	Dtype     string          `json:"dtype"`
	Network   json.RawMessage `json:"network"`
	Solver    []byte          `json:"solver,omitempty"`
	History   []EpochStats    `json:"history"`
}

// SaveCheckpoint writes the loop's state to path atomically.
func (l *Loop) SaveCheckpoint(path string) error {
	net, err := mlp.MarshalNetwork(l.Network())
	if err != nil {
		return err
	}
	c := checkpoint{Format: checkpointFormat, Epoch: l.epoch, Seed: l.seed, BatchSize: l.batch,
		Dtype: l.net.Dtype().String(), Network: net, History: l.history}
	if m, ok := l.opt.(encoding.BinaryMarshaler); ok {
		if c.Solver, err = m.MarshalBinary(); err != nil {
			return fmt.Errorf("train: checkpoint: solver state: %w", err)
		}
	}
	err = atomicfile.Write(path, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(c)
	})
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// Resume restores the state saved by SaveCheckpoint into a loop created
// with the same network shape, data, batch size, seed and solver settings,
// so that Run continues where the saved run stopped.
func (l *Loop) Resume(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	var c checkpoint
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("train: resume: %s: %v", path, err)
	}
	if c.Format != checkpointFormat {
		return fmt.Errorf("train: resume: %s: format %q, want %q", path, c.Format, checkpointFormat)
	}
	if c.Seed != l.seed || c.BatchSize != l.batch || c.Dtype != l.net.Dtype().String() {
		return fmt.Errorf("train: resume: %s was written with seed %d, batch size %d, %s; this run has seed %d, batch size %d, %s",
			path, c.Seed, c.BatchSize, c.Dtype, l.seed, l.batch, l.net.Dtype())
	}
	net, err := mlp.ParseNetwork(c.Network, l.net.Dtype())
	if err != nil {
		return fmt.Errorf("train: resume: %s: network: %v", path, err)
	}
	if err := l.SetParams(net); err != nil {
		return fmt.Errorf("train: resume: %s: %v", path, err)
	}
	if u, ok := l.opt.(encoding.BinaryUnmarshaler); ok && c.Solver != nil {
		if err := u.UnmarshalBinary(c.Solver); err != nil {
			return fmt.Errorf("train: resume: %s: solver state: %v", path, err)
		}
	}
	l.epoch = c.Epoch
	l.history = c.History
	return nil
}

// SetParams copies net's weights and biases into the loop's parameters;
// net must have the loop network's sizes, activations and cost.
func (l *Loop) SetParams(net *mlp.Network) error {
	want := l.net.Sizes()
	got := net.Sizes()
	if fmt.Sprint(want) != fmt.Sprint(got) || net.Cost != l.net.Cost {
		return fmt.Errorf("network %v with cost %s, want %v with cost %s", got, net.Cost, want, l.net.Cost)
	}
	for j, layer := range net.Layers {
		if layer.Activation != l.net.Layers[j].Activation {
			return fmt.Errorf("layers[%d].activation: %s, want %s", j, layer.Activation, l.net.Layers[j].Activation)
		}
		if err := l.full.Weights[j].Set(layer.Weights); err != nil {
			return err
		}
		if err := l.full.Biases[j].Set(layer.Bias); err != nil {
			return err
		}
	}
	return nil
}
