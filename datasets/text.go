package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Text is a corpus of bytes for a character-level (byte-level) language
// model: a training and a validation text, each the concatenation of whole
// files, split by file so that no file is in both, and the vocabulary of
// the bytes that occur.
//
// A sample is a window: for a context of T bytes, window k of a text is the
// input text[k : k+T] and the target text[k+1 : k+T+1], each byte as its
// token id (its index in Vocab).
type Text struct {
	// Name describes the corpus in messages ("go-src").
	Name string
	// Train and Val are the texts, as token ids.
	Train, Val []byte
	// Vocab lists the bytes that occur, ascending; token i is Vocab[i].
	Vocab []byte
	// Files is the number of files read, and ValFiles of those in Val.
	Files, ValFiles int

	token [256]int16 // byte → token id, -1 when absent
}

// maxTextBytes bounds a corpus read into memory: 1 GiB.
const maxTextBytes = 1 << 30

// GoSource reads the .go files under root (the Go distribution's source,
// $(go env GOROOT)/src, exists on every machine with Go) and splits them,
// by file, into a training and a validation text: each file goes to Val
// with probability valFraction, decided by the seed and the file's path
// alone, so the split does not depend on which other files exist. Files
// named *_test.go and directories named testdata are skipped; at most
// maxBytes bytes are read (0: no limit but 1 GiB), in sorted path order.
func GoSource(root string, valFraction float64, seed uint64, maxBytes int) (*Text, error) {
	if !(valFraction > 0 && valFraction < 1) {
		return nil, fmt.Errorf("datasets: go source: validation fraction %g, want (0, 1)", valFraction)
	}
	if maxBytes <= 0 || maxBytes > maxTextBytes {
		maxBytes = maxTextBytes
	}
	var paths []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if e.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") && e.Type().IsRegular() {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("datasets: go source: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("datasets: go source: no .go files under %s", root)
	}
	sort.Strings(paths)
	t := &Text{Name: "go-src"}
	var train, val bytes.Buffer
	total := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("datasets: go source: %w", err)
		}
		if total+len(data) > maxBytes {
			break
		}
		total += len(data)
		t.Files++
		rel, _ := filepath.Rel(root, p)
		if inVal(rel, seed, valFraction) {
			t.ValFiles++
			val.Write(data)
		} else {
			train.Write(data)
		}
	}
	if train.Len() == 0 || val.Len() == 0 {
		return nil, errors.New("datasets: go source: too few files for a training and a validation text")
	}
	t.index(train.Bytes(), val.Bytes())
	return t, nil
}

// inVal decides, from the seed and the file's path, whether a file goes to
// the validation text.
func inVal(path string, seed uint64, fraction float64) bool {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d:%s", seed, filepath.ToSlash(path))))
	u := uint64(h[0])<<56 | uint64(h[1])<<48 | uint64(h[2])<<40 | uint64(h[3])<<32 |
		uint64(h[4])<<24 | uint64(h[5])<<16 | uint64(h[6])<<8 | uint64(h[7])
	return float64(u>>11)/(1<<53) < fraction
}

// NewText returns a corpus of the given training and validation texts.
func NewText(name string, train, val []byte) *Text {
	t := &Text{Name: name}
	t.index(append([]byte(nil), train...), append([]byte(nil), val...))
	return t
}

// index builds the vocabulary of train and val and maps both to token ids
// in place.
func (t *Text) index(train, val []byte) {
	var seen [256]bool
	for _, b := range train {
		seen[b] = true
	}
	for _, b := range val {
		seen[b] = true
	}
	for i := range t.token {
		t.token[i] = -1
	}
	for b := 0; b < 256; b++ {
		if seen[b] {
			t.token[b] = int16(len(t.Vocab))
			t.Vocab = append(t.Vocab, byte(b))
		}
	}
	for i, b := range train {
		train[i] = byte(t.token[b])
	}
	for i, b := range val {
		val[i] = byte(t.token[b])
	}
	t.Train, t.Val = train, val
}

// Token returns the token id of byte b, or -1 when b is not in the
// vocabulary.
func (t *Text) Token(b byte) int { return int(t.token[b]) }

// Decode returns the bytes of token ids.
func (t *Text) Decode(ids []int64) []byte {
	out := make([]byte, len(ids))
	for i, id := range ids {
		if id >= 0 && int(id) < len(t.Vocab) {
			out[i] = t.Vocab[id]
		} else {
			out[i] = '?'
		}
	}
	return out
}

// Windows returns the number of windows of context ctx in text: the
// samples a model trained on it sees.
func Windows(text []byte, ctx int) int { return max(0, len(text)-ctx) }

// FillWindows writes the windows starting at starts into x and y with the
// samples first: x[k*ctx+j] = text[starts[k]+j] and y[k*ctx+j] =
// text[starts[k]+j+1], as int64 token ids (the inputs of an embedding and
// the labels of a class loss). It never allocates, and panics, like an
// out-of-range index, for a start beyond the last window.
func FillWindows(text []byte, ctx int, starts []int, x, y []int64) {
	for k, s := range starts {
		w := text[s : s+ctx+1]
		for j := 0; j < ctx; j++ {
			x[k*ctx+j] = int64(w[j])
			y[k*ctx+j] = int64(w[j+1])
		}
	}
}

// Fingerprint identifies the corpus's content: the SHA-256 of its
// vocabulary and texts.
func (t *Text) Fingerprint() string {
	h := sha256.New()
	h.Write(t.Vocab)
	fmt.Fprintf(h, "|%d|", len(t.Train))
	h.Write(t.Train)
	h.Write(t.Val)
	return hex.EncodeToString(h.Sum(nil))
}

// UnigramBits returns the entropy, in bits per token, of the token
// frequencies of the training text, measured on the validation text: the
// cross-entropy of the best model that ignores context (add-one smoothed
// counts), the baseline a language model must beat.
func (t *Text) UnigramBits() float64 {
	counts := make([]float64, len(t.Vocab))
	for _, b := range t.Train {
		counts[b]++
	}
	total := float64(len(t.Train) + len(counts))
	var bits float64
	for _, b := range t.Val {
		bits -= math.Log2((counts[b] + 1) / total)
	}
	return bits / float64(len(t.Val))
}
