package train

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/internal/jsonobj"
	"github.com/gradgraph/gradgraph/internal/regular"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// checkpointFormat names the checkpoint file format and its version.
const checkpointFormat = "gradgraph-checkpoint/2"

// maxCheckpointBytes bounds the size of a checkpoint file Resume reads:
// 1 GiB, some hundred times that of the MNIST network with Adam's state.
const maxCheckpointBytes = 1 << 30

// A checkpoint file is the JSON object
//
//	{"format": "gradgraph-checkpoint/2", "sha256": HEX, "body": {...}}
//
// where HEX is the SHA-256 of the exact bytes of body, so that a file that
// changed after it was written is refused rather than resumed from. The
// body holds everything that determines how the run continues: the
// network in the spec format (every float in its shortest round-trip form,
// so float32 and float64 values come back bit for bit), the solver's
// state, the epoch and the history, and every setting that changes the
// result — the seed, the batch size, the dtype, drop-last, the caller's
// Settings and the fingerprints of the training and validation data.
// Shuffling depends only on (seed, epoch), so a resumed run continues
// exactly as an uninterrupted one.
type checkpointBody struct {
	Epoch     int               `json:"epoch"`
	Seed      uint64            `json:"seed"`
	BatchSize int               `json:"batch_size"`
	Dtype     string            `json:"dtype"`
	DropLast  bool              `json:"drop_last"`
	TrainData string            `json:"train_data"`
	ValData   string            `json:"val_data"`
	Settings  map[string]string `json:"settings"`
	Network   json.RawMessage   `json:"network"`
	Solver    []byte            `json:"solver"`
	History   []EpochStats      `json:"history"`
}

var (
	fileFields = []string{"format", "sha256", "body"}
	bodyFields = []string{"epoch", "seed", "batch_size", "dtype", "drop_last", "train_data", "val_data",
		"settings", "network", "solver", "history"}
	historyFields = []string{"epoch", "loss", "val_accuracy", "seconds"}
)

// MismatchError reports a setting that differs between a checkpoint and
// the loop resuming from it.
type MismatchError struct {
	// Path is the checkpoint file.
	Path string
	// Setting is "seed", "batch_size", "dtype", "drop_last", "train_data"
	// or "val_data" (the data sets' fingerprints), or a key of
	// Options.Settings.
	Setting string
	// Checkpoint and Run are the setting's values in the checkpoint and in
	// the loop; "" when it is absent from one of them.
	Checkpoint, Run string
}

// Error says which setting differs and how.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("train: resume: %s was written with %s %s; this run has %s %s",
		e.Path, e.Setting, orUnset(e.Checkpoint), e.Setting, orUnset(e.Run))
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

// fingerprints returns those of the training and validation sets, computed
// once.
func (l *Loop) fingerprints() (trainData, valData string) {
	if l.trainPrint == "" {
		l.trainPrint = l.train.Fingerprint()
		l.valPrint = "none"
		if l.val != nil && l.val.Len() > 0 {
			l.valPrint = l.val.Fingerprint()
		}
	}
	return l.trainPrint, l.valPrint
}

