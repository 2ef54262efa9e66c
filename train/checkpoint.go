package train

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/internal/jsonobj"
	"github.com/gradgraph/gradgraph/internal/regular"
)

// checkpointFormat names the checkpoint file format and its version.
const checkpointFormat = "gradgraph-checkpoint/3"

// maxCheckpointBytes bounds the size of a checkpoint file Resume reads:
// 1 GiB, some hundred times that of the MNIST network with Adam's state.
const maxCheckpointBytes = 1 << 30

// A checkpoint file is the JSON object
//
//	{"format": "gradgraph-checkpoint/3", "sha256": HEX, "body": {...}}
//
// where HEX is the SHA-256 of the exact bytes of body, so that a file that
// changed after it was written is refused rather than resumed from. The
// body holds everything that determines how the run continues: the
// model's params and state nodes by name (each its dtype, shape and
// little-endian bits in base64, so values come back bit for bit), its
// random streams, the solver's state, the epoch and the history, and every
// setting that changes the result — the seed, the batch size, the dtype,
// drop-last, the caller's Settings and the fingerprints of the training
// and validation data. Shuffling depends only on (seed, epoch), so a
// resumed run continues exactly as an uninterrupted one.
type checkpointBody struct {
	Epoch     int                   `json:"epoch"`
	Seed      uint64                `json:"seed"`
	BatchSize int                   `json:"batch_size"`
	Dtype     string                `json:"dtype"`
	DropLast  bool                  `json:"drop_last"`
	TrainData string                `json:"train_data"`
	ValData   string                `json:"val_data"`
	Settings  map[string]string     `json:"settings"`
	Params    map[string]tensorJSON `json:"params"`
	States    map[string]tensorJSON `json:"states"`
	Streams   [][2]uint64           `json:"streams"`
	Solver    []byte                `json:"solver"`
	History   []EpochStats          `json:"history"`
}

// tensorJSON is a value in a checkpoint: its dtype, shape and elements as
// little-endian bits in base64.
type tensorJSON struct {
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Data  []byte `json:"data"`
}