// SaveCheckpoint writes the loop's state to path atomically.
func (l *Loop) SaveCheckpoint(path string) error {
	net, err := mlp.MarshalNetwork(l.Network())
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	trainData, valData := l.fingerprints()
	b := checkpointBody{Epoch: l.epoch, Seed: l.seed, BatchSize: l.batch, Dtype: l.net.Dtype().String(),
		DropLast: l.dropLast, TrainData: trainData, ValData: valData, Settings: map[string]string{},
		Network: net, History: l.history}
	for _, s := range l.settings {
		b.Settings[s.Name] = s.Value
	}
	if b.History == nil {
		b.History = []EpochStats{}
	}
	if m, ok := l.opt.(encoding.BinaryMarshaler); ok {
		if b.Solver, err = m.MarshalBinary(); err != nil {
			return fmt.Errorf("train: checkpoint: solver state: %w", err)
		}
	}
	body, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	sum := sha256.Sum256(body)
	err = atomicfile.Write(path, 0o666, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "{\"format\":%q,\"sha256\":%q,\"body\":%s}\n", checkpointFormat, hex.EncodeToString(sum[:]), body)
		return err
	})
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// Resume restores the state saved by SaveCheckpoint into a loop created
// with the same network, data, batch size, seed, drop-last, dtype and
// Settings, so that Run continues where the saved run stopped. Every field
// of the file is checked (its checksum first); a setting that differs is a
// *MismatchError. After an error the loop may hold part of the
// checkpoint's state: make a new one.
func (l *Loop) Resume(path string) error {
	data, err := regular.ReadFile(path, maxCheckpointBytes, "the 1 GiB a checkpoint may have")
	if err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	b, err := parseCheckpoint(data)
	if err != nil {
		return fmt.Errorf("train: resume: %s: %w", path, err)
	}
	mismatch := func(setting, ckpt, run string) error {
		if ckpt == run {
			return nil
		}
		return &MismatchError{Path: path, Setting: setting, Checkpoint: ckpt, Run: run}
	}
	checks := []struct{ setting, ckpt, run string }{
		{"seed", strconv.FormatUint(b.Seed, 10), strconv.FormatUint(l.seed, 10)},
		{"batch_size", strconv.Itoa(b.BatchSize), strconv.Itoa(l.batch)},
		{"dtype", b.Dtype, l.net.Dtype().String()},
		{"drop_last", strconv.FormatBool(b.DropLast), strconv.FormatBool(l.dropLast)},
	}
	// The run's settings in its order, then those only the checkpoint has.
	run := map[string]string{}
	for _, s := range l.settings {
		run[s.Name] = s.Value
		checks = append(checks, struct{ setting, ckpt, run string }{s.Name, b.Settings[s.Name], s.Value})
	}
	for _, k := range slices.Sorted(maps.Keys(b.Settings)) {
		if _, ok := run[k]; !ok {
			checks = append(checks, struct{ setting, ckpt, run string }{k, b.Settings[k], ""})
		}
	}
	for _, c := range checks {
		if err := mismatch(c.setting, c.ckpt, c.run); err != nil {
			return err
		}
	}
	trainData, valData := l.fingerprints()
	if err := mismatch("train_data", b.TrainData, trainData); err != nil {
		return err
	}
	if err := mismatch("val_data", b.ValData, valData); err != nil {
		return err
	}

	net, err := mlp.ParseNetwork(b.Network, l.net.Dtype())
	if err != nil {
		return fmt.Errorf("train: resume: %s: network.%v", path, err)
	}
	u, restores := l.opt.(encoding.BinaryUnmarshaler)
	switch {
	case restores && b.Solver == nil:
		return fmt.Errorf("train: resume: %s: solver: missing, and this run's optimizer keeps a state", path)
	case !restores && b.Solver != nil:
		return fmt.Errorf("train: resume: %s: solver: this run's optimizer (%T) cannot restore a state", path, l.opt)
	}
	if err := l.SetParams(net); err != nil {
		return fmt.Errorf("train: resume: %s: %v", path, err)
	}
	if restores {
		if err := u.UnmarshalBinary(b.Solver); err != nil {
			return fmt.Errorf("train: resume: %s: solver: %v", path, err)
		}
		// Every epoch takes the same number of steps: the state must be
		// that of the end of epoch b.Epoch.
		if s, ok := l.opt.(interface{ Steps() int }); ok {
			if want := b.Epoch * l.sampler.NumBatches(); s.Steps() != want {
				return fmt.Errorf("train: resume: %s: solver: %d steps taken, want %d (%d epochs of %d batches)",
					path, s.Steps(), want, b.Epoch, l.sampler.NumBatches())
			}
		}
	}
	l.epoch = b.Epoch
	l.history = b.History
	return nil
}

// parseCheckpoint checks the file's format and checksum, then every field
// of its body, and returns the body. Errors name the field.
func parseCheckpoint(data []byte) (*checkpointBody, error) {
	file, err := jsonobj.Fields("", data, fileFields, fileFields)
	if err != nil {
		return nil, err
	}
	var format, sum string
	if err := json.Unmarshal(file["format"], &format); err != nil || format != checkpointFormat {
		return nil, fmt.Errorf("format: %s, want %q", jsonobj.Snippet(file["format"]), checkpointFormat)
	}
	if err := json.Unmarshal(file["sha256"], &sum); err != nil {
		return nil, fmt.Errorf("sha256: %s, want a string", jsonobj.Snippet(file["sha256"]))
	}
	if got := sha256.Sum256(file["body"]); sum != hex.EncodeToString(got[:]) {
		return nil, errors.New("sha256: the body does not match its checksum: the file is damaged or was edited")
	}
	f, err := jsonobj.Fields("body", file["body"], bodyFields, bodyFields)
	if err != nil {
		return nil, err
	}
	b := &checkpointBody{Network: f["network"]}
	if b.Epoch, err = intField("body.epoch", f["epoch"], 0, math.MaxInt32); err != nil {
		return nil, err
	}
	if b.BatchSize, err = intField("body.batch_size", f["batch_size"], 1, math.MaxInt32); err != nil {
		return nil, err
	}
	if err := decodeStrict(f["seed"], &b.Seed); err != nil {
		return nil, fmt.Errorf("body.seed: %s, want an unsigned integer", jsonobj.Snippet(f["seed"]))
	}
	for _, s := range []struct {
		key string
		dst *string
	}{{"dtype", &b.Dtype}, {"train_data", &b.TrainData}, {"val_data", &b.ValData}} {
		if err := decodeStrict(f[s.key], s.dst); err != nil {
			return nil, fmt.Errorf("body.%s: %s, want a string", s.key, jsonobj.Snippet(f[s.key]))
		}
	}
	if b.Dtype != "float32" && b.Dtype != "float64" {
		return nil, fmt.Errorf("body.dtype: %q, want float32 or float64", b.Dtype)
	}
	if err := decodeStrict(f["drop_last"], &b.DropLast); err != nil {
		return nil, fmt.Errorf("body.drop_last: %s, want true or false", jsonobj.Snippet(f["drop_last"]))
	}
	settings, err := jsonobj.Fields("body.settings", f["settings"], nil, nil)
	if err != nil {
		return nil, err
	}
	b.Settings = make(map[string]string, len(settings))
	for k, raw := range settings {
		var v string
		if err := decodeStrict(raw, &v); err != nil {
			return nil, fmt.Errorf("%s: %s, want a string", jsonobj.Join("body.settings", k), jsonobj.Snippet(raw))
		}
		b.Settings[k] = v
	}
	if !bytes.Equal(bytes.TrimSpace(f["solver"]), []byte("null")) {
		if err := decodeStrict(f["solver"], &b.Solver); err != nil || b.Solver == nil {
			return nil, fmt.Errorf("body.solver: want null or the solver's state in base64")
		}
	}
	if b.History, err = parseHistory(f["history"]); err != nil {
		return nil, err
	}
	if len(b.History) != b.Epoch {
		return nil, fmt.Errorf("body.history: %d epochs, but body.epoch is %d", len(b.History), b.Epoch)
	}
	return b, nil
}

// parseHistory reads the per-epoch statistics, numbered from 1.
func parseHistory(raw json.RawMessage) ([]EpochStats, error) {
	var items []json.RawMessage
	if err := decodeStrict(raw, &items); err != nil || items == nil {
		return nil, fmt.Errorf("body.history: got %s, want an array", jsonobj.Kind(raw))
	}
	h := make([]EpochStats, len(items))
	for i, item := range items {
		path := fmt.Sprintf("body.history[%d]", i)
		f, err := jsonobj.Fields(path, item, historyFields, []string{"epoch", "loss", "seconds"})
		if err != nil {
			return nil, err
		}
		if h[i].Epoch, err = intField(path+".epoch", f["epoch"], i+1, i+1); err != nil {
			return nil, err
		}
		for _, v := range []struct {
			key      string
			dst      *float64
			min, max float64
		}{{"loss", &h[i].Loss, math.Inf(-1), math.Inf(1)}, {"seconds", &h[i].Seconds, 0, math.Inf(1)}, {"val_accuracy", &h[i].ValAccuracy, 0, 1}} {
			raw, ok := f[v.key]
			if !ok {
				continue
			}
			if err := decodeStrict(raw, v.dst); err != nil || math.IsNaN(*v.dst) || *v.dst < v.min || *v.dst > v.max ||
				math.IsInf(*v.dst, 0) {
				return nil, fmt.Errorf("%s.%s: %s, want a finite number in [%g, %g]", path, v.key, jsonobj.Snippet(raw), v.min, v.max)
			}
		}
	}
	return h, nil
}

// intField reads the integer at path, in [lo, hi].
func intField(path string, raw json.RawMessage, lo, hi int) (int, error) {
	var x int64
	if err := decodeStrict(raw, &x); err != nil || x < int64(lo) || x > int64(hi) {
		return 0, fmt.Errorf("%s: %s, want an integer in [%d, %d]", path, jsonobj.Snippet(raw), lo, hi)
	}
	return int(x), nil
}

// decodeStrict decodes one JSON value into v; null is an error, as is a
// number that does not fit v exactly.
func decodeStrict(raw json.RawMessage, v any) error {
	if jsonobj.Kind(raw) == "null" {
		return errors.New("null")
	}
	return json.Unmarshal(raw, v)
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