var (
	fileFields = []string{"format", "sha256", "body"}
	bodyFields = []string{"epoch", "seed", "batch_size", "dtype", "drop_last", "train_data", "val_data", "params", "states", "streams",
		"settings", "solver", "history"}
	historyFields = []string{"epoch", "loss", "val_loss", "val_accuracy", "val_metrics", "seconds"}
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

// fingerprints returns those of the training and validation data,
// computed once.
func (t *Trainer) fingerprints() (trainData, valData string) {
	if t.trainPrint == "" {
		t.trainPrint = t.train.Fingerprint()
		t.valPrint = "none"
		if t.val != nil && t.val.Len() > 0 {
			t.valPrint = t.val.Fingerprint()
		}
	}
	return t.trainPrint, t.valPrint
}

// states returns the graph's state nodes (the running statistics of a
// batch normalisation), which checkpoints save with the params.
func (t *Trainer) states() []*graph.Node {
	var out []*graph.Node
	for _, n := range t.model.Loss.Graph().Nodes() {
		if n.Kind() == graph.KindState {
			out = append(out, n)
		}
	}
	return out
}

// SaveCheckpoint writes the trainer's state to path atomically.
func (t *Trainer) SaveCheckpoint(path string) error {
	trainData, valData := t.fingerprints()
	b := checkpointBody{Epoch: t.epoch, Seed: t.seed, BatchSize: t.batch, Dtype: t.model.Loss.DType().String(),
		DropLast: t.dropLast, TrainData: trainData, ValData: valData, Settings: map[string]string{},
		Params: map[string]tensorJSON{}, States: map[string]tensorJSON{}, Streams: [][2]uint64{}, History: t.history}
	for _, s := range t.settings {
		b.Settings[s.Name] = s.Value
	}
	for _, p := range t.model.Params {
		b.Params[p.Name()] = encodeValue(p)
	}
	for _, n := range t.states() {
		b.States[n.Name()] = encodeValue(n)
	}
	for _, r := range t.model.Streams {
		seed, count := r.State()
		b.Streams = append(b.Streams, [2]uint64{seed, count})
	}
	if b.History == nil {
		b.History = []EpochStats{}
	}
	var err error
	if m, ok := t.opt.(encoding.BinaryMarshaler); ok {
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

// encodeValue returns n's value as a checkpoint holds it.
func encodeValue(n *graph.Node) tensorJSON {
	v := n.Storage()
	var buf []byte
	switch v.DType() {
	case graph.Float32:
		buf = make([]byte, 0, 4*len(v.F32))
		for _, x := range v.F32 {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
		}
	case graph.Float64:
		buf = make([]byte, 0, 8*len(v.F64))
		for _, x := range v.F64 {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
		}
	}
	return tensorJSON{DType: v.DType().String(), Shape: append([]int{}, n.Shape()...), Data: buf}
}

// decodeInto checks that a checkpoint's value fits n (dtype and shape) and
// copies it in; path names the field in errors.
func decodeInto(path string, tj tensorJSON, n *graph.Node) error {
	if tj.DType != n.DType().String() {
		return fmt.Errorf("%s.dtype: %q, want %q", path, tj.DType, n.DType())
	}
	if !graph.Shape(tj.Shape).Equal(n.Shape()) {
		return fmt.Errorf("%s.shape: %v, want %v", path, tj.Shape, []int(n.Shape()))
	}
	v := n.Storage()
	switch v.DType() {
	case graph.Float32:
		if len(tj.Data) != 4*len(v.F32) {
			return fmt.Errorf("%s.data: %d bytes, want %d", path, len(tj.Data), 4*len(v.F32))
		}
		for i := range v.F32 {
			v.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(tj.Data[4*i:]))
		}
	case graph.Float64:
		if len(tj.Data) != 8*len(v.F64) {
			return fmt.Errorf("%s.data: %d bytes, want %d", path, len(tj.Data), 8*len(v.F64))
		}
		for i := range v.F64 {
			v.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(tj.Data[8*i:]))
		}
	default:
		return fmt.Errorf("%s.dtype: %s cannot be checkpointed", path, v.DType())
	}
	return nil
}

// Resume restores the state saved by SaveCheckpoint into a trainer created
// with the same model, data, batch size, seed, drop-last, dtype and
// Settings, so that Run continues where the saved run stopped. Every field
// of the file is checked (its checksum first); a setting that differs is a
// *MismatchError. After an error the trainer may hold part of the
// checkpoint's state: make a new one.
func (t *Trainer) Resume(path string) error {
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
		{"seed", strconv.FormatUint(b.Seed, 10), strconv.FormatUint(t.seed, 10)},
		{"batch_size", strconv.Itoa(b.BatchSize), strconv.Itoa(t.batch)},
		{"dtype", b.Dtype, t.model.Loss.DType().String()},
		{"drop_last", strconv.FormatBool(b.DropLast), strconv.FormatBool(t.dropLast)},
	}
	// The run's settings in its order, then those only the checkpoint has.
	run := map[string]string{}
	for _, s := range t.settings {
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
	trainData, valData := t.fingerprints()
	if err := mismatch("train_data", b.TrainData, trainData); err != nil {
		return err
	}
	if err := mismatch("val_data", b.ValData, valData); err != nil {
		return err
	}
	u, restores := t.opt.(encoding.BinaryUnmarshaler)
	switch {
	case restores && b.Solver == nil:
		return fmt.Errorf("train: resume: %s: solver: missing, and this run's optimizer keeps a state", path)
	case !restores && b.Solver != nil:
		return fmt.Errorf("train: resume: %s: solver: this run's optimizer (%T) cannot restore a state", path, t.opt)
	}
	if err := restoreNodes(path, "params", b.Params, t.model.Params); err != nil {
		return err
	}
	if err := restoreNodes(path, "states", b.States, t.states()); err != nil {
		return err
	}
	if len(b.Streams) != len(t.model.Streams) {
		return fmt.Errorf("train: resume: %s: body.streams: %d random streams, the model has %d", path, len(b.Streams), len(t.model.Streams))
	}
	for i, st := range b.Streams {
		t.model.Streams[i].SetState(st[0], st[1])
	}
	if restores {
		if err := u.UnmarshalBinary(b.Solver); err != nil {
			return fmt.Errorf("train: resume: %s: solver: %v", path, err)
		}
		// Every epoch takes the same number of steps: the state must be
		// that of the end of epoch b.Epoch.
		if s, ok := t.opt.(interface{ Steps() int }); ok {
			if want := b.Epoch * t.sampler.NumBatches(); s.Steps() != want {
				return fmt.Errorf("train: resume: %s: solver: %d steps taken, want %d (%d epochs of %d batches)",
					path, s.Steps(), want, b.Epoch, t.sampler.NumBatches())
			}
		}
	}
	t.epoch = b.Epoch
	t.history = b.History
	return nil
}

// restoreNodes copies the checkpoint's values of field (params or states)
// into nodes, which must be exactly the names the checkpoint has.
func restoreNodes(path, field string, saved map[string]tensorJSON, nodes []*graph.Node) error {
	names := map[string]bool{}
	for _, n := range nodes {
		names[n.Name()] = true
		tj, ok := saved[n.Name()]
		if !ok {
			return fmt.Errorf("train: resume: %s: body.%s: no %s, which the model has", path, field, n.Name())
		}
		if err := decodeInto(jsonobj.Join("body."+field, n.Name()), tj, n); err != nil {
			return fmt.Errorf("train: resume: %s: %w", path, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(saved)) {
		if !names[k] {
			return fmt.Errorf("train: resume: %s: %s: the model has no such value", path, jsonobj.Join("body."+field, k))
		}
	}
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
	b := &checkpointBody{}
	if b.Params, err = parseValues("body.params", f["params"]); err != nil {
		return nil, err
	}
	if b.States, err = parseValues("body.states", f["states"]); err != nil {
		return nil, err
	}
	if err := decodeStrict(f["streams"], &b.Streams); err != nil || b.Streams == nil {
		return nil, fmt.Errorf("body.streams: %s, want a list of [seed, count] pairs", jsonobj.Snippet(f["streams"]))
	}
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

// parseValues reads the values of a checkpoint's params or states, by name.
func parseValues(path string, raw json.RawMessage) (map[string]tensorJSON, error) {
	items, err := jsonobj.Fields(path, raw, nil, nil)
	if err != nil {
		return nil, err
	}
	fields := []string{"dtype", "shape", "data"}
	out := make(map[string]tensorJSON, len(items))
	for name, item := range items {
		p := jsonobj.Join(path, name)
		f, err := jsonobj.Fields(p, item, fields, fields)
		if err != nil {
			return nil, err
		}
		var tj tensorJSON
		if err := decodeStrict(f["dtype"], &tj.DType); err != nil {
			return nil, fmt.Errorf("%s.dtype: %s, want a string", p, jsonobj.Snippet(f["dtype"]))
		}
		if err := decodeStrict(f["shape"], &tj.Shape); err != nil || len(tj.Shape) > graph.MaxRank {
			return nil, fmt.Errorf("%s.shape: %s, want a list of at most %d lengths", p, jsonobj.Snippet(f["shape"]), graph.MaxRank)
		}
		for _, d := range tj.Shape {
			if d < 0 {
				return nil, fmt.Errorf("%s.shape: %v has a negative length", p, tj.Shape)
			}
		}
		if err := decodeStrict(f["data"], &tj.Data); err != nil {
			return nil, fmt.Errorf("%s.data: want the values' bits in base64", p)
		}
		out[name] = tj
	}
	return out, nil
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
		}{{"loss", &h[i].Loss, math.Inf(-1), math.Inf(1)}, {"seconds", &h[i].Seconds, 0, math.Inf(1)}, {"val_accuracy", &h[i].ValAccuracy, 0, 1},
			{"val_loss", &h[i].ValLoss, math.Inf(-1), math.Inf(1)}} {
			raw, ok := f[v.key]
			if !ok {
				continue
			}
			if err := decodeStrict(raw, v.dst); err != nil || math.IsNaN(*v.dst) || *v.dst < v.min || *v.dst > v.max ||
				math.IsInf(*v.dst, 0) {
				return nil, fmt.Errorf("%s.%s: %s, want a finite number in [%g, %g]", path, v.key, jsonobj.Snippet(raw), v.min, v.max)
			}
		}
		if raw, ok := f["val_metrics"]; ok {
			m, err := jsonobj.Fields(path+".val_metrics", raw, nil, nil)
			if err != nil {
				return nil, err
			}
			h[i].ValMetrics = make(map[string]float64, len(m))
			for k, r := range m {
				var x float64
				if err := decodeStrict(r, &x); err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
					return nil, fmt.Errorf("%s: %s, want a finite number", jsonobj.Join(path+".val_metrics", k), jsonobj.Snippet(r))
				}
				h[i].ValMetrics[k] = x
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
